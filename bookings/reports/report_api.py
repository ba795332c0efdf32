"""The reports API (issue 22): every report's figures and tables as JSON, for a period and a
centre. One generic handler over the reports' Figure and Table shapes: it asks
bookings.reports.services.report_page, the pages' own service, so the numbers, the filters'
messages and who sees which centre are the pages'. The tables leave as the exports leave
(rules.suppressed_table: counts of fewer than five people as "<5", a second cell "x"), never
with more detail than the page and its files show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter

from bookings.reports import exports
from bookings.reports.rules import Figure, Table, suppressed_table
from bookings.reports.services import REPORTS, report_page
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController
from rental.kernel.errors import DomainError
from rental.kernel.web import current_user

# --- what the API answers ----------------------------------------------------------------------


@dataclass
class ReportItem:
    name: str  # usage, condition, money, donor, network
    title: str  # in the reader's language


@dataclass
class FigureOut:
    """A headline figure. `value` and `previous` by `kind`: money as Money, count, people and
    days as numbers, percent as a number of per cent; null where there is nothing."""

    key: str
    label: str
    kind: str
    value: Any
    previous: Any  # the period before; null for a figure of now (deposits held, owed)
    change: float | None  # from the period before, in per cent


@dataclass
class ColumnOut:
    key: str
    heading: str
    # text, name, localized, choice: a string in the reader's language; count, days: a number;
    # people: a number, or "<5" / "x" where hidden; money: Money or null; percent and change
    # (from the period before): a number of per cent or null; sparkline: a list of numbers;
    # date: YYYY-MM-DD
    kind: str


@dataclass
class TableOut:
    name: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]  # by column key
    total: dict[str, Any] | None  # the total row's cells (some columns have none), or null
    note: str | None


@dataclass
class PeriodOut:
    kind: str  # month, quarter, year, dates
    starts_on: date
    ends_on: date  # inclusive
    label: str


@dataclass
class ReportOut:
    name: str
    title: str
    period: PeriodOut
    centre: int | None  # the one centre, or null: every centre the reader may see
    figures: list[FigureOut]
    tables: list[TableOut]


def _value(value: Any, kind: str) -> Any:
    if kind == "money":
        return None if value is None else api.money(round(value))
    return value


def _cell(row: dict[str, Any], column: Any) -> Any:
    """A cell typed by its column's kind; names and choices as the export writes them."""
    value = row.get(column.key)
    if column.kind in ("money", "people") and isinstance(value, str):
        return value  # "<5" or "x": hidden
    if column.kind == "money":
        return _value(value, "money")
    if column.kind == "sparkline":
        return list(value or ())
    return exports.cell(row, column)


def _table(table: Table) -> TableOut:
    shown = suppressed_table(table)
    total = None
    if shown.total:
        total = {c.key: _cell(shown.total, c) for c in shown.columns[1:] if c.key in shown.total
                 and c.kind not in ("name", "localized", "sparkline")}
    return TableOut(
        name=shown.name, title=i18n.gettext(shown.title),
        columns=[ColumnOut(c.key, i18n.gettext(c.heading), c.kind) for c in shown.columns],
        rows=[{c.key: _cell(row, c) for c in shown.columns} for row in shown.rows],
        total=total, note=i18n.gettext(shown.note) if shown.note else None)


def _figure(figure: Figure) -> FigureOut:
    return FigureOut(key=figure.key, label=i18n.gettext(figure.label), kind=figure.kind,
                     value=_value(figure.value, figure.kind),
                     previous=_value(figure.previous, figure.kind), change=figure.change)


def report_out(view: dict[str, Any]) -> ReportOut:
    """A report page's view (services.report_page) as the API answers it."""
    period = view["period"]
    data = view["data"]
    return ReportOut(
        name=view["name"], title=i18n.gettext(view["title"]),
        period=PeriodOut(period.kind, period.starts, period.ends, view["period_label"]),
        centre=view["centre"],
        # the dashboard shows no headline: its one figure is its table's total
        figures=[_figure(f) for f in data["headline"]] if view["show_figures"] else [],
        tables=[_table(t) for t in data["tables"]])


# --- the examples ------------------------------------------------------------------------------

REPORT_LIST = [{"name": "usage", "title": "Usage"},
               {"name": "condition", "title": "Condition and maintenance"},
               {"name": "money", "title": "Money"}, {"name": "donor", "title": "Donor indicators"},
               {"name": "network", "title": "Network dashboard"}]
REPORT = {
    "name": "money", "title": "Money",
    "period": {"kind": "month", "starts_on": "2026-11-01", "ends_on": "2026-11-30",
               "label": "November 2026"},
    "centre": 1,
    "figures": [{"key": "collected", "label": "Collected", "kind": "money",
                 "value": {"tetri": 125000, "text": "1 250,00 ₾"},
                 "previous": {"tetri": 100000, "text": "1 000,00 ₾"}, "change": 25.0}],
    "tables": [{"name": "by_centre", "title": "By centre",
                "columns": [{"key": "name", "heading": "Centre", "kind": "name"},
                            {"key": "collected", "heading": "Collected", "kind": "money"},
                            {"key": "members", "heading": "Members", "kind": "people"}],
                "rows": [{"name": "Samgori centre",
                          "collected": {"tetri": 125000, "text": "1 250,00 ₾"},
                          "members": "<5"}],
                "total": None, "note": None}],
}

# --- the controller ----------------------------------------------------------------------------


class ReportApi(ApiController):
    path = "/api/v1/reports"
    opt = {"access": "staff"}
    tags = ["reports"]

    @get("/", operation_id="listReports", responses=api.answer(
        200, list[ReportItem], REPORT_LIST))
    async def reports(self) -> list[ReportItem]:
        """The reports, in the order of the pages' tabs."""
        return [ReportItem(name, i18n.gettext(title)) for name, (_, title) in REPORTS.items()]

    @get("/{name:str}", operation_id="getReport", responses={
        **api.refusals(404, 422), **api.answer(200, ReportOut, REPORT)})
    async def report(
        self, request: Request, name: str,
        period: Annotated[str, Parameter(max_length=20, description=(
            "month (the default), quarter, year or dates"))] = "",
        on: Annotated[str, Parameter(max_length=20, description=(
            "a day in the month, quarter or year (YYYY-MM-DD; a month also YYYY-MM); "
            "today if none"))] = "",
        starts: Annotated[str, Parameter(query="from", max_length=20, description=(
            "dates: the first day, YYYY-MM-DD"))] = "",
        ends: Annotated[str, Parameter(query="to", max_length=20, description=(
            "dates: the last day, YYYY-MM-DD (at most 10 years)"))] = "",
        centre: Annotated[str, Parameter(max_length=20, description=(
            "a centre's id, or all (the default: every centre the reader may see; desk staff "
            "of one centre: theirs); another centre's for desk staff: 403"))] = "",
    ) -> ReportOut:
        """One report's figures and tables for a period and a centre, the same numbers as its
        page; counts of fewer than five people in the tables as the exports show them. Bad
        filters: 422 with the page's messages."""
        view = await report_page(
            current_user(request), name,
            {"period": period, "on": on, "from": starts, "to": ends, "centre": centre},
            today=web.today(request), default_zone=request.app.state.settings.default_timezone)
        if view["errors"]:
            raise DomainError("invalid", view["errors"])
        return report_out(view)


CONTROLLERS = [ReportApi]
