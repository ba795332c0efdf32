"""The members' JSON API (/api/v1, issue 22): a member's own record and messages (/me), and the
desk's members: search, read, register, change contact and language. The same services, rules
and messages as the pages (member_controllers, notification_controllers); a change refused
answers 422 with the messages by field, and nothing is written."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, patch, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter

from rental import ledger, members, notifications
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController, Money, PageParam, Paging, PerPageParam
from rental.kernel.web import current_user
from rental.member_rules import desk_form

PER_PAGE = 20


# --- what goes out ---------------------------------------------------------------------------


@dataclass
class MembershipOut:
    id: int
    type: str  # its name, in the reader's language
    starts_on: date
    ends_on: date
    status: str  # as recorded: pending, active, suspended, closed
    state: str  # as of today: pending, active, suspended or expired (past its last day)


@dataclass
class ConcessionOut:
    name: str
    discount_percent: int
    expires_on: date
    in_force: bool  # not revoked and not expired


@dataclass
class MyRecord:
    """A member's own record, as /me shows it."""

    id: int
    card_number: str
    name: str
    phone: str
    email: str | None
    language: str
    status: str  # pending (not verified yet), active, suspended
    home_centre_id: int | None
    home_centre: str | None
    municipality: str
    membership_state: str | None
    membership_ends_on: date | None
    concession: ConcessionOut | None
    balance: Money  # what the member owes (negative: the centre owes them)
    sms_reminders: bool
    email_reminders: bool
    sms_latin: bool
    reminder_channels: list[str]


@dataclass
class MemberRecord(MyRecord):
    """A member as the desk's card shows them, with every membership and concession."""

    role: str
    id_document_type: str | None
    id_document_number: str | None
    birth_date: date | None
    sex: str | None
    situation: str | None
    notes: str
    verified_at: datetime | None
    memberships: list[MembershipOut]
    concessions: list[ConcessionOut]


@dataclass
class MemberSummary:
    id: int
    card_number: str
    name: str
    phone: str
    status: str
    id_document_number: str | None


@dataclass
class MemberList(Paging):
    items: list[MemberSummary]


@dataclass
class MessageOut:
    id: int
    kind: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


@dataclass
class MessageList(Paging):
    unread: int
    items: list[MessageOut]


# --- what comes in ---------------------------------------------------------------------------


@dataclass
class MyDetailsIn:
    """What is left out (or null) stays as it is; "" takes the e-mail away."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None
    sms_reminders: bool | None = None
    email_reminders: bool | None = None
    sms_latin: bool | None = None


@dataclass
class ContactIn:
    """What is left out (or null) stays as it is; "" takes the e-mail away."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None


@dataclass
class RegistrationIn:
    """The desk's registration form, its fields as the form names them."""

    name: str
    phone: str
    id_document_type: str
    id_document_number: str
    birth_date: str  # YYYY-MM-DD
    sex: str
    situation: str
    municipality: str
    home_centre: int
    email: str = ""
    language: str = "ka"
    notes: str = ""
    reclaim_phone: bool = False  # the phone an unverified online sign-up holds is theirs


# --- examples --------------------------------------------------------------------------------

MY_RECORD = {
    "id": 42, "card_number": "M00042", "name": "Nino Beridze", "phone": "+995555123456",
    "email": "nino@example.ge", "language": "ka", "status": "active", "home_centre_id": 1,
    "home_centre": "სამგორი", "municipality": "samgori", "membership_state": "active",
    "membership_ends_on": "2027-11-22",
    "concession": {"name": "IDP", "discount_percent": 50, "expires_on": "2027-05-31",
                   "in_force": True},
    "balance": {"tetri": 0, "text": "0,00 ₾"}, "sms_reminders": True,
    "email_reminders": True, "sms_latin": False, "reminder_channels": ["page", "sms", "email"]}
MEMBER_RECORD = {
    **MY_RECORD, "role": "member", "id_document_type": "personal_number",
    "id_document_number": "01001012345", "birth_date": "1980-04-02", "sex": "female",
    "situation": "idp", "notes": "", "verified_at": "2026-11-23T08:00:00Z",
    "memberships": [{"id": 7, "type": "Annual", "starts_on": "2026-11-23",
                     "ends_on": "2027-11-22", "status": "active", "state": "active"}],
    "concessions": [MY_RECORD["concession"]]}
