"""Booking pages and the booking API: parse, call one service, answer. A refused booking
draws its page again (the `on_error` renderers below); the API's refusals are its error body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter
from litestar.response import Template

from bookings.lending import reservations, rules
from bookings.lending.calendar_rules import read_choice
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.responses import redirect, refusal_page
from rental.kernel.values import FIRST_DAY, LAST_DAY, MAX_INT, calendar_day, whole_number
from rental.kernel.web import Id, current_user, days_in_window


def _month(value: str, today: date) -> date:
    """The month a calendar shows (2026-11); this month when the text is not one."""
    return calendar_day(f"{value}-01") or today.replace(day=1)


def _booking_template(page: dict[str, Any], error: DomainError | None = None) -> Template:
    return Template("bookings/book.html", status_code=error.status if error else 200, context={
        **page, "errors": error.errors if error else {},
        "waitlist": error is not None and error.kind == "conflict"})


async def booking_refused(request: Request, error: DomainError) -> Response:
    """The booking page again with the refusal next to its fields and the days as chosen, the
    waitlist offered when nothing is free; a tool, centre or member that does not exist, or a
    centre the desk does not work for, is an error page."""
    if error.kind == "not_found" or isinstance(error, reservations.NotYourCentre):
        return refusal_page(request, error)
    form = await request.form()
    choice = read_choice(form.get("starts_on"), form.get("ends_on"))
    page = await reservations.booking_page(
        request.path_params["tool_type_id"], whole_number(form.get("centre")) or 0,
        current_user(request), member_id=whole_number(form.get("member")),
        month=(choice.starts or web.today(request)).replace(day=1), choice=choice,
        today=web.today(request), pickup_id=whole_number(form.get("pickup")))
    return _booking_template(page, error)


class BookingPages(Controller):
    """Tap a pick-up and a return day on a month calendar (links: `?from=...&to=...`), see
    the fee, book with one submit; join the waitlist when nothing is free."""

    path = "/tool-types/{tool_type_id:int}"

    @get("/book", opt={"access": "public"})
    async def page(
        self, request: Request, tool_type_id: int,
        centre: int = Parameter(default=0, ge=0, le=MAX_INT),
        month: str = Parameter(default="", max_length=7),
        starts: str = Parameter(query="from", default="", max_length=10),
        ends: str = Parameter(query="to", default="", max_length=10),
        member: int = Parameter(default=0, ge=0, le=MAX_INT),
        pickup: int = Parameter(default=0, ge=0, le=MAX_INT),
    ) -> Template:
        choice = read_choice(starts, ends)
        return _booking_template(await reservations.booking_page(
            tool_type_id, centre, current_user(request), member_id=member or None,
            month=_month(month, choice.starts or web.today(request)), choice=choice,
            today=web.today(request), pickup_id=pickup or None))

    @post("/book", opt={"access": "member", "on_error": booking_refused})
    async def book(self, request: Request, tool_type_id: int) -> Response[Any]:
        form = await request.form()
        user = current_user(request)
        booking = await reservations.book_from_form(
            user, tool_type_id, centre_id=whole_number(form.get("centre")) or 0,
            member_id=whole_number(form.get("member")),
            starts_on=calendar_day(form.get("starts_on")),
            ends_on=calendar_day(form.get("ends_on")),
            today=web.today(request), now=web.now(request),
            pickup_id=whole_number(form.get("pickup")))
        target = f"/members/{booking['member']}" if user.is_staff else "/me/bookings"
        return redirect(request, f"{target}#booking-{booking['id']}", N_(
            "Booked. Come to the desk on the pick-up day.") if booking["transfer"] is None
            else N_("Booked. The unit is sent to the centre you chose: come to its desk on "
                    "the pick-up day."))

    @post("/waitlist", opt={"access": "member", "on_error": booking_refused})
    async def waitlist(self, request: Request, tool_type_id: int) -> Response[Any]:
        form = await request.form()
        await reservations.join_waitlist(
            member_id=current_user(request).id, tool_type_id=tool_type_id,
            centre_id=whole_number(form.get("centre")) or 0,
            starts_on=calendar_day(form.get("starts_on")),
            ends_on=calendar_day(form.get("ends_on")),
            today=web.today(request), now=web.now(request))
        return redirect(request, "/me/bookings", N_(
            "You are on the waitlist. When a unit frees up, it is offered to you here."))


class MyBookings(Controller):
    """The member's own page, the one the menu's "My page" opens: their card number (large
    and as a QR code), what they owe, loans, bookings, waitlist, sessions, certificates and
    details. Composed here, above rental, because it shows the bookings; /me/bookings, where
    booking leads, is the same page. The rest of /me (edit, password, data) is rental's."""

    path = "/me"
    opt = {"access": "member"}

    @get(["/", "/bookings"])
    async def page(self, request: Request) -> Template:
        return Template("bookings/my_bookings.html", context=await reservations.my_bookings_page(
            current_user(request).id, web.today(request)))


