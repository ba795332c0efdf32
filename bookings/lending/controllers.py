"""Booking pages and the booking API: parse, call one service, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Template

from bookings.lending import reservations
from bookings.lending.reservations import BookingError
from bookings.lending.rules import month_grid, shift_month
from bookings.sessions.services import member_record
from rental import ledger
from rental.kernel import i18n, web
from rental.kernel.errors import STATUS_OF
from rental.kernel.i18n import N_
from rental.kernel.responses import api_refusal, redirect
from rental.kernel.values import (
    MAX_INT,
    BadValue,
    calendar_day,
    money_input,
    parse_money,
    whole_number,
)
from rental.kernel.web import Id, current_user, days_in_window


def _month(value: str, today: date) -> date:
    """The month a calendar shows (2026-11); this month when the text is not one."""
    return calendar_day(f"{value}-01") or today.replace(day=1)


class BookingPages(Controller):
    """Choose dates on a month calendar, see the fee, book; cancel; join the waitlist."""

    path = "/tool-types/{tool_type_id:int}"

    async def _page(self, request: Request, tool_type_id: int, centre: int | None,
                    month: date, starts: date | None, ends: date | None, member: int | None,
                    errors: dict[str, Any] | None = None, status: int = 200,
                    waitlist: bool = False) -> Template:
        user = current_user(request)
        today = web.today(request)
        for_member = member if member and user and user.is_staff else (
            user.id if user and not user.is_staff else None)
        try:
            offer, free = await reservations.month_view(
                tool_type_id, centre or 0, for_member, month, today)
        except BookingError:
            raise NotFoundException() from None
        quote = reservations.quote(offer, starts, ends) if starts and ends and ends >= starts \
            else None
        return Template("bookings/book.html", status_code=status, context={
            "offer": offer, "free": free, "weeks": month_grid(month), "month": month,
            "previous": shift_month(month, -1), "next": shift_month(month, 1),
            "today": today, "starts": starts, "ends": ends, "quote": quote,
            "member": member if user and user.is_staff else None,
            "errors": errors or {}, "waitlist": waitlist,
        })

    @get("/book", opt={"access": "public"})
    async def page(
        self, request: Request, tool_type_id: int,
        centre: int = Parameter(default=0, ge=0, le=MAX_INT),
        month: str = Parameter(default="", max_length=7),
        starts: str = Parameter(query="from", default="", max_length=10),
        ends: str = Parameter(query="to", default="", max_length=10),
        member: int = Parameter(default=0, ge=0, le=MAX_INT),
    ) -> Template:
        first = calendar_day(starts)
        return await self._page(request, tool_type_id, centre,
                                _month(month, first or web.today(request)), first,
                                calendar_day(ends), member or None)

    @post("/book", opt={"access": "member"})
    async def book(self, request: Request, tool_type_id: int) -> Response[Any]:
        form = await request.form()
        user = current_user(request)
        centre = whole_number(form.get("centre")) or 0
        starts, ends = calendar_day(form.get("starts_on")), calendar_day(form.get("ends_on"))
        member = whole_number(form.get("member")) if user.is_staff else user.id
        errors: dict[str, Any] = {}
        if starts is None:
            errors["starts_on"] = N_("Choose the pick-up day.")
        if ends is None:
            errors["ends_on"] = N_("Choose the return day.")
        if user.is_staff and not member:
            errors["form"] = N_("Find the member first, then book from their card.")
        if user.is_staff and centre and not user.can_act_for(centre):
            raise PermissionDeniedException()
        status = 422
        if not errors:
            try:
                booking = await reservations.book(
                    member_id=member, tool_type_id=tool_type_id, centre_id=centre,
                    starts_on=starts, ends_on=ends, actor_id=user.id,
                    today=web.today(request), now=web.now(request))
            except BookingError as error:
                errors, status = error.errors, STATUS_OF[error.kind]
            else:
                target = f"/members/{member}" if user.is_staff else "/me/bookings"
                return redirect(request, target + f"#booking-{booking['id']}",
                                 N_("Booked. Come to the desk on the pick-up day."))
        return await self._page(request, tool_type_id, centre,
                                (starts or web.today(request)).replace(day=1), starts, ends,
                                member if user.is_staff else None, errors, status,
                                waitlist=status == 409)

    @post("/waitlist", opt={"access": "member"})
    async def waitlist(self, request: Request, tool_type_id: int) -> Response[Any]:
        form = await request.form()
        user = current_user(request)
        centre = whole_number(form.get("centre")) or 0
        starts, ends = calendar_day(form.get("starts_on")), calendar_day(form.get("ends_on"))
        errors: dict[str, Any] = {}
        status = 422
        if starts is None or ends is None:
            errors["form"] = N_("Choose the pick-up and return days.")
        else:
            try:
                await reservations.join_waitlist(
                    member_id=user.id, tool_type_id=tool_type_id, centre_id=centre,
                    starts_on=starts, ends_on=ends, today=web.today(request), now=web.now(request))
            except BookingError as error:
                errors, status = error.errors, STATUS_OF[error.kind]
            else:
                return redirect(request, "/me/bookings", N_(
                    "You are on the waitlist. When a unit frees up, it is offered to you here."))
        return await self._page(request, tool_type_id, centre,
                                (starts or web.today(request)).replace(day=1), starts, ends, None,
                                errors, status)


class MyBookings(Controller):
    path = "/me/bookings"
    opt = {"access": "member"}

    @get("/")
    async def page(self, request: Request) -> Template:
        user = current_user(request)
        mine = await reservations.member_bookings(user.id, web.today(request))
        return Template("bookings/my_bookings.html", context={
            **mine, **await member_record(user.id, web.today(request)), "today": web.today(request),
            "balance": await ledger.balance(user.id)})


class CancelBooking(Controller):
    opt = {"access": "member"}

    @post("/bookings/{booking_id:int}/cancel")
    async def cancel(self, request: Request, booking_id: int) -> Response[Any]:
        user = current_user(request)
        back = "/desk" if user.is_staff else "/me/bookings"
        try:
            await reservations.cancel(
                booking_id, member_id=None if user.is_staff else user.id,
                centre_ids=user.centre_ids if user.is_staff and not user.all_centres else None,
                actor_id=user.id, now=web.now(request), today=web.today(request))
        except BookingError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            if error.kind == "forbidden":
                raise PermissionDeniedException() from None
            return redirect(request, back, error.errors["form"], level="error")
        return redirect(request, back, N_("The booking is cancelled."))


class DeskDay(Controller):
    opt = {"access": "staff"}

    @get("/desk")
    async def page(self, request: Request) -> Template:
        user = current_user(request)
        today = web.today(request)
        centre_ids = None if user.all_centres else sorted(user.centre_ids)
        day = await reservations.desk_days(centre_ids, today)
        centres = [c for c in await reservations.policies()
                   if centre_ids is None or c["id"] in centre_ids]
        return Template("bookings/desk.html", context={**day, "today": today,
                                                       "centres": centres})


class BookingPolicyPage(Controller):
    """Coordinators set, per centre, how far ahead members may book, the no-show grace and
    how long a waitlist offer is held."""

    path = "/booking-policy"
    opt = {"access": "coordinator"}

    async def _page(self, errors: dict[int, dict[str, Any]] | None = None) -> Template:
        return Template("bookings/policy.html", context={
            "centres": await reservations.policies(), "errors": errors or {},
            "limits": {**reservations.POLICY_LIMITS, **ledger.FEE_POLICY_LIMITS}},
            status_code=422 if errors else 200)

    @get("/")
    async def page(self) -> Template:
        return await self._page()

    @post("/{centre_id:int}")
    async def save(self, request: Request, centre_id: int) -> Response[Any]:
        form = await request.form()
        values: dict[str, int] = {}
        errors: dict[str, Any] = {}
        for name, (low, high) in {**reservations.POLICY_LIMITS,
                                  **ledger.FEE_POLICY_LIMITS}.items():
            if name in ledger.MONEY_FIELDS:
                try:
                    number = parse_money(str(form.get(name) or ""))
                except BadValue as bad:
                    errors[name] = bad.message
                    continue
            else:
                number = whole_number(form.get(name))
            if number is None or not low <= number <= high:
                errors[name] = (N_("Enter a number from %(low)s to %(high)s."), {
                    "low": money_input(low) if name in ledger.MONEY_FIELDS else low,
                    "high": money_input(high) if name in ledger.MONEY_FIELDS else high})
            else:
                values[name] = number
        if errors:
            return await self._page({centre_id: errors})
        try:
            await reservations.set_policy(centre_id, values, actor_id=current_user(request).id,
                                          now=web.now(request))
        except BookingError:
            raise NotFoundException() from None
        return redirect(request, "/booking-policy", N_("The lending rules are saved."))


# --- the JSON API ---------------------------------------------------------------------------


@dataclass
class BookingIn:
    tool_type_id: Id
    centre_id: Id
    starts_on: date
    ends_on: date
    member_id: Id | None = None

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


@dataclass
class DayOut:
    day: date
    free: int


class BookingApi(Controller):
    path = "/api/v1"

    @get("/tool-types/{tool_type_id:int}/availability", opt={"access": "public"})
    async def availability(
        self, request: Request, tool_type_id: int,
        centre: Annotated[int, Parameter(ge=1, le=MAX_INT)],
        from_day: Annotated[str, Parameter(query="from", max_length=10)],
        to_day: Annotated[str, Parameter(query="to", max_length=10)],
    ) -> Response[list[DayOut]]:
        """Free units per day of a tool type at a centre (at most 92 days)."""
        starts, ends = calendar_day(from_day), calendar_day(to_day)
        if starts is None or ends is None:
            return Response({"status": 422, "detail": i18n.gettext(
                "Enter the dates as YYYY-MM-DD.")}, status_code=422)
        if ends < starts or (ends - starts).days > 92:
            return Response({"status": 422, "detail": i18n.gettext(
                "Choose up to three months, the end after the start.")}, status_code=422)
        free = await reservations.free_between(tool_type_id, centre, starts, ends,
                                               web.today(request))
        if free is None:
            return Response({"status": 404, "detail": i18n.gettext(
                "There is no such tool or centre.")}, status_code=404)
        return Response([DayOut(day, count) for day, count in sorted(free.items())])

    @post("/bookings", opt={"access": "member"}, status_code=201)
    async def create(self, request: Request, data: BookingIn) -> Response[BookingOut]:
        """Book a unit of a tool type; 409 when the period is no longer free."""
        user = current_user(request)
        member = data.member_id if user.is_staff and data.member_id else user.id
        if user.is_staff and not data.member_id:
            return api_refusal(422, {"member_id": N_("Name the member you book for.")})
        if user.is_staff and not user.can_act_for(data.centre_id):
            return api_refusal(403, {"form": N_("You do not have access to this page.")})
        if not user.is_staff and data.member_id not in (None, user.id):
            return api_refusal(403, {"form": N_("You do not have access to this page.")})
        try:
            booking = await reservations.book(
                member_id=member, tool_type_id=data.tool_type_id, centre_id=data.centre_id,
                starts_on=data.starts_on, ends_on=data.ends_on, actor_id=user.id,
                today=web.today(request), now=web.now(request))
        except BookingError as error:
            return api_refusal(STATUS_OF[error.kind], error.errors)
        return Response(BookingOut(
            id=booking["id"], member_id=booking["member"], tool_type_id=booking["tool_type"],
            unit_id=booking["unit"], centre_id=booking["centre"],
            starts_on=booking["starts_on"], ends_on=booking["ends_on"],
            status=booking["status"]), status_code=201)


CONTROLLERS = [BookingPages, MyBookings, CancelBooking, DeskDay, BookingPolicyPage, BookingApi]
