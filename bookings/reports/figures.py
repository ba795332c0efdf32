"""Coordinator reports: usage, condition and maintenance, money, donor indicators and the
network dashboard. Every figure is aggregated in SQL (GROUP BY, CASE, COUNT DISTINCT) over
one read snapshot, a few queries a report, the same SQL on SQLite and PostgreSQL but for the
few expressions in `_dialect`.

A report reads its period and the one before it in the same queries (a flag column says
which), so every headline figure has the figure it is compared with. Dates are the centres'
calendar days: bookings store them; timestamps are cut at the centre's midnight."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.reports.rules import (
    AGE_BANDS,
    Chart,
    Column,
    Figure,
    Period,
    Table,
    band_limits,
    change,
    months,
    share,
    sparkline,
)
from bookings.tables import AUDIENCES, Booking
from rental.kernel.db import is_postgres, read_transaction
from rental.kernel.i18n import N_
from rental.ledger import local_day_bounds
from rental.tables import SEXES, SITUATIONS, Centre

LOAN = "('out', 'returned', 'lost')"  # a booking that went out of the door
CHARGE_KINDS = ("fee", "late_fee", "damage", "replacement")


@dataclass(frozen=True)
class Scope:
    """Which centres a report covers (None: all) and the time zone its days are cut in."""
    centres: tuple[int, ...] | None
    timezone: str


async def centres() -> list[dict[str, Any]]:
    return await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                               Centre.timezone).order_by(Centre.id)


# --- SQL helpers --------------------------------------------------------------------------------


def _run(sql: str, **values: Any):
    """Raw SQL with $name placeholders; PostgreSQL gets each parameter's type spelt out, so
    a date compared with a date expression is never guessed as text."""
    params: list[Any] = []
    pg = is_postgres()

    def one(value: Any) -> str:
        params.append(value)
        if not pg:
            return "{}"
        if isinstance(value, datetime):
            return "{}::timestamptz"
        if isinstance(value, date):
            return "{}::date"
        if isinstance(value, bool):
            return "{}::boolean"
        if isinstance(value, int):
            return "{}::integer"
        return "{}::text"

    def place(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if isinstance(value, list | tuple):
            return "(" + ", ".join(one(item) for item in value) + ")"
        return one(value)

    return Booking.raw(re.sub(r"\$(\w+)", place, sql), *params)


def _dialect(sqlite: str, postgres: str) -> str:
    return postgres if is_postgres() else sqlite


def _days(later: str, earlier: str) -> str:
    return _dialect(f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
                    f"({later} - {earlier})")


def _least(a: str, b: str) -> str:
    return _dialect(f"min({a}, {b})", f"LEAST({a}, {b})")


def _greatest(a: str, b: str) -> str:
    return _dialect(f"max({a}, {b})", f"GREATEST({a}, {b})")


def _date_month(column: str) -> str:
    return _dialect(f"substr({column}, 1, 7)", f"to_char({column}, 'YYYY-MM')")


def _in_centres(column: str, scope: Scope) -> str:
    return "" if scope.centres is None else f" AND {column} IN $centres"


def _local_month(column: str, scope: Scope, period: Period, values: dict[str, Any]) -> str:
    """The centre-calendar month of a timestamp. SQLite knows no time zones: a zone whose
    offset never changes in the period is a fixed shift, any other is cut at each month's
    first midnight."""
    if is_postgres():
        values["tz"] = scope.timezone
        return f"to_char({column} AT TIME ZONE $tz, 'YYYY-MM')"
    zone = ZoneInfo(scope.timezone)
    offsets = {zone.utcoffset(datetime.combine(period.starts + timedelta(days=n),
                                               datetime.min.time()))
               for n in range(period.days + 1)}
    if len(offsets) == 1:
        minutes = int(offsets.pop().total_seconds() // 60)
        return f"substr(datetime({column}, '{minutes:+d} minutes'), 1, 7)"
    cases = []
    for index, (label, first, _last) in enumerate(months(period)[1:]):
        values[f"month{index}"] = local_day_bounds(first, scope.timezone)[0]
        cases.append(f"WHEN {column} < $month{index} THEN '{_previous_label(label)}'")
    last_label = months(period)[-1][0]
    return f"(CASE {' '.join(cases)} ELSE '{last_label}' END)"


def _previous_label(label: str) -> str:
    year, month = (int(part) for part in label.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _bounds(period: Period, scope: Scope) -> tuple[datetime, datetime]:
    return (local_day_bounds(period.starts, scope.timezone)[0],
            local_day_bounds(period.ends, scope.timezone)[1])


def _loan_days(start: str, end: str) -> str:
    """A loan's days within [$start, $end], counting the day it went and the day it came
    back; a loan still out counts until $today."""
    back = "COALESCE(b.ended_on, $today)"
    return (f"CASE WHEN b.starts_on <= ${end} AND {back} >= ${start} THEN "
            f"{_days(_least(back, '$' + end), _greatest('b.starts_on', '$' + start))} + 1 "
            "ELSE 0 END")


def _values(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    previous = period.previous()
    t0, t1 = _bounds(period, scope)
    s0, _ = _bounds(previous, scope)
    return {"p0": period.starts, "p1": period.ends, "q0": previous.starts, "q1": previous.ends,
            "t0": t0, "t1": t1, "s0": s0, "today": today,
            "centres": list(scope.centres or ())}


def _int(value: Any) -> int:
    return int(value or 0)


# --- usage --------------------------------------------------------------------------------------


async def usage(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Loans, loan-days, borrowers, utilisation by category and tool type; the most and least
    used tool types, units never lent, cancellations, no-shows and unmet waitlist demand."""
    v = _values(scope, period, today)
    previous = period.previous()
    # lendable unit-days stop today: the future has none yet
    v["u1"], v["v1"] = min(period.ends, today), min(previous.ends, today)
    async with read_transaction():
        by_type = await _run(f"""
            SELECT b.tool_type AS id,
              SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
              SUM(CASE WHEN b.starts_on BETWEEN $q0 AND $q1 THEN 1 ELSE 0 END) AS previous_loans,
              SUM({_loan_days('p0', 'p1')}) AS loan_days,
              SUM({_loan_days('q0', 'q1')}) AS previous_loan_days,
              COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers
            FROM booking b
            WHERE b.status IN {LOAN} AND b.starts_on <= $p1
              AND COALESCE(b.ended_on, $today) >= $q0{_in_centres('b.centre', scope)}
            GROUP BY b.tool_type""", **v)
        borrowers = await _run(f"""
            SELECT t.category AS id,
              COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers,
              COUNT(DISTINCT CASE WHEN b.starts_on < $p0 THEN b.member END) AS previous
            FROM booking b JOIN tool_type t ON t.id = b.tool_type
            WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $q0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY t.category""", **v)
        trend = await _run(f"""
            SELECT {_date_month('b.starts_on')} AS month, COUNT(*) AS loans,
              COUNT(DISTINCT b.member) AS borrowers
            FROM booking b
            WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $p0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY {_date_month('b.starts_on')}""", **v)
        unit_days = await _run(f"""
            SELECT u.tool_type AS id, COUNT(*) AS units,
              SUM(CASE WHEN {_greatest('COALESCE(u.acquired_on, $p0)', '$p0')} <= $u1 THEN
                {_days('$u1', _greatest('COALESCE(u.acquired_on, $p0)', '$p0'))} + 1
                ELSE 0 END) AS unit_days,
              SUM(CASE WHEN {_greatest('COALESCE(u.acquired_on, $q0)', '$q0')} <= $v1 THEN
                {_days('$v1', _greatest('COALESCE(u.acquired_on, $q0)', '$q0'))} + 1
                ELSE 0 END) AS previous_unit_days
            FROM unit u
            WHERE u.status NOT IN ('retired', 'lost'){_in_centres('u.centre', scope)}
            GROUP BY u.tool_type""", **v)
        gone = await _run(f"""
            SELECT u.tool_type, u.acquired_on, MAX(e.at) AS at
            FROM unit u LEFT JOIN unit_event e
              ON e.unit = u.id AND e.kind = 'status' AND e.to_value = u.status
            WHERE u.status IN ('retired', 'lost'){_in_centres('u.centre', scope)}
            GROUP BY u.id, u.tool_type, u.acquired_on""", **v)
        types = await _run(f"""
            SELECT t.id, t.name_ka, t.name_en, t.category, c.name_ka AS category_ka,
              c.name_en AS category_en, c.position
            FROM tool_type t JOIN category c ON c.id = t.category
            WHERE t.id IN (SELECT u.tool_type FROM unit u WHERE 1 = 1
                           {_in_centres('u.centre', scope)})
               OR t.id IN (SELECT b.tool_type FROM booking b WHERE b.starts_on BETWEEN $q0 AND $p1
                           {_in_centres('b.centre', scope)})""", **v)
        never = await _run(f"""
            SELECT u.id, u.asset_tag, u.acquired_on, t.name_ka, t.name_en,
              COUNT(*) OVER () AS total
            FROM unit u JOIN tool_type t ON t.id = u.tool_type
            WHERE u.status NOT IN ('retired', 'lost') AND COALESCE(u.acquired_on, $p1) <= $p1
              {_in_centres('u.centre', scope)}
              AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.unit = u.id
                              AND b.status IN {LOAN} AND b.starts_on <= $p1)
            ORDER BY u.asset_tag LIMIT 100""", **v)
        missed = await _run(f"""
            SELECT b.status, SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS current,
              SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous
            FROM booking b
            WHERE b.status IN ('cancelled', 'no_show') AND b.starts_on BETWEEN $q0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY b.status""", **v)
        joined = await _run(f"""
            SELECT SUM(CASE WHEN m.created_at >= $t0 THEN 1 ELSE 0 END) AS current,
              SUM(CASE WHEN m.created_at < $t0 THEN 1 ELSE 0 END) AS previous
            FROM member m
            WHERE m.role = 'member' AND m.created_at >= $s0 AND m.created_at < $t1
              {_in_centres('m.home_centre', scope)}""", **v)
        unmet = await _run(f"""
            SELECT w.tool_type AS id, t.name_ka, t.name_en,
              SUM(CASE WHEN w.starts_on >= $p0 THEN 1 ELSE 0 END) AS requests,
              COUNT(DISTINCT CASE WHEN w.starts_on >= $p0 THEN w.member END) AS members,
              SUM(CASE WHEN w.starts_on < $p0 THEN 1 ELSE 0 END) AS previous
            FROM waitlist_entry w JOIN tool_type t ON t.id = w.tool_type
            WHERE w.starts_on BETWEEN $q0 AND $p1
              AND (w.status = 'expired' OR (w.status IN ('waiting', 'offered')
                                            AND w.starts_on < $today))
              {_in_centres('w.centre', scope)}
            GROUP BY w.tool_type, t.name_ka, t.name_en""", **v)
        everyone = await _borrowers_total(scope, v)

    # units retired or lost in or after a period still count until the day they went
    gone_days: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in gone:
        ended = _local_day(row["at"], scope.timezone)
        start = _as_day(row["acquired_on"])
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
            "category": t["category"], "category_ka": t["category_ka"],
            "category_en": t["category_en"], "position": t["position"],
            "loans": _int(loan.get("loans")), "previous_loans": _int(loan.get("previous_loans")),
            "loan_days": _int(loan.get("loan_days")),
            "previous_loan_days": _int(loan.get("previous_loan_days")),
            "borrowers": _int(loan.get("borrowers")), "units": _int(unit.get("units")),
            "unit_days": _int(unit.get("unit_days")) + extra[0],
            "previous_unit_days": _int(unit.get("previous_unit_days")) + extra[1],
        })
    for row in type_rows:
        row["utilisation"] = share(row["loan_days"], row["unit_days"])

    category_borrowers = {row["id"]: row for row in borrowers}
    categories: dict[int, dict[str, Any]] = {}
    for row in type_rows:
        bucket = categories.setdefault(row["category"], {
            "id": row["category"], "name_ka": row["category_ka"], "name_en": row["category_en"],
            "position": row["position"], "loans": 0, "loan_days": 0, "units": 0,
            "unit_days": 0,
            "borrowers": _int(category_borrowers.get(row["category"], {}).get("borrowers"))})
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
    new = joined[0] if joined else {}
    lent = [row for row in type_rows if row["units"]]
    headline = [
        Figure("loans", N_("Loans"), total["loans"], total["previous_loans"]),
        Figure("loan_days", N_("Loan-days"), total["loan_days"], total["previous_loan_days"]),
        Figure("borrowers", N_("Borrowers"), everyone[0], everyone[1], "people"),
        Figure("new_members", N_("New members"), _int(new.get("current")),
               _int(new.get("previous")), "people"),
        Figure("utilisation", N_("Utilisation"),
               share(total["loan_days"], total["unit_days"]),
               share(total["previous_loan_days"], total["previous_unit_days"]), "percent"),
        Figure("cancelled", N_("Bookings cancelled"),
               _int(missed_by.get("cancelled", {}).get("current")),
               _int(missed_by.get("cancelled", {}).get("previous"))),
        Figure("no_show", N_("No-shows"), _int(missed_by.get("no_show", {}).get("current")),
               _int(missed_by.get("no_show", {}).get("previous"))),
        Figure("unmet", N_("Waitlist requests not met"),
               sum(_int(row["requests"]) for row in unmet),
               sum(_int(row["previous"]) for row in unmet)),
    ]
    usage_columns = [Column("loans", N_("Loans")), Column("loan_days", N_("Loan-days")),
                     Column("borrowers", N_("Borrowers"), "people"),
                     Column("units", N_("Units")),
                     Column("unit_days", N_("Lendable unit-days")),
                     Column("utilisation", N_("Utilisation"), "percent")]
    by_loans = sorted(lent, key=lambda r: (-r["loans"], -r["loan_days"], r["name_en"]))
    least = sorted(lent, key=lambda r: (r["loans"], r["loan_days"], r["name_en"]))
    tables = [
        Table("by_category", N_("By category"),
              [Column("name", N_("Category"), "name"), *usage_columns], category_rows,
              total={"name": N_("Total"), **total, "borrowers": everyone[0],
                     "utilisation": share(total["loan_days"], total["unit_days"])}),
        Table("most_used", N_("The 20 most used tool types"),
              [Column("name", N_("Tool type"), "name"), *usage_columns], by_loans[:20]),
        Table("least_used", N_("The 20 least used tool types"),
              [Column("name", N_("Tool type"), "name"), *usage_columns], least[:20]),
        Table("unmet", N_("Waitlist demand not met: tool types to buy more of"),
              [Column("name", N_("Tool type"), "name"), Column("requests", N_("Requests")),
               Column("members", N_("Members"), "people")],
              sorted(({**row, "requests": _int(row["requests"]),
                       "members": _int(row["members"])} for row in unmet
                      if _int(row["requests"])),
                     key=lambda r: (-r["requests"], r["name_en"]))),
        Table("never_lent", N_("Units never lent"),
              [Column("asset_tag", N_("Asset tag"), "text"),
               Column("name", N_("Tool type"), "name"),
               Column("acquired_on", N_("Acquired"), "date")],
              [{**row, "acquired_on": _as_day(row["acquired_on"])} for row in never],
              note=N_("Units in service that had no loan by the end of the period; at most "
                      "100 are listed.") if never else None,
              total={"asset_tag": _int(never[0]["total"]) if never else 0}),
    ]
    charts = [
        Chart(N_("Loans by month"),
              [(label, _int(months_seen.get(label, {}).get("loans"))) for label in current_months]),
        Chart(N_("Loans by category"),
              [(row, row["loans"]) for row in category_rows], style="bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}


async def _borrowers_total(scope: Scope, v: dict[str, Any]) -> tuple[int, int]:
    rows = await _run(f"""
        SELECT COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS current,
          COUNT(DISTINCT CASE WHEN b.starts_on < $p0 THEN b.member END) AS previous
        FROM booking b
        WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $q0 AND $p1
          {_in_centres('b.centre', scope)}""", **v)
    return (_int(rows[0]["current"]), _int(rows[0]["previous"])) if rows else (0, 0)


def _as_day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _local_day(value: Any, timezone: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(timezone)).date()


# --- condition and maintenance -------------------------------------------------------------------


DAMAGED = "('damaged', 'missing_parts')"


async def condition(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Damage rate per tool type, maintenance tickets and time to repair, parts cost, units
    lost or retired, inspections done and overdue now."""
    v = _values(scope, period, today)
    v["statuses"] = ["retired", "lost"]
    repair_days = _dialect("julianday(k.resolved_at) - julianday(k.opened_at)",
                           "EXTRACT(EPOCH FROM k.resolved_at - k.opened_at) / 86400.0")
    due = _dialect("date(u.last_inspected_on, '+' || t.inspection_interval_days || ' days')",
                   "u.last_inspected_on + t.inspection_interval_days")
    async with read_transaction():
        returns = await _run(f"""
            SELECT b.tool_type AS id, t.name_ka, t.name_en,
              SUM(CASE WHEN b.ended_on >= $p0 THEN 1 ELSE 0 END) AS returns,
              SUM(CASE WHEN b.ended_on >= $p0 AND b.return_condition IN {DAMAGED}
                  THEN 1 ELSE 0 END) AS damaged,
              SUM(CASE WHEN b.ended_on < $p0 THEN 1 ELSE 0 END) AS previous_returns,
              SUM(CASE WHEN b.ended_on < $p0 AND b.return_condition IN {DAMAGED}
                  THEN 1 ELSE 0 END) AS previous_damaged
            FROM booking b JOIN tool_type t ON t.id = b.tool_type
            WHERE b.status = 'returned' AND b.ended_on BETWEEN $q0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY b.tool_type, t.name_ka, t.name_en""", **v)
        opened = await _run(f"""
            SELECT SUM(CASE WHEN k.opened_at >= $t0 THEN 1 ELSE 0 END) AS current,
              SUM(CASE WHEN k.opened_at < $t0 THEN 1 ELSE 0 END) AS previous
            FROM maintenance_ticket k JOIN unit u ON u.id = k.unit
            WHERE k.opened_at >= $s0 AND k.opened_at < $t1{_in_centres('u.centre', scope)}""",
                            **v)
        resolved = await _run(f"""
            SELECT CASE WHEN k.resolved_at >= $t0 THEN 1 ELSE 0 END AS current,
              k.outcome, COUNT(*) AS tickets, SUM(k.parts_cost) AS parts_cost,
              AVG({repair_days}) AS repair_days
            FROM maintenance_ticket k JOIN unit u ON u.id = k.unit
            WHERE k.resolved_at >= $s0 AND k.resolved_at < $t1{_in_centres('u.centre', scope)}
            GROUP BY 1, 2""", **v)
        trend_month = _local_month("k.opened_at", scope, period, v)
        trend = await _run(f"""
            SELECT {trend_month} AS month, COUNT(*) AS tickets
            FROM maintenance_ticket k JOIN unit u ON u.id = k.unit
            WHERE k.opened_at >= $t0 AND k.opened_at < $t1{_in_centres('u.centre', scope)}
            GROUP BY 1""", **v)
        gone = await _run(f"""
            SELECT e.to_value AS status, CASE WHEN e.at >= $t0 THEN 1 ELSE 0 END AS current,
              COUNT(*) AS units, SUM(COALESCE(u.cost, 0)) AS cost
            FROM unit_event e JOIN unit u ON u.id = e.unit
            WHERE e.kind = 'status' AND e.to_value IN $statuses
              AND e.at >= $s0 AND e.at < $t1{_in_centres('u.centre', scope)}
            GROUP BY 1, 2""", **v)
        inspections = await _run(f"""
            SELECT CASE WHEN i.inspected_on >= $p0 THEN 1 ELSE 0 END AS current, i.result,
              COUNT(*) AS inspections
            FROM inspection i JOIN unit u ON u.id = i.unit
            WHERE i.inspected_on BETWEEN $q0 AND $p1{_in_centres('u.centre', scope)}
            GROUP BY 1, 2""", **v)
        overdue = await _run(f"""
            SELECT COUNT(*) AS units FROM unit u JOIN tool_type t ON t.id = u.tool_type
            WHERE t.inspection_interval_days IS NOT NULL
              AND u.status NOT IN ('retired', 'lost')
              AND (u.last_inspected_on IS NULL OR {due} <= $today)
              {_in_centres('u.centre', scope)}""", **v)

    type_rows = []
    for row in returns:
        returned, damaged = _int(row["returns"]), _int(row["damaged"])
        if returned:
            type_rows.append({"id": row["id"], "name_ka": row["name_ka"],
                              "name_en": row["name_en"], "returns": returned,
                              "damaged": damaged, "damage_rate": share(damaged, returned)})
    type_rows.sort(key=lambda r: (-(r["damage_rate"] or 0), -r["damaged"], r["name_en"]))
    total_returns = sum(_int(r["returns"]) for r in returns)
    total_damaged = sum(_int(r["damaged"]) for r in returns)
    previous_returns = sum(_int(r["previous_returns"]) for r in returns)
    previous_damaged = sum(_int(r["previous_damaged"]) for r in returns)

    def tickets(current: int, outcome: str | None = None, key: str = "tickets") -> float:
        rows = [r for r in resolved if _int(r["current"]) == current
                and (outcome is None or r["outcome"] == outcome)]
        if key == "repair_days":  # the mean over every ticket resolved, weighted by count
            count = sum(_int(r["tickets"]) for r in rows)
            return round(sum(float(r["repair_days"] or 0) * _int(r["tickets"]) for r in rows)
                         / count, 1) if count else None
        return sum(_int(r[key]) for r in rows)

    def went(status: str, current: int, key: str = "units") -> int:
        return sum(_int(r[key]) for r in gone if r["status"] == status
                   and _int(r["current"]) == current)

    def inspected(current: int, result: str | None = None) -> int:
        return sum(_int(r["inspections"]) for r in inspections if _int(r["current"]) == current
                   and (result is None or r["result"] == result))

    new_tickets = opened[0] if opened else {}
    headline = [
        Figure("damage_rate", N_("Returned damaged"), share(total_damaged, total_returns),
               share(previous_damaged, previous_returns), "percent"),
        Figure("tickets_opened", N_("Tickets opened"), _int(new_tickets.get("current")),
               _int(new_tickets.get("previous"))),
        Figure("tickets_resolved", N_("Tickets resolved"), tickets(1), tickets(0)),
        Figure("repair_days", N_("Days to repair (mean)"), tickets(1, key="repair_days"),
               tickets(0, key="repair_days"), "days"),
        Figure("parts_cost", N_("Parts cost"), tickets(1, key="parts_cost"),
               tickets(0, key="parts_cost"), "money"),
        Figure("lost", N_("Units lost"), went("lost", 1), went("lost", 0)),
        Figure("retired", N_("Units retired"), went("retired", 1), went("retired", 0)),
        Figure("inspections", N_("Inspections done"), inspected(1), inspected(0)),
        Figure("inspections_overdue", N_("Inspections overdue now"),
               _int(overdue[0]["units"]) if overdue else 0, None),
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
    seen = {row["month"]: _int(row["tickets"]) for row in trend}
    charts = [
        Chart(N_("Tickets opened by month"),
              [(label, seen.get(label, 0)) for label, _, _ in months(period)]),
        Chart(N_("Damage rate by tool type"),
              [(row, row["damage_rate"] or 0) for row in type_rows[:10]], "percent", "bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}


# --- money --------------------------------------------------------------------------------------


async def money(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Fees charged, collected and waived (by concession category and funder), late fees,
    damage and replacement charges, per centre and per staff member; deposits held and
    balances owed now. Ledger sums, so a reversal nets out its entry."""
    v = _values(scope, period, today)
    async with read_transaction():
        sums = await _run(f"""
            SELECT CASE WHEN e.created_at >= $t0 THEN 1 ELSE 0 END AS current, e.centre,
              e.created_by, m.name AS staff, e.kind, e.method, e.funder, e.concession,
              k.name_ka AS concession_ka, k.name_en AS concession_en, SUM(e.amount) AS amount
            FROM ledger_entry e
              LEFT JOIN member m ON m.id = e.created_by
              LEFT JOIN concession_category k ON k.id = e.concession
            WHERE e.created_at >= $s0 AND e.created_at < $t1{_in_centres('e.centre', scope)}
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10""", **v)
        month = _local_month("e.created_at", scope, period, v)
        trend = await _run(f"""
            SELECT {month} AS month,
              SUM(CASE WHEN e.kind IN $charges THEN e.amount ELSE 0 END) AS charged,
              -SUM(CASE WHEN e.kind IN ('payment', 'refund') THEN e.amount ELSE 0 END)
                AS collected
            FROM ledger_entry e
            WHERE e.created_at >= $t0 AND e.created_at < $t1{_in_centres('e.centre', scope)}
            GROUP BY 1""", **v, charges=list(CHARGE_KINDS))
        now = await _run(f"""
            SELECT SUM(CASE WHEN e.kind IN ('deposit', 'deposit_return') THEN e.amount ELSE 0
                            END) AS deposits
            FROM ledger_entry e WHERE 1 = 1{_in_centres('e.centre', scope)}""", **v)
        owed = await _run(f"""
            SELECT COUNT(*) AS members, SUM(balance) AS owed FROM (
              SELECT e.member, SUM(e.amount) AS balance FROM ledger_entry e
              WHERE 1 = 1{_in_centres('e.centre', scope)} GROUP BY e.member) balances
            WHERE balance > 0""", **v)
        names = {row["id"]: row for row in await centres()}

    def total(rows: list[dict[str, Any]], *kinds: str, method: str | None = None) -> int:
        return sum(_int(r["amount"]) for r in rows if r["kind"] in kinds
                   and (method is None or r["method"] == method))

    def figures(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {
            "fees": total(rows, "fee"), "late_fees": total(rows, "late_fee"),
            "damage": total(rows, "damage"), "replacement": total(rows, "replacement"),
            "waived": -total(rows, "waiver"),
            "cash": -total(rows, "payment", method="cash") - total(rows, "refund",
                                                                    method="cash"),
            "card": -total(rows, "payment", method="card") - total(rows, "refund",
                                                                    method="card"),
            "collected": -total(rows, "payment") - total(rows, "refund"),
            "deposits_taken": total(rows, "deposit"),
            "deposits_returned": -total(rows, "deposit_return"),
        }

    current = [r for r in sums if _int(r["current"])]
    this, before = figures(current), figures([r for r in sums if not _int(r["current"])])
    held = _int(now[0]["deposits"]) if now else 0
    owing = owed[0] if owed else {}
    headline = [
        Figure("fees", N_("Rental fees charged"), this["fees"], before["fees"], "money"),
        Figure("collected", N_("Collected"), this["collected"], before["collected"], "money"),
        Figure("waived", N_("Waived"), this["waived"], before["waived"], "money"),
        Figure("late_fees", N_("Late fees"), this["late_fees"], before["late_fees"], "money"),
        Figure("damage", N_("Damage charges"), this["damage"] + this["replacement"],
               before["damage"] + before["replacement"], "money"),
        Figure("deposits_held", N_("Deposits held now"), held, None, "money"),
        Figure("owed", N_("Balances owed now"), _int(owing.get("owed")), None, "money"),
        Figure("members_owing", N_("Members owing now"), _int(owing.get("members")), None,
               "people"),
    ]
    money_columns = [Column(key, heading, "money") for key, heading in (
        ("fees", N_("Rental fees")), ("late_fees", N_("Late fees")),
        ("damage", N_("Damage")), ("replacement", N_("Replacement")),
        ("waived", N_("Waived")), ("cash", N_("Cash")), ("card", N_("Card")),
        ("collected", N_("Collected")), ("deposits_taken", N_("Deposits taken")),
        ("deposits_returned", N_("Deposits returned")))]

    def grouped(key: str, label: Any) -> list[dict[str, Any]]:
        groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in current:
            groups[row[key]].append(row)
        return [{**label(k, rows), **figures(rows)} for k, rows in groups.items()]

    by_centre = sorted(grouped("centre", lambda k, rows: {
        "name_ka": names.get(k, {}).get("name_ka", ""),
        "name_en": names.get(k, {}).get("name_en", "")}), key=lambda r: r["name_en"])
    by_staff = sorted(grouped("created_by", lambda k, rows: {
        "staff": rows[0]["staff"] or "—"}), key=lambda r: r["staff"])
    waivers: dict[tuple[Any, str], int] = defaultdict(int)
    for row in current:
        if row["kind"] == "waiver":
            waivers[(row["concession"], row["funder"])] -= _int(row["amount"])
    labels = {(r["concession"], r["funder"]): r for r in current if r["kind"] == "waiver"}
    waiver_rows = sorted(({
        "name_ka": labels[key]["concession_ka"] or "", "name_en":
        labels[key]["concession_en"] or "", "concession": key[0],
        "funder": "" if key[1] == "-" else key[1], "amount": amount}
        for key, amount in waivers.items() if amount),
        key=lambda r: (r["concession"] is None, r["name_en"], r["funder"]))
    for row in waiver_rows:
        if row["concession"] is None:
            row["name_ka"] = row["name_en"] = ""
            row["fallback"] = "waived_by_coordinator" if not row["funder"] else "no_category"
    tables = [
        Table("by_centre", N_("By centre"),
              [Column("name", N_("Centre"), "name"), *money_columns], by_centre,
              total={"name": N_("Total"), **this}),
        Table("by_staff", N_("By staff member"),
              [Column("staff", N_("Staff member"), "text"), *money_columns], by_staff),
        Table("waivers", N_("Waivers by concession category and funder"),
              [Column("name", N_("Concession category"), "name"),
               Column("funder", N_("Funder"), "text"), Column("amount", N_("Waived"), "money")],
              waiver_rows, total={"name": N_("Total"), "amount": this["waived"]}),
    ]
    seen = {row["month"]: row for row in trend}
    charts = [
        Chart(N_("Collected by month"),
              [(label, _int(seen.get(label, {}).get("collected"))) for label, _, _ in
               months(period)], "money"),
        Chart(N_("Charged by month"),
              [(label, _int(seen.get(label, {}).get("charged"))) for label, _, _ in
               months(period)], "money"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}


# --- donor indicators -----------------------------------------------------------------------------


DIMENSIONS = ("sex", "age_band", "situation", "municipality")
# counted once for every session and joined, not asked again for each session
ATTENDED_BY_SESSION = ("SELECT e.session, COUNT(*) AS people FROM enrolment e "
                       "WHERE e.status = 'enrolled' AND e.attended = $yes GROUP BY e.session")
CERTIFIED_BY_SESSION = ("SELECT c.session, COUNT(*) AS people FROM certificate c "
                        "WHERE c.session IS NOT NULL AND c.revoked_at IS NULL GROUP BY c.session")


def _age_band(values: dict[str, Any], on: date) -> str:
    cases = []
    for index, (born_after, band) in enumerate(band_limits(on)):
        values[f"born{index}"] = born_after
        cases.append(f"WHEN m.birth_date > $born{index} THEN '{band}'")
    return f"CASE WHEN m.birth_date IS NULL THEN 'unknown' {' '.join(cases)} ELSE '65+' END"


def _held(values: dict[str, Any], scope: Scope, today: date) -> None:
    """Sessions are held once their day has come: h1 and g1 end the period and the one
    before it no later than today."""
    end_of_today = local_day_bounds(today, scope.timezone)[1]
    values["h1"] = min(values["t1"], end_of_today)
    values["g1"] = min(values["t0"], end_of_today)


def _served(scope: Scope, first: str, last: str, start: str, end: str) -> str:
    """Members with a loan or an attended session in the period: ids for IN (...)."""
    return f"""
        SELECT b.member FROM booking b WHERE b.status IN {LOAN}
          AND b.starts_on BETWEEN ${first} AND ${last}{_in_centres('b.centre', scope)}
        UNION
        SELECT e.member FROM enrolment e JOIN skill_session s ON s.id = e.session
        WHERE e.status = 'enrolled' AND e.attended = $yes AND s.status = 'scheduled'
          AND s.starts_at >= ${start} AND s.starts_at < ${end}{_in_centres('s.centre', scope)}"""


async def donor(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Members served (a loan or an attended session) and new members, by sex, age band,
    situation and municipality; loans and household savings by repair domain; sessions by
    audience and their attendees and certificates by the same breakdowns. Erased members
    count: erasure keeps these fields. Ages are on the period's last day."""
    v = _values(scope, period, today)
    v["yes"] = True
    _held(v, scope, today)
    band = _age_band(v, period.ends)
    dims = f"m.sex, {band} AS age_band, m.situation, m.municipality"
    group = "m.sex, age_band, m.situation, m.municipality"
    attended = ("SELECT e.member FROM enrolment e JOIN skill_session s ON s.id = e.session "
                "WHERE e.status = 'enrolled' AND e.attended = $yes AND s.status = 'scheduled' "
                "AND s.starts_at >= $t0 AND s.starts_at < $h1" + _in_centres('s.centre', scope))
    certified = ("SELECT c.member FROM certificate c JOIN skill_session s ON s.id = c.session "
                 "WHERE c.revoked_at IS NULL AND s.status = 'scheduled' "
                 "AND s.starts_at >= $t0 AND s.starts_at < $h1" + _in_centres('s.centre', scope))
    async with read_transaction():
        people = await _run(f"""
            SELECT 'served' AS measure, {dims}, COUNT(*) AS people FROM member m
            WHERE m.id IN ({_served(scope, 'p0', 'p1', 't0', 'h1')}) GROUP BY {group}
            UNION ALL
            SELECT 'new', {dims}, COUNT(*) FROM member m
            WHERE m.role = 'member' AND m.created_at >= $t0 AND m.created_at < $t1
              {_in_centres('m.home_centre', scope)} GROUP BY {group}
            UNION ALL
            SELECT 'attended', {dims}, COUNT(*) FROM member m
            WHERE m.id IN ({attended}) GROUP BY {group}
            UNION ALL
            SELECT 'certificates', {dims}, COUNT(*) FROM member m
              JOIN ({certified}) c ON c.member = m.id GROUP BY {group}""", **v)
        before = await _run(f"""
            SELECT (SELECT COUNT(*) FROM member m WHERE m.id IN
                     ({_served(scope, 'q0', 'q1', 's0', 'g1')})) AS served,
              (SELECT COUNT(*) FROM member m WHERE m.role = 'member'
                 AND m.created_at >= $s0 AND m.created_at < $t0
                 {_in_centres('m.home_centre', scope)}) AS new""", **v)
        domains = await _run(f"""
            SELECT c.id, c.name_ka, c.name_en, c.position,
              SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
              COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers,
              SUM(CASE WHEN b.starts_on >= $p0 THEN COALESCE(t.saving_per_loan, 0) ELSE 0 END)
                AS savings,
              SUM(CASE WHEN b.starts_on >= $p0 AND t.saving_per_loan IS NULL THEN 1 ELSE 0 END)
                AS without_figure,
              SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous_loans,
              SUM(CASE WHEN b.starts_on < $p0 THEN COALESCE(t.saving_per_loan, 0) ELSE 0 END)
                AS previous_savings
            FROM booking b JOIN tool_type t ON t.id = b.tool_type
              JOIN category c ON c.id = t.category
            WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $q0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY c.id, c.name_ka, c.name_en, c.position""", **v)
        sessions = await _run(f"""
            SELECT CASE WHEN s.starts_at >= $t0 THEN 1 ELSE 0 END AS current, s.audience,
              COUNT(*) AS sessions, SUM(s.capacity) AS places, SUM(s.enrolled) AS enrolled,
              SUM(COALESCE(a.people, 0)) AS attended, SUM(COALESCE(k.people, 0)) AS certificates
            FROM skill_session s
              LEFT JOIN ({ATTENDED_BY_SESSION}) a ON a.session = s.id
              LEFT JOIN ({CERTIFIED_BY_SESSION}) k ON k.session = s.id
            WHERE s.status = 'scheduled' AND s.starts_at >= $s0 AND s.starts_at < $h1
              {_in_centres('s.centre', scope)}
            GROUP BY 1, 2""", **v)

    breakdowns: dict[str, dict[str, dict[str, int]]] = {d: {} for d in DIMENSIONS}
    for row in people:
        for dimension in DIMENSIONS:
            cell = breakdowns[dimension].setdefault(row[dimension] or "", {
                "served": 0, "new": 0, "attended": 0, "certificates": 0})
            cell[row["measure"]] += _int(row["people"])
    totals = {measure: sum(cell[measure] for cell in breakdowns["sex"].values())
              for measure in ("served", "new", "attended", "certificates")}
    order = {"sex": SEXES, "age_band": AGE_BANDS, "situation": SITUATIONS}
    people_columns = [Column("served", N_("Members served"), "people"),
                      Column("new", N_("New members"), "people"),
                      Column("attended", N_("Session attendees"), "people"),
                      Column("certificates", N_("Certificates"), "people")]
    tables = []
    for dimension, title, heading in (
            ("sex", N_("By sex"), N_("Sex")), ("age_band", N_("By age band"), N_("Age band")),
            ("situation", N_("By situation"), N_("Situation")),
            ("municipality", N_("By municipality"), N_("Municipality"))):
        cells = breakdowns[dimension]
        keys = [k for k in order.get(dimension, ()) if k in cells] or sorted(cells)
        keys += sorted(k for k in cells if k not in keys)
        kind = "text" if dimension == "municipality" else "choice"
        tables.append(Table(f"by_{dimension}", title, [Column("value", heading, kind),
                                                       *people_columns],
                            [{"value": k or "—", **cells[k]} for k in keys],
                            total={"value": N_("Total"), **totals}))

    domain_rows = sorted(({**row, **{k: _int(row[k]) for k in (
        "loans", "borrowers", "savings", "without_figure", "previous_loans",
        "previous_savings")}} for row in domains), key=lambda r: (r["position"], r["name_en"]))
    previous_loans = sum(row["previous_loans"] for row in domain_rows)
    previous_savings = sum(row["previous_savings"] for row in domain_rows)
    domain_rows = [row for row in domain_rows if row["loans"]]
    loans = sum(row["loans"] for row in domain_rows)
    savings = sum(row["savings"] for row in domain_rows)
    tables.insert(0, Table(
        "by_domain", N_("Loans by repair domain"),
        [Column("name", N_("Repair domain"), "name"), Column("loans", N_("Loans")),
         Column("borrowers", N_("Borrowers"), "people"),
         Column("savings", N_("Estimated household savings"), "money")],
        domain_rows, total={"name": N_("Total"), "loans": loans, "savings": savings},
        note=N_("Savings are each loan times its tool type's saving per loan; loans of tool "
                "types without that figure count as nothing.")))

    audience_rows = {a: {"audience": a, "sessions": 0, "places": 0, "enrolled": 0,
                         "attended": 0, "certificates": 0} for a in AUDIENCES}
    previous_sessions = {"sessions": 0, "attended": 0, "certificates": 0}
    for row in sessions:
        target = audience_rows[row["audience"]] if _int(row["current"]) else previous_sessions
        for key in target:
            if key != "audience":
                target[key] += _int(row[key])
    session_rows = [row for row in audience_rows.values() if row["sessions"]]
    session_total = {k: sum(r[k] for r in session_rows) for k in (
        "sessions", "places", "enrolled", "attended", "certificates")}
    tables.insert(1, Table(
        "sessions", N_("Skills sessions held by audience"),
        [Column("audience", N_("For"), "choice"), Column("sessions", N_("Sessions held")),
         Column("places", N_("Places offered")), Column("enrolled", N_("Enrolled"), "people"),
         Column("attended", N_("Attended"), "people"),
         Column("certificates", N_("Certificates issued"), "people")],
        session_rows, total={"audience": N_("Total"), **session_total}))

    prior = before[0] if before else {}
    headline = [
        Figure("served", N_("Members served"), totals["served"], _int(prior.get("served")),
               "people"),
        Figure("new", N_("New members"), totals["new"], _int(prior.get("new")), "people"),
        Figure("loans", N_("Loans"), loans, previous_loans),
        Figure("sessions", N_("Sessions held"), session_total["sessions"],
               previous_sessions["sessions"]),
        Figure("attended", N_("Attended"), session_total["attended"],
               previous_sessions["attended"]),
        Figure("certificates", N_("Certificates issued"), session_total["certificates"],
               previous_sessions["certificates"]),
        Figure("savings", N_("Estimated household savings"), savings, previous_savings,
               "money"),
    ]
    charts = [
        Chart(N_("Loans by repair domain"), [(row, row["loans"]) for row in domain_rows],
              style="bars"),
        Chart(N_("Members served by situation"),
              [(row["value"], row["served"]) for row in tables[4].rows], "people", "bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}


# --- network dashboard -------------------------------------------------------------------------


async def network(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """One row per centre: loans, borrowers, new members, collected, sessions and attendees,
    against the previous period, and the loans of the last twelve months as a sparkline."""
    v = _values(scope, period, today)
    v["yes"] = True
    _held(v, scope, today)
    year = [label for label, _, _ in months(Period(
        "dates", (period.ends.replace(day=1) - timedelta(days=335)).replace(day=1),
        period.ends))][-12:]
    v["y0"] = date.fromisoformat(year[0] + "-01")
    async with read_transaction():
        listed = [c for c in await centres()
                  if scope.centres is None or c["id"] in scope.centres]
        loans = await _run(f"""
            SELECT b.centre, SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
              SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous_loans,
              COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers
            FROM booking b WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $q0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY b.centre""", **v)
        joined = await _run(f"""
            SELECT m.home_centre AS centre, COUNT(*) AS new FROM member m
            WHERE m.role = 'member' AND m.created_at >= $t0 AND m.created_at < $t1
              {_in_centres('m.home_centre', scope)}
            GROUP BY m.home_centre""", **v)
        collected = await _run(f"""
            SELECT e.centre, -SUM(e.amount) AS collected FROM ledger_entry e
            WHERE e.kind IN ('payment', 'refund') AND e.created_at >= $t0
              AND e.created_at < $t1{_in_centres('e.centre', scope)}
            GROUP BY e.centre""", **v)
        held = await _run(f"""
            SELECT s.centre, COUNT(*) AS sessions, SUM(COALESCE(a.people, 0)) AS attended
            FROM skill_session s LEFT JOIN ({ATTENDED_BY_SESSION}) a ON a.session = s.id
            WHERE s.status = 'scheduled' AND s.starts_at >= $t0 AND s.starts_at < $h1
              {_in_centres('s.centre', scope)}
            GROUP BY s.centre""", **v)
        spark = await _run(f"""
            SELECT b.centre, {_date_month('b.starts_on')} AS month, COUNT(*) AS loans
            FROM booking b WHERE b.status IN {LOAN} AND b.starts_on BETWEEN $y0 AND $p1
              {_in_centres('b.centre', scope)}
            GROUP BY b.centre, {_date_month('b.starts_on')}""", **v)

    def by_centre(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        return {row["centre"]: row for row in rows}

    loans_at, new_at, money_at, held_at = (by_centre(loans), by_centre(joined),
                                           by_centre(collected), by_centre(held))
    trend: dict[int, dict[str, int]] = defaultdict(dict)
    for row in spark:
        trend[row["centre"]][row["month"]] = _int(row["loans"])
    rows = []
    for c in listed:
        lent = loans_at.get(c["id"], {})
        rows.append({
            "id": c["id"], "code": c["code"], "name_ka": c["name_ka"], "name_en": c["name_en"],
            "loans": _int(lent.get("loans")), "previous_loans": _int(lent.get("previous_loans")),
            "borrowers": _int(lent.get("borrowers")),
            "new": _int(new_at.get(c["id"], {}).get("new")),
            "collected": _int(money_at.get(c["id"], {}).get("collected")),
            "sessions": _int(held_at.get(c["id"], {}).get("sessions")),
            "attended": _int(held_at.get(c["id"], {}).get("attended")),
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
