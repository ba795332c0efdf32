"""The network dashboard: one row per centre with its loans, borrowers, new members, money
collected, sessions held and their attendees, against the previous period, and the loans of
the last twelve months as a sparkline."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from bookings.reports.queries.common import (
    ATTENDED_BY_SESSION,
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

LOANS_BY_CENTRE = """
    SELECT b.centre, SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
      SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous_loans,
      COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers
    FROM booking b WHERE b.status IN {loan} AND b.starts_on BETWEEN $q0 AND $p1
      {in_centres[b.centre]}
    GROUP BY b.centre"""

NEW_MEMBERS_BY_CENTRE = """
    SELECT m.home_centre AS centre, COUNT(*) AS new FROM member m
    WHERE m.role = 'member' AND m.created_at >= $t0 AND m.created_at < $t1
      {in_centres[m.home_centre]}
    GROUP BY m.home_centre"""

COLLECTED_BY_CENTRE = """
    SELECT e.centre, -SUM(e.amount) AS collected FROM ledger_entry e
    WHERE e.kind IN ('payment', 'refund') AND e.created_at >= $t0
      AND e.created_at < $t1{in_centres[e.centre]}
    GROUP BY e.centre"""

# {attended_by_session}: common.ATTENDED_BY_SESSION
SESSIONS_BY_CENTRE = """
    SELECT s.centre, COUNT(*) AS sessions, SUM(COALESCE(a.people, 0)) AS attended
    FROM skill_session s LEFT JOIN ({attended_by_session}) a ON a.session = s.id
    WHERE s.status = 'scheduled' AND s.starts_at >= $t0 AND s.starts_at < $h1
      {in_centres[s.centre]}
    GROUP BY s.centre"""

# {month}: the month of b.starts_on; from $y0, the first of the twelve months
LOANS_BY_CENTRE_AND_MONTH = """
    SELECT b.centre, {month} AS month, COUNT(*) AS loans
    FROM booking b WHERE b.status IN {loan} AND b.starts_on BETWEEN $y0 AND $p1
      {in_centres[b.centre]}
    GROUP BY b.centre, {month}"""


async def network(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """One row per centre: loans, borrowers, new members, collected, sessions and attendees,
    against the previous period, and the loans of the last twelve months as a sparkline."""
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
        loans = await fetch(LOANS_BY_CENTRE, scope, v)
        joined = await fetch(NEW_MEMBERS_BY_CENTRE, scope, v)
        collected = await fetch(COLLECTED_BY_CENTRE, scope, v)
        held = await fetch(SESSIONS_BY_CENTRE, scope, v,
                           attended_by_session=ATTENDED_BY_SESSION)
        spark = await fetch(LOANS_BY_CENTRE_AND_MONTH, scope, v,
                            month=month_of_day("b.starts_on"))

    def by_centre(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        return {row["centre"]: row for row in rows}

    loans_at, new_at, money_at, held_at = (by_centre(loans), by_centre(joined),
                                           by_centre(collected), by_centre(held))
    trend: dict[int, dict[str, int]] = defaultdict(dict)
    for row in spark:
        trend[row["centre"]][row["month"]] = number(row["loans"])
    rows = []
    for c in listed:
        lent = loans_at.get(c["id"], {})
        rows.append({
            "id": c["id"], "code": c["code"], "name_ka": c["name_ka"], "name_en": c["name_en"],
            "loans": number(lent.get("loans")),
            "previous_loans": number(lent.get("previous_loans")),
            "borrowers": number(lent.get("borrowers")),
            "new": number(new_at.get(c["id"], {}).get("new")),
            "collected": number(money_at.get(c["id"], {}).get("collected")),
            "sessions": number(held_at.get(c["id"], {}).get("sessions")),
            "attended": number(held_at.get(c["id"], {}).get("attended")),
            "trend": [trend[c["id"]].get(label, 0) for label in year],
        })
    for row in rows:
        row["change"] = change(row["loans"], row["previous_loans"])
        row["trend_points"] = sparkline(row["trend"])
    total = {k: sum(r[k] for r in rows) for k in (
        "loans", "previous_loans", "new", "collected", "sessions", "attended")}
    table = Table("centres", N_("Centres"), [
        Column("name", N_("Centre"), "name"), Column("loans", N_("Loans")),
        Column("change", N_("Change"), "change"),
        Column("borrowers", N_("Borrowers"), "people"), Column("new", N_("New members"),
                                                               "people"),
        Column("collected", N_("Collected"), "money"),
        Column("sessions", N_("Sessions held")), Column("attended", N_("Attended"), "people"),
        Column("trend", N_("Loans, last 12 months"), "sparkline")], rows,
        total={"name": N_("Total"), **total,
               "change": change(total["loans"], total["previous_loans"])})
    headline = [Figure("loans", N_("Loans"), total["loans"], total["previous_loans"])]
    return {"headline": headline, "tables": [table], "charts": [], "months": year}
