"""Messages to members, queued with their events (a booking, a waitlist offer, a no-show, a loan
declared lost) and by the reminders sweep (pick-up tomorrow, return tomorrow, late on days 1, 3
and 7 and then weekly up to the centre's limit, a session tomorrow, a certificate ending in 30
days, a membership in 14): once each, in the member's language, never for a cancelled booking
or session, a returned loan, a left session, a renewed certificate or membership, never shown
to a suspended member."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import DB, ON_POSTGRES, RUN_DIR, WORKER_DB_URL
from helpers import SMG, TBILISI, demo_cast, now, open_day, today

from bookings.lending import desk, reservations
from bookings.lending.reminders import notifications_sweep
from bookings.lending.reservations import expire
from bookings.sessions import services as sessions
from bookings.tables import Booking, SkillSession, WaitlistEntry
from inventory.tables import Category, Skill, ToolType, Unit
from rental import members, notifications
from rental.kernel.db import write_transaction
from rental.kernel.i18n import format_date, in_locale
from rental.tables import Centre, Member, Membership, Notification

pytestmark = pytest.mark.usefixtures("desk_open")


async def a_tool(number: int = 7701) -> int:
    """A tool type with one unit at Samgori (SMG-{number}), no skill, no inspection."""
    category = await Category.select(Category.id).first()
    rows = await ToolType.insert(ToolType(
        slug=f"reminder-{number}", category=category["id"], name_ka="სატესტო სახერხი",
        name_en="Test saw", daily_fee=200, deposit=1000, max_loan_days=14, created_at=now(),
        search_text="test saw")).returning(ToolType.id)
    await Unit.insert(Unit(tool_type=rows[0]["id"], centre=SMG, asset_tag=f"SMG-{number}",
                           created_at=now()))
    return rows[0]["id"]


async def a_booking(member: int, tool: int, starts: date, ends: date, status: str) -> int:
    unit = await Unit.select(Unit.id).where(Unit.tool_type == tool).first()
    rows = await Booking.insert(Booking(
        member=member, tool_type=tool, unit=unit["id"], centre=SMG, starts_on=starts,
        ends_on=ends, status=status, created_at=now(),
        checked_out_at=now() if status == "out" else None)).returning(Booking.id)
    return rows[0]["id"]


def noon(day: date) -> datetime:
    """Noon of a day in Tbilisi, the demo centres' zone."""
    return datetime.combine(day, time(12), TBILISI)


async def messages(member: int, kind: str | None = None) -> list[dict]:
    query = Notification.select().where(Notification.member == member)
    if kind:
        query = query.where(Notification.kind == kind)
    return await query.order_by(Notification.id)


async def book(member: int, tool: int, starts: date, ends: date) -> dict:
    return await reservations.book(member_id=member, actor_id=member, tool_type_id=tool,
                                   centre_id=SMG, starts_on=starts, ends_on=ends,
                                   today=today(), now=now())


async def test_a_booking_queues_one_confirmation_in_the_members_language(seeded):
    cast = await demo_cast()
    tool = await a_tool()
    starts = open_day(2)
    booking = await book(cast.other, tool, starts, starts)  # Levan reads English
    [message] = await messages(cast.other)
    assert message["kind"] == "booking_confirmed" and message["language"] == "en"
    assert message["event_key"] == f"booking_confirmed:booking {booking['id']}"
    assert message["channel"] == "page" and message["status"] == "sent"
    assert message["read_at"] is None and message["centre"] == SMG
    assert message["subject"] == "Booking confirmed: Test saw"
    assert "Test saw" in message["body"] and "/me" not in message["body"]  # it is on /me
    assert "Samgori" in message["body"] and "+995" in message["body"]  # the centre, its phone
    # a Georgian reader gets Georgian
    other_tool = await a_tool(7702)
    await book(cast.member, other_tool, starts, starts)
    [georgian] = await messages(cast.member)
    assert georgian["language"] == "ka" and "სატესტო სახერხი" in georgian["subject"]
    # the same event queued again: nothing more
    async with write_transaction():
        again = await notifications.queue(cast.other, "booking_confirmed", {
            "tool": "Test saw", "starts": starts, "ends": starts}, now=now(), centre_id=SMG,
            event_key=f"booking_confirmed:booking {booking['id']}")
    assert again is False
    assert len(await messages(cast.other)) == 1


async def test_queue_runs_only_inside_its_events_transaction(seeded):
    cast = await demo_cast()
    with pytest.raises(RuntimeError):
        await notifications.queue(cast.member, "overdue", {"tool": "x", "ends": "y"},
                                  now=now(), event_key="overdue:test")


