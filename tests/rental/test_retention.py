"""The periodic purge deletes exactly the rows past their retention, on both engines, and
erases the online sign-ups nobody verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import SMG, now

from rental.retention import purge
from rental.tables import (
    AuditLog,
    LoginFailure,
    Member,
    MemberConsent,
    PhoneCode,
    RateEvent,
    Receipt,
    UserSession,
)


async def _member(phone: str, *, status: str = "pending", days_ago: int = 0) -> int:
    at = now() - timedelta(days=days_ago)
    member_id = (await Member.insert(Member(
        name="Nino Signup", phone=phone, email=f"{phone[1:]}@example.ge", password_hash="x",
        status=status, created_at=at, updated_at=at, birth_date=None,
    )).returning(Member.id))[0]["id"]
    await MemberConsent.insert(MemberConsent(member=member_id, kind="data_processing",
                                             version="1", given_at=at))
    # every sign-up is the actor of its own entry in the append-only audit log
    await AuditLog.insert(AuditLog(at=at, actor=member_id, action="signup", entity="member",
                                   entity_id=member_id))
    return member_id


async def _session(member_id: int, token: str, expires_in: timedelta) -> None:
    await UserSession.insert(UserSession(token_hash=token, member=member_id,
                                         created_at=now() - timedelta(days=20),
                                         expires_at=now() + expires_in, ip="", user_agent=""))


async def test_purge_deletes_exactly_the_rows_past_their_retention(seeded):
    member = await _member("+995555770001", status="active", days_ago=400)
    await _session(member, "a" * 64, timedelta(minutes=-1))  # expired a minute ago
    await _session(member, "b" * 64, timedelta(minutes=1))
    t = now()
    await LoginFailure.insert(LoginFailure(login="x", ip="1", at=t - timedelta(days=31)),
                              LoginFailure(login="y", ip="1", at=t - timedelta(days=29)))
    await RateEvent.insert(RateEvent(action="signup", key="ip:1", at=t - timedelta(hours=25)),
                           RateEvent(action="signup", key="ip:2", at=t - timedelta(hours=23)))
    await PhoneCode.insert(*[PhoneCode(phone=f"+99555577000{n}", code_hash="c", attempts=0,
                                       expires_at=at + timedelta(minutes=10), created_at=at,
                                       requested_from="1")
                             for n, at in ((1, t - timedelta(hours=25)),
                                           (2, t - timedelta(hours=23)))])

    purged = await purge(now=t, login_window_minutes=15)

    assert (purged.sessions, purged.login_failures, purged.rate_events,
            purged.phone_codes) == (1, 1, 1, 1)
    assert await UserSession.select(UserSession.token_hash).output(as_list=True) == ["b" * 64]
    assert await LoginFailure.select(LoginFailure.login).output(as_list=True) == ["y"]
    assert await RateEvent.select(RateEvent.key).output(as_list=True) == ["ip:2"]
    assert await PhoneCode.select(PhoneCode.phone).output(as_list=True) == ["+995555770002"]
    assert await purge(now=t, login_window_minutes=15) == type(purged)(0, 0, 0, 0, 0)


async def test_stale_sign_ups_are_erased_and_others_left(seeded):
    stale = await _member("+995555770011", days_ago=91)
    await _session(stale, "c" * 64, timedelta(days=1))  # logged in again yesterday
    recent = await _member("+995555770012", days_ago=89)
    paid = await _member("+995555770013", days_ago=200)  # paid something at the desk
    await Receipt.insert(Receipt(member=paid, centre=SMG, kind="payment", created_at=now()))
    verified = await _member("+995555770014", status="active", days_ago=200)

    purged = await purge(now=now(), login_window_minutes=15)

    assert purged.pending_signups == 1
    rows = {row["id"]: row for row in await Member.select().where(
        Member.id.is_in([stale, recent, paid, verified]))}
    assert rows[stale]["status"] == "erased"
    assert (rows[stale]["name"], rows[stale]["email"], rows[stale]["password_hash"]) == (
        f"#{stale}", None, "")
    assert rows[stale]["phone"] != "+995555770011"  # the number is free for its owner
    assert rows[stale]["erased_at"] == now()
    assert not await UserSession.exists().where(UserSession.member == stale)
    assert [rows[m]["status"] for m in (recent, paid, verified)] == [
        "pending", "pending", "active"]
    assert rows[recent]["name"] == "Nino Signup"
    # the audit log keeps the sign-up and says why it was erased
    assert await AuditLog.select(AuditLog.action).where(
        (AuditLog.entity == "member") & (AuditLog.entity_id == stale)).order_by(
        AuditLog.id).output(as_list=True) == ["signup", "signup_expired"]


async def test_a_sign_up_cannot_be_deleted_under_its_audit_entry(seeded):
    """Why the purge erases a stale sign-up rather than deleting it."""
    member = await _member("+995555770021", days_ago=91)
    with pytest.raises(Exception, match="(?i)append-only|foreign key"):
        await Member.delete().where(Member.id == member)
    assert await Member.exists().where(Member.id == member)
