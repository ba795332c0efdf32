"""The desk's basket and return list, kept by the server (issue 17, items 3 to 5): the basket
survives a reload and is emptied by a check-out or by hand; each line has its own return day
(tools with different longest loans go out together, each charged for its own days; a bad day
changes nothing); several units come back on one receipt in one transaction.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; `today` and `now` are always
passed explicitly."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from helpers import SMG, Cast, demo_cast, now, open_day, today

from bookings.lending import desk
from bookings.lending.desk import DeskError, Returned
from bookings.lending.rules import default_return_day
from bookings.tables import Booking, DeskBasketLine, DeskReturnLine
from inventory.tables import Category, MaintenanceTicket, ToolType, Unit
from rental import ledger
from rental.tables import AuditLog, Centre, FeePolicy, LedgerEntry, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

_numbers = itertools.count(8101)


@pytest.fixture
async def cast(seeded) -> Cast:
    return await demo_cast()


async def tool(units: int = 1, *, daily_fee: int = 200, deposit: int = 1000,
               max_loan_days: int = 7) -> list[str]:
    """A new tool type (no skill, no inspection) with `units` units at Samgori: their tags."""
    number = next(_numbers)
    category = await Category.select(Category.id).first()
    rows = await ToolType.insert(ToolType(
        slug=f"basket-test-{number}", category=category["id"], name_ka="სატესტო",
        name_en=f"Basket test {number}", daily_fee=daily_fee, deposit=deposit,
        max_loan_days=max_loan_days, created_at=now(), search_text="basket test",
    )).returning(ToolType.id)
    tags = [f"SMG-{number}{n}" for n in range(units)]
    await Unit.insert(*[Unit(tool_type=rows[0]["id"], centre=SMG, asset_tag=tag,
                             created_at=now()) for tag in tags])
    return tags


async def opening_days() -> int:
    return (await Centre.select(Centre.opening_days).where(Centre.id == SMG).first())[
        "opening_days"]


async def basket(cast: Cast, member: int | None = None, **change) -> dict:
    """Change the staff member's basket for the member (by default the demo member): the desk
    page after it."""
    return await desk.change_basket(SMG, user=cast.staff, member_id=member or cast.member,
                                    today=today(), now=now(), **change)


def lines(view: dict) -> list[tuple[str, date | None, str]]:
    return [(line.tag, line.verdict.ends_on, line.verdict.kind) for line in view["basket"].lines]


async def stored() -> list[tuple[str, date]]:
    rows = await DeskBasketLine.select(
        DeskBasketLine.unit.asset_tag.as_alias("tag"), DeskBasketLine.return_on
    ).order_by(DeskBasketLine.id)
    return [(row["tag"], row["return_on"]) for row in rows]


async def written() -> dict[str, int]:
    return {"bookings": await Booking.count(), "ledger": await LedgerEntry.count(),
            "receipts": await Receipt.count(), "audit": await AuditLog.count(),
            "tickets": await MaintenanceTicket.count()}


async def check_out(cast: Cast, **extra) -> int:
    """Check out the basket the server keeps for the demo member, paying what is due."""
    view = await desk.desk_page(SMG, user=cast.staff, today=today(), member_id=cast.member)
    return await desk.check_out_basket(
        member_id=cast.member, centre_id=SMG, shown=None, days=extra.pop("days", {}),
        payment={"method": "cash", "amount": view["basket"].due},
        override_reason=extra.pop("override_reason", "a builder on a long job"),
        actor=cast.staff, today=today(), now=now(), **extra)


# --- item 3: the basket the server keeps ------------------------------------------------------


async def test_the_basket_is_kept_until_a_check_out_empties_it(cast):
    tags = await tool(2)
    back = open_day(3)
    await basket(cast, scan=tags[0], wanted=back)
    view = await basket(cast, scan=tags[1], wanted=back)
    assert [tag for tag, _, _ in lines(view)] == tags
    # read again, as a reload does: the same member and basket, without asking for them
    again = await desk.desk_page(SMG, user=cast.staff, today=today())
    assert again["panel"]["member"]["id"] == cast.member
    assert lines(again) == lines(view)
    # another member opened in between: their own (empty) basket; back to the first, all there
    other = await desk.desk_page(SMG, user=cast.staff, today=today(), member_id=cast.other)
    assert other["basket"].lines == []
    assert lines(await desk.desk_page(SMG, user=cast.staff, today=today(),
                                      member_id=cast.member)) == lines(view)
    # another staff member's desk has its own basket
    coordinator = await desk.desk_page(SMG, user=cast.coordinator, today=today(),
                                       member_id=cast.member)
    assert coordinator["basket"].lines == []
    receipt = await check_out(cast)
    loans = await Booking.select(Booking.unit.asset_tag.as_alias("tag")).where(
        Booking.out_receipt == receipt).order_by(Booking.id)
    assert [loan["tag"] for loan in loans] == tags
    assert await stored() == []  # emptied in the check-out's transaction
    after = await desk.desk_page(SMG, user=cast.staff, today=today())
    assert after["panel"] is None and after["basket"] is None  # back to the member search


async def test_a_refused_check_out_keeps_the_basket(cast):
    tags = await tool(1)
    await basket(cast, scan=tags[0])
    before = await written()
    with pytest.raises(ledger.MoneyError):
        await desk.check_out_basket(
            member_id=cast.member, centre_id=SMG, shown=None, days={},
            payment={"method": "cash", "amount": 1}, override_reason="", actor=cast.staff,
            today=today(), now=now())
    assert await written() == before
    assert [tag for tag, _ in await stored()] == tags


async def test_taking_a_unit_out_and_clearing_the_basket(cast):
    tags = await tool(3)
    for tag in tags:
        await basket(cast, scan=tag)
    view = await basket(cast, remove=tags[1].lower())
    assert [tag for tag, _, _ in lines(view)] == [tags[0], tags[2]]
    view = await basket(cast, clear=True)
    assert view["basket"].lines == [] and await stored() == []
    with pytest.raises(DeskError) as empty:
        await check_out(cast)
    assert empty.value.kind == "invalid" and "scan" in empty.value.errors


async def test_a_refused_scan_is_not_kept_and_a_unit_is_in_one_basket(cast):
    tags = await tool(1)
    refused = await basket(cast, scan="SMG-99999")
    assert refused["refused"] and refused["basket"].rejected == "SMG-99999"
    assert await stored() == []
    await basket(cast, scan=tags[0])
    kept = await stored()
    # a refused scan changes nothing, not even the day or the removal sent with it
    twice = await basket(cast, scan=tags[0], days={tags[0]: open_day(4).isoformat()})
    assert twice["refused"] and await stored() == kept
    assert (await basket(cast, scan="SMG-99999", remove=tags[0]))["refused"]
    assert await stored() == kept
    # scanned for another member at the same desk: it moves to their basket
    await basket(cast, member=cast.other, scan=tags[0])
    rows = await DeskBasketLine.select(DeskBasketLine.member)
    assert [row["member"] for row in rows] == [cast.other]


async def test_a_basket_changed_in_another_window_is_not_lent_unseen(cast):
    tags = await tool(2)
    await basket(cast, scan=tags[0])
    await basket(cast, scan=tags[1])  # in the other window
    before = await written()
    with pytest.raises(DeskError) as stale:
        await desk.check_out_basket(
            member_id=cast.member, centre_id=SMG, shown=[tags[0]], days={},
            payment={"method": "cash", "amount": 0}, override_reason="", actor=cast.staff,
            today=today(), now=now())
    assert stale.value.kind == "conflict" and "scan" in stale.value.errors
    assert await written() == before


# --- item 4: each line its own return day -------------------------------------------------------


async def test_two_tool_types_of_different_lengths_go_out_together_each_until_its_day(cast):
    [short] = await tool(daily_fee=300, deposit=0, max_loan_days=2)
    [long] = await tool(daily_fee=100, deposit=0, max_loan_days=14)
    mask = await opening_days()
    wanted = open_day(9, mask)  # longer than the short tool may stay out
    await basket(cast, scan=short, wanted=wanted)
    view = await basket(cast, scan=long, wanted=wanted)
    short_day = default_return_day(today(), 2, mask, wanted)
    assert short_day is not None and short_day < wanted
    assert lines(view) == [(short, short_day, "walk_in"), (long, wanted, "walk_in")]
    fees = [line.quote.fee for line in view["basket"].lines]
    assert fees == [300 * (short_day - today()).days, 100 * (wanted - today()).days]
    assert view["basket"].due == sum(fees)

    receipt = await check_out(cast)
    loans = await Booking.select(Booking.id, Booking.ends_on,
                                 Booking.unit.asset_tag.as_alias("tag")).where(
        Booking.out_receipt == receipt).order_by(Booking.id)
    assert [(loan["tag"], loan["ends_on"]) for loan in loans] == [
        (short, short_day), (long, wanted)]
    charged = await LedgerEntry.select(LedgerEntry.loan, LedgerEntry.amount).where(
        (LedgerEntry.receipt == receipt) & (LedgerEntry.kind == "fee")).order_by(
        LedgerEntry.loan)
    assert [row["amount"] for row in charged] == fees


async def test_the_desk_changes_a_lines_day_and_its_fee_follows(cast):
    [tag] = await tool(daily_fee=200, deposit=0, max_loan_days=14)
    mask = await opening_days()
    first = (await basket(cast, scan=tag))["basket"].lines[0]
    assert first.verdict.ends_on == default_return_day(today(), 14, mask)  # the earliest
    later = open_day(6, mask)
    view = await basket(cast, days={tag: later.isoformat()})
    assert lines(view) == [(tag, later, "walk_in")]
    assert view["basket"].lines[0].quote.fee == 200 * (later - today()).days
    assert await stored() == [(tag, later)]


def a_closed_day(mask: int) -> date | None:
    for n in range(1, 8):
        day = today() + timedelta(days=n)
        if not mask >> day.weekday() & 1:
            return day
    return None


@pytest.mark.parametrize("bad", ["too-long", "past", "not-a-day", "closed"])
async def test_a_bad_day_for_a_line_is_said_by_it_and_changes_nothing(cast, bad):
    [short, long] = [(await tool(max_loan_days=n))[0] for n in (2, 14)]
    mask = await opening_days()
    await basket(cast, scan=short)
    await basket(cast, scan=long)
    kept = await stored()
    typed = {"too-long": open_day(9, mask).isoformat(),
             "past": (today() - timedelta(days=1)).isoformat(),
             "not-a-day": "31.02.2026", "closed": a_closed_day(mask)}[bad]
    if typed is None:
        pytest.skip("the centre opens every day")
    typed = str(typed)
    before = await written()
    with pytest.raises(DeskError) as refused:  # with a scan and a good day beside it
        await basket(cast, days={short: typed, long: open_day(5, mask).isoformat()})
    assert refused.value.kind == "invalid"
    assert list(refused.value.errors) == [f"ends_on.{short}"]
    assert await stored() == kept
    with pytest.raises(DeskError) as at_check_out:
        await check_out(cast, days={short: typed})
    assert list(at_check_out.value.errors) == [f"ends_on.{short}"]
    assert await written() == before and await stored() == kept


# --- item 5: several units back on one receipt ---------------------------------------------------


async def returns(cast: Cast, **change) -> dict:
    return await desk.change_returns(SMG, user=cast.staff, today=today(), now=now(), **change)


async def lend(cast: Cast, tags: list[str]) -> None:
    for tag in tags:
        await basket(cast, scan=tag, wanted=open_day(2))
    await check_out(cast)


@pytest.mark.calendar
async def test_several_units_come_back_on_one_receipt(cast):
    await FeePolicy.insert(FeePolicy(centre=SMG, late_fee_per_day=100, late_grace_days=0,
                                     late_fee_cap=10_000, balance_limit=2000,
                                     lost_after_days=30))
    tags = [*(await tool(2, daily_fee=200, deposit=1000)), *(await tool(1, deposit=500))]
    await lend(cast, tags)
    loans = {row["tag"]: row for row in await Booking.select(
        Booking.id, Booking.ends_on, Booking.unit.asset_tag.as_alias("tag")).where(
        Booking.status == "out")}
    for tag in tags:
        view = await returns(cast, tag=tag)
        assert not view["refused"] and view["focus"] == "tag"
    assert [loan["asset_tag"] for loan in view["returns"]] == tags
    # a reload shows the same list
    again = await desk.desk_page(SMG, user=cast.staff, today=today())
    assert [loan["asset_tag"] for loan in again["returns"]] == tags

    back = max(loan["ends_on"] for loan in loans.values()) + timedelta(days=1)  # a day late
    said = {loans[tags[0]]["id"]: Returned("fine"),
            loans[tags[1]]["id"]: Returned("damaged", "Cracked chuck", 700),
            loans[tags[2]]["id"]: Returned("needs_cleaning", "Muddy")}
    receipt = await desk.finish_returns(SMG, returned=said, actor=cast.staff, today=back,
                                        now=now())
    rows = await Booking.select(Booking.unit.asset_tag.as_alias("tag"), Booking.status,
                                Booking.in_receipt, Booking.return_condition,
                                Booking.return_ticket).order_by(Booking.id)
    assert [(r["tag"], r["status"], r["in_receipt"], r["return_condition"]) for r in rows] == [
        (tags[0], "returned", receipt, "fine"), (tags[1], "returned", receipt, "damaged"),
        (tags[2], "returned", receipt, "needs_cleaning")]
    assert [r["return_ticket"] is not None for r in rows] == [False, True, False]
    assert await Receipt.count().where(Receipt.kind == "check_in") == 1
    entries = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.amount,
                                       LedgerEntry.loan).where(LedgerEntry.receipt == receipt)
    late = {loan["id"]: 100 * (back - loan["ends_on"]).days for loan in loans.values()}
    assert sorted((e["loan"], e["amount"]) for e in entries if e["kind"] == "late_fee") == \
        sorted(late.items())
    assert [e["amount"] for e in entries if e["kind"] == "damage"] == [700]
    assert sum(-e["amount"] for e in entries if e["kind"] == "deposit_return") == 2500
    # the deposits pay the charges first, the rest goes back in cash: nothing owed after
    assert await ledger.balance(cast.member) == max(0, sum(late.values()) + 700 - 2500)
    assert await DeskReturnLine.count() == 0  # emptied in the same transaction
    view = await desk.receipt_view(receipt)
    assert [loan["asset_tag"] for loan in view["loans"]] == tags
    assert [loan["moment"]["what"] for loan in view["loans"]] == ["returned"] * 3


async def test_a_bad_line_refuses_the_whole_return_and_writes_nothing(cast):
    tags = await tool(2)
    await lend(cast, tags)
    for tag in tags:
        await returns(cast, tag=tag)
    ids = [row["booking"] for row in await DeskReturnLine.select(DeskReturnLine.booking)
           .order_by(DeskReturnLine.id)]
    before = await written()
    for said, field in (({ids[0]: Returned("fine"), ids[1]: Returned("damaged", " ")},
                         f"notes.{ids[1]}"),
                        ({ids[0]: Returned("fine")}, f"condition.{ids[1]}"),
                        ({ids[0]: Returned("fine", damage_charge=100), ids[1]: Returned("fine")},
                         f"damage_charge.{ids[0]}"),
                        ({ids[0]: Returned("exploded"), ids[1]: Returned("fine")},
                         f"condition.{ids[0]}")):
        with pytest.raises(DeskError) as refused:
            await desk.finish_returns(SMG, returned=said, actor=cast.staff, today=today(),
                                      now=now())
        assert refused.value.kind == "invalid" and field in refused.value.errors, said
    assert await written() == before
    assert await DeskReturnLine.count() == 2  # the list stays, to fill in again


async def test_the_return_list_is_one_members_loans_each_once(cast):
    tags = await tool(3)
    await lend(cast, tags[:2])
    await basket(cast, member=cast.other, scan=tags[2], wanted=open_day(2))
    await desk.check_out_basket(
        member_id=cast.other, centre_id=SMG, shown=None, days={},
        payment={"method": "cash", "amount": (await desk.desk_page(
            SMG, user=cast.staff, today=today(), member_id=cast.other))["basket"].due},
        override_reason="", actor=cast.staff, today=today(), now=now())
    await returns(cast, tag=tags[0])
    for scanned, field in ((tags[0], "tag"), (tags[2], "tag"), ("SMG-99999", "tag"),
                           ("not a tag", "tag")):
        view = await returns(cast, tag=scanned)
        assert view["refused"] and field in view["errors"], scanned
    assert await DeskReturnLine.count() == 1
    view = await returns(cast, remove=(await DeskReturnLine.select().first())["booking"])
    assert view["returns"] == []
    with pytest.raises(DeskError) as empty:
        await desk.finish_returns(SMG, returned={}, actor=cast.staff, today=today(),
                                  now=now())
    assert empty.value.kind == "invalid"
