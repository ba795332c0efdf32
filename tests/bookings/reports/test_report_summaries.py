"""The reports read the ledger's monthly summaries (bookings/reports/summaries.py) for whole
closed months (and each member's balance before them) and the ledger itself for the rest:
every report that reads them shows the same
figures as when it reads only the raw rows (summaries.raw()), on generated data (a ledger of two
years at several centres, with entries a minute either side of the months' midnights, every
kind, method, funder and concession), for periods of whole months, a period starting and
ending mid-month, every centre and one, read on days either side of a month's closing; and a
summary written into later (an entry dated in a summarised month) is not read past that month
until it is rebuilt. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from helpers import TBILISI
from report_data import build_report_data, summary_scopes

from bookings.reports import queries as reports
from bookings.reports import summaries
from bookings.reports.rules import Period, period_of
from bookings.reports.tables import ReportLedgerBalance, ReportLedgerMonth, ReportSummary

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
    # cut on 4 February: that month from the summary less its first three days
    "4 Feb 2025 to 30 Nov 2026": Period("dates", date(2025, 2, 4), date(2026, 11, 30)),
}
# the day November closes (open_from) and the days either side
READ_ON = (date(2026, 11, 20), date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 20))
KINDS = {"fee": 1, "deposit": 1, "late_fee": 1, "damage": 1, "replacement": 1, "refund": 1,
         "payment": -1, "waiver": -1, "deposit_return": -1}


async def generate_ledger(seed: int = 21, entries: int = 300) -> None:
    """Receipts and ledger entries over two years at random centres, by random staff."""
    from rental.tables import Centre, ConcessionCategory, LedgerEntry, Member, Receipt

    rng = random.Random(seed)
    centres = [row["id"] for row in await Centre.select(Centre.id)]
    people = [row["id"] for row in await Member.select(Member.id).where(Member.role == "member")]
    staff = [row["id"] for row in await Member.select(Member.id).where(Member.role != "member")]
    concessions = [None] + [r["id"] for r in await ConcessionCategory.select(ConcessionCategory.id)]
    days = (LAST_DAY - FIRST_DAY).days
    rows = []
    for _ in range(entries):
        day = FIRST_DAY + timedelta(days=rng.randrange(days + 1))
        if rng.random() < 0.3:  # a minute either side of a month's first midnight
            day = day.replace(day=1)
            moment = rng.choice([datetime.combine(day, time(0, 1), TBILISI),
                                 datetime.combine(day, time(0), TBILISI) - timedelta(minutes=1)])
        else:
            moment = datetime.combine(day, time(rng.randrange(9, 20), rng.randrange(60)),
                                      TBILISI)
        moment = moment.astimezone(UTC)
        centre, member, actor = rng.choice(centres), rng.choice(people), rng.choice(staff)
        receipt = (await Receipt.insert(Receipt(
            member=member, centre=centre, kind="check_out", created_at=moment,
            created_by=actor)).returning(Receipt.id))[0]["id"]
        kind = rng.choice(list(KINDS))
        method = rng.choice(["cash", "card"]) if kind in ("payment", "refund") else ""
        waiver = kind == "waiver"
        rows.append(LedgerEntry(
            receipt=receipt, member=member, centre=centre, kind=kind,
            amount=KINDS[kind] * rng.randrange(1, 5000), method=method,
            reference="slip" if method == "card" else "",
            funder=rng.choice(["", "UNDP", "Fund A"]) if waiver else "",
            reason="" if not waiver else "waived",
            concession=rng.choice(concessions) if waiver else None, created_at=moment,
            created_by=rng.choice([actor, None])))
    await LedgerEntry.insert(*rows)


@pytest.fixture
async def generated(seeded):
    await build_report_data()
    await generate_ledger()


async def both_ways(scope: reports.Scope, period: Period, today: date) -> list[tuple[Any, Any]]:
    """Each report that reads the summaries, read from them and from the raw rows."""
    found = []
    for report in (reports.money, reports.network):
        summarised = await report(scope, period, today)
        with summaries.raw():
            found.append((summarised, await report(scope, period, today)))
    return found


async def test_the_reports_read_from_the_summaries_show_what_the_raw_rows_do(generated):
    checked = 0
    for today in READ_ON:
        assert await summaries.bring_up_to_date(ZONE, today) or today != READ_ON[0]
        assert await summaries.summarised_until(ZONE, today) == (
            summaries.summary_rules.open_from(today))
        for scope in (await summary_scopes(ZONE)).values():
            for period in PERIODS.values():
                for summarised, raw in await both_ways(scope, period, today):
                    assert summarised == raw, (scope, period, today)
                    checked += 1
    assert checked == len(READ_ON) * 4 * len(PERIODS) * 2  # days × centre choices × periods
    # the summaries were read: they hold every month from the ledger's first to October's
    months = {row["month"] for row in await ReportLedgerMonth.select(ReportLedgerMonth.month)}
    assert min(months) <= "2024-12" and max(months) == "2026-11"
    assert await ReportLedgerBalance.count()


async def test_money_over_the_summaries_matches_the_sums_by_hand(generated):
    from rental.tables import LedgerEntry

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    period = PERIODS["2025"]
    start = datetime.combine(date(2025, 1, 1), time(0), TBILISI)
    end = datetime.combine(date(2026, 1, 1), time(0), TBILISI)
    rows = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount).where(
        (LedgerEntry.created_at >= start) & (LedgerEntry.created_at < end))
    fees = sum(r["amount"] for r in rows if r["kind"] == "fee")
    waived = -sum(r["amount"] for r in rows if r["kind"] == "waiver")
    found = await reports.money((await summary_scopes(ZONE))["every centre"], period, today)
    headline = {figure.key: figure.value for figure in found["headline"]}
    assert (headline["fees"], headline["waived"]) == (fees, waived)


async def test_an_entry_written_into_a_summarised_month_is_read_until_it_is_rebuilt(generated):
    from rental.tables import Centre, LedgerEntry, Member, Receipt

    today = date(2026, 12, 20)
    await summaries.bring_up_to_date(ZONE, today)
    centre = (await Centre.select(Centre.id).first())["id"]
    member = (await Member.select(Member.id).where(Member.role == "member").first())["id"]
    moment = datetime.combine(date(2025, 6, 10), time(12), TBILISI).astimezone(UTC)
    receipt = (await Receipt.insert(Receipt(member=member, centre=centre, kind="check_out",
                                            created_at=moment)).returning(Receipt.id))[0]["id"]
    await LedgerEntry.insert(LedgerEntry(receipt=receipt, member=member, centre=centre,
                                         kind="fee", amount=12_345, created_at=moment))
    state = await ReportSummary.select().where(ReportSummary.zone == ZONE).first()
    assert state["ledger_stale_from"] is not None
    assert await summaries.summarised_until(ZONE, today) == date(2025, 6, 1)
    scope, period = (await summary_scopes(ZONE))["every centre"], PERIODS["2025"]
    for summarised, raw in await both_ways(scope, period, today):
        assert summarised == raw
    fees = {f.key: f.value for f in (await reports.money(scope, period, today))["headline"]}
    assert await summaries.bring_up_to_date(ZONE, today) == [ZONE]
    assert await summaries.summarised_until(ZONE, today) == date(2026, 12, 1)
    for summarised, raw in await both_ways(scope, period, today):
        assert summarised == raw
    again = {f.key: f.value for f in (await reports.money(scope, period, today))["headline"]}
    assert again["fees"] == fees["fees"]


async def test_a_report_page_brings_the_summaries_up_to_date_once(generated):
    from bookings.reports.services import report_page
    from rental.kernel.identity import CurrentUser

    coordinator = CurrentUser(id=1, name="c", role="coordinator", status="active",
                              language="en", centre_ids=frozenset())
    filters = {"period": "year", "on": "2025-01-01"}
    today = date(2026, 12, 20)
    await report_page(coordinator, "money", filters, today=today, default_zone=ZONE)
    assert await summaries.summarised_until(ZONE, today) == date(2026, 12, 1)
    assert await summaries.bring_up_to_date(ZONE, today) == []


async def test_a_month_less_its_days_before_the_cut_shows_no_row_for_those_days(generated):
    """A fee charged on 2 February 2025 by a desk worker who wrote nothing else: February is
    read from the summary less its days before the cut (the 4th), which must not leave them a
    row of nothing in the period's table by staff."""
    from rental.tables import Centre, LedgerEntry, Member, Receipt

    today = date(2026, 12, 20)
    centre = (await Centre.select(Centre.id).first())["id"]
    member = (await Member.select(Member.id).where(Member.role == "member").first())["id"]
    worker = (await Member.insert(Member(name="Early Worker", phone="+995599000777",
                                         role="staff")).returning(Member.id))[0]["id"]
    moment = datetime.combine(date(2025, 2, 2), time(12), TBILISI).astimezone(UTC)
    receipt = (await Receipt.insert(Receipt(member=member, centre=centre, kind="check_out",
                                            created_at=moment, created_by=worker))
               .returning(Receipt.id))[0]["id"]
    await LedgerEntry.insert(LedgerEntry(receipt=receipt, member=member, centre=centre,
                                         kind="fee", amount=777, created_at=moment,
                                         created_by=worker))
    await summaries.bring_up_to_date(ZONE, today)
    scope = (await summary_scopes(ZONE))["every centre"]
    period = PERIODS["4 Feb 2025 to 30 Nov 2026"]
    for summarised, raw in await both_ways(scope, period, today):
        assert summarised == raw
