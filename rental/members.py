"""Member services: each owns one transaction, takes the time as an argument, and writes the
audit log in that transaction. Field problems are refused as MemberError(errors), a member who
is not there (or erased) as NotFound; the page services give a page its data in one read
transaction, with what the reader may do as facts."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.columns.combination import WhereRaw

from rental import audit, member_csv_rules
from rental.auth import Visit, hash_password, open_session, verify_password
from rental.channels import configured_channels
from rental.kernel.barcodes import code128_svg
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Day
from rental.kernel.identity import CurrentUser
from rental.kernel.qr import qr_svg
from rental.kernel.settings import LANGUAGES
from rental.member_rules import (
    DATA_PROCESSING_VERSION,
    REMINDER_CHOICES,
    REMINDERS_SHOWN,
    RENTAL_AGREEMENT_VERSION,
    audit_view,
    card_number,
    chosen_language,
    desk_form,
    erased_values,
    may_be_home_centre,
    may_change_reminders,
    may_erase,
    membership_state,
    my_details_form,
    parse_card_number,
    reminder_channels,
    renewed_until,
    takes_reset_codes,
)
from rental.tables import (
    ID_DOCUMENT_TYPES,
    SEXES,
    SITUATIONS,
    Centre,
    ConcessionCategory,
    Member,
    MemberConcession,
    MemberConsent,
    Membership,
    MembershipType,
    Notification,
    PasswordResetCode,
    PhoneCode,
    UserSession,
)

RESET_CODE_HOURS = 24
RESET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a desk
PHONE_CONFIRMED_MINUTES = 10  # a phone confirmed by a code signs up within this
ERASE_WORD = "erase"  # what an administrator types to confirm an erasure


class MemberError(DomainError):
    """Field name -> message id; nothing was written."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid", errors)


class NotFound(DomainError):
    def __init__(self, what: object = None) -> None:
        super().__init__("not_found", {"member": N_("There is no such member.")})
        self.what = what


async def member_row(member_id: int) -> dict[str, Any] | None:
    """A member as the search lists them, unless erased."""
    return await Member.select(Member.id, Member.name, Member.phone, Member.status, Member.role,
                               Member.id_document_number).where(
        (Member.id == member_id) & (Member.status != "erased")).first()


async def _check_unique(values: dict[str, Any], member_id: int | None = None) -> None:
    errors: dict[str, Any] = {}
    others = Member.id != member_id if member_id else Member.id.is_not_null()
    if "phone" in values and await Member.exists().where(
        (Member.phone == values["phone"]) & others
    ):
        errors["phone"] = N_("An account with this phone number exists already.")
    if values.get("email") and await Member.exists().where(
        (Member.email == values["email"]) & others
    ):
        errors["email"] = N_("An account with this e-mail exists already.")
    if values.get("id_document_number") and await Member.exists().where(
        (Member.id_document_type == values["id_document_type"])
        & (Member.id_document_number == values["id_document_number"])
        & others
    ):
        errors["id_document_number"] = N_("A member with this document is registered already.")
    if errors:
        raise MemberError(errors)


async def _home_centres(actor: CurrentUser, current: int | None = None) -> list[dict[str, Any]]:
    """The centres the desk may give a member as their home (member_rules.may_be_home_centre)."""
    rows = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                               Centre.name_ru, Centre.active).order_by(Centre.id)
    return [row for row in rows if may_be_home_centre(row, actor, current)]


async def _check_home_centre(values: dict[str, Any], actor: CurrentUser,
                             current: int | None = None) -> None:
    if values["home_centre"] not in {c["id"] for c in await _home_centres(actor, current)}:
        raise MemberError({"home_centre": N_("Choose one of the centres in the list.")})


async def _insert_member(values: dict[str, Any], now: datetime) -> int:
    rows = await Member.insert(Member(**values, created_at=now, updated_at=now)).returning(
        Member.id
    )
    return rows[0]["id"]


async def _record_consents(member_id: int, now: datetime) -> None:
    await MemberConsent.insert(
        MemberConsent(member=member_id, kind="rental_agreement",
                      version=RENTAL_AGREEMENT_VERSION, given_at=now),
        MemberConsent(member=member_id, kind="data_processing",
                      version=DATA_PROCESSING_VERSION, given_at=now),
    )


async def check_sign_up(values: dict[str, Any]) -> None:
    """Refuse a sign-up that could not be made (a phone, e-mail or document that has an account
    already) before a code is sent to confirm its phone."""
    async with read_transaction():
        await _check_unique(values)


async def sign_up(values: dict[str, Any], password: str, visit: Visit, *, now: datetime,
                  session_days: int, phone_confirmed: bool = False) -> str:
    """A member's own sign-up: pending until the desk has seen an identity document. They are
    logged in at once: returns the token of their first session. `phone_confirmed`: only when
    the phone was confirmed by a code (rental.phone_codes) in the last minutes."""
    async with write_transaction():
        if phone_confirmed and not await PhoneCode.exists().where(
                (PhoneCode.phone == values["phone"])
                & (PhoneCode.confirmed_at > now - timedelta(minutes=PHONE_CONFIRMED_MINUTES))):
            raise MemberError({"code": N_("Confirm your phone with the code we sent.")})
        await _check_unique(values)
        member_id = await _insert_member(
            {**values, "password_hash": hash_password(password), "role": "member",
             "status": "pending"}, now,
        )
        await _record_consents(member_id, now)
        await audit.record("signup", "member", member_id, now=now, actor_id=member_id,
                           after=audit_view(values))
        return await open_session(member_id, visit, now=now, session_days=session_days)