def _bookings_list(user: CurrentUser) -> str:
    """Where a booking was cancelled from: the desk's day, or the member's own page."""
    return "/desk" if user.is_staff else "/me"


async def cancel_refused(request: Request, error: DomainError) -> Response:
    """Back to the list the booking is on, with why it cannot be cancelled."""
    if error.kind != "invalid":
        return refusal_page(request, error)
    return redirect(request, _bookings_list(current_user(request)), error.first, level="error")


class CancelBooking(Controller):
    """Asked first (GET: what would be cancelled, "yes" and "keep it"), then done (POST)."""

    opt = {"access": "member"}

    @get("/bookings/{booking_id:int}/cancel")
    async def confirm(self, request: Request, booking_id: int) -> Template:
        user = current_user(request)
        page = await reservations.cancel_page(
            booking_id, member_id=None if user.is_staff else user.id,
            centre_ids=user.centre_ids if user.is_staff and not user.all_centres else None)
        return Template("bookings/cancel_booking.html",
                        context={**page, "back": _bookings_list(user)})

    @post("/bookings/{booking_id:int}/cancel", opt={"on_error": cancel_refused})
    async def cancel(self, request: Request, booking_id: int) -> Response[Any]:
        user = current_user(request)
        await reservations.cancel(
            booking_id, member_id=None if user.is_staff else user.id,
            centre_ids=user.centre_ids if user.is_staff and not user.all_centres else None,
            actor_id=user.id, now=web.now(request), today=web.today(request))
        return redirect(request, _bookings_list(user), N_("The booking is cancelled."))


class DeskDay(Controller):
    opt = {"access": "staff"}

    @get("/desk")
    async def page(self, request: Request,
                   whole: str = Parameter(query="all", default="", max_length=20)) -> Template:
        return Template("bookings/desk.html", context=await reservations.desk_page(
            current_user(request), web.today(request), rules.whole_list(whole)))


async def policy_refused(request: Request, error: DomainError) -> Response:
    """The lending rules again, the refusal next to the fields of the centre's form."""
    if error.kind == "not_found":
        return refusal_page(request, error)
    return Template("bookings/policy.html", status_code=error.status, context={
        **await reservations.policy_page(),
        "errors": {request.path_params["centre_id"]: error.errors}})


class BookingPolicyPage(Controller):
    """Coordinators set, per centre, how far ahead members may book, the no-show grace and
    how long a waitlist offer is held."""

    path = "/booking-policy"
    opt = {"access": "coordinator"}

    @get("/")
    async def page(self) -> Template:
        return Template("bookings/policy.html",
                        context={**await reservations.policy_page(), "errors": {}})

    @post("/{centre_id:int}", opt={"on_error": policy_refused})
    async def save(self, request: Request, centre_id: int) -> Response[Any]:
        values = reservations.policy_values(await request.form())
        await reservations.set_policy(centre_id, values, actor_id=current_user(request).id,
                                      now=web.now(request))
        return redirect(request, "/booking-policy", N_("The lending rules are saved."))


# --- the JSON API ---------------------------------------------------------------------------


@dataclass
class BookingIn:
    tool_type_id: Id
    centre_id: Id
    starts_on: date
    ends_on: date
    member_id: Id | None = None
    # picked up at another centre than `centre_id` (where the unit is): a transfer request
    # brings the unit there by `starts_on`, at least two days ahead
    pickup_centre_id: Id | None = None

    def __post_init__(self) -> None:
        days_in_window(self.starts_on, self.ends_on)


