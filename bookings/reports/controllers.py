"""Coordinator reports: the network dashboard, four reports, their CSV and XLSX exports.

Each handler reads the filters from the URL and asks bookings.reports.services for the page or
the file; who sees which centres is decided there."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.response import Template

from bookings.reports.services import FILTERS, report_download, report_page
from bookings.reports.translations import missing_translations_page
from rental.kernel import i18n, web
from rental.kernel.web import current_user


def _filters(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "")[:20] for key in FILTERS}


async def _page(request: Request, name: str) -> Template:
    view = await report_page(current_user(request), name, _filters(request),
                             today=web.today(request),
                             default_zone=request.app.state.settings.default_timezone)
    return Template("bookings/reports/report.html", context=view,
                    status_code=400 if view["errors"] else 200)


class ReportPages(Controller):
    path = "/reports"
    opt = {"access": "staff"}

    @get("/")
    async def dashboard(self, request: Request) -> Template:
        page = await _page(request, "network")
        warn = request.app.state.get("backup_warning")  # set by the app factory
        page.context["backup_warning"] = bool(warn and warn(current_user(request)))
        return page

    @get("/{name:str}")
    async def report(self, request: Request, name: str) -> Template:
        return await _page(request, name)

    @get("/{name:str}/export")
    async def export(self, request: Request, name: str, format: str = "xlsx",
                     table: str = "") -> Response[bytes]:
        download = await report_download(
            current_user(request), name, _filters(request), format=format, table=table,
            today=web.today(request), default_zone=request.app.state.settings.default_timezone)
        if download is None:  # a file has no page to show the filters' messages on
            return Response(content=i18n.gettext("The report's filters are not valid.").encode(),
                            media_type="text/plain; charset=utf-8", status_code=400)
        return Response(content=download.content, media_type=download.media_type, headers={
            "content-disposition": f'attachment; filename="{download.filename}"'})


class TranslationPages(Controller):
    """The texts not yet written in a language, for the coordinator who writes them."""

    path = "/manage/translations"
    opt = {"access": "coordinator"}

    @get("/")
    async def missing(self, request: Request) -> Template:
        return Template("bookings/reports/translations.html",
                        context=await missing_translations_page(now=web.now(request)))


CONTROLLERS = [ReportPages, TranslationPages]