async def register_at_desk(values: dict[str, Any], *, actor: CurrentUser, now: datetime,
                           reclaim_phone: bool = False) -> int:
    """Desk registration after seeing the person: active at once, consents signed on paper,
    at the home centre the desk chose among the centres its staff member acts for.

    A phone number an unverified online sign-up holds goes to the person at the desk only
    when staff confirm it is theirs (`reclaim_phone`): that sign-up is then closed (erased),
    so nobody can hold another's number by signing up first."""
    actor_id = actor.id
    async with write_transaction():
        await _check_home_centre(values, actor)
        holder = await Member.select(Member.id, Member.name, Member.status,
                                     Member.created_at).where(
            Member.phone == values["phone"]).first()
        if holder and holder["status"] == "pending":
            if not reclaim_phone:
                raise MemberError({"reclaim_phone": (N_(
                    "An online sign-up nobody has verified holds this phone number: %(name)s, "
                    "%(day)s. If that is this person, verify that sign-up instead (Members, "
                    "sign-ups to verify). If the phone is theirs but the sign-up is not, tick "
                    "this box and save: the unverified sign-up is closed."),
                    {"name": holder["name"], "day": Day(holder["created_at"].date())})})
            await _erase(holder["id"], now)
            await audit.record("member.phone_reclaimed", "member", holder["id"], now=now,
                               actor_id=actor_id, before={"status": "pending"},
                               after={"status": "erased"})
        await _check_unique(values)
        member_id = await _insert_member(
            {**values, "role": "member", "status": "active", "verified_at": now,
             "verified_by": actor_id}, now,
        )
        await _record_consents(member_id, now)
        await audit.record("register", "member", member_id, now=now, actor_id=actor_id,
                           after=audit_view(values))
    return member_id


async def verify(member_id: int, form: Mapping[str, Any], *, actor: CurrentUser, today: date,
                 now: datetime) -> None:
    """The desk saw the document of a member who signed up online; the account becomes active,
    at the home centre the desk chose (or the one the member has already).
    The form is read once the member is known to be there: for one who is not, whatever was
    typed, the answer is that there is no such member."""
    async with write_transaction():
        member = await _member_for_update(member_id)
        values = desk_form(form, today=today)
        await _check_home_centre(values, actor, member["home_centre"])
        await _check_unique(values, member_id)
        changes = {**values, "status": "active" if member["status"] == "pending"
                   else member["status"], "verified_at": now, "verified_by": actor.id}
        await _update(member_id, changes, now)
        await audit.record("verify", "member", member_id, now=now, actor_id=actor.id,
                           before=audit_view({k: member[k] for k in values}),
                           after=audit_view(values))


async def update_contact(
    member_id: int, values: dict[str, Any], *, actor_id: int, now: datetime,
    reminders: dict[str, bool] | None = None,
) -> None:
    """`reminders`: the member's reminder choices, when the form showed them."""
    async with write_transaction():
        member = await _member_for_update(member_id)
        await _save_contact(member, values, reminders, actor_id=actor_id, now=now)


async def _save_contact(member: dict[str, Any], values: dict[str, Any],
                        reminders: dict[str, bool] | None, *, actor_id: int,
                        now: datetime) -> None:
    member_id = member["id"]
    await _check_unique(values, member_id)
    await _update(member_id, values, now)
    await audit.record("update", "member", member_id, now=now, actor_id=actor_id,
                       before=audit_view({k: member[k] for k in values}),
                       after=audit_view(values))
    if reminders is not None:
        await _change_reminders(member, reminders, actor_id=actor_id, now=now)


CONTACT_FIELDS = ("name", "phone", "email", "language")


async def change_details(member_id: int, changes: Mapping[str, Any], *, actor_id: int,
                         now: datetime, own: bool) -> None:
    """The API's partial change of a member's contact and language, and (`own`: the member
    themselves) their reminder choices: what is not sent (None) stays as it is, and the whole
    is checked as the page's form checks it (my_details_form). The desk changes community
    members only; staff accounts are an administrator's."""
    async with write_transaction():
        member = await _member_for_update(member_id)
        if not own and member["role"] != "member":
            raise DomainError("forbidden", {"form": N_(
                "Staff accounts are changed by an administrator.")})
        form: dict[str, Any] = {name: member[name] or "" for name in CONTACT_FIELDS}
        form.update({name: changes[name] for name in CONTACT_FIELDS
                     if changes.get(name) is not None})
        if own and any(changes.get(name) is not None for name in REMINDER_CHOICES):
            form[REMINDERS_SHOWN] = "yes"  # the boxes as they are, but those sent
            for name in REMINDER_CHOICES:
                ticked = member[name] if changes.get(name) is None else changes[name]
                form[name] = "yes" if ticked else ""
        values, reminders = my_details_form(form)
        await _save_contact(member, values, reminders, actor_id=actor_id, now=now)


async def change_reminders(member_id: int, choices: dict[str, bool], *, actor: CurrentUser,
                           now: datetime) -> None:
    """The desk changes how a member is told, at the member's home centre."""
    async with write_transaction():
        member = await _member_for_update(member_id)
        if not may_change_reminders(actor, member):
            raise DomainError("forbidden", {"form": N_(
                "Only the desk of the member's home centre may change this.")})
        await _change_reminders(member, choices, actor_id=actor.id, now=now)