@dataclass
class BookingOut:
    id: int
    member_id: int
    tool_type_id: int
    unit_id: int
    centre_id: int
    starts_on: date
    ends_on: date
    status: str
    transfer_id: int | None = None  # the request bringing the unit to `centre_id`


@dataclass
class DayOut:
    day: date
    free: int


def _period(starts: date, ends: date) -> tuple[date, date]:
    """The days availability is asked for: up to three months, the end after the start."""
    if ends < starts or (ends - starts).days > 92:
        raise DomainError("invalid", {"to": N_(
            "Choose up to three months, the end after the start.")})
    if not FIRST_DAY <= starts <= ends <= LAST_DAY:
        raise DomainError("invalid", {"from": (N_(
            "Choose a date between %(first)s and %(last)s."), {
            "first": i18n.format_date(FIRST_DAY), "last": i18n.format_date(LAST_DAY)})})
    return starts, ends


BOOKING_EXAMPLE = {"tool_type_id": 7, "centre_id": 1, "starts_on": "2026-12-10",
                   "ends_on": "2026-12-12"}


class BookingApi(ApiController):
    path = "/api/v1"
    tags = ["bookings"]

    @get("/tool-types/{tool_type_id:int}/availability", opt={"access": "public"},
         responses={**api.refusals(422), **api.answer(200, list[DayOut], [
             {"day": "2026-12-10", "free": 2}, {"day": "2026-12-11", "free": 0}])})
    async def availability(
        self, request: Request, tool_type_id: int,
        centre: Annotated[int, Parameter(ge=1, le=MAX_INT, description="the centre's id")],
        from_day: Annotated[date, Parameter(query="from", description="the first day")],
        to_day: Annotated[date, Parameter(query="to", description="the last day")],
    ) -> list[DayOut]:
        """Free units per day of a tool type at a centre (at most 92 days); 404 when the tool
        type or the centre is unknown."""
        starts, ends = _period(from_day, to_day)
        free = await reservations.free_between(tool_type_id, centre, starts, ends,
                                               web.today(request))
        if free is None:
            raise DomainError("not_found", {"form": N_("There is no such tool or centre.")})
        return [DayOut(day, count) for day, count in sorted(free.items())]

    @post("/bookings", opt={"access": "member"}, status_code=201,
          operation_class=api.linked(201, {  # operations of bookings/lending/booking_api.py
              "read": api.link_to("getBooking", "booking_id", "Read the booking."),
              "cancel": api.link_to("cancelBooking", "booking_id", "Cancel the booking.")}),
          responses={**api.refusals(404, 409, 422), **api.answer(201, BookingOut, {
              "id": 311, "member_id": 42, "unit_id": 19, "status": "booked", **BOOKING_EXAMPLE},
              "Booked")})
    async def create(self, request: Request, data: Annotated[BookingIn, Body(examples=[
            Example(summary="a member books", value=BOOKING_EXAMPLE),
            Example(summary="the desk books for a member",
                    value={**BOOKING_EXAMPLE, "member_id": 42})])]) -> Response[BookingOut]:
        """Book a unit of a tool type (the desk: for `member_id`); 409 when the period is no
        longer free."""
        booking = await reservations.book_by_api(
            current_user(request), member_id=data.member_id, tool_type_id=data.tool_type_id,
            centre_id=data.centre_id, starts_on=data.starts_on, ends_on=data.ends_on,
            today=web.today(request), now=web.now(request), pickup_id=data.pickup_centre_id)
        return Response(BookingOut(
            id=booking["id"], member_id=booking["member"], tool_type_id=booking["tool_type"],
            unit_id=booking["unit"], centre_id=booking["centre"],
            starts_on=booking["starts_on"], ends_on=booking["ends_on"],
            status=booking["status"], transfer_id=booking["transfer"]), status_code=201)


CONTROLLERS = [BookingPages, MyBookings, CancelBooking, DeskDay, BookingPolicyPage, BookingApi]
