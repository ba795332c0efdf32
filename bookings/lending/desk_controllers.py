"""The front desk pages and the desk API: parse the form, call one service, answer.

One page per centre (`/desk/{centre}`): find the member, scan units into the basket (each line
with its own return day), check out; scan returned units into the return list, say how each
came back, and finish on one receipt. The server keeps the basket and the return list per staff
member and centre, so a reload or another page never loses them; the basket form still carries
the tags it was drawn with, so a basket changed in another window is not lent unseen. A refused
check-out, return day, check-in or payment draws the desk again with the messages by their
fields; a refused renewal, reversal or lost unit is a message on the page the form was on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.spec import Example, Link
from litestar.params import Body, Parameter
from litestar.response import Template
from msgspec import Meta

from bookings.lending import desk, rules
from inventory import media
from rental import ledger
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController, Money
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.responses import go, refusal_page
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
from rental.member_rules import card_number

CHECK_IN_UPLOAD: dict[str, Any] = {"request_max_body_size": media.PHOTO.max_bytes + 64 * 1024}


# --- reading the forms ------------------------------------------------------------------------


def _refuse(errors: dict[str, Any]) -> None:
    """Every field's message at once."""
    if errors:
        raise DomainError("invalid", errors)


def _amount(form: Any, name: str, errors: dict[str, Any], key: str = "") -> int:
    """An amount typed in GEL, in tetri (0 when empty); a typo's message goes under `key`."""
    try:
        return parse_money(form_text(form, name, 20), required=False) or 0
    except BadValue as bad:
        errors[key or name] = bad.message
        return 0


def _payment(form: Any, prefix: str = "") -> dict[str, Any]:
    """The payment fields (named with `prefix`); messages name them without it. At check-out,
    also the choice to leave the rest owing and why."""
    errors: dict[str, Any] = {}
    method = form_text(form, prefix + "method", 10)
    if method not in desk.PAY_METHODS:
        errors["method"] = N_("Choose how the member pays.")
    payment = {"method": method, "amount": _amount(form, prefix + "amount", errors, "amount"),
               "reference": form_text(form, prefix + "reference", 100),
               "reason": form_text(form, prefix + "reason"),
               "leave_owing": form_text(form, prefix + "leave_owing", 10) == "yes",
               "owing_reason": form_text(form, prefix + "owing_reason")}
    _refuse(errors)
    return payment


def _replacement(form: Any) -> int | None:
    """What staff enter for a lost unit; None: its recorded cost."""
    errors: dict[str, Any] = {}
    amount = _amount(form, "replacement", errors)
    _refuse(errors)
    return amount or None


def _member(form: Any) -> int:
    """The member a basket is for: a form without one is for no page."""
    member = whole_number(form.get("member"))
    if not member:
        raise NotFoundException()
    return member


def _listed(form: Any) -> list[str]:
    """The tags in the basket."""
    return [t for t in form.getall("tag", []) if isinstance(t, str)] if hasattr(
        form, "getall") else []


# What the payment fields hold for one basket: drawn again only while what is due stays the same.
PAYMENT_FIELDS = ("amount", "leave_owing", "owing_reason")


def _basket_values(form: Any, view: dict[str, Any]) -> dict[str, Any]:
    """The basket form drawn again after a scan: the scan field empty for the next label (a
    refused tag is named in its message), and the amount what is due now unless the basket
    still comes to what the form was showing (`shown_due`)."""
    values = {**form_values(form), "scan": ""}
    basket = view["basket"]
    if basket is None or whole_number(form.get("shown_due")) != basket.due:
        values = {k: v for k, v in values.items() if k not in PAYMENT_FIELDS}
    return values


def _line_days(form: Any) -> dict[str, str]:
    """The return days typed on the basket's lines (fields "ends_on.<tag>"), by tag."""
    return {key[8:48]: form_text(form, key, 20) for key in form if key.startswith("ends_on.")}


def _nth(values: list[Any], index: int) -> str:
    value = values[index] if index < len(values) else ""
    return value.strip() if isinstance(value, str) else ""


def _missing_parts(form: Any, loan: int) -> dict[int, int]:
    """A line's parts checklist ("part.<loan>": the parts drawn; "back.<loan>.<part>" ticked:
    all back; else "missing.<loan>.<part>" of them missing, or all that went out,
    "out.<loan>.<part>"), by part id. The service checks the counts against the unit's list."""
    every = form.getall if hasattr(form, "getall") else (lambda name, default: default)
    missing = {}
    for part in {whole_number(value) for value in every(f"part.{loan}", [])}:
        if not part or form_text(form, f"back.{loan}.{part}", 10) == "yes":
            continue
        typed = whole_number(form_text(form, f"missing.{loan}.{part}", 12))
        count = typed if typed is not None else whole_number(
            form_text(form, f"out.{loan}.{part}", 12))
        missing[part] = count if count is not None else 0
    return missing