async def _change_reminders(member: dict[str, Any], choices: dict[str, bool], *,
                            actor_id: int, now: datetime) -> None:
    """Each choice that changed, with its value before and after: a consent on record."""
    changed = {name for name in REMINDER_CHOICES if member[name] != choices[name]}
    if not changed:
        return
    await _update(member["id"], {name: choices[name] for name in changed}, now)
    await audit.record("member.reminders", "member", member["id"], now=now, actor_id=actor_id,
                       centre_id=member["home_centre"],
                       before={name: member[name] for name in sorted(changed)},
                       after={name: choices[name] for name in sorted(changed)})


async def set_language(member_id: int, language: str, *, now: datetime) -> None:
    """The language a member reads the pages in, kept with their account."""
    language = chosen_language(language)
    async with write_transaction():
        member = await _member_for_update(member_id)
        await _update(member_id, {"language": language}, now)
        await audit.record("update", "member", member_id, now=now, actor_id=member_id,
                           before=audit_view({"language": member["language"]}),
                           after=audit_view({"language": language}))


async def _member_for_update(member_id: int) -> dict[str, Any]:
    member = await Member.select().where(Member.id == member_id).first()
    if member is None or member["status"] == "erased":
        raise NotFound(member_id)
    return member


async def _update(member_id: int, values: dict[str, Any], now: datetime) -> None:
    await Member.update({**values, "updated_at": now}).where(Member.id == member_id)


async def change_password(member_id: int, current: str, new: str, *, now: datetime,
                          keep_token_hash: str | None = None) -> None:
    async with write_transaction():
        member = await _member_for_update(member_id)
        if not verify_password(member["password_hash"], current):
            raise MemberError({"current_password": N_("That is not your current password.")})
        await _update(member_id, {"password_hash": hash_password(new)}, now)
        # every other login of this account ends; this one goes on
        await UserSession.delete().where(
            (UserSession.member == member_id) & (UserSession.token_hash != (keep_token_hash or ""))
        )
        await audit.record("password.change", "member", member_id, now=now, actor_id=member_id)


def _code_digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


async def issue_reset_code(member_id: int, *, actor_id: int, now: datetime) -> dict[str, Any]:
    """A one-time code, shown once to the staff member, who gives it to the member in person:
    the code, whose it is and for how many hours it works."""
    raw = "".join(secrets.choice(RESET_ALPHABET) for _ in range(8))
    async with write_transaction():
        member = await _member_for_update(member_id)
        if not takes_reset_codes(member):
            raise MemberError({"form": N_("Staff accounts are reset by an administrator.")})
        # a new code replaces any earlier one
        await PasswordResetCode.update({PasswordResetCode.used_at: now}).where(
            (PasswordResetCode.member == member_id) & PasswordResetCode.used_at.is_null()
        )
        await PasswordResetCode.insert(PasswordResetCode(
            member=member_id, code_hash=_code_digest(raw), created_at=now,
            expires_at=now + timedelta(hours=RESET_CODE_HOURS), created_by=actor_id,
        ))
        await audit.record("password.reset_code", "member", member_id, now=now,
                           actor_id=actor_id)
    return {"member": {"id": member_id, "name": member["name"]},
            "code": f"{raw[:4]}-{raw[4:]}", "hours": RESET_CODE_HOURS}


async def redeem_reset_code(phone: str, code: str, new_password: str, *, now: datetime) -> int:
    async with write_transaction():
        row = await PasswordResetCode.select(
            PasswordResetCode.id, PasswordResetCode.member
        ).where(
            (PasswordResetCode.code_hash == _code_digest(code))
            & (PasswordResetCode.member.phone == phone)
            & PasswordResetCode.used_at.is_null()
            & (PasswordResetCode.expires_at > now)
        ).first()
        if row is None:
            raise MemberError({"code": N_("This code is not valid. Ask the desk for a new one.")})
        await PasswordResetCode.update({PasswordResetCode.used_at: now}).where(
            PasswordResetCode.id == row["id"]
        )
        await _update(row["member"], {"password_hash": hash_password(new_password)}, now)
        await UserSession.delete().where(UserSession.member == row["member"])
        await audit.record("password.reset", "member", row["member"], now=now,
                           actor_id=row["member"])
    return row["member"]


async def erase(member_id: int, *, actor_id: int, now: datetime,
                typed: str = ERASE_WORD) -> None:
    """Replace the personal fields so the person cannot be identified; keep the statistics.
    `typed`: what the administrator typed to confirm, on the page that asks for ERASE_WORD."""
    async with write_transaction():
        member = await _member_for_update(member_id)
        if typed != ERASE_WORD:
            raise MemberError({"confirm": N_("Type “erase” to confirm.")})
        if member["role"] != "member":
            raise MemberError({"form": N_("Only community members can be erased here.")})
        await _erase(member_id, now, member["birth_date"])
        await audit.record("erase", "member", member_id, now=now, actor_id=actor_id)


async def _erase(member_id: int, now: datetime, birth_date: date | None = None) -> None:
    await _update(member_id, {**erased_values(member_id, birth_date), "erased_at": now}, now)
    await UserSession.delete().where(UserSession.member == member_id)
    await PasswordResetCode.delete().where(PasswordResetCode.member == member_id)
    # what they were told goes; that they were told stays, for the counts
    await Notification.update({Notification.subject: "", Notification.body: ""}).where(
        Notification.member == member_id)


# --- reading -------------------------------------------------------------------------------