MESSAGE = {"id": 812, "kind": "booking_confirmed", "subject": "Your booking is confirmed",
           "body": "Cordless drill, 10–12 December, Samgori.",
           "created_at": "2026-12-05T08:00:00Z", "read_at": None}
REGISTRATION = {"name": "Nino Beridze", "phone": "555 12 34 56",
                "id_document_type": "personal_number", "id_document_number": "01001012345",
                "birth_date": "1980-04-02", "sex": "female", "situation": "idp",
                "municipality": "samgori", "home_centre": 1, "language": "ka"}


# --- from the services' rows -----------------------------------------------------------------


def _concession(row: dict[str, Any]) -> ConcessionOut:
    return ConcessionOut(name=i18n.localized(row, "name"),
                         discount_percent=row["discount_percent"],
                         expires_on=row["expires_on"], in_force=row["in_force"])


def _mine(view: dict[str, Any], balance: int) -> dict[str, Any]:
    card = view["card"]
    m, membership = card.member, card.membership
    return {
        "id": m["id"], "card_number": view["card_number"], "name": m["name"],
        "phone": m["phone"], "email": m["email"], "language": m["language"],
        "status": m["status"], "home_centre_id": m["home_centre"],
        "home_centre": i18n.localized(m, "home_centre_name") or None,
        "municipality": m["municipality"] or "", "membership_state": card.membership_state,
        "membership_ends_on": membership["ends_on"] if membership else None,
        "concession": _concession(card.concession) if card.concession else None,
        "balance": api.money(balance), "sms_reminders": m["sms_reminders"],
        "email_reminders": m["email_reminders"], "sms_latin": m["sms_latin"],
        "reminder_channels": list(view["reminder_channels"])}


def my_record(view: dict[str, Any], balance: int) -> MyRecord:
    return MyRecord(**_mine(view, balance))


def member_record(view: dict[str, Any], balance: int) -> MemberRecord:
    m = view["card"].member
    return MemberRecord(
        **_mine(view, balance), role=m["role"], id_document_type=m["id_document_type"],
        id_document_number=m["id_document_number"], birth_date=m["birth_date"], sex=m["sex"],
        situation=m["situation"], notes=m["notes"] or "", verified_at=m["verified_at"],
        memberships=[MembershipOut(id=row["id"], type=i18n.localized(row, "type_name"),
                                   starts_on=row["starts_on"], ends_on=row["ends_on"],
                                   status=row["status"], state=row["state"])
                     for row in view["memberships"]],
        concessions=[_concession(row) for row in view["concessions"]])


def _message(row: dict[str, Any]) -> MessageOut:
    return MessageOut(**{name: row[name] for name in (
        "id", "kind", "subject", "body", "created_at", "read_at")})


# --- the controllers -------------------------------------------------------------------------


class MyRecordApi(ApiController):
    """The signed-in person's own record and messages; never takes a member id."""

    path = "/api/v1/me"
    opt = {"access": "member"}
    tags = ["members"]

    @get("/", responses=api.answer(200, MyRecord, MY_RECORD))
    async def read(self, request: Request) -> MyRecord:
        """Your record: contact, language, home centre, card number, membership, concession,
        balance and where reminders go."""
        user = current_user(request)
        # the record and the balance: two services of one layer, neither imports the other
        return my_record(await members.record(user.id, today=web.today(request)),
                         await ledger.balance_now(user.id))

    @patch("/", responses={**api.refusals(422), **api.answer(200, MyRecord, MY_RECORD)})
    async def change(self, request: Request, data: Annotated[MyDetailsIn, Body(examples=[
            Example(summary="a new e-mail, reminders in Latin letters",
                    value={"email": "nino@example.ge", "sms_latin": True})])]) -> MyRecord:
        """Change your name, phone, e-mail, language and reminder choices, checked as the
        page's form checks them; 422 names the fields refused, and nothing changes."""
        user = current_user(request)
        await members.change_details(user.id, asdict(data), actor_id=user.id,
                                     now=web.now(request), own=True)
        return my_record(await members.record(user.id, today=web.today(request)),
                         await ledger.balance_now(user.id))

    @get("/messages", responses=api.answer(200, MessageList, {
        "items": [MESSAGE], "unread": 1, "total": 31, "page": 1, "pages": 2,
        "next": "/api/v1/me/messages?page=2"}))
    async def messages(self, request: Request, page: PageParam = 1,
                       per_page: PerPageParam = PER_PAGE) -> MessageList:
        """Your messages (those on your page), newest first."""
        found = await notifications.page_of_messages(current_user(request).id, page=page,
                                                     per_page=per_page)
        return MessageList(items=[_message(row) for row in found["items"]],
                           unread=found["unread"], **api.paging(
                               request, total=found["total"], page=page, per_page=per_page))

    @post("/messages/{message_id:int}/read", status_code=200, responses=api.answer(
        200, MessageOut, {**MESSAGE, "read_at": "2026-12-05T09:30:00Z"}))
    async def mark_read(self, request: Request, message_id: int) -> MessageOut:
        """Mark one of your messages as read (again: it stays read since the first time);
        404 for one that is not yours."""
        return _message(await notifications.mark_read(current_user(request).id, message_id,
                                                      now=web.now(request)))