def _return_fields(form: Any) -> dict[int, dict[str, Any]]:
    """How the return list's lines were filled in, by loan id (each line's fields in order,
    its parts checklist and the waiver's reason by the loan's id)."""
    every = form.getall if hasattr(form, "getall") else (lambda name, default: default)
    lines: dict[int, dict[str, Any]] = {}
    for n, loan in enumerate(every("line", [])):
        if whole_number(loan):
            loan_id = whole_number(loan)
            lines[loan_id] = {name: _nth(every(name, []), n) for name in (
                "condition", "notes", "damage_charge")}
            lines[loan_id]["missing"] = _missing_parts(form, loan_id)
            lines[loan_id]["waive"] = form_text(form, f"waive.{loan_id}", 500)
    return lines


async def _returns(form: Any) -> tuple[dict[int, desk.Returned], list[media.Pending | None]]:
    """How each unit on the return list came back, and the photos of the damage."""
    errors: dict[str, Any] = {}
    returned, photos = {}, []
    for loan, said in _return_fields(form).items():
        damage = _amount(said, "damage_charge", errors, f"damage_charge.{loan}")
        try:
            photo = await media.read_upload(form.get(f"photo.{loan}"), media.PHOTO)
        except BadValue as bad:
            errors[f"photo.{loan}"], photo = bad.message, None
        photos.append(photo)
        returned[loan] = desk.Returned(said["condition"], said["notes"][:2000], damage,
                                       photo.name if photo else "", said["missing"],
                                       said["waive"])
    _refuse(errors)
    return returned, photos


# --- drawing the desk -------------------------------------------------------------------------

# The desk page's blocks an htmx request may draw alone: the service reads only what it shows.
DESK_BLOCKS = {"desk_member", "basket", "check_in", "desk_days"}


def _block(request: Request) -> str | None:
    return fragment_block(request.headers, DESK_BLOCKS)


def _found(view: dict[str, Any] | None) -> dict[str, Any]:
    if view is None:
        raise NotFoundException()
    return view


async def _desk_view(request: Request, centre_id: int, **asked: Any) -> dict[str, Any]:
    return _found(await desk.desk_page(centre_id, user=current_user(request),
                                       today=web.today(request),
                                       block=_block(request), **asked))


def _desk_template(view: dict[str, Any], values: dict[str, Any],
                   status: int | None = None) -> Template:
    """The desk, or the block htmx asked for; a refused scan or tag answers 422."""
    return Template("bookings/desk_centre.html",
                    status_code=status or (422 if view["refused"] else 200),
                    context={**view, "values": values, "card_number": card_number})


async def _check_out_again(request: Request, error: DomainError) -> Response[Any]:
    """The basket again, with why it was not lent (return days as typed); the same drawing for
    a return day refused when the basket changes."""
    form = await request.form()
    view = await _desk_view(request, request.path_params["centre_id"], member_id=_member(form),
                            days=_line_days(form), errors=error.errors)
    return _desk_template(view, {**form_values(form), "scan": ""}, error.status)


async def _check_in_again(request: Request, error: DomainError) -> Response[Any]:
    """The return list again, as it was filled in, with why it was not taken back."""
    form = await request.form()
    view = await _desk_view(request, request.path_params["centre_id"], errors=error.errors,
                            focus="tag")
    return _desk_template(view, {"returned": _return_fields(form)}, error.status)


async def _payment_again(request: Request, error: DomainError) -> Response[Any]:
    form = await request.form()
    view = await _desk_view(request, request.path_params["centre_id"],
                            member_id=request.path_params["member_id"],
                            errors={f"pay_{k}": v for k, v in error.errors.items()})
    return _desk_template(view, form_values(form), error.status)