async def desk_form_page(actor: CurrentUser, member_id: int | None = None) -> dict[str, Any]:
    """The desk's form: a new member (no `member_id`) or one to verify, as they are, with the
    centres their home may be; the home preselected: the member's, else the staff member's."""
    async with read_transaction():
        member = None
        if member_id is not None:
            member = await Member.select(Member.all_columns(exclude=[Member.password_hash])
                                         ).where(Member.id == member_id).first()
            if member is None:
                raise NotFound(member_id)
        current = member["home_centre"] if member else None
        centres = await _home_centres(actor, current)
    own = min(actor.centre_ids & {c["id"] for c in centres}, default=None)
    values = dict(member) if member else {"language": "ka"}
    values["home_centre"] = current or own
    return {"member": member, "values": values, "centres": centres}


async def search_page(query: str, viewer: CurrentUser | None = None) -> dict[str, Any]:
    """The desk's member search; without a query, the sign-ups waiting to be verified; and
    whether the viewer may import and export members (coordinators; with personal data:
    administrators)."""
    files = {"can_import": bool(viewer and viewer.all_centres),
             "can_export_personal": bool(viewer and viewer.role == "admin")}
    async with read_transaction():
        return {"q": query, "found": await search(query), **files,
                "pending": [] if query else await pending_signups(),
                **({} if query else await unrecognised_municipalities())}


async def pending_signups(limit: int = 50) -> list[dict[str, Any]]:
    """Online sign-ups waiting for the desk to see an identity document, newest first."""
    return await Member.select(Member.id, Member.name, Member.phone, Member.created_at).where(
        Member.status == "pending").order_by(Member.created_at, ascending=False).limit(limit)


async def unrecognised_municipalities(limit: int = 50) -> dict[str, Any]:
    """Members whose municipality was typed before the list and matched none of its names
    (rental.kernel.municipalities): how many, and the first by name with the text as typed,
    for the desk to choose the municipality."""
    which = ((Member.municipality == "") & (Member.municipality_text != "")
             & (Member.status != "erased"))
    return {"unrecognised_count": await Member.count().where(which),
            "unrecognised": await Member.select(
                Member.id, Member.name, Member.municipality_text).where(which).order_by(
                Member.name).limit(limit)}


async def search(query: str, limit: int = 20) -> list[dict[str, Any]]:
    """By name (any part), phone (any run of its digits) or identity document number."""
    found = _search_where(query)
    if found is None:
        return []
    where, values = found
    # one raw statement: the desk looks members up as it types, and building this query
    # through the ORM took about a sixth of the search's time
    return await Member.raw(f"SELECT {_SEARCHED} FROM member WHERE {where} "
                            "ORDER BY member.name LIMIT {}", *values, limit)


SEARCH_COLUMNS = (Member.id, Member.name, Member.phone, Member.status, Member.role,
                  Member.id_document_number)
_SEARCHED = ", ".join(f"member.{column._meta.db_column_name}" for column in SEARCH_COLUMNS)


async def find(query: str, *, page: int, per_page: int) -> dict[str, Any]:
    """The desk's search a page at a time (the API's): a card number (M00042) finds its
    member, anything else is searched as `search` does; `items` and the `total` found."""
    async with read_transaction():
        number = parse_card_number(query)
        condition = ((Member.id == number) & (Member.role == "member")
                     & (Member.status != "erased")) if number else _search_condition(query)
        if condition is None:
            return {"items": [], "total": 0}
        return {"total": await Member.count().where(condition),
                "items": await Member.select(*SEARCH_COLUMNS).where(condition).order_by(
                    Member.name).order_by(Member.id).offset((page - 1) * per_page).limit(
                    per_page)}


def _search_condition(query: str) -> Any:
    """The members a search finds, as a condition; None: too short to search."""
    found = _search_where(query)
    return None if found is None else WhereRaw(found[0], *found[1])


def _search_where(query: str) -> tuple[str, list[Any]] | None:
    """The members a search finds, as SQL with its values; None: too short to search."""
    text = " ".join(query.split())[:100]
    if len(text) < 2:
        return None
    digits = "".join(ch for ch in text if ch in "0123456789")
    needle = text.lower().replace("%", "").replace("_", "")
    # PostgreSQL answers these LIKEs from trigram indexes; SQLite cannot, so its FTS5 trigram
    # table (kept by triggers) narrows the members first when there is a trigram to look up.
    where, values = "lower(member.name) LIKE {}", [f"%{needle}%"]
    phrases = [f"name : {_phrase(needle)}"]
    if len(digits) >= 3:
        where += " OR member.phone LIKE {} OR member.id_document_number LIKE {}"
        values += [f"%{digits}%", f"{digits}%"]
        phrases += [f"phone : {_phrase(digits)}", f"id_document_number : {_phrase(digits)}"]
    where = f"({where})"
    if len(needle) >= 3 and not is_postgres():
        where += " AND member.id IN (SELECT rowid FROM member_search WHERE member_search MATCH {})"
        values.append(" OR ".join(phrases))
    return where + " AND member.role = 'member' AND member.status <> 'erased'", values


