"""The bookings API (issue 22): list, read, cancel and renew bookings, and the waitlist (join,
list, leave, take an offer). Each route calls the service its page calls, so the rules, the
refusals and their messages are the pages'; a member sees only their own (another member's
booking is not there: 404), desk staff their centres', coordinators every centre's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, delete, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter
from litestar.routes import HTTPRoute

from bookings.lending import desk, reservations
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController, Money, Named, PageParam, Paging, PerPageParam, named
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.values import FIRST_DAY, LAST_DAY, MAX_INT
from rental.kernel.web import Id, current_user, days_in_window

BookingStatus = Literal["reserved", "out", "returned", "cancelled", "no_show", "lost"]


# --- what the API answers ----------------------------------------------------------------------


@dataclass
class BookingItem:
    id: int
    member_id: int
    status: str  # reserved, out, returned, cancelled, no_show, lost
    starts_on: date
    ends_on: date  # the return day
    tool_type: Named
    centre: Named
    unit_id: int
    asset_tag: str
    renewals: int
    # reserved, its unit still to come from another centre by the pick-up day
    arriving_from: Named | None = None


@dataclass
class BookingList(Paging):
    items: list[BookingItem]


@dataclass
class RenewIn:
    ends_on: date
    override_reason: str = ""  # the desk: why it renews over the member's balance limit

    def __post_init__(self) -> None:
        days_in_window(self.ends_on)


@dataclass
class RenewalOut:
    booking_id: int
    ends_on: date  # the new return day
    receipt_id: int
    cost_tetri: int  # what the added days cost
    balance_tetri: int  # what the member owes now
    cost: Money
    balance: Money


@dataclass
class WaitlistIn:
    tool_type_id: Id
    centre_id: Id
    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        days_in_window(self.starts_on, self.ends_on)


@dataclass
class WaitlistItem:
    id: int
    status: str  # waiting, offered, booked, expired, cancelled
    starts_on: date
    ends_on: date
    tool_type: Named
    centre: Named
    offer_expires_at: datetime | None  # an offer: taken until then (POST .../accept)


def _booking(row: dict[str, Any]) -> BookingItem:
    return BookingItem(
        id=row["id"], member_id=row["member"], status=row["status"],
        starts_on=row["starts_on"], ends_on=row["ends_on"],
        tool_type=named(row, "tool_name", "tool_type"),
        centre=named(row, "centre_name", "centre"), unit_id=row["unit"],
        asset_tag=row["asset_tag"] or "", renewals=row["renewals"],
        arriving_from=named(row, "from_name", "from_centre") if row["arriving"] else None)


def _entry(row: dict[str, Any]) -> WaitlistItem:
    return WaitlistItem(
        id=row["id"], status=row["status"], starts_on=row["starts_on"],
        ends_on=row["ends_on"], tool_type=named(row, "tool_name", "tool_type"),
        centre=named(row, "centre_name", "centre"), offer_expires_at=row["offer_expires_at"])


def _day_in_window(day: date | None) -> date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError("invalid", {"day": (N_(
            "Choose a date between %(first)s and %(last)s."), {
            "first": i18n.format_date(FIRST_DAY), "last": i18n.format_date(LAST_DAY)})})
    return day


# --- OpenAPI links: from what an answer names to what may follow (schemathesis' stateful runs
# follow them: take an offer -> read the booking -> cancel it; join -> take or leave) ----------


TO_THE_BOOKING = {
    "read": api.link_to("getBooking", "booking_id", "Read the booking."),
    "cancel": api.link_to("cancelBooking", "booking_id", "Cancel the booking."),
}
FROM_THE_BOOKING = {
    "cancel": api.link_to("cancelBooking", "booking_id", "Cancel the booking."),
    "renew": api.link_to("renewBooking", "booking_id", "Renew the loan."),
}
TO_THE_ENTRY = {
    "accept": api.link_to("acceptWaitlistOffer", "entry_id", "Take the offer, once made."),
    "leave": api.link_to("leaveWaitlist", "entry_id", "Leave the waitlist."),
}


# --- the examples ------------------------------------------------------------------------------

DRILL = {"id": 7, "name_ka": "აკუმულატორიანი დრელი", "name_en": "Cordless drill",
         "name_ru": "Аккумуляторная дрель"}
SAMGORI = {"id": 1, "name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre",
           "name_ru": "Центр Самгори"}
BOOKING = {"id": 311, "member_id": 42, "status": "reserved", "starts_on": "2026-12-10",
           "ends_on": "2026-12-12", "tool_type": DRILL, "centre": SAMGORI, "unit_id": 19,
           "asset_tag": "SMG-0012", "renewals": 0}
ENTRY = {"id": 55, "status": "offered", "starts_on": "2026-12-10", "ends_on": "2026-12-12",
         "tool_type": DRILL, "centre": SAMGORI, "offer_expires_at": "2026-12-08T15:00:00Z"}
RENEWAL = {"booking_id": 311, "ends_on": "2026-12-14", "receipt_id": 912, "cost_tetri": 1000,
           "balance_tetri": 1000, "cost": {"tetri": 1000, "text": "10,00 ₾"},
           "balance": {"tetri": 1000, "text": "10,00 ₾"}}


# --- the controllers ---------------------------------------------------------------------------


class BookingsApi(ApiController):
    path = "/api/v1/bookings"
    opt = {"access": "member"}
    tags = ["bookings"]

    def as_router(self) -> Router:
        # POST /api/v1/bookings is the booking pages' module's (BookingApi): Litestar merges the
        # two controllers' routes of this path, and each brings its own automatic OPTIONS
        # handler, two of which refuse to start; the other one answers OPTIONS for both.
        router = super().as_router()
        for route in router.routes:
            if isinstance(route, HTTPRoute) and route.path == self.path:
                route.route_handlers = [handler for handler in route.route_handlers
                                        if handler.http_methods != {"OPTIONS"}]
        return router

    @get("/", operation_id="listBookings", responses={
        **api.refusals(422), **api.answer(200, BookingList, {
            "items": [BOOKING], "total": 1, "page": 1, "pages": 1, "next": None})})
    async def list_bookings(
        self, request: Request,
        centre: Annotated[int | None, Parameter(ge=1, le=MAX_INT, description=(
            "the centre's id: required for desk staff (one of their centres)"))] = None,
        day: Annotated[date | None, Parameter(description=(
            "those picked up or due back this day"))] = None,
        status: Annotated[BookingStatus | None, Parameter(description="those in it")] = None,
        page: PageParam = 1, per_page: PerPageParam = 20,
    ) -> BookingList:
        """A member: their own bookings; desk staff: a centre's they work for (`centre`, else
        422; another centre: 403); coordinators: any centre's, or every one's."""
        found = await reservations.booking_list(
            current_user(request), centre_id=centre, day=_day_in_window(day), status=status,
            page=page, per_page=per_page)
        return BookingList(items=[_booking(row) for row in found["items"]], **api.paging(
            request, total=found["total"], page=page, per_page=per_page))

    @get("/{booking_id:int}", operation_id="getBooking",
         operation_class=api.linked(200, FROM_THE_BOOKING),
         responses=api.answer(200, BookingItem, BOOKING))
    async def read(self, request: Request, booking_id: int) -> BookingItem:
        """One booking: the member's own, or one of the desk's centres' (another centre's:
        403); another member's is not there (404)."""
        return _booking(await reservations.booking_view(
            booking_id, **reservations.whose(current_user(request))))

    @post("/{booking_id:int}/cancel", operation_id="cancelBooking", status_code=200,
          responses={**api.refusals(422), **api.answer(200, BookingItem, {
              **BOOKING, "status": "cancelled"}, "Cancelled")})
    async def cancel(self, request: Request, booking_id: int) -> BookingItem:
        """Cancel a booking not picked up yet (as on the page): 422 when it is not reserved
        (already cancelled, out, returned)."""
        user = current_user(request)
        await reservations.cancel(booking_id, **reservations.whose(user), actor_id=user.id,
                                  now=web.now(request), today=web.today(request))
        return _booking(await reservations.booking_view(booking_id,
                                                        **reservations.whose(user)))

    @post("/{booking_id:int}/renew", operation_id="renewBooking", status_code=200,
          responses={**api.refusals(409, 422), **api.answer(200, RenewalOut, RENEWAL,
                                                              "Renewed")})
    async def renew(self, request: Request, booking_id: int, data: Annotated[RenewIn, Body(
            examples=[Example(summary="two more days", value={"ends_on": "2026-12-14"})])],
    ) -> RenewalOut:
        """Keep a tool that is out longer (as on the page): the new return day and what the
        added days cost, charged to the member's account; 409 when another booking needs the
        unit then."""
        receipt = await desk.renew_as(current_user(request), booking_id, data.ends_on,
                                      today=web.today(request), now=web.now(request),
                                      override_reason=data.override_reason)
        done = await desk.receipt_summary(receipt)
        return RenewalOut(booking_id=booking_id, ends_on=data.ends_on, receipt_id=receipt,
                          cost_tetri=done["total"], balance_tetri=done["balance"],
                          cost=api.money(done["total"]), balance=api.money(done["balance"]))