def _refused_on(request: Request, error: DomainError, path: str) -> Response[Any]:
    """A form on a list: its message on `path`; a record that is not there, or not the
    user's, is the error page."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    return go(request, path, error.first, level="error")


async def _lost_refused(request: Request, error: DomainError) -> Response[Any]:
    return _refused_on(request, error, f"/desk/{request.path_params['centre_id']}/overdue")


def _renewed_back(request: Request, form: Any) -> str:
    """Back to the page the renewal was asked on (the desk's or the member's loans)."""
    back = form_text(form, "back", 200)
    if back.startswith("/") and not back.startswith("//"):
        return back
    return "/desk" if current_user(request).is_staff else "/me/bookings"


async def _renew_refused(request: Request, error: DomainError) -> Response[Any]:
    return _refused_on(request, error, _renewed_back(request, await request.form()))


def _account_of(form: Any) -> str:
    return f"/members/{whole_number(form.get('member')) or 0}/ledger"


async def _reverse_refused(request: Request, error: DomainError) -> Response[Any]:
    return _refused_on(request, error, _account_of(await request.form()))


class DeskPages(Controller):
    path = "/desk/{centre_id:int}"
    opt = {"access": "staff", "scope": "centre"}
    guards = [web.staff_of_the_centre]

    @get("/")
    async def page(self, request: Request, centre_id: int,
                   q: str = Parameter(default="", max_length=100),
                   member: int = Parameter(default=0, ge=0, le=MAX_INT),
                   whole: str = Parameter(query="all", default="", max_length=20)) -> Template:
        """The desk; without a member asked, the one this desk's basket is for; `all`: a day's
        list to show whole ("pickups-2026-12-07")."""
        view = await _desk_view(request, centre_id, member_id=member or None, query=q,
                                whole=rules.whole_list(whole))
        return _desk_template(view, {})

    @post("/basket", opt={"on_error": _check_out_again})
    async def basket(self, request: Request, centre_id: int) -> Template:
        """Scan a unit in, take one out or all, change the lines' return days: the server's
        basket, drawn again (a refused scan answers 422 and adds nothing)."""
        form = await request.form()
        view = await desk.change_basket(
            centre_id, user=current_user(request), member_id=_member(form),
            scan=form_text(form, "scan", 40), remove=form_text(form, "remove", 40),
            clear=form_text(form, "action", 10) == "clear", days=_line_days(form),
            wanted=calendar_day(form.get("return_on")), today=web.today(request),
            now=web.now(request), block=_block(request))
        return _desk_template(_found(view), _basket_values(form, _found(view)))

    @post("/check-out", opt={"on_error": _check_out_again})
    async def check_out(self, request: Request, centre_id: int) -> Response[Any]:
        form = await request.form()
        receipt = await desk.check_out_basket(
            member_id=_member(form), centre_id=centre_id, shown=_listed(form),
            days=_line_days(form), payment=_payment(form),
            override_reason=form_text(form, "override_reason"), actor=current_user(request),
            today=web.today(request), now=web.now(request))
        return go(request, f"/receipts/{receipt}",
                  N_("Checked out. Print the receipt for the member."))

    @post("/returns", **CHECK_IN_UPLOAD)
    async def returns(self, request: Request, centre_id: int) -> Template:
        """Scan a returned unit into the return list, take one out or all (a refused scan
        answers 422, its tag named, and adds nothing); the list's fields stay as filled in."""
        form = await request.form()
        view = await desk.change_returns(
            centre_id, user=current_user(request), tag=form_text(form, "tag", 40),
            remove=whole_number(form.get("remove")) or 0,
            clear=form_text(form, "action", 10) == "clear", today=web.today(request),
            now=web.now(request), block=_block(request))
        return _desk_template(_found(view), {"returned": _return_fields(form)})

    @post("/returns/finish", opt={"on_error": _check_in_again}, **CHECK_IN_UPLOAD)
    async def finish_returns(self, request: Request, centre_id: int) -> Response[Any]:
        """Take back every unit on the return list, as filled in, on one receipt."""
        form = await request.form()
        returned, photos = await _returns(form)
        async with media.stored(request.app.state.settings.media_dir, photos):
            receipt = await desk.finish_returns(
                centre_id, returned=returned, actor=current_user(request),
                today=web.today(request), now=web.now(request))
        return go(request, f"/receipts/{receipt}", N_("Checked in."))

    @post("/members/{member_id:int}/payments", opt={"on_error": _payment_again})
    async def payment(self, request: Request, centre_id: int, member_id: int) -> Response[Any]:
        form = await request.form()
        user = current_user(request)
        receipt = await ledger.take_payment(
            member_id, centre_id, _payment(form, prefix="pay_"), may_waive=user.all_centres,
            actor_id=user.id, now=web.now(request))
        return go(request, f"/receipts/{receipt}", N_("The payment is recorded."))

    @get("/overdue")
    async def overdue(self, request: Request, centre_id: int) -> Template:
        view = await desk.overdue(centre_id, web.today(request))
        return Template("bookings/overdue.html", context={**view, "today": web.today(request)})

    @post("/loans/{loan_id:int}/lost", opt={"on_error": _lost_refused})
    async def lost(self, request: Request, centre_id: int, loan_id: int) -> Response[Any]:
        form = await request.form()
        user = current_user(request)
        receipt = await desk.declare_lost(
            loan_id, replacement=_replacement(form), centre_ids=desk.desk_centres(user),
            actor=user, today=web.today(request), now=web.now(request))
        return go(request, f"/receipts/{receipt}", N_("The unit is marked lost."))

    @get("/cash-up")
    async def cash_up(self, request: Request, centre_id: int,
                      day: str = Parameter(default="", max_length=10)) -> Template:
        view = await ledger.cash_up(centre_id, calendar_day(day) or web.today(request))
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
        view = await desk.receipt_page(receipt_id, current_user(request))
        if view is None:
            raise NotFoundException()
        language = lang if lang in i18n.LANGUAGES else view["receipt"]["member_language"]
        if language in i18n.LANGUAGES:
            i18n.current_locale.set(language)
        return Template("bookings/receipt.html", context={**view, "language": language})


