"""Creating accounts. (Member sign-up and desk registration come with the members issue.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from inventory.db import write_transaction
from inventory.tables import Centre
from rental import audit
from rental.auth import hash_password
from rental.phones import InvalidPhone, normalise_phone
from rental.tables import Member, StaffCentre


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
