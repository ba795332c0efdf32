"""The members' reminders, queued by a sweep that runs every so often (`rental notify`, and the
server every NOTIFY_INTERVAL_SECONDS): a booking to pick up tomorrow, a loan due back tomorrow,
a loan late by 1, 3 or 7 days and then weekly up to the centre's limit (with the late fee so
far), a session tomorrow, a certificate ending in 30 days and a membership in 14. The sweep
reads things as they are now, so a cancelled booking or session, a returned loan, a left
session, a renewed certificate or membership is reminded of nothing; each reminder's event key
names the thing and its day, so running the sweep again, or in two workers at once, queues
nothing twice. The days are the centre's (reminder_rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.lending.reminder_rules import (
    CERTIFICATE_NOTICE_DAYS,
    MEMBERSHIP_NOTICE_DAYS,
    ending_soon,
    last_overdue_reminder_day,
    reminder_due,
    session_reminder_due,
)
from bookings.sessions.services import session_params
from bookings.tables import Booking, Certificate, Enrolment, SkillSession
from rental import members, notifications
from rental.fees import late_fee
from rental.kernel.db import write_transaction
from rental.kernel.i18n import Day, Names
from rental.kernel.settings import current_settings
from rental.tables import DEFAULT_FEE_POLICY, Centre, FeePolicy


async def notifications_sweep(*, now: datetime) -> int:
    """Queue the reminders due now, in one transaction; returns how many were queued."""
    async with write_transaction():
        return (await _bookings(now) + await _sessions(now) + await _certificates(now)
                + await _memberships(now))


def _today(now: datetime, timezone: str | None) -> date:
    return now.astimezone(ZoneInfo(timezone or current_settings().default_timezone)).date()


async def _bookings(now: datetime) -> int:
    day = now.date()  # the centres' days are within a day of UTC's
    limits = await Centre.select(Centre.id, Centre.overdue_reminder_limit)
    weekly = {row["id"]: row["overdue_reminder_limit"] for row in limits}
    reach = last_overdue_reminder_day(max(weekly.values(), default=0)) + 1
    rows = await Booking.select(
        Booking.id, Booking.member, Booking.centre, Booking.status, Booking.starts_on,
        Booking.ends_on, Booking.tool_type.name_ka.as_alias("tool_name_ka"),
        Booking.tool_type.name_en.as_alias("tool_name_en"),
        Booking.tool_type.name_ru.as_alias("tool_name_ru"),
        Booking.centre.timezone.as_alias("timezone"),
    ).where(
        ((Booking.status == "reserved") & (Booking.starts_on >= day - timedelta(days=1))
         & (Booking.starts_on <= day + timedelta(days=2)))
        | ((Booking.status == "out")
           & (Booking.ends_on >= day - timedelta(days=reach))
           & (Booking.ends_on <= day + timedelta(days=2)))
    ).order_by(Booking.id)
    policies = {row["centre"]: row for row in await FeePolicy.select()}
    queued = 0
    for row in rows:
        today = _today(now, row["timezone"])
        due = reminder_due(row["status"], row["starts_on"], row["ends_on"], today,
                           weekly.get(row["centre"], 0))
        if due is None:
            continue
        kind, when = due
        params = {"tool": Names.of(row, "tool_name"), "starts": Day(row["starts_on"]),
                  "ends": Day(row["ends_on"])}
        if kind == "overdue":
            policy = policies.get(row["centre"], DEFAULT_FEE_POLICY)
            fee = late_fee(row["ends_on"], today, per_day=policy["late_fee_per_day"],
                           grace_days=policy["late_grace_days"], cap=policy["late_fee_cap"])
            if fee > 0:
                params["fee"] = notifications.Money(fee)
        queued += await notifications.queue(
            row["member"], kind, params, now=now, centre_id=row["centre"],
            event_key=f"{kind}:booking {row['id']}:{when}")
    return queued


async def _sessions(now: datetime) -> int:
    """Every member enrolled in a session that is tomorrow in its centre's day."""
    sessions = await SkillSession.select(
        SkillSession.id, SkillSession.centre, SkillSession.title_ka, SkillSession.title_en,
        SkillSession.title_ru, SkillSession.starts_at,
        SkillSession.centre.timezone.as_alias("timezone"),
    ).where((SkillSession.status == "scheduled") & (SkillSession.starts_at > now)
            & (SkillSession.starts_at < now + timedelta(days=3))).order_by(SkillSession.id)
    queued = 0
    for session in sessions:
        zone = session["timezone"]
        held_on = session["starts_at"].astimezone(ZoneInfo(zone)).date()
        if not session_reminder_due(held_on, _today(now, zone)):
            continue
        enrolled = await Enrolment.select(Enrolment.member).where(
            (Enrolment.session == session["id"]) & (Enrolment.status == "enrolled")
        ).order_by(Enrolment.id)
        for row in enrolled:
            queued += await notifications.queue(
                row["member"], "session_tomorrow", session_params(session, zone), now=now,
                centre_id=session["centre"],
                event_key=f"session_tomorrow:session {session['id']}:{held_on.isoformat()}")
    return queued


