"""The front desk pages and the desk API: parse the form, call one service, render.

One page per centre (`/desk/{centre}`): find the member, scan units into the basket, check out;
scan a unit to check it in. The basket lives in the form (hidden tags), so a reload or a
second tab never loses or shares it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Template

from bookings.lending import desk, reservations
from bookings.lending.desk import DeskError
from bookings.lending.reservations import BookingError
from bookings.tables import RETURN_CONDITIONS
from inventory import media
from rental import ledger, members
from rental.kernel import i18n, web
from rental.kernel.errors import STATUS_OF
from rental.kernel.i18n import N_
from rental.kernel.responses import api_refusal, go
from rental.kernel.values import MAX_INT, BadValue, calendar_day, parse_money, whole_number
from rental.kernel.web import (
    Id,
    Tetri,
    current_user,
    days_in_window,
    form_text,
    form_values,
    fragment_block,
)
from rental.ledger import MoneyError
from rental.member_rules import card_number
from rental.tables import PAYMENT_METHODS

PAY_METHODS = (*PAYMENT_METHODS, "waiver")
CHECK_IN_UPLOAD: dict[str, Any] = {"request_max_body_size": media.PHOTO.max_bytes + 64 * 1024}


def _centre_ids(request: Request) -> frozenset[int] | None:
    user = current_user(request)
    return None if user.all_centres else user.centre_ids


def _guard(request: Request, centre_id: int) -> None:
    if not current_user(request).can_act_for(centre_id):
        raise PermissionDeniedException()


def _money(form: Any, name: str, errors: dict[str, Any], *, required: bool) -> int:
    try:
        return parse_money(form_text(form, name, 20), required=required) or 0
    except BadValue as bad:
        errors[name] = bad.message
        return 0


def _payment(form: Any, errors: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    method = form_text(form, prefix + "method", 10)
    if method not in PAY_METHODS:
        errors[prefix + "method"] = N_("Choose how the member pays.")
    return {"method": method,
            "amount": _money(form, prefix + "amount", errors, required=False),
            "reference": form_text(form, prefix + "reference", 100),
            "reason": form_text(form, prefix + "reason")}


def _tags(form: Any) -> list[str]:
    tags = [t for t in form.getall("tag", []) if isinstance(t, str)] if hasattr(
        form, "getall") else []
    remove = form_text(form, "remove", 40)
    tags = [t for t in tags if t != remove]
    scan = form_text(form, "scan", 40)
    return [*tags, scan] if scan else tags


# The desk page's fragments: none of them shows the day's pick-ups and returns.
DAY_FREE_BLOCKS = {"desk_member", "basket", "check_in"}


class DeskPages(Controller):
    path = "/desk/{centre_id:int}"
    opt = {"access": "staff", "scope": "centre"}

    async def _page(self, request: Request, centre_id: int, *, member: int | None = None,
                    query: str = "", basket: desk.Basket | None = None,
                    errors: dict[str, Any] | None = None,
                    check_in: dict[str, Any] | None = None, status: int = 200,
                    values: dict[str, Any] | None = None) -> Template:
        _guard(request, centre_id)
        today = web.today(request)
        errors = dict(errors or {})
        found: list[dict[str, Any]] = []
        if query and member is None:
            found = await desk.find_members(query)
            if len(found) == 1:
                member = found[0]["id"]
            elif not found:
                errors["q"] = N_("No member matches.")
        panel = None
        if member is not None:
            try:
                panel = await desk.member_panel(member, centre_id, today)
            except DeskError:
                raise NotFoundException() from None
            if basket is None:  # nothing scanned yet: the panel already knows the standing
                basket = desk.Basket(panel["member"], panel["standing"], [], None,
                                     hard=panel["hard"], soft=panel["soft"])
        day: dict[str, Any] = {}
        if fragment_block(request.headers, DAY_FREE_BLOCKS) is None:
            try:
                day = await reservations.desk_days([centre_id], today)
            except BookingError:
                raise NotFoundException() from None
        centre = await desk.centre(centre_id)
        if centre is None:
            raise NotFoundException()
        return Template("bookings/desk_centre.html", status_code=status, context={
            "centre": centre, "today": today, "query": query, "found": found, "panel": panel,
            "basket": basket, "errors": errors, "check_in": check_in,
            "values": values or {}, "conditions": RETURN_CONDITIONS,
            "methods": PAY_METHODS, "card_number": card_number,
            "may_waive": current_user(request).all_centres, **day,
        })

    @get("/")
    async def page(self, request: Request, centre_id: int,
                   q: str = Parameter(default="", max_length=100),
                   member: int = Parameter(default=0, ge=0, le=MAX_INT),
                   tag: str = Parameter(default="", max_length=40)) -> Template:
        check_in = errors = None
        if tag:
            try:
                check_in = await desk.loan_for_check_in(tag, _centre_ids(request),
                                                        web.today(request))
            except DeskError as error:
                errors = error.errors
        return await self._page(request, centre_id, member=member or None, query=q,
                                check_in=check_in, errors=errors,
                                values={"tag": tag} if errors else None,
                                status=422 if errors else 200)

    @post("/basket")
    async def basket(self, request: Request, centre_id: int) -> Template:
        """Add a scanned unit, or take one out: re-evaluate the whole basket (writes nothing)."""
        _guard(request, centre_id)
        form = await request.form()
        member = whole_number(form.get("member"))
        if not member:
            raise NotFoundException()
        return_on = calendar_day(form.get("return_on"))
        basket = await desk.basket_view(member, centre_id, _tags(form), return_on,
                                        web.today(request), scanned=form_text(form, "scan", 40))
        values = form_values(form)
        values.pop("scan", None)
        if "scan" in basket.errors:
            values["scan"] = form_text(form, "scan", 40)
        return await self._page(request, centre_id, member=member, basket=basket,
                                errors=basket.errors, values=values,
                                status=422 if basket.errors else 200)

    @post("/check-out")
    async def check_out(self, request: Request, centre_id: int) -> Response[Any]:
        _guard(request, centre_id)
        form = await request.form()
        member = whole_number(form.get("member"))
        if not member:
            raise NotFoundException()
        errors: dict[str, Any] = {}
        payment = _payment(form, errors)
        return_on = calendar_day(form.get("return_on"))
        tags = [t for t in form.getall("tag", []) if isinstance(t, str)]
        status = 422
        if not errors:
            try:
                receipt = await desk.check_out(
                    member_id=member, centre_id=centre_id, tags=tags, return_on=return_on,
                    payment=payment, override_reason=form_text(form, "override_reason"),
                    actor=current_user(request), today=web.today(request), now=web.now(request))
            except (DeskError, MoneyError) as error:
                errors, status = error.errors, STATUS_OF[error.kind]
            else:
                return go(request, f"/receipts/{receipt}",
                           N_("Checked out. Print the receipt for the member."))
        basket = await desk.basket_view(member, centre_id, tags, return_on, web.today(request))
        basket.errors.update(errors)
        return await self._page(request, centre_id, member=member, basket=basket,
                                errors=basket.errors, status=status, values=form_values(form))

    @post("/check-in", **CHECK_IN_UPLOAD)
    async def check_in(self, request: Request, centre_id: int) -> Response[Any]:
        _guard(request, centre_id)
        form = await request.form()
        tag = form_text(form, "tag", 40)
        errors: dict[str, Any] = {}
        condition = form_text(form, "condition", 20)
        if condition not in RETURN_CONDITIONS:
            errors["condition"] = N_("Choose the condition it came back in.")
        damage = _money(form, "damage_charge", errors, required=False)
        try:
            photo = await media.read_upload(form.get("photo"), media.PHOTO)
        except BadValue as bad:
            errors["photo"], photo = bad.message, None
        status = 422
        if not errors:
            try:
                async with media.stored(request.app.state.settings.media_dir, [photo]):
                    receipt = await desk.check_in(
                        tag=tag, centre_ids=_centre_ids(request), condition=condition,
                        notes=form_text(form, "notes", 2000), damage_charge=damage,
                        photo=photo.name if photo else "", actor=current_user(request),
                        today=web.today(request), now=web.now(request))
            except (DeskError, MoneyError) as error:
                errors, status = error.errors, STATUS_OF[error.kind]
            else:
                return go(request, f"/receipts/{receipt}", N_("Checked in."))
        check_in = None
        try:
            check_in = await desk.loan_for_check_in(tag, _centre_ids(request), web.today(request))
        except DeskError as error:
            errors.update(error.errors)
        return await self._page(request, centre_id, check_in=check_in, errors=errors,
                                status=status, values=form_values(form))

    @post("/members/{member_id:int}/payments")
    async def payment(self, request: Request, centre_id: int, member_id: int) -> Response[Any]:
        _guard(request, centre_id)
        form = await request.form()
        errors: dict[str, Any] = {}
        payment = _payment(form, errors, prefix="pay_")
        status = 422
        if not errors:
            try:
                receipt = await ledger.take_payment(
                    member_id, centre_id, payment, may_waive=current_user(request).all_centres,
                    actor_id=current_user(request).id, now=web.now(request))
            except MoneyError as error:
                if error.kind == "not_found":
                    raise NotFoundException() from None
                errors = {f"pay_{k}": v for k, v in error.errors.items()}
                status = STATUS_OF[error.kind]
            else:
                return go(request, f"/receipts/{receipt}", N_("The payment is recorded."))
        return await self._page(request, centre_id, member=member_id, errors=errors,
                                status=status, values=form_values(form))

    @get("/overdue")
    async def overdue(self, request: Request, centre_id: int) -> Template:
        _guard(request, centre_id)
        try:
            view = await desk.overdue(centre_id, web.today(request))
        except DeskError:
            raise NotFoundException() from None
        return Template("bookings/overdue.html", context={**view, "today": web.today(request)})

    @post("/loans/{loan_id:int}/lost")
    async def lost(self, request: Request, centre_id: int, loan_id: int) -> Response[Any]:
        _guard(request, centre_id)
        form = await request.form()
        errors: dict[str, Any] = {}
        replacement = _money(form, "replacement", errors, required=False) or None
        if not errors:
            try:
                receipt = await desk.declare_lost(
                    loan_id, replacement=replacement, centre_ids=_centre_ids(request),
                    actor=current_user(request), today=web.today(request), now=web.now(request))
            except DeskError as error:
                if error.kind == "not_found":
                    raise NotFoundException() from None
                if error.kind == "forbidden":
                    raise PermissionDeniedException() from None
                errors = error.errors
            else:
                return go(request, f"/receipts/{receipt}", N_("The unit is marked lost."))
        message = next(iter(errors.values()))
        return go(request, f"/desk/{centre_id}/overdue", message, level="error")

    @get("/cash-up")
    async def cash_up(self, request: Request, centre_id: int,
                      day: str = Parameter(default="", max_length=10)) -> Template:
        _guard(request, centre_id)
        chosen = calendar_day(day) or web.today(request)
        view = await ledger.cash_up(centre_id, chosen)
        if view is None:
            raise NotFoundException()
        return Template("bookings/cash_up.html", context={**view, "today": web.today(request)})


class Receipts(Controller):
    opt = {"access": "member"}

    @get("/receipts/{receipt_id:int}")
    async def show(self, request: Request, receipt_id: int,
                   lang: str = Parameter(default="", max_length=5)) -> Template:
        """The member's own receipts, or any of a centre the staff member works for; printed
        in the member's language unless asked otherwise."""
        view = await desk.receipt_view(receipt_id)
        user = current_user(request)
        if view is None:
            raise NotFoundException()
        receipt = view["receipt"]
        if not (receipt["member"] == user.id or (user.is_staff
                                                 and user.can_act_for(receipt["centre"]))):
            raise NotFoundException()
        language = lang if lang in i18n.LANGUAGES else receipt["member_language"]
        if language in i18n.LANGUAGES:
            i18n.current_locale.set(language)
        return Template("bookings/receipt.html", context={**view, "language": language})