def _phrase(text: str) -> str:
    """An FTS5 phrase: with the trigram tokenizer it matches any text containing it."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class MemberCard:
    member: dict[str, Any]
    membership: dict[str, Any] | None
    membership_state: str | None
    concession: dict[str, Any] | None
    consents: list[dict[str, Any]]


async def card(member_id: int, *, today: date) -> MemberCard:
    """Everything the desk and the member see about one account, in four queries."""
    async with read_transaction():
        member = await Member.select(
            Member.all_columns(exclude=[Member.password_hash]),
            Member.home_centre.name_ka.as_alias("home_centre_name_ka"),
            Member.home_centre.name_en.as_alias("home_centre_name_en"),
            Member.home_centre.name_ru.as_alias("home_centre_name_ru"),
        ).where(Member.id == member_id).first()
        if member is None:
            raise NotFound(member_id)
        membership = await Membership.select(
            Membership.all_columns(),
            Membership.membership_type.name_ka.as_alias("type_name_ka"),
            Membership.membership_type.name_en.as_alias("type_name_en"),
            Membership.membership_type.name_ru.as_alias("type_name_ru"),
            Membership.membership_type.max_tools_out.as_alias("max_tools_out"),
            Membership.membership_type.max_open_bookings.as_alias("max_open_bookings"),
        ).where((Membership.member == member_id) & (Membership.status != "closed")).first()
        concession = await MemberConcession.select(
            MemberConcession.all_columns(),
            MemberConcession.category.name_ka.as_alias("name_ka"),
            MemberConcession.category.name_en.as_alias("name_en"),
            MemberConcession.category.name_ru.as_alias("name_ru"),
            MemberConcession.category.discount_percent.as_alias("discount_percent"),
            MemberConcession.category.funder_ka.as_alias("funder"),  # as the ledger records it
            MemberConcession.category.funder_ka.as_alias("funder_ka"),
            MemberConcession.category.funder_en.as_alias("funder_en"),
            MemberConcession.category.funder_ru.as_alias("funder_ru"),
        ).where(
            (MemberConcession.member == member_id) & MemberConcession.revoked_at.is_null()
        ).first()
        consents = await MemberConsent.select().where(MemberConsent.member == member_id)
    state = (
        membership_state(membership["status"], membership["ends_on"], today)
        if membership else None
    )
    if concession is not None:
        concession["in_force"] = concession["expires_on"] >= today
    return MemberCard(member, membership, state, concession, consents)


async def own_page(member_id: int, *, today: date) -> dict[str, Any]:
    """The signed-in member's own card: their details and the card number the desk asks for,
    to be shown large and as a QR code the desk's scanner reads from the phone."""
    number = card_number(member_id)
    member_card = await card(member_id, today=today)
    return {"card": member_card, "card_number": number, "card_qr": qr_svg(number),
            "card_barcode": code128_svg(number),
            "reminder_channels": reminder_channels(member_card.member, configured_channels())}


async def printed_card(member_id: int, *, today: date) -> dict[str, Any]:
    """The member's card to print and cut out: their name and card number, as text, as a QR
    code and as a Code 128 barcode (the desk's scanner opens their panel from either)."""
    member_card = await card(member_id, today=today)
    number = card_number(member_id)
    return {"member": member_card.member, "card_number": number, "card_qr": qr_svg(number),
            "card_barcode": code128_svg(number)}


async def record(member_id: int, *, today: date) -> dict[str, Any]:
    """A member's record as the API gives it, in one read: their card (what the desk's card
    and /me show), the card number, where reminders go, and every membership and concession,
    newest first."""
    async with read_transaction():
        member_card = await card(member_id, today=today)
        memberships = await Membership.select(
            Membership.id, Membership.starts_on, Membership.ends_on, Membership.status,
            Membership.suspended_reason,
            Membership.membership_type.name_ka.as_alias("type_name_ka"),
            Membership.membership_type.name_en.as_alias("type_name_en"),
            Membership.membership_type.name_ru.as_alias("type_name_ru"),
        ).where(Membership.member == member_id).order_by(Membership.id, ascending=False)
        concessions = await MemberConcession.select(
            MemberConcession.id, MemberConcession.expires_on, MemberConcession.granted_at,
            MemberConcession.revoked_at,
            MemberConcession.category.name_ka.as_alias("name_ka"),
            MemberConcession.category.name_en.as_alias("name_en"),
            MemberConcession.category.name_ru.as_alias("name_ru"),
            MemberConcession.category.discount_percent.as_alias("discount_percent"),
        ).where(MemberConcession.member == member_id).order_by(MemberConcession.id,
                                                               ascending=False)
    for row in memberships:
        row["state"] = membership_state(row["status"], row["ends_on"], today)
    for row in concessions:
        row["in_force"] = row["revoked_at"] is None and row["expires_on"] >= today
    return {"card": member_card, "card_number": card_number(member_id),
            "reminder_channels": reminder_channels(member_card.member, configured_channels()),
            "memberships": memberships, "concessions": concessions}


async def card_page(member_id: int, *, viewer: CurrentUser, today: date) -> dict[str, Any]:
    """The desk's card of a member, with the memberships and concessions it may give."""
    async with read_transaction():
        member_card = await card(member_id, today=today)
        return {"card": member_card, "types": await membership_types(),
                "categories": await concession_categories(),
                "can_issue_reset_code": takes_reset_codes(member_card.member),
                "can_erase": may_erase(viewer.role, member_card.member),
                "reminder_channels": reminder_channels(member_card.member, configured_channels()),
                "can_change_reminders": may_change_reminders(viewer, member_card.member)}


async def export(member_id: int) -> dict[str, Any]:
    """All the data kept about a member, for them to download."""
    async with read_transaction():
        member = await Member.select(
            Member.all_columns(exclude=[Member.password_hash, Member.verified_by])
        ).where(Member.id == member_id).first()
        if member is None:
            raise NotFound(member_id)
        memberships = await Membership.select(
            Membership.starts_on, Membership.ends_on, Membership.status,
            Membership.suspended_reason, Membership.membership_type.slug.as_alias("type"),
        ).where(Membership.member == member_id)
        concessions = await MemberConcession.select(
            MemberConcession.category.slug.as_alias("category"), MemberConcession.proof,
            MemberConcession.expires_on, MemberConcession.granted_at,
            MemberConcession.revoked_at,
        ).where(MemberConcession.member == member_id)
        consents = await MemberConsent.select(
            MemberConsent.kind, MemberConsent.version, MemberConsent.given_at
        ).where(MemberConsent.member == member_id)
        messages = await Notification.select(
            Notification.created_at, Notification.channel, Notification.kind,
            Notification.subject, Notification.body, Notification.status, Notification.read_at,
        ).where(Notification.member == member_id).order_by(Notification.id)
    return {
        "member": member, "memberships": memberships, "concessions": concessions,
        "consents": consents, "messages": messages,
    }


