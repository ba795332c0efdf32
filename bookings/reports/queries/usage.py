"""The usage report: loans, loan-days, borrowers and utilisation by category and tool type; the
most and least used tool types, units never lent, cancellations, no-shows and unmet waitlist
demand. Each query reads the period and the one before it (see queries.common)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from bookings.reports import loan_summaries
from bookings.reports.queries import figures
from bookings.reports.queries.common import (
    Scope,
    as_day,
    fetch,
    local_day,
    number,
    period_values,
)
from bookings.reports.rules import Chart, Column, Figure, Period, Table, months, share
from rental.kernel.db import days_between, greatest, least, month_of_day, read_transaction
from rental.kernel.i18n import N_

# {loan_days} and {previous_loan_days}: see _loan_days
LOANS_BY_TOOL_TYPE = """
    SELECT b.tool_type AS id,
      SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
      SUM(CASE WHEN b.starts_on BETWEEN $q0 AND $q1 THEN 1 ELSE 0 END) AS previous_loans,
      SUM({loan_days}) AS loan_days,
      SUM({previous_loan_days}) AS previous_loan_days,
      COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers
    FROM booking b
    WHERE b.status IN {loan} AND b.starts_on <= $p1
      AND COALESCE(b.ended_on, $today) >= $q0{in_centres[b.centre]}
    GROUP BY b.tool_type"""

# {loaned}: figures.LOANED
BORROWERS_BY_CATEGORY = """
    SELECT t.category AS id,
      COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers,
      COUNT(DISTINCT CASE WHEN b.starts_on < $p0 THEN b.member END) AS previous
    FROM booking b JOIN tool_type t ON t.id = b.tool_type
    WHERE {loaned}
    GROUP BY t.category"""

# {month}: the month of b.starts_on
LOANS_BY_MONTH = """
    SELECT {month} AS month, COUNT(*) AS loans
    FROM booking b
    WHERE b.status IN {loan} AND b.starts_on BETWEEN $p0 AND $p1
      {in_centres[b.centre]}
    GROUP BY {month}"""

# {lendable_from} and {lendable_days}: the day a unit became lendable in the period (its
# acquisition or the period's first day) and its days until $u1; the same for the period before
UNIT_DAYS_BY_TOOL_TYPE = """
    SELECT u.tool_type AS id, COUNT(*) AS units,
      SUM(CASE WHEN {lendable_from} <= $u1 THEN
        {lendable_days} + 1
        ELSE 0 END) AS unit_days,
      SUM(CASE WHEN {previous_lendable_from} <= $v1 THEN
        {previous_lendable_days} + 1
        ELSE 0 END) AS previous_unit_days
    FROM unit u
    WHERE u.status NOT IN ('retired', 'lost'){in_centres[u.centre]}
    GROUP BY u.tool_type"""

# when each unit out of service went: its last status change to where it is
UNITS_GONE = """
    SELECT u.tool_type, u.acquired_on, MAX(e.at) AS at
    FROM unit u LEFT JOIN unit_event e
      ON e.unit = u.id AND e.kind = 'status' AND e.to_value = u.status
    WHERE u.status IN ('retired', 'lost'){in_centres[u.centre]}
    GROUP BY u.id, u.tool_type, u.acquired_on"""

# the tool types a report lists: those with units in the scope, and those lent or booked in the
# two periods, probed one tool type at a time in booking_tool_type_starts (it holds the centre):
# reading the scope's bookings instead cost 200-300 ms for a large centre on both engines, and
# an OR of the two (rather than a UNION) PostgreSQL planned as a scan per tool type
TOOL_TYPES = """
    SELECT t.id, t.name_ka, t.name_en, t.name_ru, t.category, c.name_ka AS category_ka,
      c.name_en AS category_en, c.name_ru AS category_ru, c.position
    FROM tool_type t JOIN category c ON c.id = t.category
    WHERE t.id IN (SELECT u.tool_type FROM unit u WHERE 1 = 1
                   {in_centres[u.centre]}
                   UNION
                   SELECT k.id FROM tool_type k
                   WHERE EXISTS (SELECT 1 FROM booking b WHERE b.tool_type = k.id
                                 AND b.starts_on BETWEEN $q0 AND $p1
                                 {in_centres[b.centre]}))"""

# a probe a unit in booking_unit_lent (its condition, word for word); the units found first
# and only the 100 listed named: SQLite joined the tool types first and read every unit
# through unit_type_centre_status (40 ms against 12)
NEVER_LENT = """
    SELECT n.id, n.asset_tag, n.acquired_on, t.name_ka, t.name_en, t.name_ru, n.total
    FROM (SELECT u.id, u.asset_tag, u.acquired_on, u.tool_type, COUNT(*) OVER () AS total
          FROM unit u
          WHERE u.status NOT IN ('retired', 'lost') AND COALESCE(u.acquired_on, $p1) <= $p1
            {in_centres[u.centre]}
            AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.unit = u.id
                            AND b.status NOT IN {not_loan} AND b.starts_on <= $p1)
          ORDER BY u.asset_tag LIMIT 100) n
      JOIN tool_type t ON t.id = n.tool_type
    ORDER BY n.asset_tag"""

CANCELLED_AND_NO_SHOWS = """
    SELECT b.status, SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS current,
      SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous
    FROM booking b
    WHERE b.status IN ('cancelled', 'no_show') AND b.starts_on BETWEEN $q0 AND $p1
      {in_centres[b.centre]}
    GROUP BY b.status"""

# waitlist entries that expired, or still wait for a day that has passed
UNMET_DEMAND = """
    SELECT w.tool_type AS id, t.name_ka, t.name_en, t.name_ru,
      SUM(CASE WHEN w.starts_on >= $p0 THEN 1 ELSE 0 END) AS requests,
      COUNT(DISTINCT CASE WHEN w.starts_on >= $p0 THEN w.member END) AS members,
      SUM(CASE WHEN w.starts_on < $p0 THEN 1 ELSE 0 END) AS previous
    FROM waitlist_entry w JOIN tool_type t ON t.id = w.tool_type
    WHERE w.starts_on BETWEEN $q0 AND $p1
      AND (w.status = 'expired' OR (w.status IN ('waiting', 'offered')
                                    AND w.starts_on < $today))
      {in_centres[w.centre]}
    GROUP BY w.tool_type, t.name_ka, t.name_en, t.name_ru"""


# the same from the loan summary: {loans} is loan_summaries.loans() by tool type over the
# period and the one before
SUMMARY_BY_TOOL_TYPE = """
    SELECT x.item AS id, SUM(CASE WHEN x.current = 1 THEN x.loans ELSE 0 END) AS loans,
      SUM(CASE WHEN x.current = 0 THEN x.loans ELSE 0 END) AS previous_loans,
      SUM(CASE WHEN x.current = 1 THEN x.loan_days ELSE 0 END) AS loan_days,
      SUM(CASE WHEN x.current = 0 THEN x.loan_days ELSE 0 END) AS previous_loan_days
    FROM ({loans}) x GROUP BY x.item"""

# {loans}: loan_summaries.loans() in all over the period and the one before; by the month of
# the first day: the period's loans, the cancellations and no-shows of both periods
SUMMARY_BY_MONTH = """
    SELECT x.month, SUM(CASE WHEN x.current = 1 THEN x.loans ELSE 0 END) AS loans,
      SUM(CASE WHEN x.current = 1 THEN x.cancelled ELSE 0 END) AS cancelled,
      SUM(CASE WHEN x.current = 0 THEN x.cancelled ELSE 0 END) AS previous_cancelled,
      SUM(CASE WHEN x.current = 1 THEN x.no_shows ELSE 0 END) AS no_show,
      SUM(CASE WHEN x.current = 0 THEN x.no_shows ELSE 0 END) AS previous_no_show
    FROM ({loans}) x GROUP BY x.month"""

# the borrowers of a few tool types (those a table shows), from booking_tool_type_starts
# alone (it holds status, member and centre); the unary plus keeps SQLite from reading a
# large centre's bookings by booking_centre_starts instead (150 ms against 15)
BORROWERS_OF_TOOL_TYPES = """
    SELECT b.tool_type AS id, COUNT(DISTINCT b.member) AS borrowers FROM booking b
    WHERE b.tool_type IN $types AND b.status NOT IN {not_loan}
      AND b.starts_on BETWEEN $p0 AND $p1
      {in_centres[+b.centre]}
    GROUP BY b.tool_type"""


async def _from_summary(scope: Scope, period: Period, v: dict[str, Any], until: date
                        ) -> tuple[list[dict[str, Any]], dict[int, int], list[dict[str, Any]],
                                   list[dict[str, Any]]]:
    """The loan figures the report reads, from the loan summary (the whole closed months) and
    the bookings of the other days: by tool type (the borrowers of the rows shown:
    BORROWERS_OF_TOOL_TYPES),
    borrowers by category, loans by month, cancellations and no-shows."""
    p0, p1, q0, today = v["p0"], v["p1"], v["q0"], v["today"]
    by_type, values = await loan_summaries.loans(scope, q0, p1, p0, today, "tool_type", until)
    rows = await fetch(SUMMARY_BY_TOOL_TYPE, scope, {**v, **values}, loans=by_type)
    found = await loan_summaries.borrowers(scope, p0, p1, "category", until)
    by_category = {item: count for (_, item), count in found.items()}
    in_all, values = await loan_summaries.loans(scope, q0, p1, p0, today, "total", until)
    trend = await fetch(SUMMARY_BY_MONTH, scope, {**v, **values}, loans=in_all)
    return rows, by_category, trend, [
        {"status": status, "current": sum(number(row[status]) for row in trend),
         "previous": sum(number(row[f"previous_{status}"]) for row in trend)}
        for status in ("cancelled", "no_show")]


def _loan_days(start: str, end: str) -> str:
    """A loan's days within [$start, $end], counting the day it went and the day it came
    back; a loan still out counts until $today."""
    back = "COALESCE(b.ended_on, $today)"
    return (f"CASE WHEN b.starts_on <= ${end} AND {back} >= ${start} THEN "
            f"{days_between(least(back, '$' + end), greatest('b.starts_on', '$' + start))} + 1 "
            "ELSE 0 END")


def _lendable(start: str, end: str) -> dict[str, str]:
    """A unit's first lendable day from $start (its acquisition if later) and its days from
    then until $end."""
    lendable_from = greatest(f"COALESCE(u.acquired_on, ${start})", f"${start}")
    return {"from": lendable_from, "days": days_between(f"${end}", lendable_from)}


async def usage(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Loans, loan-days, borrowers, utilisation by category and tool type; the most and least
    used tool types, units never lent, cancellations, no-shows and unmet waitlist demand."""
    v = period_values(scope, period, today)
    previous = period.previous()
    # lendable unit-days stop today: the future has none yet
    v["u1"], v["v1"] = min(period.ends, today), min(previous.ends, today)
    now, before = _lendable("p0", "u1"), _lendable("q0", "v1")
    async with read_transaction():
        until = (await loan_summaries.summarised_until(today)
                 if loan_summaries.usable(scope) else date.min)
        if until > date.min:
            by_type, category_borrowers, trend, missed = await _from_summary(
                scope, period, v, until)
        else:  # nothing summarised (or several centres): the bookings themselves
            by_type = await fetch(LOANS_BY_TOOL_TYPE, scope, v,
                                  loan_days=_loan_days("p0", "p1"),
                                  previous_loan_days=_loan_days("q0", "q1"))
            category_borrowers = {row["id"]: number(row["borrowers"]) for row in await fetch(
                BORROWERS_BY_CATEGORY, scope, v, loaned=figures.loaned(scope))}
            trend = await fetch(LOANS_BY_MONTH, scope, v, month=month_of_day("b.starts_on"))
            missed = await fetch(CANCELLED_AND_NO_SHOWS, scope, v)
        unit_days = await fetch(UNIT_DAYS_BY_TOOL_TYPE, scope, v,
                                lendable_from=now["from"], lendable_days=now["days"],
                                previous_lendable_from=before["from"],
                                previous_lendable_days=before["days"])
        gone = await fetch(UNITS_GONE, scope, v)
        types = await fetch(TOOL_TYPES, scope, v)
        never = await fetch(NEVER_LENT, scope, v)
        unmet = await fetch(UNMET_DEMAND, scope, v)
        lent = figures.total(await figures.loans(scope, v))
        everyone = await figures.borrowers(scope, v)
        joined = figures.total(await figures.new_members(scope, v))

    # units retired or lost in or after a period still count until the day they went
    gone_days: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in gone:
        ended = local_day(row["at"], scope.timezone)
        start = as_day(row["acquired_on"])
        for slot, (first, last) in enumerate(((period.starts, v["u1"]),
                                              (previous.starts, v["v1"]))):
            first = max(first, start) if start else first
            last = min(last, ended - timedelta(days=1)) if ended else first - timedelta(days=1)
            gone_days[row["tool_type"]][slot] += max((last - first).days + 1, 0)

    loans = {row["id"]: row for row in by_type}
    units = {row["id"]: row for row in unit_days}
    type_rows = []
    for t in types:
        loan, unit = loans.get(t["id"], {}), units.get(t["id"], {})
        extra = gone_days.get(t["id"], [0, 0])
        type_rows.append({
            "id": t["id"], "name_ka": t["name_ka"], "name_en": t["name_en"],
            "name_ru": t["name_ru"], "category": t["category"],
            "category_ka": t["category_ka"], "category_en": t["category_en"],
            "category_ru": t["category_ru"], "position": t["position"],
            "loans": number(loan.get("loans")),
            "previous_loans": number(loan.get("previous_loans")),
            "loan_days": number(loan.get("loan_days")),
            "previous_loan_days": number(loan.get("previous_loan_days")),
            "borrowers": number(loan.get("borrowers")), "units": number(unit.get("units")),
            "unit_days": number(unit.get("unit_days")) + extra[0],
            "previous_unit_days": number(unit.get("previous_unit_days")) + extra[1],
        })
    for row in type_rows:
        row["utilisation"] = share(row["loan_days"], row["unit_days"])

    categories: dict[int, dict[str, Any]] = {}
    for row in type_rows:
        bucket = categories.setdefault(row["category"], {
            "id": row["category"], "name_ka": row["category_ka"], "name_en": row["category_en"],
            "name_ru": row["category_ru"],
            "position": row["position"], "loans": 0, "loan_days": 0, "units": 0,
            "unit_days": 0,
            "borrowers": category_borrowers.get(row["category"], 0)})
        for key in ("loans", "loan_days", "units", "unit_days"):
            bucket[key] += row[key]
    category_rows = sorted(categories.values(), key=lambda r: (r["position"], r["name_en"]))
    for row in category_rows:
        row["utilisation"] = share(row["loan_days"], row["unit_days"])

    total = {key: sum(row[key] for row in type_rows) for key in (
        "loans", "previous_loans", "loan_days", "previous_loan_days", "unit_days",
        "previous_unit_days", "units")}
    months_seen = {row["month"]: row for row in trend}
    current_months = [label for label, _, _ in months(period)]
    missed_by = {row["status"]: row for row in missed}
    in_service = [row for row in type_rows if row["units"]]
    headline = [
        Figure("loans", N_("Loans"), lent.current, lent.previous),
        Figure("loan_days", N_("Loan-days"), total["loan_days"], total["previous_loan_days"]),
        Figure("borrowers", N_("Borrowers"), everyone.current, everyone.previous, "people"),
        Figure("new_members", N_("New members"), joined.current, joined.previous, "people"),
        Figure("utilisation", N_("Utilisation"),
               share(total["loan_days"], total["unit_days"]),
               share(total["previous_loan_days"], total["previous_unit_days"]), "percent"),
        Figure("cancelled", N_("Bookings cancelled"),
               number(missed_by.get("cancelled", {}).get("current")),
               number(missed_by.get("cancelled", {}).get("previous"))),
        Figure("no_show", N_("No-shows"), number(missed_by.get("no_show", {}).get("current")),
               number(missed_by.get("no_show", {}).get("previous"))),
        Figure("unmet", N_("Waitlist requests not met"),
               sum(number(row["requests"]) for row in unmet),
               sum(number(row["previous"]) for row in unmet)),
    ]
    usage_columns = [Column("loans", N_("Loans")), Column("loan_days", N_("Loan-days")),
                     Column("borrowers", N_("Borrowers"), "people"),
                     Column("units", N_("Units")),
                     Column("unit_days", N_("Lendable unit-days")),
                     Column("utilisation", N_("Utilisation"), "percent")]
    by_loans = sorted(in_service, key=lambda r: (-r["loans"], -r["loan_days"], r["name_en"]))
    least = sorted(in_service, key=lambda r: (r["loans"], r["loan_days"], r["name_en"]))
    if until > date.min:  # the summary has no borrowers by tool type: those shown, counted
        shown = {row["id"]: row for row in by_loans[:20] + least[:20]}
        async with read_transaction():
            counted = await fetch(BORROWERS_OF_TOOL_TYPES, scope,
                                  {**v, "types": list(shown) or [0]})
        for row in counted:
            shown[row["id"]]["borrowers"] = number(row["borrowers"])
    tables = [
        Table("by_category", N_("By category"),
              [Column("name", N_("Category"), "name"), *usage_columns], category_rows,
              total={"name": N_("Total"), **total, "borrowers": everyone.current,
                     "utilisation": share(total["loan_days"], total["unit_days"])}),
        Table("most_used", N_("The 20 most used tool types"),
              [Column("name", N_("Tool type"), "name"), *usage_columns], by_loans[:20]),
        Table("least_used", N_("The 20 least used tool types"),
              [Column("name", N_("Tool type"), "name"), *usage_columns], least[:20]),
        Table("unmet", N_("Waitlist demand not met: tool types to buy more of"),
              [Column("name", N_("Tool type"), "name"), Column("requests", N_("Requests")),
               Column("members", N_("Members"), "people")],
              sorted(({**row, "requests": number(row["requests"]),
                       "members": number(row["members"])} for row in unmet
                      if number(row["requests"])),
                     key=lambda r: (-r["requests"], r["name_en"]))),
        Table("never_lent", N_("Units never lent"),
              [Column("asset_tag", N_("Asset tag"), "text"),
               Column("name", N_("Tool type"), "name"),
               Column("acquired_on", N_("Acquired"), "date")],
              [{**row, "acquired_on": as_day(row["acquired_on"])} for row in never],
              note=N_("Units in service that had no loan by the end of the period; at most "
                      "100 are listed.") if never else None,
              total={"asset_tag": number(never[0]["total"]) if never else 0}),
    ]
    charts = [
        Chart(N_("Loans by month"),
              [(label, number(months_seen.get(label, {}).get("loans")))
               for label in current_months]),
        Chart(N_("Loans by category"),
              [(row, row["loans"]) for row in category_rows], style="bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}