class Renewals(Controller):
    opt = {"access": "member"}

    @post("/loans/{loan_id:int}/renew")
    async def renew(self, request: Request, loan_id: int) -> Response[Any]:
        """A member renews their own loan; the desk renews one of its centre's."""
        user = current_user(request)
        form = await request.form()
        back = form_text(form, "back", 200)
        back = back if back.startswith("/") and not back.startswith("//") else (
            "/desk" if user.is_staff else "/me/bookings")
        new_end = calendar_day(form.get("ends_on"))
        if new_end is None:
            return go(request, back, N_("Choose the new return day."), level="error")
        try:
            await desk.renew(loan_id, new_end, member_id=None if user.is_staff else user.id,
                             centre_ids=_centre_ids(request) if user.is_staff else None,
                             actor_id=user.id, today=web.today(request), now=web.now(request),
                             override_reason=form_text(form, "override_reason"))
        except DeskError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            if error.kind == "forbidden":
                raise PermissionDeniedException() from None
            return go(request, back, next(iter(error.errors.values())), level="error")
        return go(request, back, N_("Renewed. The added days are charged to the account."))


class MemberLedger(Controller):
    """A member's account: every entry, and a coordinator's reversal of a mistake."""

    opt = {"access": "staff"}

    @get("/members/{member_id:int}/ledger")
    async def page(self, request: Request, member_id: int) -> Template:
        view = await ledger.member_ledger(member_id)
        member = await members.member_row(member_id)
        if member is None:
            raise NotFoundException()
        return Template("bookings/ledger.html", context={**view, "member": member})

    @post("/ledger/{entry_id:int}/reverse", opt={"access": "coordinator"})
    async def reverse(self, request: Request, entry_id: int) -> Response[Any]:
        form = await request.form()
        back = f"/members/{whole_number(form.get('member')) or 0}/ledger"
        try:
            await ledger.reverse(entry_id, form_text(form, "reason"),
                                 actor_id=current_user(request).id, now=web.now(request))
        except MoneyError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            return go(request, back, next(iter(error.errors.values())), level="error")
        return go(request, back, N_("The entry is reversed."))


