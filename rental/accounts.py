"""Creating accounts (member sign-up and desk registration are rental.members'), and API
tokens: made and revoked by the command line, and by each person on their page."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from rental import audit
from rental.auth import hash_password, token_digest
from rental.kernel.db import write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.token_rules import (
    NAME_LENGTH,
    SCOPES,
    TokenRequest,
    allowed_scopes,
    expiry_problem,
    held,
    is_expired,
    scopes_problem,
    stored,
)
from rental.tables import ApiToken, Centre, Member, StaffCentre


class AccountError(Exception):
    pass


async def create_staff_account(
    *,
    role: str,
    phone: str,
    name: str,
    email: str | None,
    centre_codes: Sequence[str],
    password: str,
    now: datetime,
    actor_id: int | None = None,
) -> int:
    if role not in ("staff", "coordinator", "admin"):
        raise AccountError(f"unknown role {role!r}")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise AccountError("the name must have 1 to 200 characters")
    try:
        e164 = normalise_phone(phone)
    except InvalidPhone:
        raise AccountError(f"{phone!r} is not a valid phone number") from None
    email = email.strip().lower() if email else None
    if email and ("@" not in email or len(email) > 254):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role == "staff" and not centre_codes:
        raise AccountError("desk staff work at one or more centres: add --centre CODE")
    async with write_transaction():
        centres = await Centre.select(Centre.id, Centre.code).where(
            Centre.code.is_in(list(centre_codes) or ["-"])
        )
        unknown = set(centre_codes) - {c["code"] for c in centres}
        if unknown:
            raise AccountError(f"no centre with code {', '.join(sorted(unknown))}")
        if await Member.exists().where(Member.phone == e164):
            raise AccountError(f"an account with phone {e164} exists already")
        if email and await Member.exists().where(Member.email == email):
            raise AccountError(f"an account with e-mail {email} exists already")
        rows = await Member.insert(
            Member(
                name=name,
                phone=e164,
                email=email,
                password_hash=hash_password(password),
                role=role,
                status="active",
                language="ka",
                created_at=now,
                updated_at=now,
            )
        ).returning(Member.id)
        member_id = rows[0]["id"]
        for centre in centres:
            await StaffCentre.insert(StaffCentre(member=member_id, centre=centre["id"]))
        await audit.record(
            "create", "member", member_id, now=now, actor_id=actor_id,
            after={"role": role, "centres": sorted(c["code"] for c in centres)},
        )
    return member_id


async def create_api_token(phone: str, label: str, *, now: datetime,
                           scopes: Sequence[str] | None = None, expires_on: date | None = None,
                           today: date | None = None) -> tuple[int, str]:
    """A new bearer token for the account with this phone (the command line's); the token is
    returned once. Without `scopes`, every scope the account's role allows."""
    try:
        e164 = normalise_phone(phone)
    except InvalidPhone:
        raise AccountError(f"{phone!r} is not a valid phone number") from None
    async with write_transaction():
        member = await Member.select(Member.id, Member.status, Member.role).where(
            Member.phone == e164).first()
        if member is None or member["status"] == "erased":
            raise AccountError(f"no account with phone {e164}")
        role = member["role"]
        chosen = list(allowed_scopes(role) if scopes is None else scopes)
        if problem := scopes_problem(chosen, role):
            raise AccountError(f"{problem} A {role}'s token may hold: "
                               f"{', '.join(allowed_scopes(role))}.")
        if expires_on is not None and today is not None and expiry_problem(expires_on, today):
            raise AccountError(f"the last day {expires_on} is past: choose today or later")
        return await _insert_token(member["id"], label[:NAME_LENGTH], stored(chosen),
                                   expires_on, now=now)


async def _insert_token(member_id: int, label: str, scopes: str, expires_on: date | None, *,
                        now: datetime, actor_id: int | None = None) -> tuple[int, str]:
    """Inside the caller's transaction: the row, its audit line, and the token (once)."""
    token = "tl_" + secrets.token_urlsafe(32)
    rows = await ApiToken.insert(ApiToken(
        member=member_id, token_hash=token_digest(token), label=label, created_at=now,
        scopes=scopes, expires_on=expires_on,
    )).returning(ApiToken.id)
    await audit.record("api_token.create", "member", member_id, now=now, actor_id=actor_id,
                       after={"token": rows[0]["id"], "label": label, "scopes": scopes,
                              "expires_on": expires_on.isoformat() if expires_on else None})
    return rows[0]["id"], token


async def revoke_api_token(token_id: int, *, now: datetime) -> None:
    async with write_transaction():
        rows = await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
        ).returning(ApiToken.member)
        if not rows:
            raise AccountError(f"no active token #{token_id}")
        await audit.record("api_token.revoke", "member", rows[0]["member"], now=now,
                           after={"token": token_id})


