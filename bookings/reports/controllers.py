"""Coordinator reports: the network dashboard, four reports, their CSV and XLSX exports.

Desk staff see their own centres; coordinators and admins see all; members see none. The
filters live in the URL (period, on, from, to, centre), so a report can be bookmarked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Template

from bookings.reports import exports as report_exports
from bookings.reports import figures as reports
from bookings.reports.rules import Period, columns, parse_period
from rental.kernel import i18n, web
from rental.kernel.i18n import N_
from rental.kernel.web import current_user

REPORTS = {
    "usage": (reports.usage, N_("Usage")),
    "condition": (reports.condition, N_("Condition and maintenance")),
    "money": (reports.money, N_("Money")),
    "donor": (reports.donor, N_("Donor indicators")),
    "network": (reports.network, N_("Network dashboard")),
}


def period_label(period: Period) -> str:
    if period.kind == "month":
        return i18n.format_month(period.starts.strftime("%Y-%m"), "LLLL y")
    if period.kind == "quarter":
        return i18n.gettext("Quarter %(quarter)s, %(year)s",
                            quarter=(period.starts.month - 1) // 3 + 1, year=period.starts.year)
    if period.kind == "year":
        return str(period.starts.year)
    return f"{i18n.format_date(period.starts)} – {i18n.format_date(period.ends)}"


async def _scope(request: Request, text: str, listed: list[dict[str, Any]]
                 ) -> tuple[reports.Scope, int | None, dict[str, Any]]:
    """The centres a visitor asked for and may see: (scope, the one centre or None, errors)."""
    user = current_user(request)
    default_zone = request.app.state.settings.default_timezone
    mine = tuple(sorted(c["id"] for c in listed if user.can_act_for(c["id"])))
    every = None if user.all_centres else mine
    text = text.strip()
    if not text and len(mine) == 1 and not user.all_centres:
        text = str(mine[0])
    if not text or text == "all":
        return reports.Scope(every, default_zone), None, {}
    found = next((c for c in listed if str(c["id"]) == text), None)
    if found is None:
        return reports.Scope(every, default_zone), None, {
            "centre": N_("There is no such centre.")}
    if not user.can_act_for(found["id"]):
        raise PermissionDeniedException()
    return reports.Scope((found["id"],), found["timezone"]), found["id"], {}


async def _report(request: Request, name: str) -> dict[str, Any]:
    if name not in REPORTS:
        raise NotFoundException()
    params = {key: request.query_params.get(key, "")[:20]
              for key in ("period", "on", "from", "to", "centre")}
    today = web.today(request)
    period, errors = parse_period(params, today)
    listed = await reports.centres()
    scope, centre, centre_errors = await _scope(request, params["centre"], listed)
    errors.update(centre_errors)
    build, title = REPORTS[name]
    data = None if errors else await build(scope, period, today)
    for chart in data["charts"] if data else ():
        chart.meta = columns(chart.points)
    user = current_user(request)
    query = {**period.query(), "centre": "" if centre is None else str(centre)}
    return {
        "name": name, "title": title, "reports": REPORTS, "data": data, "errors": errors,
        "params": params, "period": period, "period_label": period_label(period),
        "previous_label": period_label(period.previous()),
        "centre_options": [(str(c["id"]), i18n.localized(c, "name")) for c in listed
                           if user.can_act_for(c["id"])], "centre": centre,
        "query": urlencode(query),
        "previous_query": urlencode({**period.previous().query(), "centre": query["centre"]}),
        "next_query": urlencode({**period.next().query(), "centre": query["centre"]}),
        "centre_name": next((i18n.localized(c, "name") for c in listed if c["id"] == centre),
                            None),
    }


async def _page(request: Request, name: str) -> Template:
    view = await _report(request, name)
    return Template("bookings/reports/report.html", context=view,
                    status_code=400 if view["errors"] else 200)


class ReportPages(Controller):
    path = "/reports"
    opt = {"access": "staff"}

    @get("/")
    async def dashboard(self, request: Request) -> Template:
        return await _page(request, "network")

    @get("/{name:str}")
    async def report(self, request: Request, name: str) -> Template:
        return await _page(request, name)

    @get("/{name:str}/export")
    async def export(self, request: Request, name: str, format: str = "xlsx",
                     table: str = "") -> Response[bytes]:
        view = await _report(request, name)
        if view["errors"] or format not in ("csv", "xlsx"):
            return Response(content=i18n.gettext("The report's filters are not valid.").encode(),
                            media_type="text/plain; charset=utf-8", status_code=400)
        tables = view["data"]["tables"]
        if format == "csv":
            chosen = next((t for t in tables if t.name == table), None)
            if chosen is None:
                raise NotFoundException()
            content = report_exports.csv_bytes(chosen)
            filename = f"{name}-{chosen.name}-{_stamp(view['period'])}.csv"
            media = "text/csv; charset=utf-8"
        else:
            content = report_exports.xlsx_bytes(i18n.plain_gettext(view["title"]), tables,
                                                view["period_label"])
            filename = f"{name}-{_stamp(view['period'])}.xlsx"
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(content=content, media_type=media, headers={
            "content-disposition": f'attachment; filename="{filename}"'})


def _stamp(period: Period) -> str:
    return f"{period.starts:%Y%m%d}-{period.ends:%Y%m%d}"


CONTROLLERS = [ReportPages]
