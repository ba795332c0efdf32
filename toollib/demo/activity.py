"""A few days of the demo centre's life, so that `make run` shows what members are told: a loan
three days late, a loan due back tomorrow, a booking to pick up tomorrow and one in English at
Kutaisi. Everything goes through the desk's and the
catalogue's own services, at the instant it would have happened, so the messages on the demo
members' pages are the ones those events write. Run by `rental seed-demo` (not by the tests'
seed: their demo centre has every unit on the shelf)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings.lending import desk, reservations
from bookings.lending.reminders import notifications_sweep
from bookings.tables import Booking
from inventory.tables import ToolType, Unit
from rental.centres import is_open_on
from rental.kernel.identity import CurrentUser
from rental.tables import Centre, Member

LATE_BY = (3, 1, 7)  # the days of lateness the sweep reminds on, the demo's choice first


async def seed_activity(report, *, now: datetime, today: date) -> None:
    """Idempotent: adds the demo's loans and bookings only while nothing was ever lent or
    booked."""
    if await Booking.count() > 0:
        return
    people = {row["phone"]: row for row in await Member.select(
        Member.id, Member.phone, Member.name, Member.role)}
    centres = {row["code"]: row for row in await Centre.select(
        Centre.id, Centre.code, Centre.timezone, Centre.opening_days)}
    smg, kut = centres.get("SMG"), centres.get("KUT")
    if smg is None or "+995555000002" not in people:
        return
    coordinator = _user(people["+995555000002"], "coordinator", frozenset())
    tags = await _shelf(smg["id"])

    late = _late_return_day(smg, today)
    if late is not None and tags:
        lent_on = late - timedelta(days=2)
        await _lend(people["+995555000012"]["id"], smg, tags.pop(0), late, coordinator,
                    lent_on)
        report.count("loan")
    tomorrow = today + timedelta(days=1)
    if is_open_on(smg["opening_days"], today) and is_open_on(smg["opening_days"], tomorrow) \
            and tags:
        await _lend(people["+995555000011"]["id"], smg, tags.pop(0), tomorrow, coordinator,
                    today, now)
        report.count("loan")
    for member, centre, starts in ((people["+995555000011"], smg, tomorrow),
                                   (people.get("+995555000013"), kut, today + timedelta(days=3))):
        if member is not None and centre is not None:
            if await _book(member["id"], centre, starts, coordinator, today, now):
                report.count("booking")
    await notifications_sweep(now=now)


def _user(row: dict, role: str, centres: frozenset[int]) -> CurrentUser:
    return CurrentUser(row["id"], row["name"], role, "active", "ka", centres)


async def _shelf(centre_id: int) -> list[str]:
    """Units anyone may borrow: on the shelf, no skill needed, no inspection due."""
    rows = await Unit.select(Unit.asset_tag).where(
        (Unit.centre == centre_id) & (Unit.status == "available")
        & Unit.tool_type.required_skill.is_null()
        & Unit.tool_type.inspection_interval_days.is_null()).order_by(Unit.asset_tag)
    return [row["asset_tag"] for row in rows][::-1]  # the shelf's last, kept off the tests'


def _late_return_day(centre: dict, today: date) -> date | None:
    """A past open day, a reminder day's lateness ago, that a two-day loan could end on."""
    for days in LATE_BY:
        day = today - timedelta(days=days)
        if is_open_on(centre["opening_days"], day) and is_open_on(
                centre["opening_days"], day - timedelta(days=2)):
            return day
    return None


async def _lend(member_id: int, centre: dict, tag: str, return_on: date, actor: CurrentUser,
                lent_on: date, now: datetime | None = None) -> None:
    at = now or datetime.combine(lent_on, time(11), ZoneInfo(centre["timezone"]))
    due = (await desk.basket_view(member_id, centre["id"], [tag], return_on, lent_on)).due
    await desk.check_out(member_id=member_id, centre_id=centre["id"], tags=[tag],
                         return_on=return_on, payment={"method": "cash", "amount": due},
                         override_reason="", actor=actor, today=lent_on, now=at)


async def _book(member_id: int, centre: dict, starts: date, actor: CurrentUser, today: date,
                now: datetime) -> bool:
    """A two-day booking of the first tool with a free unit, from the first open day on."""
    while not is_open_on(centre["opening_days"], starts):
        starts += timedelta(days=1)
    ends = starts + timedelta(days=2)
    while not is_open_on(centre["opening_days"], ends):
        ends += timedelta(days=1)
    tools = await ToolType.select(ToolType.id).where(
        ToolType.required_skill.is_null() & ToolType.inspection_interval_days.is_null()
    ).order_by(ToolType.id)
    for tool in tools:
        try:
            await reservations.book(member_id=member_id, tool_type_id=tool["id"],
                                    centre_id=centre["id"], starts_on=starts, ends_on=ends,
                                    actor_id=actor.id, today=today, now=now)
            return True
        except reservations.BookingError:
            continue
    return False