class Renewals(Controller):
    opt = {"access": "member"}

    @post("/loans/{loan_id:int}/renew", opt={"on_error": _renew_refused})
    async def renew(self, request: Request, loan_id: int) -> Response[Any]:
        """A member renews their own loan; the desk renews one of its centre's. The message
        says the new return day, so it is seen with the message on top of the page."""
        form = await request.form()
        ends_on = calendar_day(form.get("ends_on"))
        await desk.renew_as(current_user(request), loan_id, ends_on,
                            today=web.today(request), now=web.now(request),
                            override_reason=form_text(form, "override_reason"))
        return go(request, _renewed_back(request, form), (N_(
            "Renewed until %(date)s. The added days are charged to the account."),
            {"date": i18n.format_date(ends_on)}))


class MemberLedger(Controller):
    """A member's account: every entry, and a coordinator's reversal of a mistake."""

    opt = {"access": "staff"}

    @get("/members/{member_id:int}/ledger")
    async def page(self, request: Request, member_id: int) -> Template:
        view = await desk.account_page(member_id, current_user(request))
        if view is None:
            raise NotFoundException()
        return Template("bookings/ledger.html", context=view)

    @post("/ledger/{entry_id:int}/reverse",
          opt={"access": "coordinator", "on_error": _reverse_refused})
    async def reverse(self, request: Request, entry_id: int) -> Response[Any]:
        form = await request.form()
        await ledger.reverse(entry_id, form_text(form, "reason"),
                             actor_id=current_user(request).id, now=web.now(request))
        return go(request, _account_of(form), N_("The entry is reversed."))


# --- the JSON API ---------------------------------------------------------------------------


@dataclass
class PaymentIn:
    method: str  # cash, card or waiver (coordinators)
    amount_tetri: Tetri  # what is due now, or less with leave_owing and its owing_reason
    reference: str = ""
    reason: str = ""
    leave_owing: bool = False
    owing_reason: str = ""


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
class MissingPartIn:
    part_id: Id  # a part on the unit's list (GET /api/v1/units/{id} does not list them yet)
    count: Annotated[int, Meta(ge=0, le=1000)] = 1  # how many did not come back


@dataclass
class CheckInIn:
    asset_tag: str
    condition: str
    notes: str = ""
    damage_charge_tetri: Tetri = 0
    # parts that did not come back: charged at their replacement cost, a ticket opened
    missing_parts: Annotated[list[MissingPartIn], Meta(max_length=100)] = field(
        default_factory=list)
    parts_waiver_reason: Annotated[str, Meta(max_length=500)] = ""  # given: the charge waived


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
    total: Money
    balance: Money  # what the member owes after this receipt
    loans: list[LoanOut] = field(default_factory=list)


CHECK_OUT_EXAMPLE = {"member_id": 42, "centre_id": 1, "asset_tags": ["SMG-0012", "SMG-0040"],
                     "return_on": "2026-12-12",
                     "payment": {"method": "cash", "amount_tetri": 6500}}
RECEIPT_EXAMPLE = {
    "receipt_id": 908, "total_tetri": 6500, "balance_tetri": 0,
    "total": {"tetri": 6500, "text": "65,00 ₾"}, "balance": {"tetri": 0, "text": "0,00 ₾"},
    "loans": [{"id": 77, "asset_tag": "SMG-0012", "member_id": 42, "starts_on": "2026-12-10",
               "ends_on": "2026-12-12", "status": "out"}]}