async def api_tokens(phone: str | None = None) -> list[dict]:
    """Every token (the command line's list), or those of the account with this phone."""
    query = ApiToken.select(
        ApiToken.id, ApiToken.label, ApiToken.scopes, ApiToken.created_at,
        ApiToken.last_used_at, ApiToken.expires_on, ApiToken.revoked_at,
        ApiToken.member.phone.as_alias("phone"),
    ).order_by(ApiToken.id)
    if phone is not None:
        try:
            query = query.where(ApiToken.member.phone == normalise_phone(phone))
        except InvalidPhone:
            raise AccountError(f"{phone!r} is not a valid phone number") from None
    return await query


# --- a person's own tokens, on their page ---------------------------------------------------


class TokenRefused(DomainError):
    """A token of someone else, or one revoked already (not_found); a token made with a token
    (forbidden)."""


async def tokens_page(user: CurrentUser, *, today: date) -> dict[str, Any]:
    """The person's tokens that are not revoked (newest first), each with the scopes it holds
    today, and the scopes their role lets them give a new one."""
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.label, ApiToken.scopes, ApiToken.created_at,
        ApiToken.last_used_at, ApiToken.expires_on,
    ).where((ApiToken.member == user.id) & ApiToken.revoked_at.is_null()).order_by(
        ApiToken.id, ascending=False)
    tokens = [{**row, "scopes": [scope for scope in SCOPES
                                 if scope in held(row["scopes"], user.role)],
               "expired": is_expired(row["expires_on"], today)} for row in rows]
    return {"tokens": tokens, "scope_choices": allowed_scopes(user.role)}


async def create_my_token(user: CurrentUser, wanted: TokenRequest, *, now: datetime,
                          today: date) -> dict[str, Any]:
    """A token for the person on their page (the form was checked by token_rules.token_form):
    the page again, with the new token (`new_token`), shown this once."""
    if user.scopes is not None:  # a token may not make a longer-lived or wider one
        raise TokenRefused("forbidden", {"form": N_(
            "API tokens are made on your page, not with another token.")})
    async with write_transaction():
        token_id, token = await _insert_token(user.id, wanted.name, wanted.scopes,
                                              wanted.expires_on, now=now, actor_id=user.id)
    return {**await tokens_page(user, today=today),
            "new_token": {"id": token_id, "name": wanted.name, "token": token}}


async def my_token(user: CurrentUser, token_id: int) -> dict[str, Any]:
    """One of the person's tokens that is not revoked, for the page that asks before revoking."""
    row = await ApiToken.select(ApiToken.id, ApiToken.label, ApiToken.created_at).where(
        (ApiToken.id == token_id) & (ApiToken.member == user.id)
        & ApiToken.revoked_at.is_null()).first()
    if row is None:
        raise TokenRefused("not_found", {"form": N_("There is no such API token.")})
    return row


async def revoke_my_token(user: CurrentUser, token_id: int, *, now: datetime) -> str:
    """Revoke one of the person's tokens; its name."""
    async with write_transaction():
        rows = await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.id == token_id) & (ApiToken.member == user.id)
            & ApiToken.revoked_at.is_null()
        ).returning(ApiToken.label)
        if not rows:
            raise TokenRefused("not_found", {"form": N_("There is no such API token.")})
        await audit.record("api_token.revoke", "member", user.id, now=now, actor_id=user.id,
                           after={"token": token_id})
    return rows[0]["label"]