# --- memberships and concessions -----------------------------------------------------------


async def policy_page() -> dict[str, Any]:
    """Every membership type and concession, those no longer offered too."""
    async with read_transaction():
        return {"types": await membership_types(active_only=False),
                "categories": await concession_categories(active_only=False)}


async def membership_types(active_only: bool = True) -> list[dict[str, Any]]:
    query = MembershipType.select().order_by(MembershipType.id)
    return await (query.where(MembershipType.active.eq(True)) if active_only else query)


async def concession_categories(active_only: bool = True) -> list[dict[str, Any]]:
    query = ConcessionCategory.select().order_by(ConcessionCategory.id)
    return await (query.where(ConcessionCategory.active.eq(True)) if active_only else query)


async def start_membership(member_id: int, type_id: int, *, actor_id: int, today: date,
                           now: datetime) -> None:
    async with write_transaction():
        await _member_for_update(member_id)
        kind = await MembershipType.select().where(
            (MembershipType.id == type_id) & MembershipType.active.eq(True)
        ).first()
        if kind is None:
            raise MemberError({"membership_type": N_("Choose a membership type from the list.")})
        current = await Membership.select().where(
            (Membership.member == member_id) & (Membership.status != "closed")
        ).first()
        if current is not None:
            if membership_state(current["status"], current["ends_on"], today) != "expired":
                raise MemberError({"membership_type": N_(
                    "This member has a membership already: renew it instead."
                )})
            await Membership.update({Membership.status: "closed"}).where(
                Membership.id == current["id"]
            )
        ends = today + timedelta(days=kind["validity_days"] - 1)
        await Membership.insert(Membership(
            member=member_id, membership_type=type_id, starts_on=today, ends_on=ends,
            status="active", created_at=now, created_by=actor_id,
        ))
        await audit.record("membership.start", "member", member_id, now=now,
                           actor_id=actor_id, after={"type": kind["slug"],
                                                     "ends_on": ends.isoformat()})


async def renew_membership(member_id: int, *, actor_id: int, today: date, now: datetime) -> date:
    async with write_transaction():
        await _member_for_update(member_id)
        current = await Membership.select(
            Membership.id, Membership.ends_on, Membership.status,
            Membership.membership_type.validity_days.as_alias("validity_days"),
        ).where((Membership.member == member_id) & (Membership.status != "closed")).first()
        if current is None:
            raise MemberError({"form": N_("This member has no membership to renew.")})
        if current["status"] == "suspended":
            raise MemberError({"form": N_("Lift the suspension before renewing.")})
        ends = renewed_until(current["ends_on"], current["validity_days"], today)
        await Membership.update({Membership.ends_on: ends, Membership.status: "active"}).where(
            Membership.id == current["id"]
        )
        await audit.record("membership.renew", "member", member_id, now=now, actor_id=actor_id,
                           before={"ends_on": current["ends_on"].isoformat()},
                           after={"ends_on": ends.isoformat()})
    return ends


async def suspend_membership(member_id: int, reason: str, *, actor_id: int,
                             now: datetime) -> None:
    reason = " ".join(reason.split())
    async with write_transaction():
        await _member_for_update(member_id)
        if not reason:
            raise MemberError({"reason": N_("Write why the membership is suspended.")})
        current = await _current_membership(member_id)
        if len(reason) > 500:
            raise MemberError({"reason": N_("At most 500 characters.")})
        await Membership.update({Membership.status: "suspended",
                                 Membership.suspended_reason: reason}).where(
            Membership.id == current["id"])
        await audit.record("membership.suspend", "member", member_id, now=now,
                           actor_id=actor_id, after={"reason": reason})


async def lift_suspension(member_id: int, *, actor_id: int, now: datetime) -> None:
    async with write_transaction():
        await _member_for_update(member_id)
        current = await _current_membership(member_id)
        if current["status"] != "suspended":
            raise MemberError({"reason": N_("Write why the membership is suspended.")})
        await Membership.update({Membership.status: "active",
                                 Membership.suspended_reason: ""}).where(
            Membership.id == current["id"])
        await audit.record("membership.unsuspend", "member", member_id, now=now,
                           actor_id=actor_id, after={"reason": ""})


async def memberships_ending(first: date, last: date) -> list[dict[str, Any]]:
    """Active memberships whose last day lies between `first` and `last`, with their type's
    names and the member's home centre and its zone (None without one): what the reminders
    sweep tells of, inside its transaction. A renewal moves ends_on, so a renewed membership
    is no longer among them."""
    return await Membership.select(
        Membership.id, Membership.member, Membership.starts_on, Membership.ends_on,
        Membership.membership_type.name_ka.as_alias("type_name_ka"),
        Membership.membership_type.name_en.as_alias("type_name_en"),
        Membership.membership_type.name_ru.as_alias("type_name_ru"),
        Membership.member.home_centre.as_alias("centre"),
        Membership.member.home_centre.timezone.as_alias("timezone"),
    ).where((Membership.status == "active") & (Membership.ends_on >= first)
            & (Membership.ends_on <= last)).order_by(Membership.id)


