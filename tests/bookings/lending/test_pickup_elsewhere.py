"""A booking picked up at another centre than its unit's (issue 23): a transfer request carries
it (sender the unit's centre, receiver the pick-up centre, needed by the pick-up day); the unit
is promised meanwhile (lent and booked by nobody else, moved only by being received); declining
the request cancels the booking and tells the member; cancelling the booking withdraws the
request; the database keeps each rule. Refusals write nothing.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import test_transfers
from helpers import SMG, now, open_day, today

from bookings.lending import availability, desk, reservations, transfers
from bookings.lending.reservations import BOOKING_ENDED, BookingError
from bookings.lending.rules import Verdict
from bookings.lending.transfers import TransferError
from bookings.tables import Booking
from inventory import services as inventory
from inventory.tables import TransferRequest, Unit
from rental.tables import AuditLog, Centre, Notification

people = test_transfers.people  # the demo cast and a Kutaisi desk (a fixture)
tool = test_transfers.tool  # a new tool type with units at Samgori


def days(after: int = 3) -> tuple:
    starts = open_day(after)
    return starts, open_day(1, since=starts)


async def book_at_kutaisi(people, tool_type: int, starts, ends, member=None) -> dict:
    return await reservations.book(
        member_id=member or people["cast"].member, tool_type_id=tool_type, centre_id=SMG,
        pickup_id=people["kut_id"], starts_on=starts, ends_on=ends,
        actor_id=member or people["cast"].member, today=today(), now=now())


async def written() -> tuple[int, ...]:
    return (await Booking.count(), await TransferRequest.count(), await AuditLog.count(),
            await Notification.count())


async def unit_of(tag: str) -> dict:
    return await Unit.select(Unit.id, Unit.centre).where(Unit.asset_tag == tag).first()


async def request_of(booking: dict) -> dict:
    return await TransferRequest.select().where(
        TransferRequest.id == booking["transfer"]).first()


async def test_booked_here_sent_there_received_and_ready(people):
    tool_type, tags = await tool(2)
    starts, ends = days()
    booking = await book_at_kutaisi(people, tool_type, starts, ends)
    request = await request_of(booking)
    assert (booking["centre"], booking["status"]) == (people["kut_id"], "reserved")
    assert (request["sender"], request["receiver"], request["quantity"], request["status"],
            request["needed_by"]) == (SMG, people["kut_id"], 1, "requested", starts)
    unit = await Unit.select(Unit.asset_tag, Unit.centre).where(
        Unit.id == booking["unit"]).first()
    assert unit["centre"] == SMG  # still here until it is sent and received
    # the member sees where it comes from, and when it arrives
    mine = (await reservations.member_bookings(people["cast"].member, today()))["bookings"]
    [row] = [b for b in mine if b["id"] == booking["id"]]
    assert row["arriving"] and row["from_name_en"] and row["from_centre"] == SMG
    # promised: Samgori has one unit left to lend today
    free = await availability.free_units_on([tool_type], today())
    assert free[(tool_type, SMG)] == 1
    # Samgori must send the booked unit, not another
    other = next(tag for tag in tags if tag != unit["asset_tag"])
    with pytest.raises(TransferError) as refused:
        await transfers.dispatch(request["id"], other, actor=people["smg"], today=today(),
                                 now=now())
    assert "tag" in refused.value.errors
    await transfers.dispatch(request["id"], unit["asset_tag"], actor=people["smg"],
                             today=today(), now=now())
    await transfers.receive(request["id"], unit["asset_tag"], actor=people["kut"], now=now())
    assert (await unit_of(unit["asset_tag"]))["centre"] == people["kut_id"]
    assert (await request_of(booking))["status"] == "received"
    view = await reservations.booking_view(booking["id"], member_id=people["cast"].member,
                                           centre_ids=None)
    assert view["status"] == "reserved" and not view["arriving"]
    # at its centre now: the database lets Kutaisi's desk lend it
    await Booking.update({Booking.status: "out", Booking.checked_out_at: now()}).where(
        Booking.id == booking["id"])


async def test_the_page_offers_other_centres_for_pick_up(people):
    tool_type, _tags = await tool(1)
    starts, ends = days()
    page = await reservations.booking_page(
        tool_type, SMG, None, member_id=None, month=starts.replace(day=1),
        choice=reservations.Choice(starts, ends, {}), today=today(),
        pickup_id=people["kut_id"])
    assert [p["id"] for p in page["pickups"]] == [people["kut_id"]]
    assert page["pickup"] == people["kut_id"] and page["pickup_asked"] == people["kut_id"]
    # Kutaisi gets a unit of its own, free for these days: booked there, not sent
    await Unit.insert(Unit(tool_type=tool_type, centre=people["kut_id"],
                           asset_tag=f"KUT-{tool_type}1", created_at=now()))
    page = await reservations.booking_page(
        tool_type, SMG, None, member_id=None, month=starts.replace(day=1),
        choice=reservations.Choice(starts, ends, {}), today=today(),
        pickup_id=people["kut_id"])
    assert page["pickups"] == [] and page["pickup"] == SMG
    # too soon: only here, and the page says from when
    soon = open_day(0)
    page = await reservations.booking_page(
        tool_type, SMG, None, member_id=None, month=soon.replace(day=1),
        choice=reservations.Choice(soon, soon, {}), today=today())
    assert page["pickups"] == [] and page["earliest_elsewhere"] == today() + timedelta(days=2)


async def test_refusals_write_nothing(people):
    tool_type, tags = await tool(1)
    starts, ends = days()
    before = await written()
    too_soon = today() + timedelta(days=1)
    with pytest.raises(BookingError) as refused:
        await book_at_kutaisi(people, tool_type, too_soon, too_soon)
    assert set(refused.value.errors) & {"pickup", "starts_on"}
    with pytest.raises(BookingError) as refused:  # no such pick-up centre
        await reservations.book(member_id=people["cast"].member, tool_type_id=tool_type,
                                centre_id=SMG, pickup_id=999_999, starts_on=starts,
                                ends_on=ends, actor_id=people["cast"].member, today=today(),
                                now=now())
    assert "pickup" in refused.value.errors
    # the only unit is booked here later on: it cannot leave now
    later = open_day(10)
    await reservations.book(member_id=people["cast"].other, tool_type_id=tool_type,
                            centre_id=SMG, starts_on=later, ends_on=later,
                            actor_id=people["cast"].other, today=today(), now=now())
    before = await written()
    with pytest.raises(BookingError) as refused:
        await book_at_kutaisi(people, tool_type, starts, ends)
    assert refused.value.kind == "conflict" and "pickup" in refused.value.errors
    assert await written() == before
    # desk staff of neither centre of the booking: refused before anything
    with pytest.raises(reservations.NotYourCentre):
        await reservations.book_from_form(
            people["smg"], tool_type, centre_id=SMG, member_id=people["cast"].member,
            starts_on=starts, ends_on=ends, today=today(), now=now(),
            pickup_id=people["kut_id"])
    assert await written() == before


async def test_a_promised_unit_stays_promised(people):
    tool_type, tags = await tool(1)
    starts, ends = days(4)
    booking = await book_at_kutaisi(people, tool_type, starts, ends)
    # not bookable here for the days before it leaves
    with pytest.raises(BookingError) as refused:
        await reservations.book(member_id=people["cast"].other, tool_type_id=tool_type,
                                centre_id=SMG, starts_on=open_day(0), ends_on=open_day(0),
                                actor_id=people["cast"].other, today=today(), now=now())
    assert refused.value.kind == "conflict"
    # the database refuses it too, and a second promise
    for centre in (SMG, people["kut_id"]):
        with pytest.raises(Exception, match="booking_unit_at_its_centre"):
            await Booking.insert(Booking(
                member=people["cast"].other, tool_type=tool_type, unit=booking["unit"],
                centre=centre, starts_on=today(), ends_on=today(), status="reserved",
                created_at=now()))
    # the register's one-step move does not take it: not to Kutaisi, not to a third centre
    third = (await Centre.insert(Centre(code="PKP", name_ka="მესამე", created_at=now()))
             .returning(Centre.id))[0]["id"]
    for target in (people["kut_id"], third):
        with pytest.raises(inventory.InventoryError):
            await inventory.transfer_unit(booking["unit"], target,
                                          actor=people["cast"].coordinator, now=now())
    assert (await unit_of(tags[0]))["centre"] == SMG
    # nor can the request be closed under the booking
    with pytest.raises(Exception, match="transfer_keeps_its_booking"):
        await TransferRequest.update({
            TransferRequest.status: "cancelled", TransferRequest.closed_at: now(),
            TransferRequest.close_reason: "x"}).where(
            TransferRequest.id == booking["transfer"])


async def test_declined_request_cancels_the_booking_and_tells_the_member(people):
    tool_type, _tags = await tool(1)
    starts, ends = days()
    booking = await book_at_kutaisi(people, tool_type, starts, ends)
    with pytest.raises(TransferError):  # a reason is needed: nothing changes
        await transfers.close(booking["transfer"], "decline", {"reason": ""},
                              actor=people["smg"], now=now())
    assert (await reservations.booking_view(booking["id"], member_id=None, centre_ids=None)
            )["status"] == "reserved"
    await transfers.close(booking["transfer"], "decline", {"reason": "It is broken."},
                          actor=people["smg"], now=now())
    view = await reservations.booking_view(booking["id"], member_id=None, centre_ids=None)
    assert view["status"] == "cancelled"
    assert (await request_of(booking))["status"] == "declined"
    told = await Notification.select(Notification.kind).where(
        Notification.member == people["cast"].member)
    assert "booking_not_sent" in {row["kind"] for row in told}
    # the unit is Samgori's to lend again
    assert (await availability.free_units_on([tool_type], today()))[(tool_type, SMG)] == 1


async def test_cancelled_booking_withdraws_its_request_unless_on_the_road(people):
    tool_type, tags = await tool(2)
    starts, ends = days()
    first = await book_at_kutaisi(people, tool_type, starts, ends)
    await reservations.cancel(first["id"], member_id=people["cast"].member, centre_ids=None,
                              actor_id=people["cast"].member, now=now(), today=today())
    request = await request_of(first)
    assert (request["status"], request["close_reason"]) == ("cancelled", BOOKING_ENDED)
    # sent already: the unit goes on and is received at Kutaisi
    second = await book_at_kutaisi(people, tool_type, starts, ends, people["cast"].other)
    tag = (await Unit.select(Unit.asset_tag).where(Unit.id == second["unit"]).first()
           )["asset_tag"]
    await transfers.dispatch(second["transfer"], tag, actor=people["smg"], today=today(),
                             now=now())
    await reservations.cancel(second["id"], member_id=None, centre_ids=None,
                              actor_id=people["kut"].id, now=now(), today=today())
    assert (await request_of(second))["status"] == "dispatched"
    await transfers.receive(second["transfer"], tag, actor=people["kut"], now=now())
    assert (await unit_of(tag))["centre"] == people["kut_id"]


async def test_two_members_race_for_the_last_unit_that_can_be_sent(people):
    for _round in range(3):
        tool_type, _tags = await tool(1)
        starts, ends = days()
        results = await asyncio.gather(
            book_at_kutaisi(people, tool_type, starts, ends, people["cast"].member),
            book_at_kutaisi(people, tool_type, starts, ends, people["cast"].other),
            return_exceptions=True)
        assert sorted(isinstance(r, BookingError) for r in results) == [False, True], results
        assert await Booking.count().where(Booking.tool_type == tool_type) == 1
        assert await TransferRequest.count().where(TransferRequest.tool_type == tool_type) == 1


async def test_a_promise_races_a_booking_here(people):
    """The last unit: booked here for today, and for pick-up at Kutaisi, at once."""
    for _round in range(3):
        tool_type, _tags = await tool(1)
        starts, ends = days()
        here = reservations.book(member_id=people["cast"].other, tool_type_id=tool_type,
                                 centre_id=SMG, starts_on=open_day(0), ends_on=open_day(0),
                                 actor_id=people["cast"].other, today=today(), now=now())
        results = await asyncio.gather(here, book_at_kutaisi(people, tool_type, starts, ends),
                                       return_exceptions=True)
        assert sorted(isinstance(r, BookingError) for r in results) == [False, True], results
        assert await Booking.count().where(Booking.tool_type == tool_type) == 1


@pytest.mark.usefixtures("desk_open")
async def test_the_desks_see_the_promise(people):
    """Samgori's desk cannot lend the promised unit; Kutaisi's day lists say it is not there
    yet, and no longer once it is received."""
    tool_type, tags = await tool(1)
    starts, ends = days()
    booking = await book_at_kutaisi(people, tool_type, starts, ends)
    basket = await desk.basket_view(people["cast"].other, SMG, [tags[0]], open_day(1), today())
    [line] = basket.lines
    assert line.verdict == Verdict("refused", "This unit is promised to a booking at another "
                                              "centre: send it there.")
    lists = await desk._day_lists(people["kut_id"], starts, None)
    [row] = [r for r in lists[starts]["pickups"] if r["id"] == booking["id"]]
    assert row["arriving"] and row["from_name_en"]
    await transfers.dispatch(booking["transfer"], tags[0], actor=people["smg"], today=today(),
                             now=now())
    await transfers.receive(booking["transfer"], tags[0], actor=people["kut"], now=now())
    lists = await desk._day_lists(people["kut_id"], starts, None)
    [row] = [r for r in lists[starts]["pickups"] if r["id"] == booking["id"]]
    assert not row["arriving"]
