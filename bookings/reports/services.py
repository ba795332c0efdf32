"""The report pages' one service: which centres a visitor asked for and may see, the period the
URL names, one report's figures over one read snapshot, and the file an export downloads.

Desk staff see their own centres; coordinators and admins see all; members see none (the
route's access says so). The filters live in the URL (period, on, from, to, centre), so a report
can be bookmarked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from bookings.reports import exports, summaries
from bookings.reports.queries import (
    Scope,
    centres,
    condition,
    donor,
    money,
    network,
    usage,
)
from bookings.reports.rules import Period, columns, parse_period
from rental.kernel import i18n
from rental.kernel.db import read_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.web import choice_label

# the reports in the order of their tabs: what builds each, and its title
REPORTS = {
    "usage": (usage, N_("Usage")),
    "condition": (condition, N_("Condition and maintenance")),
    "money": (money, N_("Money")),
    "donor": (donor, N_("Donor indicators")),
    "network": (network, N_("Network dashboard")),
}
FILTERS = ("period", "on", "from", "to", "centre")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportError(DomainError):
    """A report refused."""


class NotFound(ReportError):
    """No such report, or no such table in it."""

    def __init__(self) -> None:
        super().__init__("not_found", {"form": N_("There is no page at this address.")})


class NotAllowed(ReportError):
    """The visitor asked for a centre they do not work at."""

    def __init__(self) -> None:
        super().__init__("forbidden", {"form": N_("You do not have access to this page.")})


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str
    filename: str


def period_label(period: Period) -> str:
    if period.kind == "month":
        return i18n.format_month(period.starts.strftime("%Y-%m"), "LLLL y")
    if period.kind == "quarter":
        return i18n.gettext("Quarter %(quarter)s, %(year)s",
                            quarter=(period.starts.month - 1) // 3 + 1, year=period.starts.year)
    if period.kind == "year":
        return str(period.starts.year)
    return f"{i18n.format_date(period.starts)} – {i18n.format_date(period.ends)}"


def point_text(label: Any) -> str:
    """A chart point's label as the page shows it: a row's name, a month, a stored choice."""
    if isinstance(label, Mapping):
        return i18n.localized(label, "name")
    if isinstance(label, str) and len(label) == 7 and label[4] == "-":
        return i18n.format_month(label)
    return choice_label(label) if isinstance(label, str) else str(label)


def value_text(value: float, kind: str) -> str:
    """A chart's number as the page shows it (money in tetri)."""
    if kind == "money":
        return i18n.format_money(round(value))
    if kind == "percent":
        return i18n.format_share(value)
    return i18n.format_number(value)


def _scope(visitor: CurrentUser, text: str, listed: list[dict[str, Any]], default_zone: str
           ) -> tuple[Scope, int | None, dict[str, Any]]:
    """The centres a visitor asked for and may see: (scope, the one centre or None, errors)."""
    mine = tuple(sorted(c["id"] for c in listed if visitor.can_act_for(c["id"])))
    every = None if visitor.all_centres else mine
    text = text.strip()
    # desk staff of one centre mean theirs when they name none
    if not text and len(mine) == 1 and not visitor.all_centres:
        text = str(mine[0])
    if not text or text == "all":
        return Scope(every, default_zone), None, {}
    found = next((c for c in listed if str(c["id"]) == text), None)
    if found is None:
        return Scope(every, default_zone), None, {"centre": N_("There is no such centre.")}
    if not visitor.can_act_for(found["id"]):
        raise NotAllowed()
    return Scope((found["id"],), found["timezone"]), found["id"], {}


async def report_page(visitor: CurrentUser, name: str, filters: Mapping[str, str], *,
                      today: date, default_zone: str) -> dict[str, Any]:
    """One report as its page shows it: the figures (None while the filters have errors),
    the filters, the centres the visitor may choose and the links to the periods around."""
    if name not in REPORTS:
        raise NotFound()
    params = {key: filters.get(key, "") for key in FILTERS}
    period, errors = parse_period(params, today)
    build, title = REPORTS[name]
    if not errors:
        await summaries.bring_up_to_date(default_zone, today)
    async with read_transaction():
        listed = await centres()
        scope, centre, centre_errors = _scope(visitor, params["centre"], listed, default_zone)
        errors.update(centre_errors)
        data = None if errors else await build(scope, period, today)
    for chart in data["charts"] if data else ():
        chart.meta = columns(chart.points, labels=[point_text(label) for label, _ in chart.points],
                             format_value=lambda value, kind=chart.kind: value_text(value, kind))
    query = {**period.query(), "centre": "" if centre is None else str(centre)}
    return {
        "name": name, "title": title, "data": data, "errors": errors,
        "reports": {key: entry[1] for key, entry in REPORTS.items()},
        # the dashboard's one figure is its table's total; only the donor report counts people
        "show_figures": name != "network", "suppression_note": name == "donor",
        "params": params, "period": period, "period_label": period_label(period),
        "previous_label": period_label(period.previous()),
        "centre_options": [(str(c["id"]), i18n.localized(c, "name")) for c in listed
                           if visitor.can_act_for(c["id"])], "centre": centre,
        "query": urlencode(query),
        "previous_query": urlencode({**period.previous().query(), "centre": query["centre"]}),
        "next_query": urlencode({**period.next().query(), "centre": query["centre"]}),
        "centre_name": next((i18n.localized(c, "name") for c in listed if c["id"] == centre),
                            None),
    }


async def report_download(visitor: CurrentUser, name: str, filters: Mapping[str, str], *,
                          format: str, table: str, today: date, default_zone: str
                          ) -> Download | None:
    """A report as a file: one table as CSV, or every table as XLSX, with the small counts of
    people hidden. None when the filters or the format are not valid."""
    view = await report_page(visitor, name, filters, today=today, default_zone=default_zone)
    if view["errors"] or format not in ("csv", "xlsx"):
        return None
    tables = view["data"]["tables"]
    stamp = f"{view['period'].starts:%Y%m%d}-{view['period'].ends:%Y%m%d}"
    if format == "xlsx":
        return Download(exports.xlsx_bytes(i18n.plain_gettext(view["title"]), tables,
                                           view["period_label"]), XLSX, f"{name}-{stamp}.xlsx")
    chosen = next((t for t in tables if t.name == table), None)
    if chosen is None:
        raise NotFound()
    return Download(exports.csv_bytes(chosen), "text/csv; charset=utf-8",
                    f"{name}-{chosen.name}-{stamp}.csv")