def _paid(payment: PaymentIn | None) -> dict[str, Any]:
    """The API's payment, as the desk form gives it; none: nothing paid (when nothing is due)."""
    payment = payment or PaymentIn(method="cash", amount_tetri=0)
    if payment.method not in desk.PAY_METHODS:
        raise DomainError("invalid", {"payment": N_("Choose how the member pays.")})
    return {"method": payment.method, "amount": payment.amount_tetri,
            "reference": payment.reference.strip()[:100], "reason": payment.reason.strip()[:500],
            "leave_owing": payment.leave_owing, "owing_reason": payment.owing_reason.strip()[:500]}


def _missing(parts: list[MissingPartIn]) -> dict[int, int]:
    """The API's missing parts, by part id (a part named twice: its counts added)."""
    missing: dict[int, int] = {}
    for part in parts:
        missing[part.part_id] = missing.get(part.part_id, 0) + part.count
    return missing


def _receipt_out(view: dict[str, Any]) -> Response[ReceiptOut]:
    member = view["receipt"]["member"]
    return Response(ReceiptOut(
        receipt_id=view["receipt"]["id"], total_tetri=view["total"],
        balance_tetri=view["balance"], total=api.money(view["total"]),
        balance=api.money(view["balance"]),
        loans=[LoanOut(id=loan["id"], asset_tag=loan["asset_tag"], member_id=member,
                       starts_on=loan["starts_on"], ends_on=loan["ends_on"],
                       status=loan["status"]) for loan in view["loans"]]), status_code=201)


# OpenAPI links from a check-out (schemathesis' stateful runs follow them): read its receipt
# (bookings/lending/loan_api.py), take its first unit back.
LENT = {
    "receipt": Link(operation_id="getReceipt",
                    parameters={"receipt_id": "$response.body#/receipt_id"},
                    description="Read the receipt."),
    "check_in": Link(operation_id="checkIn", request_body={
        "asset_tag": "$response.body#/loans/0/asset_tag", "condition": "fine"},
        description="Take the first unit back."),
}


class LoanApi(ApiController):
    path = "/api/v1/loans"
    opt = {"access": "staff"}
    tags = ["desk"]

    @post("/check-out", operation_id="checkOut", status_code=201,
          operation_class=api.linked(201, LENT), responses={
        **api.refusals(404, 409, 422), **api.answer(201, ReceiptOut, RECEIPT_EXAMPLE, "Lent")})
    async def check_out(self, request: Request, data: Annotated[CheckOutIn, Body(examples=[
            Example(summary="two drills, paid in cash", value=CHECK_OUT_EXAMPLE)])],
    ) -> Response[ReceiptOut]:
        """Lend these units to a member in one transaction, with the payment; the same rules,
        status codes and messages as the desk page."""
        receipt = await desk.check_out(
            member_id=data.member_id, centre_id=data.centre_id, tags=data.asset_tags,
            return_on=data.return_on, payment=_paid(data.payment),
            override_reason=data.override_reason, actor=current_user(request),
            today=web.today(request), now=web.now(request))
        return _receipt_out(await desk.receipt_summary(receipt))

    @post("/check-in", operation_id="checkIn", status_code=201, responses={
        **api.refusals(404, 409, 422), **api.answer(201, ReceiptOut, {
            **RECEIPT_EXAMPLE, "total": {"tetri": 0, "text": "0,00 ₾"}, "total_tetri": 0,
            "loans": []}, "Taken back")})
    async def check_in(self, request: Request, data: Annotated[CheckInIn, Body(examples=[
            Example(summary="back in good order", value={"asset_tag": "SMG-0012",
                                                         "condition": "fine"})])],
    ) -> Response[ReceiptOut]:
        """Take a unit back: late fee, damage, the deposit returned or applied. `missing_parts`
        (optional; part ids from the tool type's parts list): the parts that did not come
        back, charged at their replacement cost (a "replacement" line) unless
        `parts_waiver_reason` waives it; they open a maintenance ticket on the unit and lower
        its counts. A part not on the unit's list, or more than went out, is refused (422)."""
        user = current_user(request)
        receipt = await desk.check_in(
            tag=data.asset_tag, centre_ids=desk.desk_centres(user), condition=data.condition,
            notes=data.notes, damage_charge=data.damage_charge_tetri, photo="", actor=user,
            today=web.today(request), now=web.now(request),
            missing=_missing(data.missing_parts), waive_reason=data.parts_waiver_reason)
        return _receipt_out(await desk.receipt_summary(receipt))


CONTROLLERS = [DeskPages, Receipts, Renewals, MemberLedger, LoanApi]