async def _current_membership(member_id: int) -> dict[str, Any]:
    current = await Membership.select().where(
        (Membership.member == member_id) & (Membership.status != "closed")
    ).first()
    if current is None:
        raise MemberError({"form": N_("This member has no membership.")})
    return current


async def grant_concession(member_id: int, category_id: int, proof: str,
                           expires_on: date | None, *, actor_id: int, today: date,
                           now: datetime) -> None:
    """`expires_on`: None when what was typed is not a date."""
    proof = " ".join(proof.split())
    async with write_transaction():
        await _member_for_update(member_id)
        errors: dict[str, Any] = {}
        if not proof:
            errors["proof"] = N_("Write which document you saw.")
        elif len(proof) > 200:
            errors["proof"] = N_("At most 200 characters.")
        if expires_on is None:
            errors["expires_on"] = N_("Enter a date as YYYY-MM-DD.")
        elif expires_on < today:
            errors["expires_on"] = N_("The expiry date has passed already.")
        if errors:
            raise MemberError(errors)
        category = await ConcessionCategory.select().where(
            (ConcessionCategory.id == category_id) & ConcessionCategory.active.eq(True)
        ).first()
        if category is None:
            raise MemberError({"category": N_("Choose a concession from the list.")})
        # the new concession replaces the one in force
        await MemberConcession.update({MemberConcession.revoked_at: now}).where(
            (MemberConcession.member == member_id) & MemberConcession.revoked_at.is_null()
        )
        await MemberConcession.insert(MemberConcession(
            member=member_id, category=category_id, proof=proof, expires_on=expires_on,
            granted_at=now, granted_by=actor_id,
        ))
        await audit.record("concession.grant", "member", member_id, now=now, actor_id=actor_id,
                           after={"category": category["slug"],
                                  "expires_on": expires_on.isoformat()})


async def create_concession_category(values: dict[str, Any], *, actor_id: int,
                                     now: datetime) -> int:
    async with write_transaction():
        if await ConcessionCategory.exists().where(ConcessionCategory.slug == values["slug"]):
            raise MemberError({"slug": N_("This short name is taken.")})
        rows = await ConcessionCategory.insert(ConcessionCategory(**values)).returning(
            ConcessionCategory.id
        )
        await audit.record("concession_category.create", "concession_category", rows[0]["id"],
                           now=now, actor_id=actor_id, after=values)
    return rows[0]["id"]


async def create_membership_type(values: dict[str, Any], *, actor_id: int,
                                 now: datetime) -> int:
    async with write_transaction():
        if await MembershipType.exists().where(MembershipType.slug == values["slug"]):
            raise MemberError({"slug": N_("This short name is taken.")})
        rows = await MembershipType.insert(MembershipType(**values)).returning(MembershipType.id)
        await audit.record("membership_type.create", "membership_type", rows[0]["id"], now=now,
                           actor_id=actor_id, after=values)
    return rows[0]["id"]


# --- members from and to a spreadsheet ------------------------------------------------------

IMPORT_CHUNK = 200  # rows per INSERT: well under SQLite's and PostgreSQL's bound values
LOOKUP_CHUNK = 500


def import_page(plan: member_csv_rules.Plan | None = None, errors: dict[str, Any] | None = None,
                *, content: bytes = b"", done: int | None = None) -> dict[str, Any]:
    """The import page: the form, a checked file's rows (with the file itself in base64 to
    confirm, when every row is valid), or how many members the last import added (`done`)."""
    return {
        "plan": plan, "errors": errors or {}, "done": done,
        "content": base64.b64encode(content).decode() if plan is not None and plan.ok else "",
        "required_columns": member_csv_rules.REQUIRED_COLUMNS,
        "optional_columns": member_csv_rules.OPTIONAL_COLUMNS,
        "max_rows": member_csv_rules.MAX_ROWS,
        "max_mb": member_csv_rules.MAX_BYTES // (1024 * 1024),
        "choices": {"id_document_type": ID_DOCUMENT_TYPES, "sex": SEXES,
                    "situation": SITUATIONS, "language": LANGUAGES},
    }


async def preview_import(upload: Any, *, actor: CurrentUser, today: date) -> dict[str, Any]:
    """The dry run of an uploaded file: every row checked against the database, nothing
    written."""
    if upload is None or isinstance(upload, str) or not hasattr(upload, "read"):
        raise MemberError({"file": N_("Choose a CSV file.")})
    content = await upload.read(member_csv_rules.MAX_BYTES + 1)
    sheet = member_csv_rules.read_csv(content)
    if sheet.error is not None:
        raise MemberError({"file": sheet.error})
    async with read_transaction():
        plan = await _checked_import(sheet, actor, today)
    return import_page(plan, content=content)


async def refused_import_page(encoded: Any, errors: dict[str, Any], *, actor: CurrentUser,
                              today: date) -> dict[str, Any]:
    """The import page after a refusal: a file that cannot be read with its error alone, else
    its rows checked again (`encoded`: the file the confirm form carries), the refusal above."""
    content = _decoded(encoded)
    sheet = member_csv_rules.read_csv(content)
    if "file" in errors or sheet.error is not None:
        return import_page(None, errors if "file" in errors else {"file": sheet.error})
    async with read_transaction():
        plan = await _checked_import(sheet, actor, today)
    return import_page(plan, errors, content=content)


def _decoded(encoded: Any) -> bytes:
    """The file the confirm form carries (base64); nothing if it is not base64."""
    try:
        return base64.b64decode(encoded if isinstance(encoded, str) else "", validate=True)
    except (binascii.Error, ValueError):
        return b""


