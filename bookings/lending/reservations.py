"""Booking services: reserve a unit of a tool type for dates, cancel, expire no-shows, and the
waitlist; the booking pages' data. Each public function owns one transaction and takes the
date and time as arguments.

The invariant (a unit is never in two active bookings whose dates overlap) is the database's:
PostgreSQL refuses the second row with its exclusion constraint; on SQLite every write
transaction starts with BEGIN IMMEDIATE, so the check and the insert cannot interleave."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.lending import availability
from bookings.lending.calendar_rules import (
    Choice,
    choice_problems,
    days_to_build_on,
    month_calendar,
)
from bookings.lending.rules import (
    DAY_LIST_ROWS,
    PeriodLimits,
    earliest_pickup_elsewhere,
    free_beyond_holds,
    free_per_day,
    free_units,
    is_overdue,
    less_held,
    missing_choices,
    period_problems,
    pickup_elsewhere_problems,
    shift_month,
)
from bookings.sessions.services import certified_skills, member_record, next_session
from bookings.tables import DEFAULT_POLICY, Booking, BookingPolicy, WaitlistEntry
from inventory.tables import IN_CIRCULATION, ToolType, TransferRequest, Unit
from inventory.transfer_rules import OPEN_STATUSES
from rental import audit, ledger, members, notifications
from rental.centres import is_open_on
from rental.fees import Quote, rental_quote
from rental.kernel.db import bind_named, lost_a_race, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Day, Names, Plural, TimeOfDay
from rental.kernel.identity import CurrentUser
from rental.kernel.values import BadValue, money_input, parse_money, whole_number
from rental.member_rules import membership_state
from rental.tables import DEFAULT_FEE_POLICY, Centre, Member


class BookingError(DomainError):
    """A booking or a loan refused."""


class NotYourCentre(BookingError):
    """Desk staff book only at the centres they work for, members only for themselves: the
    request is refused as a whole, not a field of its form."""

    def __init__(self) -> None:
        super().__init__("forbidden", {"form": N_("You do not have access to this page.")})


@dataclass(frozen=True)
class Offer:
    tool_type: dict[str, Any]
    centre: dict[str, Any]
    policy: dict[str, Any]
    discount_percent: int


async def _offer(tool_type_id: int, centre_id: int, member_id: int | None,
                 today: date) -> Offer:
    tool = await ToolType.select().where(
        (ToolType.id == tool_type_id) & ToolType.active.eq(True)).first()
    centre = await Centre.select().where(
        (Centre.id == centre_id) & Centre.active.eq(True)).first()
    if tool is None or centre is None:
        raise BookingError("not_found", {"form": N_("There is no such tool or centre.")})
    sql, params = bind_named(_OFFER_SQL, {
        "tool_type": tool_type_id, "centre": centre_id, "member": member_id or 0,
        "today": today, "circulating": list(IN_CIRCULATION)})
    rest = (await Unit.raw(sql, *params))[0]
    if not rest["lends"]:  # none to lend there, now or back from repair
        raise BookingError("not_found", {"form": N_("This centre does not lend this tool.")})
    policy = DEFAULT_POLICY if rest["horizon_days"] is None else {
        key: rest[key] for key in DEFAULT_POLICY}
    return Offer(tool, centre, policy, rest["discount_percent"] or 0)


# Whether the centre lends the tool type, its booking rules (NULL: the defaults) and the
# member's concession discount, in one statement.
_OFFER_SQL = """
SELECT EXISTS (SELECT 1 FROM unit WHERE tool_type = $tool_type AND centre = $centre
               AND status IN $circulating) AS lends,
       p.horizon_days, p.no_show_grace_hours, p.offer_hold_hours, p.max_renewals,
       (SELECT c.discount_percent FROM member_concession mc
        JOIN concession_category c ON c.id = mc.category
        WHERE mc.member = $member AND mc.revoked_at IS NULL AND mc.expires_on >= $today
        ORDER BY mc.id LIMIT 1) AS discount_percent