class MemberApi(ApiController):
    """The desk's members: what the desk's pages show and change."""

    path = "/api/v1/members"
    opt = {"access": "staff"}
    tags = ["members"]

    @get("/", responses=api.answer(200, MemberList, {
        "items": [{"id": 42, "card_number": "M00042", "name": "Nino Beridze",
                   "phone": "+995555123456", "status": "active",
                   "id_document_number": "01001012345"}],
        "total": 1, "page": 1, "pages": 1, "next": None}))
    async def search(self, request: Request,
                     q: str = Parameter(default="", max_length=100, description=(
                         "a card number (M00042), a phone's digits, a name or a document "
                         "number; fewer than two characters find no one")),
                     page: PageParam = 1, per_page: PerPageParam = PER_PAGE) -> MemberList:
        """Find community members as the desk's search does, by name."""
        found = await members.find(q, page=page, per_page=per_page)
        return MemberList(items=[MemberSummary(
            id=row["id"], card_number=f"M{row['id']:05d}", name=row["name"],
            phone=row["phone"], status=row["status"],
            id_document_number=row["id_document_number"]) for row in found["items"]],
            **api.paging(request, total=found["total"], page=page, per_page=per_page))

    @get("/{member_id:int}", responses=api.answer(200, MemberRecord, MEMBER_RECORD))
    async def read(self, request: Request, member_id: int) -> MemberRecord:
        """A member's record as the desk's card shows it, with every membership and
        concession and the balance."""
        return member_record(await members.record(member_id, today=web.today(request)),
                             await ledger.balance_now(member_id))

    @post("/", status_code=201, responses={**api.refusals(422), **api.answer(
        201, MemberRecord, {**MEMBER_RECORD, "memberships": [], "concessions": [],
                            "concession": None, "membership_state": None,
                            "membership_ends_on": None}, "Registered")})
    async def register(self, request: Request, data: Annotated[RegistrationIn, Body(examples=[
            Example(summary="registered at the Samgori desk", value=REGISTRATION)])],
    ) -> Response[MemberRecord]:
        """Register a member whose identity document the desk has seen, as the desk's form
        does (the same fields, checks and messages): active at once, at a home centre the
        staff member works for."""
        form = {**asdict(data), "home_centre": str(data.home_centre)}
        member_id = await members.register_at_desk(
            desk_form(form, today=web.today(request)), actor=current_user(request),
            now=web.now(request), reclaim_phone=data.reclaim_phone)
        return Response(member_record(await members.record(member_id, today=web.today(
            request)), await ledger.balance_now(member_id)), status_code=201)

    @patch("/{member_id:int}", responses={**api.refusals(403, 422), **api.answer(
        200, MemberRecord, MEMBER_RECORD)})
    async def change(self, request: Request, member_id: int, data: Annotated[
            ContactIn, Body(examples=[Example(summary="a new phone",
                                              value={"phone": "555 12 34 57"})])],
    ) -> MemberRecord:
        """Change a community member's name, phone, e-mail and language; 422 names the
        fields refused, 403 for a staff account, and nothing changes."""
        await members.change_details(member_id, asdict(data), actor_id=current_user(
            request).id, now=web.now(request), own=False)
        return member_record(await members.record(member_id, today=web.today(request)),
                             await ledger.balance_now(member_id))


CONTROLLERS = [MyRecordApi, MemberApi]
