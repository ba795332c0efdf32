"""The reports' monthly summaries, correct by construction: the ledger's sums per closed month
(report_ledger_month), read by the money report and the figure "collected" for the whole
closed months of a period, with the rest of the period read from the ledger itself; and each
member's balance at each centre before the first open month (report_ledger_balance), for the
balances owed now. The figures of the bookings (loans, loan-days, borrowers ...) have their
own summary: loan_summaries.py.

How a month is attributed: a ledger entry counts in the month of the instant it was written
(`created_at`) on the calendar of the report's time zone, and the summary is kept per time
zone. The ledger is append-only (database triggers), so a month's figures change only if an
entry is written into it later, which the desk never does (it writes at the moment of the
action): a closed month (summary_rules.open_from: once the day after it has passed too) is
final. Anything else (a restore, an import, rows written with an earlier instant) is caught
in the database: a trigger on ledger_entry records in report_summary the earliest instant
written into a summarised month, the reports read the summary only for the months before it,
and the next rebuild starts there. So a report is right whether or not the summary is up to
date; it is only slower while it is not.

`bring_up_to_date()` runs before a report reads, a month a write transaction and only when
something is missing or stale (the check is two small queries); `rental report-summaries`
does the same from the command line (after a bulk load, so that no visitor waits for it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookings.reports import summary_rules
from bookings.reports.queries.common import Scope, compose, local_day
from bookings.tables import Booking
from rental.kernel import db
from rental.kernel.db import read_transaction, write_transaction
from rental.ledger import local_day_bounds
from rental.tables import Centre

# {month}: the month of e.created_at on the zone's calendar
BUILD_LEDGER = """
    INSERT INTO report_ledger_month (zone, month, centre, created_by, kind, method, funder,
                                     concession, amount, entries)
    SELECT $zone, {month}, e.centre, e.created_by, e.kind, e.method, e.funder, e.concession,
      SUM(e.amount), COUNT(*)
    FROM ledger_entry e WHERE e.created_at >= $start AND e.created_at < $end
    GROUP BY 2, 3, 4, 5, 6, 7, 8"""

# the ledger's rows of some days as one derived table: (current, month, centre, created_by,
# kind, method, funder, concession, amount, entries); whole summarised months from the
# summary, the other days ({recent}) from the entries, and the days before the cut of a month
# the summary answers whole ({less}, summary_rules.split_less) taken from its days after.
# `current`: on or after the period's first day. {month}: the month of e.created_at on the
# scope's calendar
LEDGER = """
    SELECT CASE WHEN s.month >= $summary_p0 THEN 1 ELSE 0 END AS current, s.month, s.centre,
      s.created_by, s.kind, s.method, s.funder, s.concession, s.amount, s.entries
    FROM report_ledger_month s
    WHERE s.zone = $zone AND s.month IN $summary_months{in_centres[s.centre]}
    UNION ALL
    SELECT CASE WHEN e.created_at >= $t0 THEN 1 ELSE 0 END, {month}, e.centre, e.created_by,
      e.kind, e.method, e.funder, e.concession, e.amount, 1
    FROM ledger_entry e WHERE ({recent}){in_centres[e.centre]}
    UNION ALL
    SELECT 1, {month}, e.centre, e.created_by, e.kind, e.method, e.funder, e.concession,
      -e.amount, -1
    FROM ledger_entry e WHERE ({less}){in_centres[e.centre]}"""

# the whole ledger until now as one derived table (kind, amount, centre)
LEDGER_EVER = """
    SELECT s.kind, s.amount, s.centre FROM report_ledger_month s
    WHERE s.zone = $zone AND s.month < $summary_open{in_centres[s.centre]}
    UNION ALL
    SELECT e.kind, e.amount, e.centre FROM ledger_entry e
    WHERE e.created_at >= $summary_opened{in_centres[e.centre]}"""

# a member's balance at a centre from the entries before $covered, or from $since on (added)
BUILD_BALANCES = """
    INSERT INTO report_ledger_balance (zone, centre, member, amount)
    SELECT $zone, e.centre, e.member, SUM(e.amount) FROM ledger_entry e
    WHERE e.created_at >= $since AND e.created_at < $covered
    GROUP BY e.centre, e.member
    ON CONFLICT (zone, centre, member)
    DO UPDATE SET amount = report_ledger_balance.amount + excluded.amount"""

# each member's balance now as one derived table (member, amount): the summary's balances
# and the entries since
BALANCES = """
    SELECT s.member, s.amount FROM report_ledger_balance s
    WHERE s.zone = $zone AND $summary_balances = 1{in_centres[s.centre]}
    UNION ALL
    SELECT e.member, e.amount FROM ledger_entry e
    WHERE e.created_at >= $summary_covered{in_centres[e.centre]}"""

STATE = "SELECT zone, ledger_open, ledger_covered, ledger_stale_from FROM report_summary"

# set by raw(): every day read from the ledger itself (the reference the summaries must equal)
_RAW: ContextVar[bool] = ContextVar("report_summaries_raw", default=False)


def reading_raw() -> bool:
    """Whether raw() is on (the loan summary asks too)."""
    return _RAW.get()


@contextmanager
def raw() -> Iterator[None]:
    """Reports built inside read only the raw rows, never the summaries."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


