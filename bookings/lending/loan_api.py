"""The loans and receipts API (issue 22), beside the desk's check-out and check-in
(desk_controllers.LoanApi): a receipt as its page shows it, a member's account (the ledger and
the balance; a member's own at /api/v1/me/account), a payment at the desk, and a centre's
overdue loans. Each route calls the service its page calls, so the rules, the refusals and
their messages are the pages': a receipt is for its member and the staff of its centre (anyone
else: 404, as on the page); a payment and the overdue list are for the staff of the centre
(another centre's desk: 403)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.spec import Example, Link
from litestar.params import Body

from bookings.lending import desk
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController, Money, Named, PageParam, Paging, PerPageParam, named
from rental.kernel.web import Id, Tetri, current_user

# --- what the API answers ----------------------------------------------------------------------


@dataclass
class ReceiptLoan:
    id: int
    asset_tag: str
    tool_type: Named
    status: str  # the loan's status now: out, returned, lost ...
    what: str | None  # what the receipt did to it: out, renewed, returned, lost (None: named)
    ends_on: date | None  # the return day the receipt set (out, renewed)
    condition: str | None  # how it came back (returned)


@dataclass
class ReceiptLine:
    kind: str  # fee, deposit, late_fee, damage, replacement, payment, waiver, ...
    text: str  # the line as the receipt words it, in the reader's language
    amount: Money  # always positive: the words carry the direction
    loan: int | None
    asset_tag: str  # the tool the line is for ("" when none)
    method: str  # cash or card ("" when none)
    reference: str  # the card terminal's slip
    reason: str
    funder: str  # who covers a waiver, in the reader's language
    reverses: int | None  # a correction: the entry it undoes


@dataclass
class ReceiptTotal:
    key: str  # before, credit_before, charged, waived, paid, deposit_returned, refunded, owing,
    # credit, deposit_held
    text: str
    amount: Money


@dataclass
class ReceiptDetail:
    id: int
    kind: str  # check_out, check_in, renewal, payment, reversal, lost ...
    member_id: int
    member_name: str
    centre: Named
    created_at: datetime
    staff_name: str
    loans: list[ReceiptLoan]
    lines: list[ReceiptLine]
    totals: list[ReceiptTotal]
    total: Money  # the sum of its entries (what it added to the member's balance)


@dataclass
class AccountEntry:
    id: int
    receipt_id: int
    centre_id: int
    centre_code: str
    kind: str
    amount: Money  # charges positive, credits negative
    method: str
    reference: str
    reason: str
    loan: int | None
    reverses: int | None  # a correction: the entry it undoes
    reversed: bool  # a later entry undoes this one
    created_at: datetime
    staff_name: str


@dataclass
class Account(Paging):
    member_id: int
    member_name: str
    balance: Money  # what the member owes (negative: in credit)
    items: list[AccountEntry]  # newest first


@dataclass
class PaymentIn:
    centre_id: Id  # the desk's centre, where the money is taken
    method: str  # cash, card, or waiver (coordinators)
    amount_tetri: Tetri  # above zero, at most what is owed
    reference: str = ""  # the card terminal's slip number: required for card
    reason: str = ""  # why a fee is waived: required for a waiver


@dataclass
class OverdueLoan:
    id: int
    member_id: int
    member_name: str
    member_phone: str
    asset_tag: str
    tool_type: Named
    ends_on: date  # the return day, passed
    days_late: int
    late_fee: Money  # so far
    may_declare_lost: bool  # late long enough for the centre's rule
    reminded_on: date | None  # the last overdue reminder, in the centre's time
    unreachable: bool  # neither SMS nor e-mail reaches the member: call them


@dataclass
class OverdueList(Paging):
    centre: Named
    items: list[OverdueLoan]  # the most late first


# --- from the services' rows -------------------------------------------------------------------


def _page(items: list[Any], page: int, per_page: int) -> list[Any]:
    return items[(page - 1) * per_page:page * per_page]


def _receipt(view: dict[str, Any] | None) -> ReceiptDetail:
    if view is None:  # not theirs to read, as on the page
        raise NotFoundException()
    receipt = view["receipt"]
    loans = [ReceiptLoan(
        id=loan["id"], asset_tag=loan["asset_tag"] or "",
        tool_type=named(loan, "tool_name", "tool_type"), status=loan["status"],
        what=loan["moment"]["what"], ends_on=loan["moment"]["ends_on"],
        condition=loan["moment"]["condition"]) for loan in view["loans"]]
    lines = []
    for entry, line in zip(view["entries"], view["lines"], strict=True):
        text = i18n.gettext(line["word"])
        if line["reverses"]:
            text = i18n.gettext("Reversed: %(line)s", line=text)
        lines.append(ReceiptLine(
            kind=entry["kind"], text=text, amount=api.money(line["amount"]), loan=line["loan"],
            asset_tag=line["asset_tag"] or "", method=line["method"] or "",
            reference=line["reference"] or "", reason=line["reason"] or "",
            funder=i18n.localized(line, "funder") if line["funder_ka"] not in ("", "-") else "",
            reverses=line["reverses"]))
    return ReceiptDetail(
        id=receipt["id"], kind=receipt["kind"], member_id=receipt["member"],
        member_name=receipt["member_name"] or "", centre=named(receipt, "centre_name", "centre"),
        created_at=receipt["created_at"], staff_name=receipt["staff_name"] or "", loans=loans,
        lines=lines, totals=[ReceiptTotal(key=row["key"], text=i18n.gettext(row["word"]),
                                          amount=api.money(row["amount"]))
                             for row in view["totals"]],
        total=api.money(view["total"]))


def _account(request: Request, view: dict[str, Any] | None, page: int,
             per_page: int) -> Account:
    if view is None:
        raise NotFoundException()
    entries = view["entries"]
    return Account(
        member_id=view["member"]["id"], member_name=view["member"]["name"] or "",
        balance=api.money(view["balance"]), items=[AccountEntry(
            id=e["id"], receipt_id=e["receipt"], centre_id=e["centre"],
            centre_code=e["centre_code"] or "", kind=e["kind"], amount=api.money(e["amount"]),
            method=e["method"] or "", reference=e["reference"] or "", reason=e["reason"] or "",
            loan=e["loan"], reverses=e["reverses"], reversed=e["reversed"],
            created_at=e["created_at"], staff_name=e["staff_name"] or "")
            for e in _page(entries, page, per_page)],
        **api.paging(request, total=len(entries), page=page, per_page=per_page))


def _overdue(request: Request, view: dict[str, Any], page: int, per_page: int) -> OverdueList:
    unreachable = {person["member"] for person in view["call_list"]}
    loans = view["loans"]
    return OverdueList(
        centre=named(view["centre"], "name", "id"), items=[OverdueLoan(
            id=loan["id"], member_id=loan["member"], member_name=loan["member_name"] or "",
            member_phone=loan["member_phone"] or "", asset_tag=loan["asset_tag"] or "",
            tool_type=named(loan, "tool_name", "tool_type"), ends_on=loan["ends_on"],
            days_late=loan["days_late"], late_fee=api.money(loan["late_fee"]),
            may_declare_lost=loan["may_declare_lost"],
            reminded_on=loan["reminded"]["day"] if loan["reminded"] else None,
            unreachable=loan["member"] in unreachable)
            for loan in _page(loans, page, per_page)],
        **api.paging(request, total=len(loans), page=page, per_page=per_page))


# --- OpenAPI links (schemathesis' stateful runs follow them: pay -> read the receipt -> the
# member's account) --------------------------------------------------------------------------

TO_THE_RECEIPT = {"read": api.link_to("getReceipt", "receipt_id", "Read the receipt.")}
FROM_THE_RECEIPT = {"account": Link(
    operation_id="getMemberAccount", parameters={"member_id": "$response.body#/member_id"},
    description="The member's account (staff).")}


# --- the examples ------------------------------------------------------------------------------

DRILL = {"id": 7, "name_ka": "აკუმულატორიანი დრელი", "name_en": "Cordless drill",
         "name_ru": "Аккумуляторная дрель"}
SAMGORI = {"id": 1, "name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre",
           "name_ru": "Центр Самгори"}


def _money(tetri: int) -> dict[str, Any]:
    return {"tetri": tetri, "text": f"{tetri // 100},{abs(tetri) % 100:02d} ₾"}


RECEIPT = {
    "id": 908, "kind": "check_out", "member_id": 42, "member_name": "ნინო ბერიძე",
    "centre": SAMGORI, "created_at": "2026-12-10T08:15:00Z", "staff_name": "გიორგი",
    "loans": [{"id": 77, "asset_tag": "SMG-0012", "tool_type": DRILL, "status": "out",
               "what": "out", "ends_on": "2026-12-12", "condition": None}],
    "lines": [{"kind": "fee", "text": "Rental fee", "amount": _money(1000), "loan": 77,
               "asset_tag": "SMG-0012", "method": "", "reference": "", "reason": "",
               "funder": "", "reverses": None},
              {"kind": "payment", "text": "Paid", "amount": _money(1000), "loan": None,
               "asset_tag": "", "method": "cash", "reference": "", "reason": "",
               "funder": "", "reverses": None}],
    "totals": [{"key": "charged", "text": "Charged", "amount": _money(1000)},
               {"key": "paid", "text": "Paid", "amount": _money(1000)},
               {"key": "owing", "text": "Still owing after this receipt",
                "amount": _money(0)}],
    "total": _money(0)}
ENTRY = {"id": 1201, "receipt_id": 908, "centre_id": 1, "centre_code": "SMG", "kind": "fee",
         "amount": _money(1000), "method": "", "reference": "", "reason": "", "loan": 77,
         "reverses": None, "reversed": False, "created_at": "2026-12-10T08:15:00Z",
         "staff_name": "გიორგი"}
ACCOUNT = {"member_id": 42, "member_name": "ნინო ბერიძე", "balance": _money(1000),
           "items": [ENTRY], "total": 1, "page": 1, "pages": 1, "next": None}
OVERDUE = {"centre": SAMGORI, "items": [{
    "id": 77, "member_id": 42, "member_name": "ნინო ბერიძე", "member_phone": "+995555000012",
    "asset_tag": "SMG-0012", "tool_type": DRILL, "ends_on": "2026-12-12", "days_late": 3,
    "late_fee": _money(300), "may_declare_lost": False, "reminded_on": "2026-12-14",
    "unreachable": False}], "total": 1, "page": 1, "pages": 1, "next": None}


# --- the controller ----------------------------------------------------------------------------


class LoanAccountsApi(ApiController):
    path = "/api/v1"
    tags = ["desk"]

    @get("/receipts/{receipt_id:int}", operation_id="getReceipt", opt={"access": "member"},
         operation_class=api.linked(200, FROM_THE_RECEIPT),
         responses=api.answer(200, ReceiptDetail, RECEIPT))
    async def receipt(self, request: Request, receipt_id: int) -> ReceiptDetail:
        """A receipt as its page shows it: the loans and what it did to each, its lines and
        totals. For its member, and for the staff of its centre; anyone else: 404."""
        return _receipt(await desk.receipt_page(receipt_id, current_user(request)))

    @get("/members/{member_id:int}/account", operation_id="getMemberAccount",
         opt={"access": "staff"}, responses=api.answer(200, Account, ACCOUNT))
    async def account(self, request: Request, member_id: int, page: PageParam = 1,
                      per_page: PerPageParam = 50) -> Account:
        """A member's account: the balance and every entry, newest first (as the account
        page shows them)."""
        return _account(request, await desk.account_page(member_id, current_user(request)),
                        page, per_page)

    @get("/me/account", operation_id="getMyAccount", opt={"access": "member"},
         responses=api.answer(200, Account, ACCOUNT))
    async def my_account(self, request: Request, page: PageParam = 1,
                         per_page: PerPageParam = 50) -> Account:
        """The asker's own account: what they owe and every entry, newest first."""
        user = current_user(request)
        return _account(request, await desk.account_page(user.id, user), page, per_page)

    @post("/members/{member_id:int}/payments", operation_id="takePayment", status_code=201,
          opt={"access": "staff"}, operation_class=api.linked(201, TO_THE_RECEIPT),
          responses={**api.refusals(422), **api.answer(201, ReceiptDetail, {
              **RECEIPT, "kind": "payment", "loans": [], "lines": [RECEIPT["lines"][1]],
              "totals": [{"key": "before", "text": "Owed from before", "amount": _money(1000)},
                         *RECEIPT["totals"][1:]], "total": _money(-1000)}, "Paid")})
    async def pay(self, request: Request, member_id: int, data: Annotated[PaymentIn, Body(
            examples=[Example(summary="ten lari in cash", value={
                "centre_id": 1, "method": "cash", "amount_tetri": 1000})])],
    ) -> Response[ReceiptDetail]:
        """Take a payment of what a member owes at the desk (the desk page's payment form):
        the receipt. 422: nothing is owed, more than is owed, no slip number for a card, no
        reason for a waiver; 403: not a centre the asker works for, or a waiver by desk
        staff (coordinators only)."""
        user = current_user(request)
        receipt = await desk.take_payment(member_id, data.centre_id, {
            "method": data.method, "amount": data.amount_tetri,
            "reference": data.reference.strip()[:100], "reason": data.reason.strip()[:500]},
            actor=user, now=web.now(request))
        return Response(_receipt(await desk.receipt_page(receipt, user)), status_code=201)

    @get("/centres/{centre_id:int}/overdue", operation_id="listOverdue",
         opt={"access": "staff", "scope": "centre"}, guards=[web.staff_of_the_centre],
         responses=api.answer(200, OverdueList, OVERDUE))
    async def overdue(self, request: Request, centre_id: int, page: PageParam = 1,
                      per_page: PerPageParam = 50) -> OverdueList:
        """A centre's loans past their return day, the most late first: the late fee so far,
        whether it may be declared lost, the last reminder, and whether the member must be
        called (no SMS or e-mail reaches them). For the centre's staff."""
        return _overdue(request, await desk.overdue(centre_id, web.today(request)), page,
                        per_page)


CONTROLLERS = [LoanAccountsApi]
