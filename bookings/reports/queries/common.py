"""What every report's queries share: the scope (which centres, cut in which time zone), the
values a period binds, and the one way a named query is run.

A named query is SQL written once for both engines. `{in_centres[b.centre]}` narrows it to
the scope's centres, `{loan}` is the statuses of a booking that went out of the door
(`NOT IN {not_loan}` says the same where an index's condition is written so), any
other `{slot}` a fragment the report passes (the dialect's from rental.kernel.db); values are
`$name` placeholders, always bound, never formatted in.

The values of a period: p0..p1 its days and q0..q1 the days of the one before; t0..t1 its
instants (the centre's midnights) and s0 the start of the one before; today."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings.reports.rules import Period
from bookings.tables import Booking
from rental.kernel import db
from rental.ledger import local_day_bounds
from rental.tables import Centre

LOAN = "('out', 'returned', 'lost')"  # a booking that went out of the door
# the other statuses: booking.status is NOT NULL and one of six (its CHECK), so NOT IN these
# is a loan too, and no index can read a status's range for it (SQLite took
# booking_status_period's and read every returned booking for the few a query wanted)
NOT_LOAN = "('reserved', 'cancelled', 'no_show')"

# counted once for every session and joined, not asked again for each session
ATTENDED_BY_SESSION = """
    SELECT e.session, COUNT(*) AS people FROM enrolment e
    WHERE e.status = 'enrolled' AND e.attended = $yes GROUP BY e.session"""


@dataclass(frozen=True)
class Scope:
    """Which centres a report covers (None: all) and the time zone its days are cut in."""
    centres: tuple[int, ...] | None
    timezone: str


async def centres() -> list[dict[str, Any]]:
    return await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                               Centre.name_ru, Centre.timezone).order_by(Centre.id)


class _InCentres:
    """{in_centres[column]}: the column's centre among the scope's, or nothing for all."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def __getitem__(self, column: str) -> str:
        return "" if self.scope.centres is None else f" AND {column} IN $centres"


def compose(query: str, scope: Scope, **fragments: str) -> str:
    """A named query with its slots filled: the scope's centres, a loan, the fragments."""
    return query.format(in_centres=_InCentres(scope), loan=LOAN, not_loan=NOT_LOAN,
                        **fragments)


async def fetch(query: str, scope: Scope, values: Mapping[str, Any],
                **fragments: str) -> list[dict[str, Any]]:
    """Run a named query for the scope, binding the $names it uses from `values`."""
    sql, params = db.bind_named(compose(query, scope, **fragments), values)
    return await Booking.raw(sql, *params)


def bounds(period: Period, scope: Scope) -> tuple[datetime, datetime]:
    """The instants a period starts and ends at the scope's midnights."""
    return (local_day_bounds(period.starts, scope.timezone)[0],
            local_day_bounds(period.ends, scope.timezone)[1])


def period_values(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """The values every report binds (see the module's docstring), and the scope's centres."""
    previous = period.previous()
    t0, t1 = bounds(period, scope)
    s0, _ = bounds(previous, scope)
    return {"p0": period.starts, "p1": period.ends, "q0": previous.starts, "q1": previous.ends,
            "t0": t0, "t1": t1, "s0": s0, "today": today,
            "centres": list(scope.centres or ())}


def held_values(values: dict[str, Any], scope: Scope, today: date) -> dict[str, Any]:
    """Sessions are held once their day has come: h1 and g1 end the period and the one before
    it no later than today."""
    end_of_today = local_day_bounds(today, scope.timezone)[1]
    return {"h1": min(values["t1"], end_of_today), "g1": min(values["t0"], end_of_today)}


def local_month(column: str, scope: Scope, period: Period) -> tuple[str, dict[str, Any]]:
    """A timestamp's month on the scope's calendar: the SQL and the values it binds."""
    return db.local_month(column, scope.timezone, period.starts, period.ends)


def number(value: Any) -> int:
    """A count or a sum as SQL gives it (None when there were no rows)."""
    return int(value or 0)


def as_day(value: Any) -> date | None:
    """A date as SQL gives it: a date on PostgreSQL, ISO text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def local_day(value: Any, timezone: str) -> date | None:
    """A timestamp as SQL gives it, as a calendar day in the time zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(timezone)).date()