async def _checked_import(sheet: member_csv_rules.Sheet, actor: CurrentUser,
                          today: date) -> member_csv_rules.Plan:
    """Every row by the desk's rules, then the phones, e-mails and documents an account has."""
    centres = {c["code"]: c["id"] for c in await _home_centres(actor)}
    plan = member_csv_rules.check_rows(sheet, centres, today=today)
    phones, emails, documents = member_csv_rules.keys(plan)
    taken_documents = {
        (row["id_document_type"], row["id_document_number"])
        for row in await _among(Member.id_document_number, {n for _t, n in documents},
                                Member.id_document_type, Member.id_document_number)}
    return member_csv_rules.mark_taken(
        plan, phones={r["phone"] for r in await _among(Member.phone, phones, Member.phone)},
        emails={r["email"] for r in await _among(Member.email, emails, Member.email)},
        documents=taken_documents & documents)


async def _among(column: Any, values: set[str], *selected: Any) -> list[dict[str, Any]]:
    """The members whose `column` is one of `values`, a chunk of them a query."""
    found: list[dict[str, Any]] = []
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        found += await Member.select(*selected).where(
            column.is_in(ordered[start:start + LOOKUP_CHUNK]))
    return found


async def import_file(encoded: Any, *, actor: CurrentUser, today: date,
                      now: datetime) -> member_csv_rules.Plan:
    """Confirming an import: the file the form carries (base64) is checked again from scratch
    inside one write transaction and, if every row is valid, each becomes a member as the
    desk registers one: active and verified by the importing coordinator (the centre saw them
    and their document on paper), the consents signed on paper recorded; each audited, and
    the import once. Returns the plan; nothing is written unless `plan.ok`."""
    sheet = member_csv_rules.read_csv(_decoded(encoded))
    if sheet.error is not None:
        raise MemberError({"file": sheet.error})
    try:
        async with write_transaction():
            plan = await _checked_import(sheet, actor, today)
            if plan.ok:
                await _insert_imported(plan, actor_id=actor.id, now=now)
    except Exception as exc:
        if "unique" in str(exc).lower() or type(exc).__name__ == "UniqueViolationError":
            raise DomainError("conflict", {"file": N_(
                "Someone registered the same phone, e-mail or document meanwhile: check the "
                "file again.")}) from exc
        raise
    return plan


async def _insert_imported(plan: member_csv_rules.Plan, *, actor_id: int,
                           now: datetime) -> None:
    ids: dict[str, int] = {}  # phone -> the new member's id (a phone is unique)
    for start in range(0, len(plan.rows), IMPORT_CHUNK):
        chunk = plan.rows[start:start + IMPORT_CHUNK]
        inserted = await Member.insert(*(Member(
            **row.values, role="member", status="active", verified_at=now,
            verified_by=actor_id, created_at=now, updated_at=now) for row in chunk)
        ).returning(Member.id, Member.phone)
        ids.update({r["phone"]: r["id"] for r in inserted})
    for start in range(0, len(plan.rows), IMPORT_CHUNK):
        chunk = plan.rows[start:start + IMPORT_CHUNK]
        await MemberConsent.insert(*(
            MemberConsent(member=ids[row.values["phone"]], kind=kind, version=version,
                          given_at=now)
            for row in chunk for kind, version in (
                ("rental_agreement", RENTAL_AGREEMENT_VERSION),
                ("data_processing", DATA_PROCESSING_VERSION))))
        await audit.record_many([
            audit.entry("member.imported", "member", ids[row.values["phone"]], now=now,
                        actor_id=actor_id, centre_id=row.values["home_centre"],
                        after={**audit_view(row.values), "line": row.line})
            for row in chunk])
    cards = sorted(ids.values())
    await audit.record("member.import", "member", None, now=now, actor_id=actor_id, after={
        "count": len(cards), "first": card_number(cards[0]), "last": card_number(cards[-1])})


async def export_members(kind: str, *, actor: CurrentUser, today: date,
                         now: datetime) -> tuple[bytes, int]:
    """Every member (not erased, not staff) as CSV: `donor`, the fields a donor may see, or
    `personal` (administrators only), with name, phone, e-mail and document. The export is
    audited: who, which kind, how many rows. Returns the file and its number of rows."""
    if kind not in member_csv_rules.EXPORT_KINDS:
        raise MemberError({"kind": N_("Choose one of the exports in the list.")})
    if kind == "personal" and actor.role != "admin":
        raise DomainError("forbidden", {"form": N_(
            "Only an administrator may export members' personal data.")})
    async with write_transaction():
        found = await Member.select(
            *Member.all_columns(exclude=[Member.password_hash, Member.notes]),
            Member.home_centre.code.as_alias("centre_code"),
            Member.home_centre.timezone.as_alias("timezone"),
        ).where((Member.role == "member") & (Member.status != "erased")).order_by(Member.id)
        current = {m["member"]: m for m in await Membership.select(
            Membership.member, Membership.status, Membership.ends_on).where(
            Membership.status != "closed")}
        rows = [member_csv_rules.export_row(
            {**m, "membership_status": current.get(m["id"], {}).get("status"),
             "ends_on": current.get(m["id"], {}).get("ends_on")}, kind=kind, today=today)
            for m in found]
        await audit.record("member.export", "member", None, now=now, actor_id=actor.id,
                           after={"kind": kind, "rows": len(rows)})
    return member_csv_rules.to_csv(member_csv_rules.export_columns(kind), rows), len(rows)