async def _run(sql: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    query, params = db.bind_named(sql, values)
    return await Booking.raw(query, *params)


def _trusted(row: dict[str, Any] | None, zone: str) -> date:
    """The first month of a zone's summary not to read: not built yet, or written into since."""
    if row is None or not row["ledger_open"]:
        return date.min
    until = date.fromisoformat(row["ledger_open"] + "-01")
    if row["ledger_stale_from"] is not None:
        stale = local_day(row["ledger_stale_from"], zone) or date.min
        until = min(until, stale.replace(day=1))
    return until


async def state(zone: str) -> dict[str, Any] | None:
    """A zone's summary as report_summary has it (None: never built, or raw() is on)."""
    if _RAW.get():
        return None
    rows = await _run(STATE + " WHERE zone = $zone", {"zone": zone})
    return rows[0] if rows else None


async def summarised_until(zone: str, today: date, known: Any = False) -> date:
    """The first day of the first month the summary does not answer for `zone`: every month
    before it is closed and summarised. `known`: the zone's state(), when read already."""
    row = await state(zone) if known is False else known
    return min(_trusted(row, zone), summary_rules.open_from(today))


async def ledger(scope: Scope, first: date, last: date, cut: date, today: date,
                 known: Any = False) -> tuple[str, dict[str, Any]]:
    """LEDGER for the scope's days `first`..`last` (those before `cut` are the period before),
    to put in a report's query as its {ledger}: the SQL and the values it binds (with the
    period's $t0 from common.period_values)."""
    until = await summarised_until(scope.timezone, today, known)
    # a month's entries before the cut, read twice, are fewer than those after it, read once
    # (the bench's five years from the 6th: 5,000 entries, not 31,000)
    months, days, less = summary_rules.split_less(first, last, until, cut)
    values: dict[str, Any] = {"zone": scope.timezone, "summary_p0": summary_rules.month_key(cut),
                              "summary_months": months or [""]}

    def instants(name: str, runs: list[tuple[date, date]]) -> str:
        spans = []
        for index, (start, end) in enumerate(runs):
            values[f"{name}{index}"] = local_day_bounds(start, scope.timezone)[0]
            values[f"{name}_end{index}"] = local_day_bounds(end, scope.timezone)[1]
            spans.append(f"(e.created_at >= ${name}{index} AND e.created_at < ${name}_end{index})")
        return " OR ".join(spans) or "1 = 0"

    month, month_values = db.local_month("e.created_at", scope.timezone, first, last)
    values.update(month_values)
    return compose(LEDGER, scope, month=month, recent=instants("recent", days),
                   less=instants("less", less)), values


def _instant(value: Any) -> datetime | None:
    """A timestamp as SQL gives it: a datetime on PostgreSQL, ISO text on SQLite."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _beginning(day: date, zone: str) -> datetime:
    return local_day_bounds(day, zone)[0] if day > date.min else datetime.min.replace(tzinfo=UTC)


async def ledger_ever(scope: Scope, today: date, known: Any = False
                      ) -> tuple[str, dict[str, Any]]:
    """LEDGER_EVER for the scope, as its {ledger} and the values it binds."""
    until = await summarised_until(scope.timezone, today, known)
    return compose(LEDGER_EVER, scope), {
        "zone": scope.timezone, "summary_open": summary_rules.month_key(until),
        "summary_opened": _beginning(until, scope.timezone)}


async def balances(scope: Scope, known: Any = False) -> tuple[str, dict[str, Any]]:
    """BALANCES for the scope, as its {balances} and the values it binds: the summary's
    balances only while nothing was written before the instant they run to."""
    row = await state(scope.timezone) if known is False else known
    trusted = row is not None and row["ledger_covered"] is not None and (
        row["ledger_stale_from"] is None)
    return compose(BALANCES, scope), {
        "zone": scope.timezone, "summary_balances": 1 if trusted else 0,
        "summary_covered": _instant(row["ledger_covered"]) if trusted and row
        else _beginning(date.min, "UTC")}


async def zones(default_zone: str) -> list[str]:
    """The time zones reports are cut in: the centres' and the network's."""
    found = {row["timezone"] for row in await Centre.select(Centre.timezone)}
    return sorted(found | {default_zone})


def _stale_from(row: dict[str, Any] | None, zone: str, today: date) -> date | None:
    """The first month to rebuild (date.min: from the ledger's first), None if none."""
    trusted = _trusted(row, zone)
    return trusted if trusted < summary_rules.open_from(today) else None


async def _set_open(zone: str, month: date) -> None:
    await _run("UPDATE report_summary SET ledger_open = $open, ledger_covered = $covered, "
               "ledger_stale_from = NULL WHERE zone = $zone",
               {"zone": zone, "open": summary_rules.month_key(month),
                "covered": local_day_bounds(month, zone)[0]})


async def _build_a_month(zone: str, today: date) -> bool:
    """Under the summary's row lock: build one zone's next missing month (after starting
    again from a stale one). False when there was none."""
    await _run("INSERT INTO report_summary (zone, ledger_open) VALUES ($zone, '') "
               "ON CONFLICT (zone) DO NOTHING", {"zone": zone})
    # two reports building at once would add a month twice: the second waits here
    await _run("UPDATE report_summary SET ledger_open = ledger_open WHERE zone = $zone",
               {"zone": zone})
    row = (await _run(STATE + " WHERE zone = $zone", {"zone": zone}))[0]
    month = _stale_from(row, zone, today)
    if month is None:
        return False
    opened = summary_rules.open_from(today)
    if month == date.min:  # the first build: from the ledger's first month
        first = await _run("SELECT MIN(e.created_at) AS at FROM ledger_entry e", {})
        day = local_day(first[0]["at"], zone) if first else None
        month = min(day or opened, opened).replace(day=1)
        await _run("DELETE FROM report_ledger_balance WHERE zone = $zone", {"zone": zone})
        await _set_open(zone, month)
    elif row["ledger_stale_from"] is not None:  # written into: start again from that month
        await _run("DELETE FROM report_ledger_month WHERE zone = $zone AND month >= $from",
                   {"zone": zone, "from": summary_rules.month_key(month)})
        await _run("DELETE FROM report_ledger_balance WHERE zone = $zone", {"zone": zone})
        await _run(BUILD_BALANCES, {"zone": zone, "since": _beginning(date.min, "UTC"),
                                    "covered": local_day_bounds(month, zone)[0]})
        await _set_open(zone, month)
    if month >= opened:
        return False
    after = summary_rules.next_month(month)
    start, end = local_day_bounds(month, zone)[0], local_day_bounds(after, zone)[0]
    sql, values = db.local_month("e.created_at", zone, month, after - timedelta(days=1))
    await _run(BUILD_LEDGER.format(month=sql),
               {"zone": zone, "start": start, "end": end, **values})
    await _run(BUILD_BALANCES, {"zone": zone, "since": start, "covered": end})
    await _set_open(zone, after)
    return True


async def bring_up_to_date(default_zone: str, today: date) -> list[str]:
    """Build the summaries' missing or stale closed months for every zone a report may be
    cut in, a month a transaction (so that the desk never waits long for the write lock);
    nothing is written when they are up to date; then the loan summary (loan_summaries). The
    zones built, and "loans" when the loan summary was."""
    async with read_transaction():
        every = await zones(default_zone)
        state = {row["zone"]: row for row in await _run(STATE, {})}
    stale = [zone for zone in every if _stale_from(state.get(zone), zone, today) is not None]
    for zone in stale:
        more = True
        while more:
            async with write_transaction():
                more = await _build_a_month(zone, today)
    from bookings.reports import loan_summaries  # it reads reading_raw() from here

    if await loan_summaries.bring_up_to_date(today):
        stale.append("loans")
    return stale