async def _certificates(now: datetime) -> int:
    """A certificate ending soon, unless its holder has a newer one of the skill (a session
    attended again) that lasts longer. Told by the centre of the session that earned it, else
    by the member's home centre."""
    day = now.date()
    ending = await Certificate.select(
        Certificate.id, Certificate.member, Certificate.skill, Certificate.issued_on,
        Certificate.expires_on, Certificate.skill.name_ka.as_alias("skill_name_ka"),
        Certificate.skill.name_en.as_alias("skill_name_en"),
        Certificate.skill.name_ru.as_alias("skill_name_ru"),
        Certificate.session.centre.as_alias("session_centre"),
        Certificate.session.centre.timezone.as_alias("session_timezone"),
        Certificate.member.home_centre.as_alias("home_centre"),
        Certificate.member.home_centre.timezone.as_alias("home_timezone"),
    ).where(Certificate.revoked_at.is_null() & (Certificate.expires_on > day - timedelta(days=1))
            & (Certificate.expires_on <= day + timedelta(days=CERTIFICATE_NOTICE_DAYS + 1))
            ).order_by(Certificate.id)
    if not ending:
        return 0
    # the longest each holder keeps each skill: None (never ends) counts as the longest
    kept: dict[tuple[int, int], date | None] = {}
    for row in await Certificate.select(
            Certificate.member, Certificate.skill, Certificate.expires_on).where(
            Certificate.revoked_at.is_null()
            & Certificate.member.is_in(sorted({row["member"] for row in ending}))):
        key = (row["member"], row["skill"])
        if key not in kept or row["expires_on"] is None or (
                kept[key] is not None and row["expires_on"] > kept[key]):
            kept[key] = row["expires_on"]
    queued = 0
    for row in ending:
        if kept[(row["member"], row["skill"])] != row["expires_on"]:
            continue  # renewed: a later certificate of the skill
        centre = row["session_centre"] or row["home_centre"]
        zone = row["session_timezone"] or row["home_timezone"]
        if not ending_soon(row["expires_on"], row["issued_on"], _today(now, zone),
                           CERTIFICATE_NOTICE_DAYS):
            continue
        queued += await notifications.queue(
            row["member"], "certificate_expiring",
            {"skill": Names.of(row, "skill_name"), "until": Day(row["expires_on"])}, now=now,
            centre_id=centre, event_key=f"certificate_expiring:certificate {row['id']}")
    return queued


async def _memberships(now: datetime) -> int:
    """A membership ending soon, told by the member's home centre; a renewed one has moved
    its last day, and its key names the day, so it is told again before the new one."""
    day = now.date()
    queued = 0
    for row in await members.memberships_ending(
            day - timedelta(days=1), day + timedelta(days=MEMBERSHIP_NOTICE_DAYS + 1)):
        if not ending_soon(row["ends_on"], row["starts_on"], _today(now, row["timezone"]),
                           MEMBERSHIP_NOTICE_DAYS):
            continue
        queued += await notifications.queue(
            row["member"], "membership_expiring",
            {"membership": Names.of(row, "type_name"), "until": Day(row["ends_on"])},
            now=now, centre_id=row["centre"],
            event_key=f"membership_expiring:membership {row['id']}:{row['ends_on'].isoformat()}")
    return queued
