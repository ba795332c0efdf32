"""The condition and maintenance report: the damage rate by tool type, maintenance tickets and
the days to repair them, parts cost, units lost or retired, inspections done and overdue now.
Each query reads the period and the one before it (see queries.common)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bookings.reports import loan_summaries
from bookings.reports.queries.common import Scope, fetch, local_month, number, period_values
from bookings.reports.rules import Chart, Column, Figure, Period, Table, months, share
from rental.kernel.db import elapsed_days, plus_days, read_transaction
from rental.kernel.i18n import N_

DAMAGED = "('damaged', 'missing_parts')"

RETURNS_BY_TOOL_TYPE = """
    SELECT b.tool_type AS id, t.name_ka, t.name_en, t.name_ru,
      SUM(CASE WHEN b.ended_on >= $p0 THEN 1 ELSE 0 END) AS returns,
      SUM(CASE WHEN b.ended_on >= $p0 AND b.return_condition IN {damaged}
          THEN 1 ELSE 0 END) AS damaged,
      SUM(CASE WHEN b.ended_on < $p0 THEN 1 ELSE 0 END) AS previous_returns,
      SUM(CASE WHEN b.ended_on < $p0 AND b.return_condition IN {damaged}
          THEN 1 ELSE 0 END) AS previous_damaged
    FROM booking b JOIN tool_type t ON t.id = b.tool_type
    WHERE b.status = 'returned' AND b.ended_on BETWEEN $q0 AND $p1
      {in_centres[b.centre]}
    GROUP BY b.tool_type, t.name_ka, t.name_en, t.name_ru"""

# the same from the loan summary: {loans} is loan_summaries.loans() by tool type over the
# period and the one before; added up per tool type before its names are joined (a join per
# summary row took twice as long)
SUMMARY_RETURNS = """
    SELECT x.id, t.name_ka, t.name_en, t.name_ru, x.returns, x.damaged, x.previous_returns,
      x.previous_damaged
    FROM (SELECT x.item AS id,
            SUM(CASE WHEN x.current = 1 THEN x.returns ELSE 0 END) AS returns,
            SUM(CASE WHEN x.current = 1 THEN x.damaged ELSE 0 END) AS damaged,
            SUM(CASE WHEN x.current = 0 THEN x.returns ELSE 0 END) AS previous_returns,
            SUM(CASE WHEN x.current = 0 THEN x.damaged ELSE 0 END) AS previous_damaged
          FROM ({loans}) x GROUP BY x.item) x JOIN tool_type t ON t.id = x.id"""

# {units}: _units(), the tickets' and inspections' centres when the scope names some
TICKETS_OPENED = """
    SELECT SUM(CASE WHEN k.opened_at >= $t0 THEN 1 ELSE 0 END) AS current,
      SUM(CASE WHEN k.opened_at < $t0 THEN 1 ELSE 0 END) AS previous
    FROM maintenance_ticket k{units}
    WHERE k.opened_at >= $s0 AND k.opened_at < $t1{in_centres[u.centre]}"""

# {repair_days}: the days from a ticket's opening to its resolution
TICKETS_RESOLVED = """
    SELECT CASE WHEN k.resolved_at >= $t0 THEN 1 ELSE 0 END AS current,
      k.outcome, COUNT(*) AS tickets, SUM(k.parts_cost) AS parts_cost,
      AVG({repair_days}) AS repair_days
    FROM maintenance_ticket k{units}
    WHERE k.resolved_at >= $s0 AND k.resolved_at < $t1{in_centres[u.centre]}
    GROUP BY 1, 2"""

# {month}: the month of k.opened_at on the scope's calendar
TICKETS_BY_MONTH = """
    SELECT {month} AS month, COUNT(*) AS tickets
    FROM maintenance_ticket k{units}
    WHERE k.opened_at >= $t0 AND k.opened_at < $t1{in_centres[u.centre]}
    GROUP BY 1"""

UNITS_GONE = """
    SELECT e.to_value AS status, CASE WHEN e.at >= $t0 THEN 1 ELSE 0 END AS current,
      COUNT(*) AS units, SUM(COALESCE(u.cost, 0)) AS cost
    FROM unit_event e JOIN unit u ON u.id = e.unit
    WHERE e.kind = 'status' AND e.to_value IN $statuses
      AND e.at >= $s0 AND e.at < $t1{in_centres[u.centre]}
    GROUP BY 1, 2"""

INSPECTIONS = """
    SELECT CASE WHEN i.inspected_on >= $p0 THEN 1 ELSE 0 END AS current, i.result,
      COUNT(*) AS inspections
    FROM inspection i{units}
    WHERE i.inspected_on BETWEEN $q0 AND $p1{in_centres[u.centre]}
    GROUP BY 1, 2"""

# {due}: the day a unit's next inspection is due
INSPECTIONS_OVERDUE = """
    SELECT COUNT(*) AS units FROM unit u JOIN tool_type t ON t.id = u.tool_type
    WHERE t.inspection_interval_days IS NOT NULL
      AND u.status NOT IN ('retired', 'lost')
      AND (u.last_inspected_on IS NULL OR {due} <= $today)
      {in_centres[u.centre]}"""


def _units(scope: Scope, column: str) -> str:
    """{units}: the join to unit that finds a row's centre, only when the scope names centres;
    for all of them every row counts (unit is a NOT NULL foreign key) and the join cost SQLite
    a lookup per ticket or inspection (about 50 ms of the page at national scale)."""
    return "" if scope.centres is None else f" JOIN unit u ON u.id = {column}"


async def condition(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Damage rate per tool type, maintenance tickets and time to repair, parts cost, units
    lost or retired, inspections done and overdue now."""
    v = period_values(scope, period, today)
    v["statuses"] = ["retired", "lost"]
    month, month_values = local_month("k.opened_at", scope, period)
    async with read_transaction():
        until = (await loan_summaries.summarised_until(today)
                 if loan_summaries.usable(scope) else date.min)
        if until > date.min:
            table, values = await loan_summaries.loans(scope, v["q0"], v["p1"], v["p0"], today,
                                                       "tool_type", until)
            returns = await fetch(SUMMARY_RETURNS, scope, {**v, **values}, loans=table)
        else:
            returns = await fetch(RETURNS_BY_TOOL_TYPE, scope, v, damaged=DAMAGED)
        tickets_units = _units(scope, "k.unit")
        opened = await fetch(TICKETS_OPENED, scope, v, units=tickets_units)
        resolved = await fetch(TICKETS_RESOLVED, scope, v, units=tickets_units,
                               repair_days=elapsed_days("k.resolved_at", "k.opened_at"))
        trend = await fetch(TICKETS_BY_MONTH, scope, {**v, **month_values}, month=month,
                            units=tickets_units)
        gone = await fetch(UNITS_GONE, scope, v)
        inspections = await fetch(INSPECTIONS, scope, v, units=_units(scope, "i.unit"))
        overdue = await fetch(INSPECTIONS_OVERDUE, scope, v, due=plus_days(
            "u.last_inspected_on", "t.inspection_interval_days"))

    type_rows = []
    for row in returns:
        returned, damaged = number(row["returns"]), number(row["damaged"])
        if returned:
            type_rows.append({"id": row["id"], "name_ka": row["name_ka"],
                              "name_en": row["name_en"], "name_ru": row["name_ru"],
                              "returns": returned,
                              "damaged": damaged, "damage_rate": share(damaged, returned)})
    type_rows.sort(key=lambda r: (-(r["damage_rate"] or 0), -r["damaged"], r["name_en"]))
    total_returns = sum(number(r["returns"]) for r in returns)
    total_damaged = sum(number(r["damaged"]) for r in returns)
    previous_returns = sum(number(r["previous_returns"]) for r in returns)
    previous_damaged = sum(number(r["previous_damaged"]) for r in returns)

    def tickets(current: int, outcome: str | None = None, key: str = "tickets") -> float:
        rows = [r for r in resolved if number(r["current"]) == current
                and (outcome is None or r["outcome"] == outcome)]
        if key == "repair_days":  # the mean over every ticket resolved, weighted by count
            count = sum(number(r["tickets"]) for r in rows)
            return round(sum(float(r["repair_days"] or 0) * number(r["tickets"]) for r in rows)
                         / count, 1) if count else None
        return sum(number(r[key]) for r in rows)

    def went(status: str, current: int, key: str = "units") -> int:
        return sum(number(r[key]) for r in gone if r["status"] == status
                   and number(r["current"]) == current)

    def inspected(current: int, result: str | None = None) -> int:
        return sum(number(r["inspections"]) for r in inspections if number(r["current"]) == current
                   and (result is None or r["result"] == result))

    new_tickets = opened[0] if opened else {}
    headline = [
        Figure("damage_rate", N_("Returned damaged"), share(total_damaged, total_returns),
               share(previous_damaged, previous_returns), "percent"),
        Figure("tickets_opened", N_("Tickets opened"), number(new_tickets.get("current")),
               number(new_tickets.get("previous"))),
        Figure("tickets_resolved", N_("Tickets resolved"), tickets(1), tickets(0)),
        Figure("repair_days", N_("Days to repair (mean)"), tickets(1, key="repair_days"),
               tickets(0, key="repair_days"), "days"),
        Figure("parts_cost", N_("Parts cost"), tickets(1, key="parts_cost"),
               tickets(0, key="parts_cost"), "money"),
        Figure("lost", N_("Units lost"), went("lost", 1), went("lost", 0)),
        Figure("retired", N_("Units retired"), went("retired", 1), went("retired", 0)),
        Figure("inspections", N_("Inspections done"), inspected(1), inspected(0)),
        Figure("inspections_overdue", N_("Inspections overdue now"),
               number(overdue[0]["units"]) if overdue else 0, None),
    ]
    tables = [
        Table("damage", N_("Damage by tool type"),
              [Column("name", N_("Tool type"), "name"), Column("returns", N_("Returns")),
               Column("damaged", N_("Damaged or missing parts")),
               Column("damage_rate", N_("Damage rate"), "percent")], type_rows,
              total={"name": N_("Total"), "returns": total_returns, "damaged": total_damaged,
                     "damage_rate": share(total_damaged, total_returns)}),
        Table("maintenance", N_("Maintenance"),
              [Column("what", N_("What"), "choice"), Column("count", N_("Number")),
               Column("amount", N_("Amount"), "money")],
              [{"what": "tickets_repaired", "count": tickets(1, "repaired"),
                "amount": tickets(1, "repaired", "parts_cost")},
               {"what": "tickets_beyond_repair", "count": tickets(1, "beyond_repair"),
                "amount": tickets(1, "beyond_repair", "parts_cost")},
               {"what": "units_lost", "count": went("lost", 1),
                "amount": went("lost", 1, "cost")},
               {"what": "units_retired", "count": went("retired", 1),
                "amount": went("retired", 1, "cost")},
               {"what": "inspections_passed", "count": inspected(1, "pass"), "amount": None},
               {"what": "inspections_failed", "count": inspected(1, "fail"), "amount": None}]),
    ]
    seen = {row["month"]: number(row["tickets"]) for row in trend}
    charts = [
        Chart(N_("Tickets opened by month"),
              [(label, seen.get(label, 0)) for label, _, _ in months(period)]),
        Chart(N_("Damage rate by tool type"),
              [(row, row["damage_rate"] or 0) for row in type_rows[:10]], "percent", "bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}
