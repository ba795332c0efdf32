"""The periodic purge of what the app keeps only for a while (the periods: retention_rules).

Each kind of row goes in one statement, all in one transaction. An online sign-up nobody
verified is erased, not deleted: every sign-up is the actor of its own entry in the audit log,
which is append-only, so the database refuses to delete the member under it; erasing is also
how the desk closes such a sign-up (members.register_at_desk). A sign-up with anything the
organisation must keep (a receipt, a ledger line, a membership, a concession) is left alone;
bookings and enrolments need a verified member, so a pending one has none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns.combination import WhereRaw

from rental import audit, throttle
from rental.kernel.db import write_transaction
from rental.member_rules import erased_values
from rental.retention_rules import cut_offs
from rental.tables import (
    LoginFailure,
    Member,
    Notification,
    PasswordResetCode,
    PhoneCode,
    RateEvent,
    UserSession,
)

# what a sign-up must not have to be erased: the rows the organisation keeps
_NOTHING_KEPT = " AND ".join(
    f"NOT EXISTS (SELECT 1 FROM {table} WHERE {table}.member = member.id)"
    for table in ("receipt", "ledger_entry", "membership", "member_concession"))


@dataclass(frozen=True)
class Purged:
    sessions: int
    login_failures: int
    rate_events: int
    phone_codes: int
    pending_signups: int


async def purge(*, now: datetime, login_window_minutes: int) -> Purged:
    """Delete the expired sessions and the old login failures, rate-limit rows and phone codes;
    erase the stale sign-ups. Returns how many of each."""
    cut = cut_offs(now, login_window_minutes=login_window_minutes,
                   longest_limit_minutes=max(limit.minutes for limit in throttle.LIMITS.values()))
    async with write_transaction():
        sessions = await UserSession.delete().where(
            UserSession.expires_at <= cut.sessions).returning(UserSession.id)
        failures = await LoginFailure.delete().where(
            LoginFailure.at < cut.login_failures).returning(LoginFailure.id)
        events = await RateEvent.delete().where(
            RateEvent.at < cut.rate_events).returning(RateEvent.id)
        codes = await PhoneCode.delete().where(
            PhoneCode.created_at < cut.phone_codes).returning(PhoneCode.id)
        signups = await Member.select(Member.id, Member.birth_date).where(
            (Member.status == "pending") & Member.verified_at.is_null()
            & (Member.role == "member") & (Member.created_at < cut.pending_signups)
            & WhereRaw(_NOTHING_KEPT))
        await _erase_signups(signups, now)
    return Purged(len(sessions), len(failures), len(events), len(codes), len(signups))


async def _erase_signups(signups: list[dict], now: datetime) -> None:
    if not signups:
        return
    ids = [row["id"] for row in signups]
    await UserSession.delete().where(UserSession.member.is_in(ids))
    await PasswordResetCode.delete().where(PasswordResetCode.member.is_in(ids))
    await Notification.update({Notification.subject: "", Notification.body: ""}).where(
        Notification.member.is_in(ids))
    for row in signups:
        await Member.update({**erased_values(row["id"], row["birth_date"]),
                             "erased_at": now, "updated_at": now}).where(Member.id == row["id"])
        await audit.record("signup_expired", "member", row["id"], now=now,
                           before={"status": "pending"}, after={"status": "erased"})
