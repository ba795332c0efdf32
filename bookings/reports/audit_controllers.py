"""The audit trail's page and its CSV file (bookings.reports.audit_trail decides who sees
which rows)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.response import Template

from bookings.reports.audit_trail import audit_csv, audit_page
from rental.kernel import i18n, web
from rental.kernel.web import current_user

_FILTERS = ("member", "unit", "actor", "action", "from", "to", "centre", "page")


def _params(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "")[:60] for key in _FILTERS}


class AuditPages(Controller):
    path = "/audit"
    opt = {"access": "staff"}

    @get("/")
    async def search(self, request: Request) -> Template:
        view = await audit_page(current_user(request), _params(request), today=web.today(request),
                                default_zone=request.app.state.settings.default_timezone)
        return Template("bookings/reports/audit.html", context=view,
                        status_code=400 if view["errors"] else 200)

    @get("/export")
    async def export(self, request: Request) -> Response[bytes]:
        content = await audit_csv(current_user(request), _params(request),
                                  today=web.today(request),
                                  default_zone=request.app.state.settings.default_timezone)
        if content is None:  # a file has no page to show the filters' messages on
            return Response(content=i18n.gettext("The search's filters are not valid.").encode(),
                            media_type="text/plain; charset=utf-8", status_code=400)
        return Response(content=content, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="audit-{web.today(request)}.csv"',
            "cache-control": "no-store"})


CONTROLLERS = [AuditPages]