async def test_an_erased_member_is_told_nothing_and_a_suspended_one_sees_nothing(seeded):
    cast = await demo_cast()
    await Member.update({Member.status: "suspended"}).where(Member.id == cast.member)
    await Member.update({Member.status: "erased"}).where(Member.id == cast.other)
    params = {"tool": "x", "starts": "a", "ends": "b"}
    async with write_transaction():
        for member in (cast.member, cast.other):
            await notifications.queue(member, "pickup_tomorrow", params, now=now(),
                                      centre_id=SMG, event_key="pickup_tomorrow:test")
    [kept] = await messages(cast.member)
    assert kept["status"] == "suppressed"  # recorded, never shown nor sent
    assert await messages(cast.other) == []
    assert await notifications.latest(cast.member) == []
    assert await notifications.unread_count(cast.member) == 0


async def test_pickup_reminder_the_day_before_and_none_for_a_cancelled_booking(seeded):
    cast = await demo_cast()
    tool, cancelled_tool = await a_tool(7703), await a_tool(7704)
    starts = today() + timedelta(days=3)
    kept = await a_booking(cast.member, tool, starts, starts, "reserved")
    gone = await a_booking(cast.member, cancelled_tool, starts, starts, "reserved")
    await reservations.cancel(gone, member_id=cast.member, centre_ids=None,
                              actor_id=cast.member, now=now(), today=today())
    assert await notifications_sweep(now=noon(starts - timedelta(days=2))) == 0
    assert await notifications_sweep(now=noon(starts - timedelta(days=1))) == 1
    assert await notifications_sweep(now=noon(starts - timedelta(days=1))) == 0  # once
    [reminder] = await messages(cast.member, "pickup_tomorrow")
    assert reminder["event_key"] == f"pickup_tomorrow:booking {kept}:{starts.isoformat()}"


async def test_the_sweep_counts_days_in_the_centres_time(seeded):
    """Half past midnight in Tbilisi is the evening before in UTC: the day is Tbilisi's."""
    cast = await demo_cast()
    starts = today() + timedelta(days=3)
    await a_booking(cast.member, await a_tool(), starts, starts, "reserved")
    two_days_before = datetime.combine(starts - timedelta(days=2), time(23, 30), TBILISI)
    assert await notifications_sweep(now=two_days_before) == 0
    just_after_midnight = two_days_before + timedelta(hours=1)
    assert just_after_midnight.astimezone(UTC).date() == starts - timedelta(days=2)
    assert await notifications_sweep(now=just_after_midnight) == 1


async def test_due_tomorrow_and_overdue_on_days_1_3_and_7_once_each(seeded):
    cast = await demo_cast()
    tool = await a_tool()
    ends = today() + timedelta(days=2)
    loan = await a_booking(cast.other, tool, today(), ends, "out")
    for day in range(0, 12):
        for _twice in range(2):
            await notifications_sweep(now=noon(today() + timedelta(days=day)))
    rows = await messages(cast.other)
    assert [row["kind"] for row in rows] == ["due_tomorrow", "overdue", "overdue", "overdue"]
    assert [row["event_key"] for row in rows[1:]] == [
        f"overdue:booking {loan}:{ends.isoformat()}:day {n}" for n in (1, 3, 7)]
    assert rows[1]["subject"] == "Overdue: Test saw"
    # the late fee so far (1 GEL a day after a day's grace): none on day 1, 2 GEL on day 3
    assert "late fee" not in rows[1]["body"] and "GEL\xa02.00" in rows[2]["body"]


async def test_a_returned_loan_gets_no_overdue_message(seeded):
    cast = await demo_cast()
    await a_tool(8801)
    return_on = open_day(2)
    due = (await desk.basket_view(cast.member, SMG, ["SMG-8801"], return_on, today())).due
    await desk.check_out(
        member_id=cast.member, centre_id=SMG, tags=["SMG-8801"], return_on=return_on,
        payment={"method": "cash", "amount": due}, override_reason="", actor=cast.staff,
        today=today(), now=now())
    await desk.check_in(tag="SMG-8801", centre_ids=None, condition="fine", notes="",
                        damage_charge=0, photo="", actor=cast.staff, today=today(), now=now())
    for late in (1, 3, 7):
        assert await notifications_sweep(now=noon(return_on + timedelta(days=late))) == 0
    assert await messages(cast.member) == []