FROM (SELECT 1 AS one) AS here
LEFT JOIN booking_policy p ON p.centre = $centre"""


def _check_period(offer: Offer, starts_on: date, ends_on: date, today: date) -> None:
    problems = period_problems(starts_on, ends_on, _limits(offer, today))
    if problems:
        raise BookingError("invalid", problems)


def quote(offer: Offer, starts_on: date, ends_on: date) -> Quote:
    return rental_quote(offer.tool_type["daily_fee"], offer.tool_type["deposit"], starts_on,
                        ends_on, offer.discount_percent)


async def month_view(tool_type_id: int, centre_id: int, member_id: int | None, month: date,
                     today: date) -> tuple[Offer, dict[date, int]]:
    """The tool type, the centre and how many units are free each day of a month for this
    member (units held for others on the waitlist are not)."""
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    async with read_transaction():
        offer = await _offer(tool_type_id, centre_id, member_id, today)
        units = await availability.lendable_units(tool_type_id, centre_id, last)
        busy = await availability.active_periods(units, month, last)
        held = await held_offers(tool_type_id, centre_id, month, last, for_member=member_id)
    return offer, less_held(free_per_day(units, busy, (month, last)), held)


async def booking_page(tool_type_id: int, centre_id: int, viewer: CurrentUser | None, *,
                       member_id: int | None, month: date, choice: Choice,
                       today: date, pickup_id: int | None = None) -> dict[str, Any]:
    """The booking page: a month calendar for whom it books for (the desk: the member whose
    card it came from; a member: themselves), each day free, booked, closed or past and what
    tapping it chooses; the days chosen, what is wrong with them (said by the calendar) or,
    when a unit is free for all of them, the price, and where it may be picked up."""
    if viewer is not None and viewer.is_staff:
        member = for_member = member_id
    else:
        member, for_member = None, viewer.id if viewer else None
    starts = choice.starts
    ends = choice.ends if starts is not None else None
    async with read_transaction():
        offer, free = await month_view(tool_type_id, centre_id, for_member, month, today)
        limits = _limits(offer, today)
        problems = {**choice_problems(starts, choice.ends, limits), **choice.problems}
        bookable = starts is not None and ends is not None and not problems
        if bookable and not await _units_free_for(offer, starts, ends, for_member):
            problems["form"] = N_("No unit is free for all of these days. Choose other days, "
                                  "or join the waitlist.")
        elsewhere = await other_centres(tool_type_id, offer.centre["id"], today)
        pickups = await pickup_centres(offer, starts, ends, today, for_member) if (
            bookable and not problems) else []
    picked = days_to_build_on(starts, ends, problems)
    return {"offer": offer, "free": free, "other_centres": elsewhere, "pickups": pickups,
            "pickup": _default_pickup(pickups, pickup_id, viewer, offer.centre["id"]),
            "earliest_elsewhere": earliest_pickup_elsewhere(today),
            "pickup_asked": pickup_id if pickup_id != offer.centre["id"] else None,
            "weeks": month_calendar(month, free, limits, *picked),
            "month": month, "previous": shift_month(month, -1), "next": shift_month(month, 1),
            "today": today, "starts": starts, "ends": ends, "picked": picked, "member": member,
            "problems": problems, "full": "form" in problems,
            "quote": quote(offer, starts, ends) if bookable and not problems else None}


async def pickup_centres(offer: Offer, starts: date, ends: date, today: date,
                         member_id: int | None) -> list[dict[str, Any]]:
    """The other centres where these days could be picked up, a unit being sent there: open on
    both days, the pick-up far enough ahead, a unit here that may leave now, and none of
    their own free for these days (there, one books their own)."""
    tool_type_id = offer.tool_type["id"]
    if pickup_elsewhere_problems(starts, today) or not await sendable_units(
            tool_type_id, offer.centre["id"], ends, today, member_id=member_id):
        return []
    places = await Centre.select(*_CENTRE_NAMES).where(
        Centre.active.eq(True) & (Centre.id != offer.centre["id"])).order_by(Centre.id)
    free = await availability.free_units_between([tool_type_id], starts, ends)
    return [place for place in places if is_open_on(place["opening_days"], starts)
            and is_open_on(place["opening_days"], ends)
            and not free.get((tool_type_id, place["id"]))]


_CENTRE_NAMES = (Centre.id, Centre.name_ka, Centre.name_en, Centre.name_ru, Centre.opening_days)


def _default_pickup(pickups: list[dict[str, Any]], asked: int | None,
                    viewer: CurrentUser | None, here: int) -> int:
    """Where the form's pick-up choice starts: the centre asked for (the page came from its
    "other centres" list), else for the desk of another centre its own, else here."""
    ids = [place["id"] for place in pickups]
    if asked in ids:
        return asked
    if viewer is not None and viewer.is_staff and not viewer.can_act_for(here):
        return next((i for i in ids if viewer.can_act_for(i)), here)
    return here


async def other_centres(tool_type_id: int, centre_id: int,
                        today: date) -> list[tuple[dict[str, Any], int]]:
    """The other active centres that lend this tool type and their units free today, most
    first (where the catalogue's "also at other centres" leads): three queries."""
    units = await Unit.select(Unit.centre).where(
        (Unit.tool_type == tool_type_id) & (Unit.centre != centre_id)
        & Unit.status.is_in(list(IN_CIRCULATION)) & Unit.centre.active.eq(True)).distinct()
    if not units:
        return []
    free = await availability.free_units_between([tool_type_id], today, today)
    places = await Centre.select().where(Centre.id.is_in([row["centre"] for row in units]))
    return sorted(((place, free.get((tool_type_id, place["id"]), 0)) for place in places),
                  key=lambda pair: (-pair[1], pair[0]["id"]))


def _limits(offer: Offer, today: date) -> PeriodLimits:
    return PeriodLimits(today=today, horizon_days=offer.policy["horizon_days"],
                        max_loan_days=offer.tool_type["max_loan_days"],
                        opening_days=offer.centre["opening_days"])


async def _units_free_for(offer: Offer, starts: date, ends: date,
                          member_id: int | None) -> list[int]:
    """The units free for the whole period beyond those held for others on the waitlist."""
    tool_type_id, centre_id = offer.tool_type["id"], offer.centre["id"]
    units = await availability.lendable_units(tool_type_id, centre_id, ends)
    busy = await availability.active_periods(units, starts, ends)
    held = await held_offers(tool_type_id, centre_id, starts, ends, for_member=member_id)
    return free_beyond_holds(free_units(units, busy, (starts, ends)), held)


async def free_between(tool_type_id: int, centre_id: int, starts: date, ends: date,
                       today: date) -> dict[date, int] | None:
    """Free units per day (not those held by waitlist offers); None when the tool type or
    centre does not exist."""
    async with read_transaction():
        try:
            await _offer(tool_type_id, centre_id, None, today)
        except BookingError:
            return None
        units = await availability.lendable_units(tool_type_id, centre_id, ends)
        busy = await availability.active_periods(units, starts, ends)
        held = await held_offers(tool_type_id, centre_id, starts, ends)
    return less_held(free_per_day(units, busy, (starts, ends)), held)


async def held_offers(tool_type_id: int, centre_id: int, starts: date, ends: date, *,
                      for_member: int | None = None) -> list[tuple[date, date]]:
    """The periods of the open waitlist offers of this tool type at this centre that overlap
    the window, except the member's own: each holds a unit until it is taken or lapses."""
    condition = ((WaitlistEntry.tool_type == tool_type_id) & (WaitlistEntry.centre == centre_id)
                 & (WaitlistEntry.status == "offered") & (WaitlistEntry.starts_on <= ends)
                 & (WaitlistEntry.ends_on >= starts))
    if for_member is not None:
        condition &= WaitlistEntry.member != for_member
    rows = await WaitlistEntry.select(WaitlistEntry.starts_on, WaitlistEntry.ends_on).where(
        condition)
    return [(row["starts_on"], row["ends_on"]) for row in rows]


# The member, their current membership and how many bookings they have open, in one statement.
_ELIGIBILITY_SQL = """
SELECT m.status, ms.status AS membership_status, ms.ends_on AS membership_ends_on,
       mt.max_open_bookings,
       (SELECT COUNT(*) FROM booking b WHERE b.member = m.id AND b.status = 'reserved')
         AS open_bookings
FROM member m
LEFT JOIN membership ms ON ms.member = m.id AND ms.status != 'closed'
LEFT JOIN membership_type mt ON mt.id = ms.membership_type
WHERE m.id = {}
LIMIT 1"""


async def _eligibility(member_id: int, tool: dict[str, Any], today: date, now: datetime,
                       centre_id: int) -> dict[str, Any]:
    """Why this member may not book now, or nothing."""
    rows = await Member.raw(_ELIGIBILITY_SQL, member_id)
    member = rows[0] if rows else None
    if member is None or member["status"] == "erased":
        raise BookingError("not_found", {"member": N_("There is no such member.")})
    if member["status"] == "pending":
        return {"form": N_("Your registration is not finished: bring an identity document to "
                           "the centre's desk.")}
    if member["status"] == "suspended":
        return {"form": N_("This account is suspended. Please talk to the desk.")}
    if member["membership_status"] is None:
        return {"form": N_("A membership is needed to book: the desk can start one.")}
    ends_on = member["membership_ends_on"]
    if not isinstance(ends_on, date):  # raw SQL on SQLite may give the ISO text
        ends_on = date.fromisoformat(ends_on)
    state = membership_state(member["membership_status"], ends_on, today)
    if state == "suspended":
        return {"form": N_("The membership is suspended. Please talk to the desk.")}
    if state != "active":
        return {"form": N_("The membership has expired: renew it at the desk.")}
    open_count = int(member["open_bookings"])
    if open_count >= member["max_open_bookings"]:
        return {"form": Plural(
            "You have %(num)s open booking, the most your membership allows.",
            "You have %(num)s open bookings, the most your membership allows.", open_count)}
    if tool["required_skill"]:
        return await certificate_refusal(member_id, tool["required_skill"], today, now,
                                         centre_id)
    return {}


async def certificate_refusal(member_id: int, skill_id: int, today: date, now: datetime,
                              centre_id: int | None = None) -> dict[str, Any]:
    """Nothing when the member holds a valid certificate for the skill; else which session to
    attend next (the soonest with a free place)."""
    if skill_id in await certified_skills(member_id, today):
        return {}
    upcoming = await next_session(skill_id, now, centre_id)
    if upcoming is None:
        return {"form": N_("This tool needs a safety training first. Ask the desk about the "
                           "next session.")}
    local = upcoming["starts_at"].astimezone(ZoneInfo(upcoming["timezone"]))
    return {"form": (N_("This tool needs a safety training first. The next session: "
                        "%(title)s, %(day)s at %(time)s."),
                     {"title": Names.of(upcoming, "title"), "day": Day(local.date()),
                      "time": TimeOfDay(upcoming["starts_at"], upcoming["timezone"])})}


async def book_from_form(booker: CurrentUser, tool_type_id: int, *, centre_id: int,
                         member_id: int | None, starts_on: date | None, ends_on: date | None,
                         today: date, now: datetime, pickup_id: int | None = None
                         ) -> dict[str, Any]:
    """The booking form: a member books for themselves (whoever `member_id` names), the desk
    for the member whose card it came from, picked up at a centre it works for."""
    if booker.is_staff and centre_id and not booker.can_act_for(pickup_id or centre_id):
        raise NotYourCentre()
    return await book(member_id=member_id if booker.is_staff else booker.id,
                      tool_type_id=tool_type_id, centre_id=centre_id, starts_on=starts_on,
                      ends_on=ends_on, actor_id=booker.id, today=today, now=now,
                      pickup_id=pickup_id)


async def book_by_api(booker: CurrentUser, *, member_id: int | None, tool_type_id: int,
                      centre_id: int, starts_on: date, ends_on: date, today: date,
                      now: datetime, pickup_id: int | None = None) -> dict[str, Any]:
    """The API: staff name the member and book for pick-up at a centre they work for; a
    member books only for themselves."""
    if booker.is_staff and not member_id:
        raise BookingError("invalid", {"member_id": N_("Name the member you book for.")})
    allowed = (booker.can_act_for(pickup_id or centre_id) if booker.is_staff
               else member_id in (None, booker.id))
    if not allowed:
        raise NotYourCentre()
    return await book(member_id=member_id or booker.id, tool_type_id=tool_type_id,
                      centre_id=centre_id, starts_on=starts_on, ends_on=ends_on,
                      actor_id=booker.id, today=today, now=now, pickup_id=pickup_id)


async def book(*, member_id: int | None, tool_type_id: int, centre_id: int,
               starts_on: date | None, ends_on: date | None, actor_id: int, today: date,
               now: datetime, pickup_id: int | None = None) -> dict[str, Any]:
    """Reserve a free unit for the period; the unit is chosen now, so the promise holds. A day
    or the member not chosen (None) is refused once the tool and the centre are known to
    exist, so that the form they are chosen on can be drawn again.

    `pickup_id`, another centre than `centre_id` (where the unit is): the member picks it up
    there; a transfer request opens to bring the unit in time (`_book_elsewhere`).

    A request that loses a race to another (its unit was just booked or moved, or the database
    broke a deadlock) runs again and then sees why; after a few rounds it is told to retry."""
    for _attempt in range(ATTEMPTS):
        try:
            if pickup_id is not None and pickup_id != centre_id:
                return await _book_elsewhere(member_id, tool_type_id, centre_id, pickup_id,
                                             starts_on, ends_on, actor_id, today, now)
            return await _book_once(member_id, tool_type_id, centre_id, starts_on, ends_on,
                                    actor_id, today, now)
        except BookingError:
            raise
        except Exception as exc:
            if not lost_to_another_request(exc):
                raise
    raise BookingError("conflict", {"form": N_(
        "Many people are booking this tool right now. Please try again.")})


ATTEMPTS = 5


def lost_to_another_request(exc: BaseException) -> bool:
    """The database refused this write for what a concurrent request did first: a second
    active booking or open loan of a unit, a unit just moved to another centre, or a deadlock
    it broke."""
    text = str(exc)
    return ("booking_unit_no_overlap" in text or "booking_one_open_loan" in text
            or "UNIQUE constraint failed: booking.unit" in text
            or "booking_unit_at_its_centre" in text
            or type(exc).__name__ == "ExclusionViolationError" or lost_a_race(exc))


async def _book_once(member_id, tool_type_id, centre_id, starts_on, ends_on, actor_id, today,
                     now) -> dict[str, Any]:
    async with write_transaction():
        offer = await _offer(tool_type_id, centre_id, member_id, today)
        missing = missing_choices(starts_on, ends_on, member_id)
        if missing:
            raise BookingError("invalid", missing)
        _check_period(offer, starts_on, ends_on, today)
        refusal = await _eligibility(member_id, offer.tool_type, today, now, centre_id)
        if refusal:
            raise BookingError("forbidden", refusal)
        units = await availability.lendable_units(tool_type_id, centre_id, ends_on, lock=True)
        busy = await availability.active_periods(units, starts_on, ends_on)
        free = free_units(units, busy, (starts_on, ends_on))
        held = await held_offers(tool_type_id, centre_id, starts_on, ends_on,
                                 for_member=member_id)
        if free and not free_beyond_holds(free, held):
            raise BookingError("conflict", {"form": N_(
                "The unit free for these dates is held for a member on the waitlist. Choose "
                "other dates, or join the waitlist.")})
        free = free_beyond_holds(free, held)
        if not free:
            raise BookingError("conflict", {"form": N_(
                "No unit is free for these dates any more. Choose other dates, or join the "
                "waitlist.")})
        return await _reserve(offer, member_id, free[0], starts_on, ends_on,
                              actor_id=actor_id, now=now)


async def _reserve(offer: Offer, member_id: int, unit_id: int, starts_on: date, ends_on: date,
                   *, actor_id: int, now: datetime, transfer: int | None = None,
                   waited_at: tuple[int, ...] = ()) -> dict[str, Any]:
    """Write the booking of a unit for the offer's centre (`transfer`: the request bringing it
    there), mark the member's waitlist entry for these days booked (at the offer's centre and
    `waited_at`), audit it and confirm it to the member. Inside the booking's transaction."""
    tool_type_id, centre_id = offer.tool_type["id"], offer.centre["id"]
    booking = (await Booking.insert(Booking(
        member=member_id, tool_type=tool_type_id, unit=unit_id, centre=centre_id,
        starts_on=starts_on, ends_on=ends_on, status="reserved", created_at=now,
        created_by=actor_id, transfer=transfer,
    )).returning(*Booking.all_columns()))[0]
    await WaitlistEntry.update({WaitlistEntry.status: "booked"}).where(
        (WaitlistEntry.member == member_id) & (WaitlistEntry.tool_type == tool_type_id)
        & WaitlistEntry.centre.is_in([centre_id, *waited_at])
        & (WaitlistEntry.starts_on == starts_on) & (WaitlistEntry.ends_on == ends_on)
        & WaitlistEntry.status.is_in(["waiting", "offered"]))
    after = {"unit": unit_id, "starts_on": starts_on.isoformat(),
             "ends_on": ends_on.isoformat(), "member": member_id}
    await audit.record("booking.create", "booking", booking["id"], now=now,
                       actor_id=actor_id, centre_id=centre_id,
                       after=after if transfer is None else {**after, "transfer": transfer})
    await notifications.queue(
        member_id, "booking_confirmed", {"tool": Names.of(offer.tool_type, "name"),
                                         "starts": Day(starts_on), "ends": Day(ends_on)},
        now=now, centre_id=centre_id, centre=offer.centre,
        event_key=f"booking_confirmed:booking {booking['id']}")
    return booking


async def _pickup_offer(offer: Offer, pickup_id: int) -> Offer:
    """The same tool at the pick-up centre: its opening days and booking rules apply."""
    centre = await Centre.select().where(
        (Centre.id == pickup_id) & Centre.active.eq(True)).first()
    if centre is None:
        raise BookingError("invalid", {"pickup": N_("Choose one of the options.")})
    policy = await BookingPolicy.select().where(BookingPolicy.centre == pickup_id).first()
    return Offer(offer.tool_type, centre, policy or DEFAULT_POLICY, offer.discount_percent)


async def sendable_units(tool_type_id: int, centre_id: int, ends_on: date, today: date, *,
                         member_id: int | None, lock: bool = False) -> list[int]:
    """Units of a centre that may be sent now for a booking elsewhere ending `ends_on`: free
    from today on (no reservation or loan of theirs is still to come, since the unit leaves),
    beyond those the centre's waitlist offers hold."""
    units = await availability.lendable_units(tool_type_id, centre_id, ends_on, lock=lock)
    booked = {row["unit"] for row in await Booking.select(Booking.unit).where(
        Booking.unit.is_in(units or [-1]) & (
            (Booking.status == "out")
            | ((Booking.status == "reserved") & (Booking.ends_on >= today))))}
    held = await held_offers(tool_type_id, centre_id, today, ends_on, for_member=member_id)
    return free_beyond_holds([unit for unit in units if unit not in booked], held)


async def _book_elsewhere(member_id, tool_type_id, centre_id, pickup_id, starts_on, ends_on,
                          actor_id, today, now) -> dict[str, Any]:
    """A unit of `centre_id` booked for pick-up at `pickup_id`: a transfer request (sender the
    unit's centre, receiver the pick-up centre, needed by the pick-up day) carries the booking,
    which is the pick-up centre's. The database lets the booking wait for its unit only while
    the request is open."""
    async with write_transaction():
        offer = await _pickup_offer(await _offer(tool_type_id, centre_id, member_id, today),
                                    pickup_id)
        missing = missing_choices(starts_on, ends_on, member_id)
        if missing:
            raise BookingError("invalid", missing)
        _check_period(offer, starts_on, ends_on, today)
        too_soon = pickup_elsewhere_problems(starts_on, today)
        if too_soon:
            raise BookingError("invalid", too_soon)
        refusal = await _eligibility(member_id, offer.tool_type, today, now, pickup_id)
        if refusal:
            raise BookingError("forbidden", refusal)
        free = await sendable_units(tool_type_id, centre_id, ends_on, today,
                                    member_id=member_id, lock=True)
        if not free:
            raise BookingError("conflict", {"pickup": N_(
                "No unit of this centre can be sent for these days. Pick it up here, or "
                "choose other days.")})
        request = (await TransferRequest.insert(TransferRequest(
            tool_type=tool_type_id, sender=centre_id, receiver=pickup_id, quantity=1,
            needed_by=starts_on, reason="", status="requested", requested_by=actor_id,
            requested_at=now, close_reason="",
        )).returning(TransferRequest.id))[0]["id"]
        booking = await _reserve(offer, member_id, free[0], starts_on, ends_on,
                                 actor_id=actor_id, now=now, transfer=request,
                                 waited_at=(centre_id,))
        await audit.record("transfer.request", "transfer", request, now=now,
                           actor_id=actor_id, centre_id=pickup_id, after={
                               "tool_type": tool_type_id, "sender": centre_id,
                               "receiver": pickup_id, "quantity": 1,
                               "needed_by": starts_on.isoformat(), "booking": booking["id"]})
    return booking


async def withdraw_request(booking: dict[str, Any], *, actor_id: int | None,
                           now: datetime) -> None:
    """A booking that rode a transfer request ended before its unit was sent (cancelled, not
    picked up): the request is cancelled with it. One already on the road goes on: the unit
    is somewhere, and is received where it was going. Inside the booking's transaction."""
    if booking.get("transfer") is None:
        return
    await TransferRequest.update({
        TransferRequest.status: "cancelled", TransferRequest.closed_at: now,
        TransferRequest.closed_by: actor_id,
        TransferRequest.close_reason: BOOKING_ENDED,
    }).where((TransferRequest.id == booking["transfer"])
             & (TransferRequest.status == "requested"))


async def end_riding_booking(request_id: int, *, actor_id: int, now: datetime,
                             today: date) -> None:
    """The request carrying a booking is declined or cancelled before its unit was sent: the
    booking is cancelled, its member told, and the unit free where it stayed. Inside the
    request's transaction (the database refuses to close the request first)."""
    booking = await Booking.select(
        Booking.id, Booking.member, Booking.tool_type, Booking.centre, Booking.starts_on,
        Booking.ends_on, Booking.unit.centre.as_alias("unit_centre"),
        *tool_type_and_centre_names(Booking),
    ).where((Booking.transfer == request_id) & (Booking.status == "reserved")).first()
    if booking is None:
        return
    await Booking.update({Booking.status: "cancelled"}).where(Booking.id == booking["id"])
    await audit.record("booking.cancel", "booking", booking["id"], now=now, actor_id=actor_id,
                       centre_id=booking["centre"], before={"status": "reserved"},
                       after={"status": "cancelled", "transfer": request_id})
    await notifications.queue(
        booking["member"], "booking_not_sent", {"tool": Names.of(booking, "tool_name"),
                                                "starts": Day(booking["starts_on"]),
                                                "ends": Day(booking["ends_on"])},
        now=now, centre_id=booking["centre"],
        event_key=f"booking_not_sent:booking {booking['id']}")
    await offer_freed_period(booking["tool_type"], booking["unit_centre"], now=now, today=today)


# A request's close reason is a person's words, shown as written; this one is the system's,
# stored as its message id and translated where shown (msgid of nothing else).
BOOKING_ENDED = N_("The booking it carried has ended.")


def _check_whose(booking: dict[str, Any] | None, member_id: int | None,
                 centre_ids: frozenset[int] | None) -> None:
    """A member's own booking (`member_id`), or one of these centres' (`centre_ids`)."""
    if booking is None or (member_id is not None and booking["member"] != member_id):
        raise BookingError("not_found", {"form": N_("There is no such booking.")})
    if centre_ids is not None and booking["centre"] not in centre_ids:
        raise BookingError("forbidden", {"form": N_("You do not have access to this page.")})


async def cancel(booking_id: int, *, member_id: int | None, centre_ids: frozenset[int] | None,
                 actor_id: int, now: datetime, today: date) -> None:
    """A member cancels their own booking until pick-up (`member_id`), or the desk does for a
    centre it works for (`centre_ids`; None: every centre)."""
    async with write_transaction():
        booking = await Booking.select(
            Booking.all_columns(), Booking.unit.centre.as_alias("unit_centre")).where(
            Booking.id == booking_id).first()
        _check_whose(booking, member_id, centre_ids)
        if booking["status"] != "reserved":
            raise BookingError("invalid", {"form": N_(
                "Only a booking that has not been picked up can be cancelled.")})
        await Booking.update({Booking.status: "cancelled"}).where(Booking.id == booking_id)
        await audit.record("booking.cancel", "booking", booking_id, now=now, actor_id=actor_id,
                           centre_id=booking["centre"], before={"status": "reserved"},
                           after={"status": "cancelled"})
        await withdraw_request(booking, actor_id=actor_id, now=now)
        # the unit is free where it is: here, unless it was still to come from another centre
        await offer_freed_period(booking["tool_type"], booking["unit_centre"], now=now,
                                 today=today)


async def offer_freed_period(tool_type_id: int, centre_id: int, *, now: datetime,
                             today: date) -> int:
    """After a unit frees up: the first member in line whose dates are now free gets an offer,
    held for the centre's hours. Call inside the transaction that freed the unit."""
    policy = await BookingPolicy.select().where(BookingPolicy.centre == centre_id).first()
    hold = (policy or DEFAULT_POLICY)["offer_hold_hours"]
    line = await WaitlistEntry.select(
        *WaitlistEntry.all_columns(), WaitlistEntry.centre.timezone.as_alias("timezone")).where(
        (WaitlistEntry.tool_type == tool_type_id) & (WaitlistEntry.centre == centre_id)
        & (WaitlistEntry.status == "waiting") & (WaitlistEntry.starts_on >= today)
    ).order_by(WaitlistEntry.created_at).order_by(WaitlistEntry.id)
    offered = 0
    tool = None
    for entry in line:
        units = await availability.lendable_units(tool_type_id, centre_id, entry["ends_on"])
        busy = await availability.active_periods(units, entry["starts_on"], entry["ends_on"])
        held = await WaitlistEntry.count().where(
            (WaitlistEntry.tool_type == tool_type_id) & (WaitlistEntry.centre == centre_id)
            & (WaitlistEntry.status == "offered") & (WaitlistEntry.starts_on <= entry["ends_on"])
            & (WaitlistEntry.ends_on >= entry["starts_on"]))
        if len(free_units(units, busy, (entry["starts_on"], entry["ends_on"]))) > held:
            await WaitlistEntry.update({
                WaitlistEntry.status: "offered", WaitlistEntry.offered_at: now,
                WaitlistEntry.offer_expires_at: now + timedelta(hours=hold),
            }).where(WaitlistEntry.id == entry["id"])
            offered += 1
            await audit.record("waitlist.offer", "waitlist_entry", entry["id"], now=now,
                               centre_id=centre_id, before={"status": "waiting"},
                               after={"status": "offered", "member": entry["member"]})
            tool = tool or await ToolType.select(ToolType.name_ka, ToolType.name_en,
                                                 ToolType.name_ru).where(
                ToolType.id == tool_type_id).first()
            until = (now + timedelta(hours=hold)).astimezone(ZoneInfo(entry["timezone"]))
            await notifications.queue(
                entry["member"], "waitlist_offer", {
                    "tool": Names.of(tool, "name"), "starts": Day(entry["starts_on"]),
                    "ends": Day(entry["ends_on"]), "until_day": Day(until.date()),
                    "until_time": TimeOfDay(until, entry["timezone"])},
                now=now, centre_id=centre_id, event_key=f"waitlist_offer:waitlist {entry['id']}")
    return offered


async def waited_for(tool_type_ids: list[int], centre_id: int, today: date) -> list[int]:
    """Which of these tool types (in their order) someone waits for at the centre: only they
    need `offer_freed_period` (one query for them all)."""
    if not tool_type_ids:
        return []
    rows = await WaitlistEntry.select(WaitlistEntry.tool_type).where(
        WaitlistEntry.tool_type.is_in(tool_type_ids) & (WaitlistEntry.centre == centre_id)
        & (WaitlistEntry.status == "waiting") & (WaitlistEntry.starts_on >= today)).distinct()
    waiting = {row["tool_type"] for row in rows}
    return [tool_type for tool_type in tool_type_ids if tool_type in waiting]


async def join_waitlist(*, member_id: int, tool_type_id: int, centre_id: int,
                        starts_on: date | None, ends_on: date | None, today: date,
                        now: datetime) -> int:
    """Wait for a unit of the tool type for the period; days not chosen (None) are refused once
    the tool and the centre are known to exist."""
    async with write_transaction():
        offer = await _offer(tool_type_id, centre_id, member_id, today)
        if starts_on is None or ends_on is None:
            raise BookingError("invalid", {"form": N_("Choose the pick-up and return days.")})
        _check_period(offer, starts_on, ends_on, today)
        if await WaitlistEntry.exists().where(
            (WaitlistEntry.member == member_id) & (WaitlistEntry.tool_type == tool_type_id)
            & (WaitlistEntry.centre == centre_id) & (WaitlistEntry.starts_on == starts_on)
            & (WaitlistEntry.ends_on == ends_on)
            & WaitlistEntry.status.is_in(["waiting", "offered"])
        ):
            raise BookingError("invalid", {"form": N_("You are on the waitlist for these "
                                                      "dates already.")})
        rows = await WaitlistEntry.insert(WaitlistEntry(
            member=member_id, tool_type=tool_type_id, centre=centre_id, starts_on=starts_on,
            ends_on=ends_on, status="waiting", created_at=now,
        )).returning(WaitlistEntry.id)
        await audit.record("waitlist.join", "waitlist_entry", rows[0]["id"], now=now,
                           actor_id=member_id, centre_id=centre_id, after={
                               "member": member_id, "tool_type": tool_type_id,
                               "starts_on": starts_on.isoformat(),
                               "ends_on": ends_on.isoformat()})
    return rows[0]["id"]


def _closing(centre: dict[str, Any], day: date, grace_hours: int) -> datetime:
    local = datetime.combine(day, centre["closes_at"] or time(19), ZoneInfo(centre["timezone"]))
    return local + timedelta(hours=grace_hours)


async def expire(*, now: datetime) -> tuple[int, int]:
    """Mark bookings not picked up by closing time (plus grace) on their pick-up day as
    no-shows, let waitlist offers lapse, and offer every unit that is free now to the next in
    line.
    Returns (no-shows, lapsed offers). Run by `rental bookings expire` and by the server."""
    no_shows = lapsed = 0
    async with write_transaction():
        candidates = await Booking.select(
            Booking.id, Booking.starts_on, Booking.ends_on, Booking.tool_type, Booking.centre,
            Booking.member, Booking.transfer, Booking.unit.centre.as_alias("unit_centre"),
            Booking.centre.closes_at.as_alias("closes_at"),
            Booking.centre.timezone.as_alias("timezone"),
            Booking.tool_type.name_ka.as_alias("tool_name_ka"),
            Booking.tool_type.name_en.as_alias("tool_name_en"),
            Booking.tool_type.name_ru.as_alias("tool_name_ru"),
        ).where((Booking.status == "reserved") & (Booking.starts_on <= now.date()))
        policies = {row["centre"]: row for row in await BookingPolicy.select()}
        freed: set[tuple[int, int]] = set()
        for row in candidates:
            grace = policies.get(row["centre"], DEFAULT_POLICY)["no_show_grace_hours"]
            if _closing(row, row["starts_on"], grace) <= now:
                await Booking.update({Booking.status: "no_show"}).where(Booking.id == row["id"])
                await audit.record("booking.no_show", "booking", row["id"], now=now,
                                   centre_id=row["centre"], after={"status": "no_show"})
                await notifications.queue(
                    row["member"], "no_show", {"tool": Names.of(row, "tool_name"),
                                               "starts": Day(row["starts_on"]),
                                               "ends": Day(row["ends_on"])},
                    now=now, centre_id=row["centre"], event_key=f"no_show:booking {row['id']}")
                await withdraw_request(row, actor_id=None, now=now)
                freed.add((row["tool_type"], row["unit_centre"]))
                no_shows += 1
        lapsed_rows = await WaitlistEntry.update({WaitlistEntry.status: "expired"}).where(
            (WaitlistEntry.status == "offered") & (WaitlistEntry.offer_expires_at <= now)
        ).returning(WaitlistEntry.id, WaitlistEntry.tool_type, WaitlistEntry.centre,
                    WaitlistEntry.member)
        lapsed = len(lapsed_rows)
        await audit.record_many([
            audit.entry("waitlist.lapse", "waitlist_entry", row["id"], now=now,
                        centre_id=row["centre"], before={"status": "offered"},
                        after={"status": "expired", "member": row["member"]})
            for row in lapsed_rows])
        freed |= {(row["tool_type"], row["centre"]) for row in lapsed_rows}
        # units also free up where this package does not see it happen (back from repair,
        # a new unit added): look at every line that is still waiting
        waiting = await WaitlistEntry.select(WaitlistEntry.tool_type, WaitlistEntry.centre).where(
            WaitlistEntry.status == "waiting").distinct()
        freed |= {(row["tool_type"], row["centre"]) for row in waiting}
        for tool_type_id, centre_id in sorted(freed):
            await offer_freed_period(tool_type_id, centre_id, now=now, today=now.date())
    return no_shows, lapsed


# --- reading --------------------------------------------------------------------------------


@functools.cache  # a joined, aliased column costs Piccolo deep copies to build: build it once
def tool_type_and_centre_names(table) -> tuple[Any, ...]:
    """The tool's and the centre's names in every language, for a row pointing at both."""
    return (
        table.tool_type.name_ka.as_alias("tool_name_ka"),
        table.tool_type.name_en.as_alias("tool_name_en"),
        table.tool_type.name_ru.as_alias("tool_name_ru"),
        table.centre.name_ka.as_alias("centre_name_ka"),
        table.centre.name_en.as_alias("centre_name_en"),
        table.centre.name_ru.as_alias("centre_name_ru"),
    )


def arrival_columns() -> tuple[Any, ...]:
    """Whether a booking's unit is still to come from another centre (the state of the request
    carrying it) and from which (its names in every language)."""
    sender = Booking.transfer.sender
    return (Booking.transfer.status.as_alias("transfer_status"),
            Booking.transfer.sender.as_alias("from_centre"),
            sender.name_ka.as_alias("from_name_ka"), sender.name_en.as_alias("from_name_en"),
            sender.name_ru.as_alias("from_name_ru"))


def with_arrival(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark each booking `arriving`: reserved, its unit on the way (or about to be)."""
    for row in rows:
        row["arriving"] = (row["status"] == "reserved"
                           and row.get("transfer_status") in OPEN_STATUSES)
    return rows


async def my_bookings_page(member_id: int, today: date) -> dict[str, Any]:
    """The member's own page (/me): their card and card number, what they owe, their latest
    messages, their loans, bookings and waitlist, sessions and certificates, in one read."""
    async with read_transaction():
        return {**await members.own_page(member_id, today=today),
                **await member_bookings(member_id, today),
                **await member_record(member_id, today),
                "balance": await ledger.balance(member_id),
                "messages": await notifications.latest(member_id)}


async def cancel_page(booking_id: int, *, member_id: int | None,
                      centre_ids: frozenset[int] | None) -> dict[str, Any]:
    """What a cancellation would cancel, asked before it is done: a member's own booking
    (`member_id`), or one of the desk's centres (`centre_ids`; None: every centre); refused as
    `cancel` refuses. `cancellable`: not picked up yet."""
    booking = await booking_view(booking_id, member_id=member_id, centre_ids=centre_ids)
    return {"booking": booking, "cancellable": booking["status"] == "reserved"}


# --- the API's reads and the waitlist's leave and accept ------------------------------------


async def booking_list(viewer: CurrentUser, *, centre_id: int | None, day: date | None,
                       status: str | None, page: int, per_page: int) -> dict[str, Any]:
    """A page of bookings, latest pick-up first: a member's own; desk staff's: one of their
    centres', which they must name; a coordinator's: any centre's, or every centre's.
    `day`: those picked up or due back that day (the desk's day); `status`: those in it."""
    member_id = None if viewer.is_staff else viewer.id
    if viewer.is_staff and not viewer.all_centres:
        if centre_id is None:
            raise BookingError("invalid", {"centre": N_("Choose a centre you work for.")})
        if not viewer.can_act_for(centre_id):
            raise NotYourCentre()
    condition = Booking.id > 0
    if member_id is not None:
        condition &= Booking.member == member_id
    if centre_id is not None:
        condition &= Booking.centre == centre_id
    if day is not None:
        condition &= (Booking.starts_on == day) | (Booking.ends_on == day)
    if status is not None:
        condition &= Booking.status == status
    async with read_transaction():
        total = await Booking.count().where(condition)
        rows = await Booking.select(*_booking_shown()).where(condition).order_by(
            Booking.starts_on, ascending=False).order_by(Booking.id, ascending=False).limit(
            per_page).offset((page - 1) * per_page)
    return {"items": with_arrival(rows), "total": total}


def _booking_shown() -> list[Any]:
    """A booking as the member, the desk and the API are shown it: its columns, its tool's and
    centre's names and its unit's tag."""
    return [Booking.all_columns(), *tool_type_and_centre_names(Booking),
            Booking.unit.asset_tag.as_alias("asset_tag"), *arrival_columns()]


def whose(viewer: CurrentUser) -> dict[str, Any]:
    """Which bookings a user handles, as `cancel` and `booking_view` take it: a member their
    own (`member_id`), desk staff their centres' (`centre_ids`), coordinators every one."""
    return {"member_id": None if viewer.is_staff else viewer.id,
            "centre_ids": viewer.centre_ids if viewer.is_staff and not viewer.all_centres
            else None}


async def booking_view(booking_id: int, *, member_id: int | None,
                       centre_ids: frozenset[int] | None) -> dict[str, Any]:
    """One booking with its tool's and centre's names, refused as `cancel` refuses: another
    member's is not there (404), another centre's is not the desk's (403)."""
    async with read_transaction():
        booking = await Booking.select(*_booking_shown()).where(Booking.id == booking_id).first()
    _check_whose(booking, member_id, centre_ids)
    return with_arrival([booking])[0]


async def waitlist_entries(member_id: int, entry_id: int | None = None) -> list[dict[str, Any]]:
    """A member's waitlist entries still open (waiting or offered), or the one named (in any
    state), with the tool's and centre's names."""
    condition = WaitlistEntry.member == member_id
    if entry_id is None:
        condition &= WaitlistEntry.status.is_in(["waiting", "offered"])
    else:
        condition &= WaitlistEntry.id == entry_id
    async with read_transaction():
        return await WaitlistEntry.select(
            WaitlistEntry.all_columns(), *tool_type_and_centre_names(WaitlistEntry),
        ).where(condition).order_by(WaitlistEntry.starts_on).order_by(WaitlistEntry.id)


def _no_entry() -> BookingError:
    return BookingError("not_found", {"form": N_("There is no such waitlist entry.")})


async def leave_waitlist(entry_id: int, *, member_id: int, now: datetime, today: date) -> None:
    """A member leaves the waitlist (their own entry, waiting or offered); an offer they held
    goes to the next in line."""
    async with write_transaction():
        entry = await WaitlistEntry.select().where(
            (WaitlistEntry.id == entry_id) & (WaitlistEntry.member == member_id)).first()
        if entry is None:
            raise _no_entry()
        if entry["status"] not in ("waiting", "offered"):
            raise BookingError("invalid", {"form": N_(
                "You are no longer on this waitlist.")})
        await WaitlistEntry.update({WaitlistEntry.status: "cancelled"}).where(
            WaitlistEntry.id == entry_id)
        await audit.record("waitlist.leave", "waitlist_entry", entry_id, now=now,
                           actor_id=member_id, centre_id=entry["centre"],
                           before={"status": entry["status"]}, after={"status": "cancelled"})
        if entry["status"] == "offered":  # the unit it held is free for the next one
            await offer_freed_period(entry["tool_type"], entry["centre"], now=now, today=today)


async def accept_offer(entry_id: int, *, member_id: int, today: date,
                       now: datetime) -> dict[str, Any]:
    """A member takes the unit a waitlist offer holds for them: it becomes a booking for the
    entry's days, by `book` and its rules (which marks the entry booked)."""
    async with read_transaction():
        entry = await WaitlistEntry.select().where(
            (WaitlistEntry.id == entry_id) & (WaitlistEntry.member == member_id)).first()
    if entry is None:
        raise _no_entry()
    if entry["status"] != "offered" or entry["offer_expires_at"] <= now:
        raise BookingError("invalid", {"form": N_(
            "There is no open offer on this waitlist entry: only an offer not lapsed yet can "
            "be taken.")})
    return await book(member_id=member_id, tool_type_id=entry["tool_type"],
                      centre_id=entry["centre"], starts_on=entry["starts_on"],
                      ends_on=entry["ends_on"], actor_id=member_id, today=today, now=now)


async def member_bookings(member_id: int, today: date) -> dict[str, list[dict[str, Any]]]:
    """A member's current and upcoming bookings (each marked overdue or not) and waitlist
    entries, in two queries."""
    async with read_transaction():
        bookings = await Booking.select(
            Booking.all_columns(), *tool_type_and_centre_names(Booking),
            Booking.unit.asset_tag.as_alias("asset_tag"), *arrival_columns(),
        ).where(
            (Booking.member == member_id)
            & (Booking.status.is_in(["reserved", "out"]) | (Booking.ends_on >= today))
        ).order_by(Booking.starts_on)
        waiting = await WaitlistEntry.select(
            WaitlistEntry.all_columns(), *tool_type_and_centre_names(WaitlistEntry),
        ).where(
            (WaitlistEntry.member == member_id)
            & WaitlistEntry.status.is_in(["waiting", "offered"])
        ).order_by(WaitlistEntry.starts_on)
    for booking in with_arrival(bookings):
        booking["overdue"] = is_overdue(booking["status"], booking["ends_on"], today)
    return {"bookings": bookings, "waitlist": waiting}


async def desk_page(viewer: CurrentUser, today: date,
                    whole: tuple[str, date] | None = None) -> dict[str, Any]:
    """The desk's today and tomorrow, and the desks it may open: the centres the viewer works
    for. Each list shows its first DAY_LIST_ROWS rows and its count, `whole` all of them."""
    centre_ids = None if viewer.all_centres else sorted(viewer.centre_ids)
    async with read_transaction():
        day = await desk_days(centre_ids, today, whole)
        centres = await policies()
    return {**day, "today": today, "centres": [
        c for c in centres if centre_ids is None or c["id"] in centre_ids]}


async def desk_days(centre_ids: list[int] | None, today: date,
                    whole: tuple[str, date] | None = None) -> dict[str, Any]:
    """Pick-ups and returns for today and tomorrow (each list its first DAY_LIST_ROWS rows
    and `<list>_count`, unless `whole` names it), and open waitlist offers, per centre."""
    tomorrow = today + timedelta(days=1)
    condition = Booking.status.is_in(["reserved", "out"]) & (
        Booking.starts_on.is_in([today, tomorrow]) | Booking.ends_on.is_in([today, tomorrow]))
    if centre_ids is not None:
        condition &= Booking.centre.is_in(centre_ids or [-1])
    async with read_transaction():
        rows = await Booking.select(
            Booking.all_columns(), *tool_type_and_centre_names(Booking),
            Booking.member.name.as_alias("member_name"),
            Booking.member.phone.as_alias("member_phone"),
            Booking.unit.asset_tag.as_alias("asset_tag"), *arrival_columns(),
        ).where(condition).order_by(Booking.centre).order_by(Booking.starts_on)
        with_arrival(rows)
        offer_condition = WaitlistEntry.status == "offered"
        if centre_ids is not None:
            offer_condition &= WaitlistEntry.centre.is_in(centre_ids or [-1])
        offers = await WaitlistEntry.select(
            WaitlistEntry.all_columns(), *tool_type_and_centre_names(WaitlistEntry),
            WaitlistEntry.member.name.as_alias("member_name"),
            WaitlistEntry.member.phone.as_alias("member_phone"),
        ).where(offer_condition).order_by(WaitlistEntry.offer_expires_at)
    days: dict[date, dict[str, Any]] = {}
    for day in (today, tomorrow):
        lists = {
            "pickups": [r for r in rows if r["status"] == "reserved" and r["starts_on"] == day],
            "returns": [r for r in rows if r["status"] == "out" and r["ends_on"] == day],
        }
        days[day] = {}
        for kind, found in lists.items():
            days[day][kind] = found if whole == (kind, day) else found[:DAY_LIST_ROWS]
            days[day][kind + "_count"] = len(found)
    return {"days": days, "offers": offers}


# --- policy ---------------------------------------------------------------------------------

POLICY_LIMITS = {"horizon_days": (0, 365), "no_show_grace_hours": (0, 72),
                 "offer_hold_hours": (1, 168), "max_renewals": (0, 10)}
# the lending rules page sets both: the booking rules (here) and the fees (rental's)
POLICY_FORM_LIMITS = {**POLICY_LIMITS, **ledger.FEE_POLICY_LIMITS}


async def policy_page() -> dict[str, Any]:
    return {"centres": await policies(), "limits": POLICY_FORM_LIMITS}


def policy_values(form: Any) -> dict[str, int]:
    """The lending rules as typed into a centre's form (amounts in GEL); refused next to their
    fields when a value is not one or out of its bounds."""
    values: dict[str, int] = {}
    errors: dict[str, Any] = {}
    for name, (low, high) in POLICY_FORM_LIMITS.items():
        money = name in ledger.MONEY_FIELDS
        try:
            number = parse_money(str(form.get(name) or "")) if money else whole_number(
                form.get(name))
        except BadValue as bad:
            errors[name] = bad.message
            continue
        if number is None or not low <= number <= high:
            errors[name] = (N_("Enter a number from %(low)s to %(high)s."), {
                "low": money_input(low) if money else low,
                "high": money_input(high) if money else high})
        else:
            values[name] = number
    if errors:
        raise BookingError("invalid", errors)
    return values


async def policies() -> list[dict[str, Any]]:
    """Every active centre with its booking and fee policy (the defaults where it has none)."""
    async with read_transaction():
        centres = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                      Centre.name_ru).where(Centre.active.eq(True)
                                                            ).order_by(Centre.id)
        rows = {row["centre"]: row for row in await BookingPolicy.select()}
        fees = await ledger.fee_policies()
    return [{**centre, **{k: rows.get(centre["id"], DEFAULT_POLICY)[k] for k in DEFAULT_POLICY},
             **{k: fees.get(centre["id"], DEFAULT_FEE_POLICY)[k] for k in DEFAULT_FEE_POLICY}}
            for centre in centres]


async def set_policy(centre_id: int, values: dict[str, int], *, actor_id: int,
                     now: datetime) -> None:
    """The booking rules (here) and the fee policy (rental's) of a centre, in one go."""
    booking = {k: v for k, v in values.items() if k in DEFAULT_POLICY}
    fees = {k: v for k, v in values.items() if k in DEFAULT_FEE_POLICY}
    async with write_transaction():
        if not await Centre.exists().where(Centre.id == centre_id):
            raise BookingError("not_found", {"form": N_("There is no such tool or centre.")})
        before = await BookingPolicy.select().where(BookingPolicy.centre == centre_id).first()
        if before is None:
            await BookingPolicy.insert(BookingPolicy(centre=centre_id, **booking))
        else:
            await BookingPolicy.update(booking).where(BookingPolicy.centre == centre_id)
        fees_before = await ledger.write_fee_policy(centre_id, fees) if fees else {}
        await audit.record("booking_policy.set", "centre", centre_id, now=now,
                           actor_id=actor_id, centre_id=centre_id,
                           before={**{k: (before or DEFAULT_POLICY)[k] for k in booking},
                                   **{k: fees_before[k] for k in fees}},
                           after=values)
