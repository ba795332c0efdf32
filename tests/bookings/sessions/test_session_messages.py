"""What members are told about their sessions and certificates, queued in the transaction of
the change that causes it: a place (not a place on the waitlist), a place from the waitlist, a
session moved (each move once, nothing when nothing moved), a session cancelled (to the
enrolled and the waiting, not to those who left), a certificate issued (with its end, or
without one; by the session's centre, or by the member's home centre when granted by hand).

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; the clock is the tests'."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from helpers import SMG, TBILISI, Cast, at, demo_cast, new_session, now, session_values, today

from bookings.sessions import services as sessions
from bookings.tables import Enrolment, SkillSession
from inventory.tables import Skill
from rental.kernel.i18n import format_date, format_time, in_locale
from rental.tables import Centre, Member, Notification

KUT = 2  # the other demo centre



@pytest.fixture
async def cast(seeded) -> Cast:
    skills = {row["slug"]: row["id"] for row in await Skill.select(Skill.id, Skill.slug)}
    await SkillSession.update({SkillSession.status: "cancelled"}, force=True)  # the seed's
    return dataclasses.replace(await demo_cast(), skills=skills)



async def update(cast: Cast, session_id: int, **over) -> None:
    await sessions.update(session_id, session_values(**over), actor_id=cast.coordinator.id,
                          now=now())


async def enrol(session_id: int, member_id: int) -> str:
    return await sessions.enrol(session_id, member_id, actor_id=member_id, now=now())


async def told(member: int, kind: str) -> list[dict]:
    return await Notification.select().where(
        (Notification.member == member) & (Notification.kind == kind)
        & (Notification.channel == "page")).order_by(Notification.id)


def english_day_and_time(moment: datetime) -> tuple[str, str]:
    with in_locale("en"):
        return format_date(moment.astimezone(TBILISI).date()), format_time(moment, "Asia/Tbilisi")


async def test_a_place_is_told_and_a_place_on_the_waitlist_is_not(cast):
    session = await new_session(cast, capacity=1)
    assert await enrol(session, cast.other) == "enrolled"  # Levan reads English
    assert await enrol(session, cast.member) == "waitlisted"
    [message] = await told(cast.other, "session_enrolled")
    enrolment = await Enrolment.select().where(Enrolment.member == cast.other).first()
    assert message["event_key"] == f"session_enrolled:enrolment {enrolment['id']}"
    assert message["subject"] == "Enrolled: Safety session" and message["centre"] == SMG
    day, hour = english_day_and_time(session_values()["starts_at"])
    assert f"on {day} at {hour}" in message["body"] and "Samgori" in message["body"]
    assert await told(cast.member, "session_enrolled") == []


async def test_a_place_from_the_waitlist_is_told_once(cast):
    session = await new_session(cast, capacity=1)
    await enrol(session, cast.member)
    await enrol(session, cast.other)
    await enrol(session, cast.migrant)
    await sessions.cancel_enrolment(session, cast.member, actor_id=cast.member, now=now())
    [promoted] = await told(cast.other, "session_promoted")
    enrolment = await Enrolment.select().where(Enrolment.member == cast.other).first()
    assert promoted["event_key"] == f"session_promoted:enrolment {enrolment['id']}"
    assert promoted["subject"] == "A place for you: Safety session"
    assert await told(cast.other, "session_enrolled") == []  # waitlisted when enrolling
    assert await told(cast.migrant, "session_promoted") == []  # still waiting
    # more places: the next one moves up and is told
    await update(cast, session, capacity=3)
    assert len(await told(cast.migrant, "session_promoted")) == 1
    assert len(await told(cast.other, "session_promoted")) == 1


async def test_a_moved_session_is_told_to_the_enrolled_once_per_move(cast):
    first = at(today() + timedelta(days=3), 10)
    session = await new_session(cast, capacity=1, starts_at=first)
    await enrol(session, cast.other)
    await enrol(session, cast.member)  # waitlisted
    await update(cast, session, starts_at=first, capacity=1, room="Hall 3")  # not moved
    assert await told(cast.other, "session_changed") == []
    later = at(today() + timedelta(days=4), 15, 30)
    await update(cast, session, starts_at=later, capacity=1)
    [moved] = await told(cast.other, "session_changed")
    day, hour = english_day_and_time(later)
    assert moved["subject"] == "Session moved: Safety session"
    assert f"now on {day} at {hour}" in moved["body"]
    assert moved["event_key"].startswith(
        f"session_changed:session {session}:{later.isoformat(timespec='minutes')}:")
    assert await told(cast.member, "session_changed") == []  # on the waitlist
    await update(cast, session, starts_at=later, capacity=1)  # the same values again
    assert len(await told(cast.other, "session_changed")) == 1
    # moved back, and moved to the other centre: each is told
    a_bit_later = now() + timedelta(minutes=5)
    await sessions.update(session, session_values(starts_at=first, capacity=1),
                          actor_id=cast.coordinator.id, now=a_bit_later)
    await sessions.update(session, session_values(starts_at=first, capacity=1, centre=KUT),
                          actor_id=cast.coordinator.id,
                          now=a_bit_later + timedelta(minutes=5))
    changes = await told(cast.other, "session_changed")
    assert len(changes) == 3 and changes[2]["centre"] == KUT and "Kutaisi" in changes[2]["body"]


async def test_a_cancelled_session_is_told_to_the_enrolled_and_the_waiting(cast):
    session = await new_session(cast, capacity=1)
    await enrol(session, cast.other)
    await enrol(session, cast.member)  # waitlisted
    await enrol(session, cast.migrant)  # waitlisted, then leaves
    await sessions.cancel_enrolment(session, cast.migrant, actor_id=cast.migrant, now=now())
    await sessions.cancel(session, actor_id=cast.coordinator.id, now=now())
    [english] = await told(cast.other, "session_cancelled")
    assert english["subject"] == "Session cancelled: Safety session"
    assert english["event_key"] == f"session_cancelled:session {session}"
    [georgian] = await told(cast.member, "session_cancelled")
    assert georgian["language"] == "ka" and "უსაფრთხოების სესია" in georgian["subject"]
    assert await told(cast.migrant, "session_cancelled") == []


async def test_a_session_over_and_then_cancelled_tells_nothing(cast):
    session = await new_session(cast, starts_at=now() + timedelta(hours=1))
    await enrol(session, cast.other)
    await sessions.cancel(session, actor_id=cast.coordinator.id, now=now() + timedelta(hours=4))
    assert await told(cast.other, "session_cancelled") == []


async def attend(cast: Cast, session: int, member: int) -> None:
    moment = now() + timedelta(hours=2)
    await sessions.mark_attendance(session, member, True, actor_id=cast.staff.id, now=moment,
                                   today=moment.astimezone(TBILISI).date())


async def test_a_certificate_earned_is_told_with_its_end(cast):
    session = await new_session(cast, starts_at=now() + timedelta(hours=1),
                                skill=cast.skills["electrical-safety"])
    await enrol(session, cast.other)
    await attend(cast, session, cast.other)
    await attend(cast, session, cast.other)  # marked twice: one certificate, told once
    [message] = await told(cast.other, "certificate_issued")
    day = (now() + timedelta(hours=2)).astimezone(TBILISI).date() + timedelta(days=730)
    with in_locale("en"):
        until = format_date(day)
    assert message["subject"] == "Certificate: Electrical safety basics"
    assert f"valid until {until}" in message["body"] and message["centre"] == SMG


async def test_a_certificate_that_never_ends_and_one_granted_by_hand(cast):
    session = await new_session(cast, starts_at=now() + timedelta(hours=1),
                                skill=cast.skills["power-tools"])
    await enrol(session, cast.other)
    await attend(cast, session, cast.other)
    [lasting] = await told(cast.other, "certificate_issued_no_expiry")
    assert "does not expire" in lasting["body"]
    # granted by hand: told by the member's home centre
    await Member.update({Member.home_centre: KUT}).where(Member.id == cast.other)
    certificate = await sessions.grant(cast.other, cast.skills["pipe-threading"], "A plumber",
                                       actor_id=cast.coordinator.id, today=today(), now=now())
    [granted] = await told(cast.other, "certificate_issued")
    assert granted["event_key"] == f"certificate_issued:certificate {certificate}"
    kutaisi = await Centre.select(Centre.name_en).where(Centre.id == KUT).first()
    assert granted["centre"] == KUT and kutaisi["name_en"] in granted["body"]
    assert "Steel pipe threading" in granted["subject"]
