"""The reports read the bookings' monthly summary (bookings/reports/loan_summaries.py) for whole
closed months and the bookings themselves for the rest: the usage, donor, condition and network
reports show the same figures as when they read only the bookings (summaries.raw()), on
generated data (two years of loans at several centres, many of them starting, coming back or
still out across a month's first day, cancellations, no-shows, damaged returns, members
borrowing again months later), for periods of whole months, a period starting and ending
mid-month (its first part-month counted from its own days, or as the whole month less the
days before), every centre and one, read on days either side of a month's closing; and a
booking changed in a summarised month is not read from the summary past that month until it
is rebuilt. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from helpers import TBILISI
from report_data import build_report_data, summary_scopes

from bookings.reports import loan_summaries, summaries
from bookings.reports import queries as reports
from bookings.reports.rules import Period, period_of
from bookings.reports.tables import ReportBorrowerMonth, ReportLoanMonth, ReportLoanSummary

ZONE = "Asia/Tbilisi"
FIRST_DAY = date(2024, 12, 1)
LAST_DAY = date(2026, 12, 18)
PERIODS = {
    "October 2026": period_of("month", date(2026, 10, 1)),
    "November 2026": period_of("month", date(2026, 11, 1)),
    "fourth quarter": period_of("quarter", date(2026, 10, 1)),
    "2025": period_of("year", date(2025, 1, 1)),
    "2026": period_of("year", date(2026, 1, 1)),
    "17 Mar 2025 to 9 Nov 2026": Period("dates", date(2025, 3, 17), date(2026, 11, 9)),
    "1 Feb 2025 to 30 Nov 2026": Period("dates", date(2025, 2, 1), date(2026, 11, 30)),
    "3 Feb 2025 to 25 Dec 2026": Period("dates", date(2025, 2, 3), date(2026, 12, 25)),
}
# the day November closes (open_from) and the days either side
READ_ON = (date(2026, 11, 20), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 20))
REPORTS = ("usage", "donor", "condition", "network")


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(11), TBILISI).astimezone(UTC)


async def generate_bookings(seed: int = 23, count: int = 500) -> None:
    """Bookings over two years: each at a unit's own centre, a quarter of them on a month's
    first or last days, loans of one day to seven weeks, a few still out."""
    from bookings.tables import Booking
    from inventory.tables import Unit
    from rental.tables import Member

    rng = random.Random(seed)
    units = await Unit.select(Unit.id, Unit.tool_type, Unit.centre)
    people = [row["id"] for row in await Member.select(Member.id).where(Member.role == "member")]
    regulars = people[:6]  # members who borrow again and again
    # a loan still out holds its unit (PostgreSQL's exclusion constraint): units held by none
    held = {row["unit"] for row in await Booking.select(Booking.unit).where(
        Booking.status.is_in(["reserved", "out"]))}
    days = (LAST_DAY - FIRST_DAY).days
    rows, out = [], set()
    for _ in range(count):
        starts = FIRST_DAY + timedelta(days=rng.randrange(days + 1))
        if rng.random() < 0.25:  # around a month's first day
            starts = starts.replace(day=1) - timedelta(days=rng.choice([0, 1, 2]))
        length = rng.choice([0, 1, 3, 6, 13, 20, 30, 45])
        unit = rng.choice(units)
        member = rng.choice(regulars if rng.random() < 0.5 else people)
        status = rng.choices(["returned", "lost", "cancelled", "no_show", "out"],
                             [70, 3, 10, 10, 7])[0]
        ended = starts + timedelta(days=length)
        if status == "out" and (unit["id"] in out | held
                                or starts > LAST_DAY - timedelta(days=60)):
            status = "returned"
        if status in ("returned", "lost") and ended > LAST_DAY:
            ended = LAST_DAY
        if status == "out":
            out.add(unit["id"])
        rows.append(Booking(
            member=member, tool_type=unit["tool_type"], unit=unit["id"], centre=unit["centre"],
            starts_on=starts, ends_on=max(starts + timedelta(days=min(length, 14)),
                                          LAST_DAY + timedelta(days=30)) if status == "out"
            else starts + timedelta(days=min(length, 14)),
            status=status, created_at=_moment(starts),
            checked_out_at=_moment(starts) if status in ("out", "returned", "lost") else None,
            returned_at=_moment(ended) if status == "returned" else None,
            lost_at=_moment(ended) if status == "lost" else None,
            ended_on=ended if status in ("returned", "lost") else None,
            return_condition=rng.choice(["fine", "needs_cleaning", "damaged", "missing_parts"])
            if status == "returned" else None))
    await Booking.insert(*rows)


@pytest.fixture
async def generated(seeded):
    await build_report_data()
    await generate_bookings()


async def both_ways(scope: reports.Scope, period: Period, today: date,
                    names: tuple[str, ...] = REPORTS) -> list[tuple[str, Any, Any]]:
    """Each report that reads the loan summary, read from it and from the raw rows."""
    found = []
    for name in names:
        report = getattr(reports, name)
        summarised = await report(scope, period, today)
        with summaries.raw():
            found.append((name, summarised, await report(scope, period, today)))
    return found


async def test_the_reports_read_from_the_loan_summary_show_what_the_bookings_do(generated):
    checked = 0
    for today in READ_ON:
        await summaries.bring_up_to_date(ZONE, today)
        assert await loan_summaries.summarised_until(today) == (
            summaries.summary_rules.open_from(today))
        for scope in (await summary_scopes(ZONE)).values():
            for period in PERIODS.values():
                for name, summarised, raw in await both_ways(scope, period, today):
                    assert summarised == raw, (name, scope, period, today)
                    checked += 1
    assert checked == len(READ_ON) * 4 * len(PERIODS) * len(REPORTS)
    # the summary was read: it holds every month from the first booking's to November's
    months = {row["month"] for row in await ReportLoanMonth.select(ReportLoanMonth.month)}
    assert min(months) <= "2024-12" and max(months) == "2026-11"
    assert await ReportBorrowerMonth.count()


async def test_the_borrowers_over_the_summary_are_each_member_once(generated):
    from bookings.tables import Booking

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    first, last = date(2025, 1, 1), date(2026, 11, 30)
    rows = await Booking.select(Booking.member).where(
        Booking.status.is_in(["out", "returned", "lost"]) & (Booking.starts_on >= first)
        & (Booking.starts_on <= last))
    until = await loan_summaries.summarised_until(today)
    found = await loan_summaries.borrowers(reports.Scope(None, ZONE), first, last, "all", until)
    assert found == {(0, 0): len({row["member"] for row in rows})}


async def test_a_booking_changed_in_a_summarised_month_is_read_until_it_is_rebuilt(generated):
    from bookings.tables import Booking

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    scope, period = (await summary_scopes(ZONE))["every centre"], PERIODS["2025"]
    before = {f.key: f.value for f in (await reports.usage(scope, period, today))["headline"]}
    loan = await Booking.select(Booking.id, Booking.starts_on).where(
        (Booking.status == "returned") & (Booking.starts_on >= date(2025, 6, 1))
        & (Booking.starts_on < date(2025, 7, 1))).first()
    await Booking.update({Booking.status: "cancelled"}).where(Booking.id == loan["id"])
    state = await ReportLoanSummary.select().first()
    assert state["loans_stale_from"] is not None
    assert await loan_summaries.summarised_until(today) == date(2025, 6, 1)
    for name, summarised, raw in await both_ways(scope, period, today):
        assert summarised == raw, name
    after = {f.key: f.value for f in (await reports.usage(scope, period, today))["headline"]}
    assert after["loans"] == before["loans"] - 1
    assert await summaries.bring_up_to_date(ZONE, today) == ["loans"]
    assert await loan_summaries.summarised_until(today) == date(2026, 12, 1)
    for name, summarised, raw in await both_ways(scope, period, today):
        assert summarised == raw, name


async def test_a_check_in_of_a_loan_of_a_closed_month_leaves_the_summary_as_it_is(generated):
    from bookings.tables import Booking

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    loan = await Booking.select(Booking.id).where(
        (Booking.status == "out") & (Booking.starts_on < date(2026, 12, 1))).first()
    await Booking.update({Booking.status: "returned", Booking.ended_on: today,
                          Booking.returned_at: _moment(today)}).where(Booking.id == loan["id"])
    state = await ReportLoanSummary.select().first()
    assert state["loans_stale_from"] is None
    scope = (await summary_scopes(ZONE))["every centre"]
    for name, summarised, raw in await both_ways(scope, PERIODS["2026"], today):
        assert summarised == raw, name


async def test_a_tool_type_moved_to_another_category_makes_the_summary_stale(generated):
    from inventory.tables import Category, ToolType

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    categories = [row["id"] for row in await Category.select(Category.id)]
    tool = await ToolType.select(ToolType.id, ToolType.category).first()
    other = next(c for c in categories if c != tool["category"])
    await ToolType.update({ToolType.category: other}).where(ToolType.id == tool["id"])
    assert await loan_summaries.summarised_until(today) == date(1, 1, 1)
    assert await summaries.bring_up_to_date(ZONE, today) == ["loans"]
    for name, summarised, raw in await both_ways((await summary_scopes(ZONE))["every centre"],
                                                 PERIODS["2025"], today):
        assert summarised == raw, name


async def test_members_served_read_from_each_members_last_loan_are_those_of_the_bookings(
        generated):
    """The donor report's members served over a period that reaches the summary's first open
    month come from report_borrower_last (each member's last loan before it) and the loans
    since; the same people as every loan of the period, and not once the summary is stale."""
    from bookings.tables import Booking

    today = date(2026, 12, 2)
    await summaries.bring_up_to_date(ZONE, today)
    scopes = await summary_scopes(ZONE)
    period = PERIODS["3 Feb 2025 to 25 Dec 2026"]
    for name in ("every centre", "one centre", "another centre"):
        scope = scopes[name]
        assert await loan_summaries.last_loans_cover(
            scope, period.starts, period.ends, today) == date(2026, 12, 1)
        (_, summarised, raw), = await both_ways(scope, period, today, ("donor",))
        assert summarised == raw, name
    # outside the days it answers for: a period that ends before, or a scope of two centres
    assert await loan_summaries.last_loans_cover(
        scopes["every centre"], date(2025, 1, 1), date(2025, 12, 31), today) is None
    assert await loan_summaries.last_loans_cover(
        scopes["two centres"], period.starts, period.ends, today) is None
    # a loan of a summarised month changed: read from the bookings until it is rebuilt
    loan = await Booking.select(Booking.id).where(
        (Booking.status == "returned") & (Booking.starts_on >= date(2026, 6, 1))
        & (Booking.starts_on < date(2026, 7, 1))).first()
    await Booking.update({Booking.status: "cancelled"}).where(Booking.id == loan["id"])
    assert await loan_summaries.last_loans_cover(
        scopes["every centre"], period.starts, period.ends, today) is None
    (_, summarised, raw), = await both_ways(scopes["every centre"], period, today, ("donor",))
    assert summarised == raw
