"""Creating accounts. (Member sign-up and desk registration come with the members issue.)"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from rental import audit
from rental.auth import hash_password, token_digest
from rental.kernel.db import write_transaction
from rental.kernel.phones import InvalidPhone, normalise_phone
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


async def create_api_token(phone: str, label: str, *, now: datetime) -> tuple[int, str]:
    """A new bearer token for the account with this phone; the token is returned once."""
    try:
        e164 = normalise_phone(phone)
    except InvalidPhone:
        raise AccountError(f"{phone!r} is not a valid phone number") from None
    token = "tl_" + secrets.token_urlsafe(32)
    async with write_transaction():
        member = await Member.select(Member.id, Member.status).where(Member.phone == e164).first()
        if member is None or member["status"] == "erased":
            raise AccountError(f"no account with phone {e164}")
        rows = await ApiToken.insert(ApiToken(
            member=member["id"], token_hash=token_digest(token), label=label[:100],
            created_at=now,
        )).returning(ApiToken.id)
        await audit.record("api_token.create", "member", member["id"], now=now,
                           after={"token": rows[0]["id"], "label": label[:100]})
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


async def api_tokens() -> list[dict]:
    return await ApiToken.select(
        ApiToken.id, ApiToken.label, ApiToken.created_at, ApiToken.last_used_at,
        ApiToken.revoked_at, ApiToken.member.phone.as_alias("phone"),
    ).order_by(ApiToken.id)
