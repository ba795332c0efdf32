"""How many statements a desk action runs: a fixed number, whatever the size of the basket (the
ledger lines and audit rows of one action are inserted in one statement each, and what it needs
is read for all its units at once). Counts, not times: the bench measures the times.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import SMG, demo_cast, free_tags, now, open_day, today

from bookings.lending import desk, reservations
from bookings.tables import Booking
from inventory.tables import Unit
from rental.tables import AuditLog, LedgerEntry

pytestmark = pytest.mark.usefixtures("desk_open")

# The statements of each action as it stands (before the batching: a check-out of one unit
# 22, of three 35; a check-in 13; finishing a return list of one 16, of three 38; a booking 17);
# a change that adds one shows here.
CHECK_OUT = 14  # centre, fee policy, the member's standing, units, units in transit,
#                 holds, reservations, certificates, waitlist offers; receipt, loans, the
#                 units' parts lists (one query for the whole basket), ledger lines, audit rows
CHECK_IN = 9  # loan, the units' parts lists (one query), fee policy, receipt, deposits
#               and balance (one query), ledger lines, loans, audit rows, waitlists
FINISH_RETURNS = 12  # centre and the return list, then as CHECK_IN, and emptying the list
BOOKING = 12  # since commit 355acd3 (was 15)
RECEIPT_SUMMARY = 2  # the receipt with its total and the balance; its loans (was 8, then 5)


async def lend(cast, tags: list[str], count_queries=None) -> int:
    """Check these units out, paying what is due (statements counted from the check-out on)."""
    basket = await desk.basket_view(cast.member, SMG, tags, open_day(2), today())
    if count_queries is not None:
        count_queries["n"] = 0
    await desk.check_out(
        member_id=cast.member, centre_id=SMG, tags=tags, return_on=open_day(2),
        payment={"method": "cash", "amount": basket.due}, override_reason="the test lends on",
        actor=cast.staff, today=today(), now=now())
    return count_queries["n"] if count_queries is not None else 0


async def counted(count_queries, action) -> int:
    count_queries["n"] = 0
    await action()
    return count_queries["n"]


@pytest.fixture
async def cast(seeded):
    return await demo_cast()


async def test_a_check_out_runs_as_many_statements_for_three_units_as_for_one(
        cast, count_queries):
    one, three = await free_tags(1), (await free_tags(4))[1:]
    with_one = await lend(cast, one, count_queries)
    with_three = await lend(cast, three, count_queries)
    print(f"check-out: 1 unit {with_one} statements, 3 units {with_three}")
    assert with_one == with_three == CHECK_OUT
    receipts = {row["out_receipt"] for row in await Booking.select(Booking.out_receipt)}
    assert len(receipts) == 2  # both lent: fee and deposit lines, each with its audit row
    assert await LedgerEntry.count().where(LedgerEntry.kind == "fee") == 4
    assert await AuditLog.count().where(AuditLog.action == "ledger.deposit") == 4


async def test_the_api_answers_a_check_out_with_a_fixed_number_of_statements(
        cast, count_queries):
    counts = []
    for tags in (await free_tags(1), (await free_tags(4))[1:]):
        await lend(cast, tags)
        receipt = max(row["out_receipt"] for row in await Booking.select(Booking.out_receipt))
        count_queries["n"] = 0
        summary = await desk.receipt_summary(receipt)
        counts.append(count_queries["n"])
        assert [loan["asset_tag"] for loan in summary["loans"]] == tags
        assert summary["balance"] == 0 and summary["total"] == 0  # paid what was due
    print(f"the API's answer: {counts} statements")
    assert counts == [RECEIPT_SUMMARY] * 2


async def test_a_check_in_runs_a_fixed_number_of_statements(cast, count_queries):
    tags = await free_tags(4)
    await lend(cast, tags)

    async def take_back(tag):
        await desk.check_in(tag=tag, centre_ids=frozenset({SMG}), condition="fine", notes="",
                            damage_charge=0, photo="", actor=cast.staff, today=today(),
                            now=now())

    with_one = await counted(count_queries, lambda: take_back(tags[0]))
    print(f"check-in: 1 unit {with_one} statements")
    assert with_one == CHECK_IN
    for tag in tags[1:]:
        await desk.change_returns(SMG, user=cast.staff, today=today(), now=now(), tag=tag)
    loans = await Booking.select(Booking.id).where(Booking.status == "out")
    said = {loan["id"]: desk.Returned("fine") for loan in loans}
    with_three = await counted(count_queries, lambda: desk.finish_returns(
        SMG, returned=said, actor=cast.staff, today=today(), now=now()))
    print(f"check-in: 3 units on the return list {with_three} statements")
    assert await Booking.count().where(Booking.status == "out") == 0
    assert await LedgerEntry.count().where(LedgerEntry.kind == "deposit_return") == 4
    assert with_three == FINISH_RETURNS


async def test_finishing_returns_runs_as_many_statements_for_three_units_as_for_one(
        cast, count_queries):
    tags = await free_tags(4)
    await lend(cast, tags)

    async def finish(back: list[str]) -> int:
        for tag in back:
            await desk.change_returns(SMG, user=cast.staff, today=today(), now=now(), tag=tag)
        loans = await Booking.select(Booking.id).where(Booking.status == "out")
        said = {loan["id"]: desk.Returned("fine") for loan in loans}
        return await counted(count_queries, lambda: desk.finish_returns(
            SMG, returned=said, actor=cast.staff, today=today(), now=now()))

    assert await finish(tags[:1]) == await finish(tags[1:]) == FINISH_RETURNS


async def test_a_booking_runs_a_fixed_number_of_statements(cast, count_queries):
    [tag] = await free_tags(1)
    unit = await Unit.select(Unit.tool_type).where(Unit.asset_tag == tag).first()
    starts = open_day(3)

    async def book():
        await reservations.book(member_id=cast.member, tool_type_id=unit["tool_type"],
                                centre_id=SMG, starts_on=starts, ends_on=starts,
                                actor_id=cast.member, today=today(), now=now())

    booking = await counted(count_queries, book)
    print(f"booking create: {booking} statements")
    assert booking == BOOKING
    assert starts - today() >= timedelta(days=1)
