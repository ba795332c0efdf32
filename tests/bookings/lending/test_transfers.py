"""Transfers as a workflow (issue 23): a centre asks another for units; the sender scans them
out (in transit: not lendable, not bookable, not at the desk); the receiver scans them in (the
unit changes centre, a UnitEvent and audit entries); declined and cancelled requests; a refusal
writes nothing; two dispatches of one unit: the database lets one win.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import itertools

import desk_setup
import pytest
from helpers import SMG, demo_cast, now, open_day, today

from bookings.lending import availability, desk, reservations, transfers
from bookings.lending.transfers import TransferError
from bookings.tables import Booking
from inventory import services as inventory
from inventory.tables import TransferItem, TransferRequest, Unit, UnitEvent
from rental.audit import record
from rental.kernel.identity import CurrentUser
from rental.tables import AuditLog, Centre, Member

_numbers = itertools.count(6101)


@pytest.fixture
async def people(seeded):
    cast = await demo_cast()
    kut = (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]
    someone = await Member.select(Member.id, Member.name).where(
        Member.phone == "+995555000013").first()
    kut_staff = CurrentUser(someone["id"], someone["name"], "staff", "active", "ka",
                            frozenset({kut}))
    return {"cast": cast, "smg": cast.staff, "kut": kut_staff, "kut_id": kut,
            "coordinator": cast.coordinator}


async def tool(units: int = 3) -> tuple[int, list[str]]:
    """A new tool type with `units` units at Samgori: its id and their tags."""
    number = next(_numbers)
    tags = [f"SMG-{number}{n}" for n in range(units)]
    made = await desk_setup.tool(f"transfer-test-{number}", "სატესტო", f"Transfer test {number}",
                                 tags, daily_fee=200, deposit=0, max_loan_days=7)
    return made, tags


async def ask(people, tool_type: int, quantity: int = 2) -> int:
    return await transfers.create_request(
        {"tool_type": str(tool_type), "sender": str(SMG), "receiver": str(people["kut_id"]),
         "quantity": str(quantity), "needed_by": str(open_day(5)), "reason": "waitlist"},
        actor=people["kut"], today=today(), now=now())


async def written() -> tuple[int, ...]:
    return (await TransferRequest.count(), await TransferItem.count(), await UnitEvent.count(),
            await AuditLog.count())


async def centre_of(tag: str) -> int:
    return (await Unit.select(Unit.centre).where(Unit.asset_tag == tag).first())["centre"]


async def test_request_dispatch_receive(people):
    tool_type, tags = await tool(3)
    request_id = await ask(people, tool_type)
    row = await TransferRequest.select().where(TransferRequest.id == request_id).first()
    assert (row["status"], row["quantity"], row["reason"]) == ("requested", 2, "waitlist")
    # the sender scans two units out: each in transit at once
    assert await transfers.dispatch(request_id, tags[0].lower(), actor=people["smg"],
                                    today=today(), now=now()) == tags[0]
    await transfers.dispatch(request_id, f" {tags[1]} ", actor=people["smg"], today=today(),
                             now=now())
    row = await TransferRequest.select().where(TransferRequest.id == request_id).first()
    assert row["status"] == "dispatched" and row["dispatched_by"] == people["smg"].id
    # a third is more than asked for
    with pytest.raises(TransferError) as refused:
        await transfers.dispatch(request_id, tags[2], actor=people["smg"], today=today(),
                                 now=now())
    assert refused.value.errors == {"tag": "Every unit asked for is on its way already."}
    # on the road: still at Samgori, but not lendable nor bookable there
    assert await centre_of(tags[0]) == SMG
    assert await availability.lendable_units(tool_type, SMG, open_day(2)) == [
        (await Unit.select(Unit.id).where(Unit.asset_tag == tags[2]).first())["id"]]
    free = await availability.free_units_between([tool_type], open_day(1), open_day(2))
    assert free[(tool_type, SMG)] == 1
    # the receiver scans them in, one at a time
    await transfers.receive(request_id, tags[0], actor=people["kut"], now=now())
    assert await centre_of(tags[0]) == people["kut_id"]
    assert (await TransferRequest.select(TransferRequest.status).where(
        TransferRequest.id == request_id).first())["status"] == "dispatched"
    with pytest.raises(TransferError) as refused:  # received already
        await transfers.receive(request_id, tags[0], actor=people["kut"], now=now())
    assert refused.value.errors == {
        "tag": "This unit is not on its way to you with this request."}
    await transfers.receive(request_id, tags[1], actor=people["kut"], now=now())
    row = await TransferRequest.select().where(TransferRequest.id == request_id).first()
    assert row["status"] == "received" and row["received_at"] is not None
    assert await centre_of(tags[1]) == people["kut_id"]
    events = await UnitEvent.select().where(UnitEvent.kind == "transfer")
    assert sorted((e["from_value"], e["to_value"]) for e in events) == [("SMG", "KUT")] * 2
    actions = [a["action"] for a in await AuditLog.select(AuditLog.action).where(
        AuditLog.action.like("transfer.%")).order_by(AuditLog.id)]
    assert actions == ["transfer.request", "transfer.dispatch", "transfer.dispatch",
                       "transfer.receive", "transfer.receive"]
    # lendable at Kutaisi now
    assert len(await availability.lendable_units(tool_type, people["kut_id"], open_day(2))) == 2


async def test_a_unit_in_transit_is_neither_booked_nor_lent(people):
    tool_type, tags = await tool(1)
    request_id = await ask(people, tool_type, 1)
    await transfers.dispatch(request_id, tags[0], actor=people["smg"], today=today(), now=now())
    day = open_day(1)
    with pytest.raises(reservations.BookingError):
        await reservations.book(member_id=people["cast"].member, tool_type_id=tool_type,
                                centre_id=SMG, starts_on=day, ends_on=day,
                                actor_id=people["cast"].member, today=today(), now=now())
    assert await Booking.count().where(Booking.tool_type == tool_type) == 0
    view = await desk.change_basket(SMG, user=people["smg"], member_id=people["cast"].member,
                                    today=today(), now=now(), scan=tags[0])
    assert view["errors"]["scan"] == "This unit is on its way between centres."
    assert view["basket"].lines == []
    # nor moved in one step while on the road
    with pytest.raises(inventory.Refused):
        await inventory.transfer_unit(
            (await Unit.select(Unit.id).where(Unit.asset_tag == tags[0]).first())["id"],
            people["kut_id"], actor=people["coordinator"], now=now(), audit=record)


@pytest.mark.parametrize("code, message", [
    ("", "Scan or type an asset tag."),
    ("nonsense!", "No unit has this tag."),
    ("SMG-9999", "No unit has this tag."),
    ("other-type", "This unit is not of the tool type asked for."),
    ("retired", "Only an available unit can be sent."),
    ("booked", "This unit is reserved or out on loan: send another one."),
])
async def test_a_refused_dispatch_writes_nothing(people, code, message):
    tool_type, tags = await tool(2)
    _other, others = await tool(1)
    request_id = await ask(people, tool_type)
    if code == "other-type":
        code = others[0]
    elif code == "retired":
        await Unit.update({Unit.status: "retired", Unit.status_reason: "x"}).where(
            Unit.asset_tag == tags[0])
        code = tags[0]
    elif code == "booked":
        await reservations.book(member_id=people["cast"].member, tool_type_id=tool_type,
                                centre_id=SMG, starts_on=open_day(1), ends_on=open_day(1),
                                actor_id=people["cast"].member, today=today(), now=now())
        code = (await Booking.select(Booking.unit.asset_tag.as_alias("tag")).where(
            Booking.tool_type == tool_type).first())["tag"]
    before = await written()
    with pytest.raises(TransferError) as refused:
        await transfers.dispatch(request_id, code, actor=people["smg"], today=today(),
                                 now=now())
    assert refused.value.errors == {"tag": message}
    assert await written() == before


async def test_the_wrong_side_is_refused(people):
    tool_type, tags = await tool(1)
    request_id = await ask(people, tool_type, 1)
    before = await written()
    for call in (
        transfers.dispatch(request_id, tags[0], actor=people["kut"], today=today(), now=now()),
        transfers.close(request_id, "decline", {"reason": "no"}, actor=people["kut"],
                        now=now()),
        transfers.close(request_id, "cancel", {"reason": "no"}, actor=people["smg"],
                        now=now()),
    ):
        with pytest.raises(TransferError) as refused:
            await call
        assert refused.value.kind == "forbidden"
    with pytest.raises(TransferError) as refused:  # nothing sent yet
        await transfers.receive(request_id, tags[0], actor=people["kut"], now=now())
    assert refused.value.kind == "invalid"
    assert await written() == before


async def test_decline_and_cancel_need_a_reason(people):
    tool_type, _tags = await tool(1)
    declined = await ask(people, tool_type, 1)
    cancelled = await ask(people, tool_type, 1)
    before = await written()
    with pytest.raises(TransferError) as refused:
        await transfers.close(declined, "decline", {"reason": "   "}, actor=people["smg"],
                              now=now())
    assert refused.value.errors == {"reason": "Say why."}
    assert await written() == before
    await transfers.close(declined, "decline", {"reason": "we need them  too"},
                          actor=people["smg"], now=now())
    await transfers.close(cancelled, "cancel", {"reason": "found one"}, actor=people["kut"],
                          now=now())
    rows = {r["id"]: r for r in await TransferRequest.select()}
    assert (rows[declined]["status"], rows[declined]["close_reason"]) == (
        "declined", "we need them too")
    assert rows[cancelled]["status"] == "cancelled"
    with pytest.raises(TransferError):  # closed: nothing more
        await transfers.close(declined, "cancel", {"reason": "x"}, actor=people["coordinator"],
                              now=now())
    assert {a["action"] for a in await AuditLog.select(AuditLog.action).where(
        AuditLog.action.like("transfer.%"))} == {"transfer.request", "transfer.decline",
                                                  "transfer.cancel"}


@pytest.mark.parametrize("form, field", [
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "21"}, "quantity"),
    ({"quantity": "two"}, "quantity"),
    ({"sender": "KUT"}, "sender"),
    ({"sender": "999999"}, "sender"),
    ({"receiver": "SMG"}, "receiver"),  # not the Kutaisi staff's centre
    ({"tool_type": "999999"}, "tool_type"),
    ({"needed_by": "2020-01-01"}, "needed_by"),
    ({"needed_by": "soon"}, "needed_by"),
    ({"reason": "x" * 301}, "reason"),
])
async def test_a_bad_request_writes_nothing(people, form, field):
    tool_type, _tags = await tool(1)
    ids = {"SMG": str(SMG), "KUT": str(people["kut_id"])}
    values = {"tool_type": str(tool_type), "sender": str(SMG),
              "receiver": str(people["kut_id"]), "quantity": "1", "needed_by": "",
              "reason": ""}
    values.update({k: ids.get(v, v) for k, v in form.items()})
    before = await written()
    with pytest.raises(TransferError) as refused:
        await transfers.create_request(values, actor=people["kut"], today=today(), now=now())
    assert field in refused.value.errors
    assert await written() == before


async def test_two_dispatches_of_one_unit_one_wins(people):
    """Two requests for the same tool type; the same unit scanned out for both at once."""
    for _round in range(3):
        tool_type, tags = await tool(1)
        first, second = await ask(people, tool_type, 1), await ask(people, tool_type, 1)
        results = await asyncio.gather(*(
            transfers.dispatch(request_id, tags[0], actor=people["smg"], today=today(),
                               now=now()) for request_id in (first, second)),
            return_exceptions=True)
        assert sorted(isinstance(r, TransferError) for r in results) == [False, True], results
        unit = (await Unit.select(Unit.id).where(Unit.asset_tag == tags[0]).first())["id"]
        assert await TransferItem.count().where(TransferItem.unit == unit) == 1
    # and the database itself refuses a second unit on the road
    item = await TransferItem.select().where(TransferItem.unit == unit).first()
    with pytest.raises(Exception, match="(?i)unique|transfer_item"):
        await TransferItem.insert(TransferItem(transfer=first if item["transfer"] == second
                                               else second, unit=unit, dispatched_at=now()))


async def test_the_database_checks_the_states(people):
    tool_type, _tags = await tool(1)
    request_id = await ask(people, tool_type, 1)
    for change in ({TransferRequest.status: "received"},  # with no received_at
                   {TransferRequest.status: "declined"},  # with no reason
                   {TransferRequest.status: "lost"},
                   {TransferRequest.sender: people["kut_id"]},
                   {TransferRequest.quantity: 0}):
        with pytest.raises(Exception):  # noqa: B017 - each engine names it its own way
            await TransferRequest.update(change).where(TransferRequest.id == request_id)
    assert (await TransferRequest.select(TransferRequest.status).first())["status"] == (
        "requested")


async def test_the_network_suggests_idle_units_for_waiting_members(people):
    from bookings.tables import WaitlistEntry

    tool_type, _tags = await tool(3)
    unwanted, _tags = await tool(2)  # idle too, but nobody waits for it: not in the table
    cast = people["cast"]
    for member in (cast.member, cast.other):
        await WaitlistEntry.insert(WaitlistEntry(
            member=member, tool_type=tool_type, centre=people["kut_id"], starts_on=open_day(1),
            ends_on=open_day(2), status="waiting", created_at=now()))
    page = await transfers.transfers_page(people["coordinator"], today=today(), now=now())
    mine = [s for s in page["network"]["suggestions"] if s["tool_type"]["id"] == tool_type]
    assert [(s["sender"]["id"], s["receiver"]["id"], s["quantity"]) for s in mine] == [
        (SMG, people["kut_id"], 2)]
    rows = {r["centre"]["code"]: r for r in page["network"]["rows"]
            if r["tool_type"]["id"] == tool_type}
    assert (rows["SMG"]["units"], rows["SMG"]["idle"], rows["KUT"]["waiting"]) == (3, 3, 2)
    assert not [r for r in page["network"]["rows"] if r["tool_type"]["id"] == unwanted]
    # asked for: no longer suggested; staff see no network figures
    await ask(people, tool_type, 2)
    page = await transfers.transfers_page(people["coordinator"], today=today(), now=now())
    assert not [s for s in page["network"]["suggestions"] if s["tool_type"]["id"] == tool_type]
    staff_page = await transfers.transfers_page(people["kut"], today=today(), now=now())
    assert staff_page["network"] is None and len(staff_page["open"]) == 1