# --- the JSON API ---------------------------------------------------------------------------


@dataclass
class PaymentIn:
    method: str  # cash, card or waiver (coordinators)
    amount_tetri: Tetri
    reference: str = ""
    reason: str = ""


@dataclass
class CheckOutIn:
    member_id: Id
    centre_id: Id
    asset_tags: list[str]
    return_on: date | None = None
    payment: PaymentIn | None = None
    override_reason: str = ""

    def __post_init__(self) -> None:
        days_in_window(self.return_on)


@dataclass
class CheckInIn:
    asset_tag: str
    condition: str
    notes: str = ""
    damage_charge_tetri: Tetri = 0


@dataclass
class LoanOut:
    id: int
    asset_tag: str
    member_id: int
    starts_on: date
    ends_on: date
    status: str


@dataclass
class ReceiptOut:
    receipt_id: int
    total_tetri: int
    balance_tetri: int
    loans: list[LoanOut] = field(default_factory=list)


class LoanApi(Controller):
    path = "/api/v1/loans"
    opt = {"access": "staff"}
    tags = ["desk"]

    async def _receipt(self, receipt_id: int) -> ReceiptOut:
        view = await desk.receipt_view(receipt_id)
        member = view["receipt"]["member"]
        return ReceiptOut(
            receipt_id=receipt_id, total_tetri=view["total"],
            balance_tetri=await ledger.balance(member),
            loans=[LoanOut(id=loan["id"], asset_tag=loan["asset_tag"], member_id=member,
                           starts_on=loan["starts_on"], ends_on=loan["ends_on"],
                           status=loan["status"]) for loan in view["loans"]])

    @post("/check-out", status_code=201)
    async def check_out(self, request: Request, data: CheckOutIn) -> Response[Any]:
        """Lend these units to a member in one transaction, with the payment; the same rules,
        status codes and messages as the desk page."""
        user = current_user(request)
        if not user.can_act_for(data.centre_id):
            return api_refusal(403, {"form": N_("You do not have access to this page.")})
        payment = data.payment or PaymentIn(method="cash", amount_tetri=0)
        if payment.method not in PAY_METHODS:
            return api_refusal(422, {"payment": N_("Choose how the member pays.")})
        try:
            receipt = await desk.check_out(
                member_id=data.member_id, centre_id=data.centre_id, tags=data.asset_tags,
                return_on=data.return_on, payment={
                    "method": payment.method, "amount": payment.amount_tetri,
                    "reference": payment.reference.strip()[:100],
                    "reason": payment.reason.strip()[:500]},
                override_reason=data.override_reason, actor=user, today=web.today(request),
                now=web.now(request))
        except (DeskError, MoneyError) as error:
            return api_refusal(STATUS_OF[error.kind], error.errors)
        return Response(await self._receipt(receipt), status_code=201)

    @post("/check-in", status_code=201)
    async def check_in(self, request: Request, data: CheckInIn) -> Response[Any]:
        """Take a unit back: late fee, damage, the deposit returned or applied."""
        if data.condition not in RETURN_CONDITIONS:
            return api_refusal(422, {"condition": N_("Choose the condition it came back in.")})
        try:
            receipt = await desk.check_in(
                tag=data.asset_tag, centre_ids=_centre_ids(request), condition=data.condition,
                notes=data.notes, damage_charge=data.damage_charge_tetri, photo="",
                actor=current_user(request), today=web.today(request), now=web.now(request))
        except (DeskError, MoneyError) as error:
            return api_refusal(STATUS_OF[error.kind], error.errors)
        return Response(await self._receipt(receipt), status_code=201)


CONTROLLERS = [DeskPages, Receipts, Renewals, MemberLedger, LoanApi]