async def test_a_waitlist_offer_and_a_no_show_are_told(seeded):
    cast = await demo_cast()
    tool = await a_tool()
    starts = open_day(2)
    a = await book(cast.migrant, tool, starts, starts)
    await reservations.join_waitlist(member_id=cast.other, tool_type_id=tool, centre_id=SMG,
                                     starts_on=starts, ends_on=starts, today=today(), now=now())
    await reservations.cancel(a["id"], member_id=cast.migrant, centre_ids=None,
                              actor_id=cast.migrant, now=now(), today=today())
    entry = await WaitlistEntry.select().where(WaitlistEntry.member == cast.other).first()
    [offer] = await messages(cast.other, "waitlist_offer")
    assert offer["event_key"] == f"waitlist_offer:waitlist {entry['id']}"
    assert offer["subject"] == "A unit is free for you: Test saw" and "held for you" in offer[
        "body"]
    # the member books it, then does not come: a no-show, told once
    booking = await book(cast.other, tool, starts, starts)
    after_closing = noon(starts) + timedelta(hours=12)
    await expire(now=after_closing)
    await expire(now=after_closing)
    [no_show] = await messages(cast.other, "no_show")
    assert no_show["event_key"] == f"no_show:booking {booking['id']}"


async def test_two_sweeps_at_once_queue_each_message_once(seeded):
    cast = await demo_cast()
    starts = today() + timedelta(days=1)
    for number in range(7710, 7716):
        await a_booking(cast.member, await a_tool(number), starts, starts, "reserved")
    counts = await asyncio.gather(*(notifications_sweep(now=now()) for _ in range(4)))
    assert sum(counts) == 6
    assert len(await messages(cast.member, "pickup_tomorrow")) == 6


