"""The network dashboard: one row per centre with its loans, borrowers, new members, money
collected, sessions held and their attendees, against the previous period, and the loans of
the last twelve months as a sparkline."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from bookings.reports import loan_summaries
from bookings.reports.queries import figures
from bookings.reports.queries.common import (
    Scope,
    centres,
    fetch,
    held_values,
    number,
    period_values,
)
from bookings.reports.rules import Column, Figure, Period, Table, change, months, sparkline
from rental.kernel.db import month_of_day, read_transaction
from rental.kernel.i18n import N_

# {month}: the month of b.starts_on; from $y0, the first of the twelve months
LOANS_BY_CENTRE_AND_MONTH = """
    SELECT b.centre, {month} AS month, COUNT(*) AS loans
    FROM booking b WHERE b.status IN {loan} AND b.starts_on BETWEEN $y0 AND $p1
      {in_centres[b.centre]}
    GROUP BY b.centre, {month}"""

# the same from the loan summary: {loans} is loan_summaries.loans() by centre from $y0
SUMMARY_BY_CENTRE_AND_MONTH = """
    SELECT x.item AS centre, x.month, SUM(x.loans) AS loans FROM ({loans}) x
    WHERE x.month >= $y_month GROUP BY x.item, x.month"""

# the row of new members the desk gave no home centre (they count for the network only)
NO_HOME_CENTRE = N_("No home centre")


async def network(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """One row per centre: loans, borrowers, new members, collected, sessions and attendees,
    against the previous period, and the loans of the last twelve months as a sparkline. Each
    figure is the one every report shows (queries.figures); new members without a home centre
    have a row of their own, so that the rows add up to the network's total."""
    v = period_values(scope, period, today)
    v["yes"] = True
    v.update(held_values(v, scope, today))
    year = [label for label, _, _ in months(Period(
        "dates", (period.ends.replace(day=1) - timedelta(days=335)).replace(day=1),
        period.ends))][-12:]
    v["y0"] = date.fromisoformat(year[0] + "-01")
    async with read_transaction():
        listed = [c for c in await centres()
                  if scope.centres is None or c["id"] in scope.centres]
        lent = await figures.loans(scope, v)
        lenders = await figures.borrowers_by_centre(scope, v)
        everyone = await figures.borrowers(scope, v)
        joined = await figures.new_members(scope, v)
        money = await figures.collected(scope, v)
        held = await figures.sessions_held(scope, v)
        until = (await loan_summaries.summarised_until(today)
                 if loan_summaries.usable(scope) else date.min)
        if until > date.min:
            table, values = await loan_summaries.loans(scope, v["y0"], v["p1"], v["y0"], today,
                                                       "centre", until)
            spark = await fetch(SUMMARY_BY_CENTRE_AND_MONTH, scope,
                                {**v, **values, "y_month": year[0]}, loans=table)
        else:
            spark = await fetch(LOANS_BY_CENTRE_AND_MONTH, scope, v,
                                month=month_of_day("b.starts_on"))

    trend: dict[int, dict[str, int]] = defaultdict(dict)
    for row in spark:
        trend[row["centre"]][row["month"]] = number(row["loans"])
    nothing = figures.Count()

    def row_of(centre: int | None, names: dict[str, Any]) -> dict[str, Any]:
        loans = lent.get(centre, nothing)
        row = {**names,
               "loans": loans.current, "previous_loans": loans.previous,
               "borrowers": lenders.get(centre, nothing).current,
               "new": joined.get(centre, nothing).current,
               "collected": money.get(centre, nothing).current,
               "sessions": held["sessions"].get(centre, nothing).current,
               "attended": held["attended"].get(centre, nothing).current,
               "trend": [trend[centre].get(label, 0) for label in year] if centre else []}
        row["change"] = change(row["loans"], row["previous_loans"])
        row["trend_points"] = sparkline(row["trend"])
        return row

    rows = [row_of(c["id"], {"id": c["id"], "code": c["code"], "name_ka": c["name_ka"],
                             "name_en": c["name_en"], "name_ru": c["name_ru"]})
            for c in listed]
    if joined.get(None, nothing) != nothing:  # members the desk gave no home centre
        rows.append(row_of(None, {"id": None, "code": "", "name_ka": "", "name_en": "",
                                  "name_ru": "",
                                  "fallback": NO_HOME_CENTRE}))
    loans = figures.total(lent)
    total = {"loans": loans.current, "previous_loans": loans.previous,
             "borrowers": everyone.current, "new": figures.total(joined).current,
             "collected": figures.total(money).current,
             "sessions": figures.total(held["sessions"]).current,
             "attended": figures.total(held["attended"]).current}
    table = Table("centres", N_("Centres"), [
        Column("name", N_("Centre"), "name"), Column("loans", N_("Loans")),
        Column("change", N_("Change"), "change"),
        Column("borrowers", N_("Borrowers"), "people"), Column("new", N_("New members"),
                                                               "people"),
        Column("collected", N_("Collected"), "money"),
        Column("sessions", N_("Sessions held")), Column("attended", N_("Attended"), "people"),
        Column("trend", N_("Loans, last 12 months"), "sparkline")], rows,
        total={"name": N_("Total"), **total,
               "change": change(total["loans"], total["previous_loans"])},
        note=N_("A member who borrowed at two centres is a borrower of each; the total counts "
                "them once.") if sum(r["borrowers"] for r in rows) > total["borrowers"]
        else None)
    headline = [Figure("loans", N_("Loans"), loans.current, loans.previous)]
    return {"headline": headline, "tables": [table], "charts": [], "months": year}