class WaitlistApi(ApiController):
    path = "/api/v1/waitlist"
    opt = {"access": "member"}
    tags = ["bookings"]

    @get("/", operation_id="listWaitlist", responses=api.answer(200, list[WaitlistItem], [
        ENTRY]))
    async def mine(self, request: Request) -> list[WaitlistItem]:
        """The asker's places on waitlists still open: waiting, or offered until a time."""
        return [_entry(row) for row in await reservations.waitlist_entries(
            current_user(request).id)]

    @post("/", operation_id="joinWaitlist", status_code=201,
          operation_class=api.linked(201, TO_THE_ENTRY), responses={
        **api.refusals(404, 422), **api.answer(201, WaitlistItem, {
            **ENTRY, "status": "waiting", "offer_expires_at": None}, "On the waitlist")})
    async def join(self, request: Request, data: Annotated[WaitlistIn, Body(examples=[
            Example(summary="wait for a drill", value={
                "tool_type_id": 7, "centre_id": 1, "starts_on": "2026-12-10",
                "ends_on": "2026-12-12"})])]) -> Response[WaitlistItem]:
        """Wait for a unit of a tool type at a centre for these days (the same rules as the
        booking page's waitlist); when one frees up, it is offered to you."""
        user = current_user(request)
        entry = await reservations.join_waitlist(
            member_id=user.id, tool_type_id=data.tool_type_id, centre_id=data.centre_id,
            starts_on=data.starts_on, ends_on=data.ends_on, today=web.today(request),
            now=web.now(request))
        return Response(_entry((await reservations.waitlist_entries(user.id, entry))[0]),
                        status_code=201)

    @delete("/{entry_id:int}", operation_id="leaveWaitlist", status_code=200, responses={
        **api.refusals(422), **api.answer(200, WaitlistItem, {
            **ENTRY, "status": "cancelled"}, "Left")})
    async def leave(self, request: Request, entry_id: int) -> WaitlistItem:
        """Leave a waitlist (an offer held for you goes to the next in line); 422 when you
        are no longer on it."""
        user = current_user(request)
        await reservations.leave_waitlist(entry_id, member_id=user.id, now=web.now(request),
                                          today=web.today(request))
        return _entry((await reservations.waitlist_entries(user.id, entry_id))[0])

    @post("/{entry_id:int}/accept", operation_id="acceptWaitlistOffer", status_code=201,
          operation_class=api.linked(201, TO_THE_BOOKING), responses={
              **api.refusals(409, 422), **api.answer(201, BookingItem, BOOKING, "Booked")})
    async def accept(self, request: Request, entry_id: int) -> Response[BookingItem]:
        """Take the unit an offer holds for you: it becomes a booking for the entry's days,
        by the booking rules; 422 when there is no open offer."""
        user = current_user(request)
        booking = await reservations.accept_offer(entry_id, member_id=user.id,
                                                  today=web.today(request), now=web.now(request))
        return Response(_booking(await reservations.booking_view(  # theirs, wherever it is
            booking["id"], member_id=user.id, centre_ids=None)), status_code=201)


CONTROLLERS = [BookingsApi, WaitlistApi]