def test_notify_command_runs():
    url = WORKER_DB_URL if ON_POSTGRES else "sqlite:///" + DB.connection_kwargs["database"]
    done = subprocess.run([sys.executable, "-m", "toollib.cli", "notify"],
                          env={**os.environ, "DATABASE_URL": url,
                               "VAR_DIR": str(RUN_DIR / "cli-var")},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "reminders queued" in done.stdout


async def test_weekly_overdue_reminders_up_to_the_centres_limit(seeded):
    cast = await demo_cast()
    await Centre.update({Centre.overdue_reminder_limit: 2}).where(Centre.id == SMG)
    ends = today() + timedelta(days=1)
    loan = await a_booking(cast.other, await a_tool(), today(), ends, "out")
    for day in range(0, 40):
        for _twice in range(2):
            await notifications_sweep(now=noon(today() + timedelta(days=day)))
    rows = await messages(cast.other, "overdue")
    assert [row["event_key"] for row in rows] == [
        f"overdue:booking {loan}:{ends.isoformat()}:day {n}" for n in (1, 3, 7, 14, 21)]
    assert "GEL\xa020.00" in rows[-1]["body"]  # 21 days late, a day's grace: 20 GEL so far


async def test_a_loan_declared_lost_is_told_with_the_charge(seeded):
    cast = await demo_cast()
    tool = await a_tool()
    ends = today() - timedelta(days=31)
    loan = await a_booking(cast.other, tool, ends - timedelta(days=3), ends, "out")
    await desk.declare_lost(loan, replacement=5000, centre_ids=frozenset({SMG}),
                            actor=cast.staff, today=today(), now=now())
    [lost] = await messages(cast.other, "declared_lost")
    assert lost["event_key"] == f"declared_lost:booking {loan}"
    assert lost["subject"] == "Declared lost: Test saw"
    # 31 days late less a day's grace is 30 GEL, the cap, and 50 GEL for a new one
    assert "charged GEL\xa080.00" in lost["body"]
    await notifications_sweep(now=noon(ends + timedelta(days=35)))  # a weekly reminder's day
    assert await messages(cast.other, "overdue") == []  # lost: no more overdue reminders


async def a_session(coordinator, starts_at: datetime, capacity: int = 1) -> int:
    return await sessions.create(
        {"centre": SMG, "skill": None, "title_ka": "უსაფრთხოების სესია",
         "title_en": "Safety session", "title_ru": "", "description_ka": "",
         "description_en": "", "description_ru": "", "room": "Hall 2",
         "instructor": "Nino Beridze", "starts_at": starts_at,
         "ends_at": starts_at + timedelta(hours=2), "capacity": capacity,
         "audience": "everyone", "language": "ka", "weeks": 1},
        actor_id=coordinator.id, now=now())


async def test_a_session_tomorrow_is_told_to_the_enrolled(seeded):
    cast = await demo_cast()
    held_on = today() + timedelta(days=3)
    starts_at = datetime.combine(held_on, time(10), TBILISI)
    session = await a_session(cast.coordinator, starts_at)
    called_off = await a_session(cast.coordinator, starts_at + timedelta(hours=3), 5)
    for member in (cast.other, cast.member, cast.migrant):  # Levan has the place
        await sessions.enrol(session, member, actor_id=member, now=now())
        await sessions.enrol(called_off, member, actor_id=member, now=now())
    await sessions.cancel_enrolment(session, cast.migrant, actor_id=cast.migrant, now=now())
    await sessions.cancel(called_off, actor_id=cast.coordinator.id, now=now())
    await notifications_sweep(now=noon(held_on - timedelta(days=2)))
    assert await messages(cast.other, "session_tomorrow") == []
    the_day_before = noon(held_on - timedelta(days=1))
    await notifications_sweep(now=the_day_before)
    assert await notifications_sweep(now=the_day_before) == 0  # once
    [reminder] = await messages(cast.other, "session_tomorrow")
    assert reminder["event_key"] == f"session_tomorrow:session {session}:{held_on.isoformat()}"
    assert reminder["subject"] == "Tomorrow: Safety session" and "10:00" in reminder["body"]
    assert await messages(cast.member, "session_tomorrow") == []  # on the waitlist
    assert await messages(cast.migrant, "session_tomorrow") == []  # left it
    assert len(await messages(cast.other, "session_tomorrow")) == 1  # not the cancelled one


async def test_a_session_moved_to_another_day_is_reminded_on_the_eve_of_the_new_one(seeded):
    cast = await demo_cast()
    held_on = today() + timedelta(days=3)
    session = await a_session(cast.coordinator, datetime.combine(held_on, time(10), TBILISI))
    await sessions.enrol(session, cast.other, actor_id=cast.other, now=now())
    moved = datetime.combine(held_on + timedelta(days=1), time(10), TBILISI)
    await SkillSession.update({SkillSession.ends_at: moved + timedelta(hours=2)}).where(
        SkillSession.id == session)
    await SkillSession.update({SkillSession.starts_at: moved}).where(SkillSession.id == session)
    await notifications_sweep(now=noon(held_on - timedelta(days=1)))
    assert await messages(cast.other, "session_tomorrow") == []
    await notifications_sweep(now=noon(held_on))
    assert len(await messages(cast.other, "session_tomorrow")) == 1


async def test_a_certificate_ending_in_30_days_unless_renewed(seeded):
    cast = await demo_cast()
    skill = await Skill.select(Skill.id, Skill.validity_days).where(
        Skill.slug == "electrical-safety").first()
    for member in (cast.other, cast.member):
        await sessions.grant(member, skill["id"], "An electrician", actor_id=cast.coordinator.id,
                             today=today(), now=now())
    # the member took the session again ten days later: a newer certificate lasts longer
    await sessions.grant(cast.member, skill["id"], "Attended again",
                         actor_id=cast.coordinator.id, today=today() + timedelta(days=10),
                         now=now())
    ends = today() + timedelta(days=skill["validity_days"])
    await notifications_sweep(now=noon(ends - timedelta(days=31)))
    assert await messages(cast.other, "certificate_expiring") == []
    await notifications_sweep(now=noon(ends - timedelta(days=30)))
    assert await notifications_sweep(now=noon(ends - timedelta(days=30))) == 0  # once
    await notifications_sweep(now=noon(ends - timedelta(days=29)))
    [reminder] = await messages(cast.other, "certificate_expiring")
    with in_locale("en"):
        assert reminder["subject"] == f"Certificate ends on {format_date(ends)}: " \
                                      "Electrical safety basics"
    assert await messages(cast.member, "certificate_expiring") == []  # renewed
    # the newer one is told before it ends in its turn
    await notifications_sweep(now=noon(ends + timedelta(days=10 - 30)))
    assert len(await messages(cast.member, "certificate_expiring")) == 1


async def test_a_membership_ending_in_14_days_unless_renewed(seeded):
    cast = await demo_cast()
    mine = await Membership.select().where(Membership.member == cast.other).first()
    renewed = await Membership.select().where(Membership.member == cast.member).first()
    assert mine["status"] == renewed["status"] == "active"
    ends = mine["ends_on"]
    assert renewed["ends_on"] == ends  # the demo's members joined on the same day
    await members.renew_membership(cast.member, actor_id=cast.staff.id, today=today(),
                                   now=now())
    await notifications_sweep(now=noon(ends - timedelta(days=15)))
    assert await messages(cast.other, "membership_expiring") == []
    two_weeks_before = noon(ends - timedelta(days=14))
    await notifications_sweep(now=two_weeks_before)
    assert await notifications_sweep(now=two_weeks_before) == 0
    [reminder] = await messages(cast.other, "membership_expiring")
    assert reminder["event_key"] == (
        f"membership_expiring:membership {mine['id']}:{ends.isoformat()}")
    with in_locale("en"):
        assert format_date(ends) in reminder["subject"]
    assert "Renew it at the desk" in reminder["body"]
    assert await messages(cast.member, "membership_expiring") == []  # renewed
