"""Skills sessions, enrolments with a waitlist, attendance and the certificates it earns.

Each public function that writes owns one write transaction and takes `now`/`today` (a place
asked for on the page is first counted against the enrolment limit, in a transaction of its
own); each page's data comes from one `*_page` function, in one read. The capacity
invariant is the database's (CHECK enrolled <= capacity); a place is taken with one conditional
UPDATE of the session row, so concurrent enrolments queue on that row (PostgreSQL) or on the
write lock (SQLite) and the loser goes to the waitlist."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Count, Sum

from bookings.sessions.rules import (
    NEW_SESSION,
    certificate_expiry,
    certificate_valid,
    form_values_of,
    initials,
    manages,
    may_enrol,
    may_print,
    parse_session,
    places_free,
    summary_period,
    weekly,
)
from bookings.tables import AUDIENCES, SESSION_LANGUAGES, Certificate, Enrolment, SkillSession
from inventory.tables import Skill
from rental import audit, members, notifications, throttle
from rental.kernel import i18n
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Day, Names, Plural, TimeOfDay
from rental.kernel.identity import CurrentUser
from rental.kernel.values import MAX_INT, calendar_day, whole_number
from rental.tables import Centre, Member

SESSION_FIELDS = ("centre", "skill", "title_ka", "title_en", "title_ru", "description_ka",
                  "description_en", "description_ru", "room", "instructor", "starts_at",
                  "ends_at", "capacity", "audience", "language")


class SessionError(DomainError):
    """A session, enrolment or certificate refused."""


def _is_unique_violation(exc: Exception) -> bool:
    text = str(exc)
    return "UNIQUE constraint failed" in text or "duplicate key value" in text


async def choices() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    async with read_transaction():
        centres = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                      Centre.name_ru, Centre.timezone).where(Centre.active.eq(True)
                                                             ).order_by(Centre.id)
        skills = await Skill.select(Skill.id, Skill.slug, Skill.name_ka, Skill.name_en,
                                    Skill.name_ru, Skill.validity_days).order_by(Skill.slug)
    return centres, skills


# --- scheduling -------------------------------------------------------------------------------


async def create(values: dict[str, Any], *, actor_id: int, now: datetime) -> int:
    """One session, or a weekly series of `weeks`; returns the first one's id."""
    row = {k: values[k] for k in SESSION_FIELDS}
    async with write_transaction():
        centre = await Centre.select(Centre.timezone).where(Centre.id == row["centre"]).first()
        if centre is None:
            raise SessionError("not_found", {"centre": N_("There is no such centre.")})
        first = None
        series = weekly(row["starts_at"], row["ends_at"], values["weeks"], centre["timezone"])
        # same-zone datetimes compare by wall clock: compare the instants
        if any(ends_at.timestamp() <= starts_at.timestamp() for starts_at, ends_at in series):
            raise SessionError("invalid", {"weeks": N_(
                "One of the weekly sessions falls into a clock change: choose another time.")})
        for starts_at, ends_at in series:
            inserted = await SkillSession.insert(SkillSession(
                **{**row, "starts_at": starts_at, "ends_at": ends_at}, series=first,
                status="scheduled", created_at=now, created_by=actor_id,
            )).returning(SkillSession.id)
            first = first or inserted[0]["id"]
        if values["weeks"] > 1:
            await SkillSession.update({SkillSession.series: first}).where(
                SkillSession.id == first)
        await audit.record("session.create", "skill_session", first, now=now,
                           actor_id=actor_id, centre_id=row["centre"],
                           after={"weeks": values["weeks"], "capacity": row["capacity"],
                                  "starts_at": row["starts_at"].isoformat()})
    return first


async def schedule(form: Mapping[str, Any], *, actor_id: int, now: datetime) -> int:
    """The session form checked against the active centres and skills, then `create`."""
    return await create(await _checked(form, now), actor_id=actor_id, now=now)


async def reschedule(session_id: int, form: Mapping[str, Any], *, actor_id: int,
                     now: datetime) -> None:
    """The session form for a session, checked (never fewer places than members enrolled),
    then `update`."""
    async with read_transaction():
        session = await SkillSession.select(SkillSession.enrolled).where(
            SkillSession.id == session_id).first()
        if session is None:
            raise SessionError("not_found", {"form": N_("There is no such session.")})
        values = await _checked(form, now, session["enrolled"])
    await update(session_id, values, actor_id=actor_id, now=now)


async def _checked(form: Mapping[str, Any], now: datetime, enrolled: int = 0
                   ) -> dict[str, Any]:
    centres, skills = await choices()
    zones = {c["id"]: c["timezone"] for c in centres}
    values, errors = parse_session(
        form, timezone=zones.get(whole_number(form.get("centre")), "Asia/Tbilisi"), now=now,
        skills={s["id"] for s in skills}, centres=set(zones), enrolled=enrolled)
    if errors:
        raise SessionError("invalid", errors)
    return values


async def _session_for_update(session_id: int) -> dict[str, Any]:
    query = SkillSession.select().where(SkillSession.id == session_id)
    if is_postgres():
        query = query.lock_rows()
    session = await query.first()
    if session is None:
        raise SessionError("not_found", {"form": N_("There is no such session.")})
    return session


async def update(session_id: int, values: dict[str, Any], *, actor_id: int,
                 now: datetime) -> None:
    row = {k: values[k] for k in SESSION_FIELDS}
    async with write_transaction():
        session = await _session_for_update(session_id)
        if session["status"] == "cancelled":
            raise SessionError("invalid", {"form": N_("This session is cancelled.")})
        if row["capacity"] < session["enrolled"]:
            raise SessionError("invalid", {"capacity": Plural(
                "%(num)s member is enrolled already: the places cannot be fewer.",
                "%(num)s members are enrolled already: the places cannot be fewer.",
                session["enrolled"])})
        await SkillSession.update(row).where(SkillSession.id == session_id)
        await audit.record("session.update", "skill_session", session_id, now=now,
                           actor_id=actor_id, centre_id=row["centre"],
                           before={"capacity": session["capacity"],
                                   "starts_at": session["starts_at"].isoformat()},
                           after={"capacity": row["capacity"],
                                  "starts_at": row["starts_at"].isoformat()})
        moved = (row["starts_at"].timestamp() != session["starts_at"].timestamp()
                 or row["centre"] != session["centre"])
        if moved and row["starts_at"] > now:
            # the moment of the change is in the key: moved back to an earlier time is told too
            await _tell(await _members_of(session_id, ("enrolled",)), "session_changed",
                        {**session, **row}, now=now,
                        key=f"session_changed:session {session_id}:"
                            f"{row['starts_at'].isoformat(timespec='minutes')}:"
                            f"changed {now.isoformat(timespec='seconds')}")
        await _promote(session_id, now)  # more places: the waitlist moves up


async def cancel(session_id: int, *, actor_id: int, now: datetime) -> None:
    """Enrolments stay as they are, so members see the cancellation on their page."""
    async with write_transaction():
        session = await _session_for_update(session_id)
        if session["status"] == "cancelled":
            raise SessionError("invalid", {"form": N_("This session is cancelled.")})
        await SkillSession.update({SkillSession.status: "cancelled"}).where(
            SkillSession.id == session_id)
        await audit.record("session.cancel", "skill_session", session_id, now=now,
                           actor_id=actor_id, centre_id=session["centre"],
                           before={"status": "scheduled"}, after={"status": "cancelled"})
        if session["starts_at"] > now:  # a session that is over is corrected, not called off
            await _tell(await _members_of(session_id, ("enrolled", "waitlisted")),
                        "session_cancelled", session, now=now,
                        key=f"session_cancelled:session {session_id}")


# --- enrolment --------------------------------------------------------------------------------


async def enrol(session_id: int, member_id: int, *, actor_id: int, now: datetime) -> str:
    """A place if one is free, else the waitlist; returns `enrolled` or `waitlisted`."""
    try:
        async with write_transaction():
            return await _enrol(session_id, member_id, actor_id, now)
    except SessionError:
        raise
    except Exception as exc:  # the same member's other request got in first
        if not _is_unique_violation(exc):
            raise
        raise SessionError("invalid", {"form": N_("You are enrolled in this session "
                                                  "already.")}) from None


async def ask_for_place(session_id: int, member_id: int | None, *, asker: CurrentUser,
                        address: str, now: datetime) -> str:
    """A place asked for on the session's page: by a member for themself, held to the
    enrolment limit (rental.throttle), or by the desk for the member it named; see `enrol`."""
    if not member_id:
        raise SessionError("invalid", {"member": N_("Find the member first, then enrol them.")})
    if not asker.is_staff:
        # counted in a transaction of its own: an attempt then refused counts too
        await throttle.attempt("enrol", address=address, key=f"member:{member_id}", now=now)
    return await enrol(session_id, member_id, actor_id=asker.id, now=now)


async def _enrol(session_id, member_id, actor_id, now) -> str:
    session = await SkillSession.select().where(SkillSession.id == session_id).first()
    if session is None:
        raise SessionError("not_found", {"form": N_("There is no such session.")})
    if session["status"] == "cancelled":
        raise SessionError("invalid", {"form": N_("This session is cancelled.")})
    if session["starts_at"] <= now:
        raise SessionError("invalid", {"form": N_("This session has started or is over.")})
    member = await Member.select(Member.status, Member.role).where(
        Member.id == member_id).first()
    if member is None or member["status"] == "erased":
        raise SessionError("not_found", {"member": N_("There is no such member.")})
    if member["status"] == "suspended":
        raise SessionError("forbidden", {"form": N_(
            "This account is suspended. Please talk to the desk.")})
    if member["status"] == "pending":
        raise SessionError("forbidden", {"form": N_(
            "Finish your registration first: bring an identity document to the centre's desk. "
            "Then you can enrol.")})
    if await Enrolment.exists().where(
            (Enrolment.session == session_id) & (Enrolment.member == member_id)
            & (Enrolment.status != "cancelled")):
        raise SessionError("invalid", {"form": N_("You are enrolled in this session already.")})
    taken = await SkillSession.update({SkillSession.enrolled: SkillSession.enrolled + 1}).where(
        (SkillSession.id == session_id) & (SkillSession.enrolled < SkillSession.capacity)
    ).returning(SkillSession.id)
    status = "enrolled" if taken else "waitlisted"
    rows = await Enrolment.insert(Enrolment(session=session_id, member=member_id, status=status,
                                            created_at=now, created_by=actor_id)
                                  ).returning(Enrolment.id)
    await audit.record(f"enrolment.{status}", "enrolment", rows[0]["id"], now=now,
                       actor_id=actor_id, centre_id=session["centre"],
                       after={"session": session_id, "member": member_id})
    if status == "enrolled":  # a place on the waitlist is shown on the page; a place is told
        await _tell([member_id], "session_enrolled", session, now=now,
                    key=f"session_enrolled:enrolment {rows[0]['id']}")
    return status


async def cancel_enrolment(session_id: int, member_id: int, *, actor_id: int,
                           now: datetime) -> None:
    """Leave a session or its waitlist; a freed place goes to the first one waiting."""
    async with write_transaction():
        session = await _session_for_update(session_id)
        enrolment = await Enrolment.select().where(
            (Enrolment.session == session_id) & (Enrolment.member == member_id)
            & (Enrolment.status != "cancelled")).first()
        if enrolment is None:
            raise SessionError("not_found", {"form": N_("You are not enrolled in this "
                                                        "session.")})
        if session["starts_at"] <= now:
            raise SessionError("invalid", {"form": N_("This session has started or is over.")})
        await Enrolment.update({Enrolment.status: "cancelled"}).where(
            Enrolment.id == enrolment["id"])
        if enrolment["status"] == "enrolled":
            await SkillSession.update({SkillSession.enrolled: SkillSession.enrolled - 1}).where(
                SkillSession.id == session_id)
        await audit.record("enrolment.cancel", "enrolment", enrolment["id"], now=now,
                           actor_id=actor_id, centre_id=session["centre"],
                           before={"status": enrolment["status"]}, after={"status": "cancelled"})
        if session["status"] == "scheduled":
            await _promote(session_id, now)


async def _promote(session_id: int, now: datetime) -> None:
    """Free places go to the waitlist in the order people joined it."""
    waiting = await Enrolment.select(Enrolment.id, Enrolment.member).where(
        (Enrolment.session == session_id) & (Enrolment.status == "waitlisted")
    ).order_by(Enrolment.created_at).order_by(Enrolment.id)
    session = None
    for row in waiting:
        taken = await SkillSession.update({SkillSession.enrolled: SkillSession.enrolled + 1}
                                          ).where((SkillSession.id == session_id)
                                                  & (SkillSession.enrolled
                                                     < SkillSession.capacity)
                                                  ).returning(SkillSession.id)
        if not taken:
            return
        await Enrolment.update({Enrolment.status: "enrolled"}).where(Enrolment.id == row["id"])
        await audit.record("enrolment.promoted", "enrolment", row["id"], now=now,
                           after={"session": session_id, "status": "enrolled"})
        session = session or await SkillSession.select().where(
            SkillSession.id == session_id).first()
        await _tell([row["member"]], "session_promoted", session, now=now,
                    key=f"session_promoted:enrolment {row['id']}")


async def _members_of(session_id: int, statuses: tuple[str, ...]) -> list[int]:
    rows = await Enrolment.select(Enrolment.member).where(
        (Enrolment.session == session_id) & Enrolment.status.is_in(list(statuses))
    ).order_by(Enrolment.id)
    return [row["member"] for row in rows]


async def _tell(member_ids: list[int], kind: str, session: dict[str, Any], *, now: datetime,
                key: str) -> None:
    """Queue a message about a session (its title, day and time in its centre) for each
    member, in the transaction of the change that causes it."""
    if not member_ids:
        return
    centre = await Centre.select(Centre.timezone).where(Centre.id == session["centre"]).first()
    params = session_params(session, centre["timezone"])
    for member_id in member_ids:
        await notifications.queue(member_id, kind, params, now=now, event_key=key,
                                  centre_id=session["centre"])


def session_params(session: dict[str, Any], timezone: str) -> dict[str, Any]:
    """What a message about a session says of it: its title, and its day and time in its
    centre's zone (also the reminders sweep's)."""
    starts_at = session["starts_at"]
    return {"session": Names.of(session, "title"),
            "day": Day(starts_at.astimezone(ZoneInfo(timezone)).date()),
            "time": TimeOfDay(starts_at, timezone)}


# --- attendance and certificates --------------------------------------------------------------


async def mark_attendance(session_id: int, member_id: int, attended: bool, *, actor_id: int,
                          now: datetime, today: date) -> None:
    """Attending a session that teaches a skill earns its certificate; unmarking by mistake
    revokes that certificate again (with the reason)."""
    async with write_transaction():
        session = await _session_for_update(session_id)
        await _mark(session, member_id, attended, actor_id, now, today)


async def tick(session_id: int, member_id: int, attended: bool, *, asker: CurrentUser,
               now: datetime, today: date) -> dict[str, Any]:
    """One member's tick on the attendance sheet, by the desk of the session's centre (see
    mark_attendance); the sheet as it is after it."""
    async with write_transaction():
        session = await _session_for_update(session_id)
        _keeps_the_sheet(asker, session["centre"])
        await _mark(session, member_id, attended, asker.id, now, today)
        return await attendance_sheet(session_id)


def _keeps_the_sheet(asker: CurrentUser, centre_id: int) -> None:
    if not asker.can_act_for(centre_id):
        raise SessionError("forbidden", {"form": N_("You do not have access to this page.")})


async def _mark(session: dict[str, Any], member_id: int, attended: bool, actor_id: int,
                now: datetime, today: date) -> None:
    session_id = session["id"]
    if session["status"] == "cancelled":
        raise SessionError("invalid", {"form": N_("This session is cancelled.")})
    centre = await Centre.select(Centre.timezone).where(Centre.id == session["centre"]).first()
    held_on = session["starts_at"].astimezone(ZoneInfo(centre["timezone"])).date()
    if held_on > today:
        raise SessionError("invalid", {"form": N_(
            "Attendance is marked on the day of the session.")})
    enrolment = await Enrolment.select().where(
        (Enrolment.session == session_id) & (Enrolment.member == member_id)
        & (Enrolment.status == "enrolled")).first()
    if enrolment is None:
        raise SessionError("invalid", {"form": N_("This member is not enrolled in this "
                                                  "session.")})
    await Enrolment.update({Enrolment.attended: attended}).where(
        Enrolment.id == enrolment["id"])
    await audit.record("enrolment.attendance", "enrolment", enrolment["id"], now=now,
                       actor_id=actor_id, centre_id=session["centre"],
                       before={"attended": enrolment["attended"]},
                       after={"attended": attended})
    if session["skill"] is None:
        return
    earned = await Certificate.select().where(
        (Certificate.member == member_id) & (Certificate.session == session_id)).first()
    if attended and earned is None:
        skill = await Skill.select(Skill.validity_days).where(
            Skill.id == session["skill"]).first()
        await _issue(member_id, session["skill"], held_on,
                     certificate_expiry(held_on, skill["validity_days"]),
                     session_id=session_id, reason="", actor_id=actor_id, now=now)
    elif attended and earned["revoked_at"] is not None:
        raise SessionError("invalid", {"form": N_(
            "The certificate from this session was revoked: grant one by hand.")})
    elif not attended and earned is not None and earned["revoked_at"] is None:
        await _revoke(earned, "attendance corrected", actor_id, now)


async def _issue(member_id, skill_id, issued_on, expires_on, *, session_id, reason, actor_id,
                 now) -> int:
    rows = await Certificate.insert(Certificate(
        member=member_id, skill=skill_id, issued_on=issued_on, expires_on=expires_on,
        session=session_id, code=secrets.token_urlsafe(12), reason=reason, created_at=now,
        created_by=actor_id,
    )).returning(Certificate.id)
    await audit.record("certificate.issue", "certificate", rows[0]["id"], now=now,
                       actor_id=actor_id, after={"member": member_id, "skill": skill_id,
                                                 "session": session_id, "reason": reason})
    # told by the centre of the session that earned it, else by the member's home centre
    if session_id:
        centre = await SkillSession.select(SkillSession.centre.as_alias("centre")).where(
            SkillSession.id == session_id).first()
    else:
        centre = await Member.select(Member.home_centre.as_alias("centre")).where(
            Member.id == member_id).first()
    skill = await Skill.select(Skill.name_ka, Skill.name_en, Skill.name_ru).where(
        Skill.id == skill_id).first()
    params: dict[str, Any] = {"skill": Names.of(skill, "name")}
    if expires_on is not None:
        params["until"] = Day(expires_on)
    await notifications.queue(
        member_id, "certificate_issued" if expires_on else "certificate_issued_no_expiry",
        params, now=now, centre_id=centre["centre"],
        event_key=f"certificate_issued:certificate {rows[0]['id']}")
    return rows[0]["id"]


async def _revoke(certificate: dict[str, Any], reason: str, actor_id: int,
                  now: datetime) -> None:
    await Certificate.update({Certificate.revoked_at: now, Certificate.revoked_by: actor_id,
                              Certificate.revoke_reason: reason}).where(
        Certificate.id == certificate["id"])
    await audit.record("certificate.revoke", "certificate", certificate["id"], now=now,
                       actor_id=actor_id, after={"reason": reason})


async def grant(member_id: int, skill_id: int, reason: str, *, actor_id: int, today: date,
                now: datetime) -> int:
    """A coordinator vouches for a member (e.g. a qualified electrician), with the reason."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise SessionError("invalid", {"reason": N_("Write why the certificate is granted.")})
    async with write_transaction():
        if not await Member.exists().where((Member.id == member_id)
                                           & (Member.status != "erased")):
            raise SessionError("not_found", {"form": N_("There is no such member.")})
        skill = await Skill.select(Skill.validity_days).where(Skill.id == skill_id).first()
        if skill is None:
            raise SessionError("invalid", {"skill": N_("Choose one of the options.")})
        return await _issue(member_id, skill_id, today,
                            certificate_expiry(today, skill["validity_days"]), session_id=None,
                            reason=reason, actor_id=actor_id, now=now)


async def revoke(certificate_id: int, reason: str, *, actor_id: int, now: datetime) -> int:
    """Returns the member's id."""
    reason = " ".join(reason.split())[:500]
    async with write_transaction():
        certificate = await Certificate.select().where(Certificate.id == certificate_id).first()
        if certificate is None:
            raise SessionError("not_found", {"form": N_("There is no such certificate.")})
        if not reason:
            raise SessionError("invalid", {"reason": N_("Write why the certificate is "
                                                        "revoked.")})
        if certificate["revoked_at"] is not None:
            raise SessionError("invalid", {"form": N_("This certificate is revoked already.")})
        await _revoke(certificate, reason, actor_id, now)
    return certificate["member"]


# --- reading ----------------------------------------------------------------------------------


async def certified_skills(member_id: int, today: date) -> set[int]:
    """The skills a member holds a valid certificate for (call inside a read)."""
    rows = await Certificate.select(Certificate.skill, Certificate.expires_on,
                                    Certificate.revoked_at).where(Certificate.member == member_id)
    return {row["skill"] for row in rows if certificate_valid(row, today)}


async def next_session(skill_id: int, now: datetime, centre_id: int | None = None
                       ) -> dict[str, Any] | None:
    """The soonest upcoming session teaching a skill that has a free place, at this centre if
    it has one (inside a read)."""
    if centre_id is not None:
        here = await _next_session(skill_id, now, SkillSession.centre == centre_id)
        if here is not None:
            return here
    return await _next_session(skill_id, now, None)


async def _next_session(skill_id: int, now: datetime, extra: Any) -> dict[str, Any] | None:
    condition = ((SkillSession.skill == skill_id) & (SkillSession.status == "scheduled")
                 & (SkillSession.starts_at > now)
                 & (SkillSession.enrolled < SkillSession.capacity))
    if extra is not None:
        condition &= extra
    return await SkillSession.select(
        SkillSession.id, SkillSession.title_ka, SkillSession.title_en, SkillSession.title_ru,
        SkillSession.starts_at, SkillSession.centre.timezone.as_alias("timezone"),
    ).where(condition).order_by(SkillSession.starts_at).first()


def _session_columns() -> list[Any]:
    return [
        SkillSession.all_columns(),
        SkillSession.centre.name_ka.as_alias("centre_name_ka"),
        SkillSession.centre.name_en.as_alias("centre_name_en"),
        SkillSession.centre.name_ru.as_alias("centre_name_ru"),
        SkillSession.centre.code.as_alias("centre_code"),
        SkillSession.centre.timezone.as_alias("timezone"),
        SkillSession.skill.name_ka.as_alias("skill_name_ka"),
        SkillSession.skill.name_en.as_alias("skill_name_en"),
        SkillSession.skill.name_ru.as_alias("skill_name_ru"),
    ]


async def listing(*, centre: int | None, skill: int | None, audience: str | None,
                  from_day: date | None, now: datetime, include_past: bool = False,
                  timezone: str = "Asia/Tbilisi") -> list[dict[str, Any]]:
    """Upcoming sessions (cancelled ones too, marked), soonest first, in one query."""
    condition = SkillSession.starts_at >= (
        datetime.combine(from_day, datetime.min.time(), ZoneInfo(timezone)) if from_day
        else now)
    if include_past and not from_day:
        condition = SkillSession.starts_at >= now - timedelta(days=30)
    if centre:
        condition &= SkillSession.centre == centre
    if skill:
        condition &= SkillSession.skill == skill
    if audience:
        condition &= SkillSession.audience == audience
    return await SkillSession.select(*_session_columns()).where(condition).order_by(
        SkillSession.starts_at).limit(200)


async def session_list(*, centre: int | None, from_day: date | None, to_day: date | None,
                       now: datetime, timezone: str, page: int, per_page: int
                       ) -> dict[str, Any]:
    """The API's list: sessions from `from_day` (else upcoming: from `now`) through `to_day`
    (days in `timezone`), soonest first, a page of them with their waitlist lengths; `total`."""
    zone = ZoneInfo(timezone)
    condition = SkillSession.starts_at >= (
        datetime.combine(from_day, datetime.min.time(), zone) if from_day else now)
    if to_day:
        condition &= SkillSession.starts_at < datetime.combine(
            to_day + timedelta(days=1), datetime.min.time(), zone)
    if centre:
        condition &= SkillSession.centre == centre
    async with read_transaction():
        total = await SkillSession.count().where(condition)
        rows = await SkillSession.select(*_session_columns()).where(condition).order_by(
            SkillSession.starts_at).order_by(SkillSession.id).limit(per_page).offset(
            (page - 1) * per_page)
        waiting = await Enrolment.select(
            Enrolment.session, Count(Enrolment.id).as_alias("waiting")).where(
            Enrolment.session.is_in([row["id"] for row in rows] or [0])
            & (Enrolment.status == "waitlisted")).group_by(Enrolment.session)
    counts = {row["session"]: row["waiting"] for row in waiting}
    return {"total": total, "items": [{**row, "free": places_free(row),
                                       "waiting": counts.get(row["id"], 0)} for row in rows]}


async def session_centre(session_id: int) -> int | None:
    """The centre a session is held at (None: no such session)."""
    if not 1 <= session_id <= MAX_INT:  # a route's guard asks before any bounds are checked
        return None
    async with read_transaction():
        row = await SkillSession.select(SkillSession.centre).where(
            SkillSession.id == session_id).first()
    return row["centre"] if row else None


async def session_view(session_id: int, member_id: int | None) -> dict[str, Any] | None:
    async with read_transaction():
        session = await SkillSession.select(*_session_columns()).where(
            SkillSession.id == session_id).first()
        if session is None:
            return None
        waiting = await Enrolment.count().where((Enrolment.session == session_id)
                                                & (Enrolment.status == "waitlisted"))
        mine = await Enrolment.select().where(
            (Enrolment.session == session_id) & (Enrolment.member == member_id)
            & (Enrolment.status != "cancelled")).first() if member_id else None
        place = None
        if mine and mine["status"] == "waitlisted":  # in the order _promote moves it up
            line = await Enrolment.select(Enrolment.id).where(
                (Enrolment.session == session_id) & (Enrolment.status == "waitlisted")
            ).order_by(Enrolment.created_at).order_by(Enrolment.id)
            place = 1 + [row["id"] for row in line].index(mine["id"])
    return {"session": session, "waiting": waiting, "mine": mine, "place": place}


async def attendance_sheet(session_id: int) -> dict[str, Any] | None:
    async with read_transaction():
        session = await SkillSession.select(*_session_columns()).where(
            SkillSession.id == session_id).first()
        if session is None:
            return None
        rows = await Enrolment.select(
            Enrolment.all_columns(), Enrolment.member.name.as_alias("member_name"),
            Enrolment.member.phone.as_alias("member_phone"),
        ).where((Enrolment.session == session_id) & (Enrolment.status != "cancelled")
                ).order_by(Enrolment.status).order_by(Enrolment.id)
    return {"session": session,
            "enrolled": [r for r in rows if r["status"] == "enrolled"],
            "waitlisted": [r for r in rows if r["status"] == "waitlisted"]}


def _certificate_columns() -> list[Any]:
    return [
        Certificate.all_columns(),
        Certificate.skill.name_ka.as_alias("skill_name_ka"),
        Certificate.skill.name_en.as_alias("skill_name_en"),
        Certificate.skill.name_ru.as_alias("skill_name_ru"),
        Certificate.member.name.as_alias("member_name"),
        Certificate.member.language.as_alias("member_language"),
    ]


async def member_record(member_id: int, today: date) -> dict[str, Any]:
    """A member's sessions and certificates, in two queries."""
    async with read_transaction():
        enrolments = await Enrolment.select(
            Enrolment.all_columns(),
            *[getattr(Enrolment.session, c._meta.name).as_alias(f"session_{c._meta.name}")
              for c in (SkillSession.title_ka, SkillSession.title_en, SkillSession.title_ru,
                        SkillSession.starts_at, SkillSession.status, SkillSession.room)],
            Enrolment.session.centre.name_ka.as_alias("centre_name_ka"),
            Enrolment.session.centre.name_en.as_alias("centre_name_en"),
            Enrolment.session.centre.name_ru.as_alias("centre_name_ru"),
        ).where((Enrolment.member == member_id) & (Enrolment.status != "cancelled")
                ).order_by(Enrolment.session.starts_at, ascending=False).limit(50)
        certificates = await member_certificates(member_id, today)
    return {"enrolments": enrolments, "certificates": certificates}


async def member_certificates(member_id: int, today: date) -> list[dict[str, Any]]:
    """A member's certificates, newest first, each marked valid or not (one query)."""
    certificates = await Certificate.select(*_certificate_columns()).where(
        Certificate.member == member_id).order_by(Certificate.issued_on, ascending=False)
    for certificate in certificates:
        certificate["valid"] = certificate_valid(certificate, today)
    return certificates


async def certificate(certificate_id: int | None = None, code: str | None = None
                      ) -> dict[str, Any] | None:
    condition = (Certificate.id == certificate_id) if certificate_id else (
        Certificate.code == (code or "-"))
    return await Certificate.select(*_certificate_columns()).where(condition).first()


async def summary(centre_id: int | None, starts: date, ends: date, timezone: str, *,
                  now: datetime) -> dict[str, Any]:
    """Sessions held (started before `now`, not cancelled) in a period, by audience: sessions,
    places, enrolled, attended; and certificates they issued. Three grouped queries."""
    from rental.ledger import local_day_bounds

    start, _ = local_day_bounds(starts, timezone)
    _, end = local_day_bounds(ends, timezone)
    condition = ((SkillSession.starts_at >= start) & (SkillSession.starts_at < end)
                 & (SkillSession.starts_at < now) & (SkillSession.status == "scheduled"))
    if centre_id:
        condition &= SkillSession.centre == centre_id
    async with read_transaction():
        held = await SkillSession.select(
            SkillSession.audience, Count(SkillSession.id).as_alias("sessions"),
            Sum(SkillSession.capacity).as_alias("places"),
            Sum(SkillSession.enrolled).as_alias("enrolled"),
        ).where(condition).group_by(SkillSession.audience)
        enrolment_condition = (Enrolment.status == "enrolled") & Enrolment.attended.eq(True)
        enrolment_condition &= (Enrolment.session.starts_at >= start) & (
            Enrolment.session.starts_at < end) & (Enrolment.session.status == "scheduled")
        if centre_id:
            enrolment_condition &= Enrolment.session.centre == centre_id
        attended = await Enrolment.select(
            Enrolment.session.audience.as_alias("audience"),
            Count(Enrolment.id).as_alias("attended"),
        ).where(enrolment_condition).group_by(Enrolment.session.audience)
        cert_condition = Certificate.session.is_not_null() & Certificate.revoked_at.is_null() & (
            Certificate.session.starts_at >= start) & (Certificate.session.starts_at < end)
        if centre_id:
            cert_condition &= Certificate.session.centre == centre_id
        issued = await Certificate.select(
            Certificate.session.audience.as_alias("audience"),
            Count(Certificate.id).as_alias("certificates"),
        ).where(cert_condition).group_by(Certificate.session.audience)
    rows: dict[str, dict[str, int]] = {}
    for source in (held, attended, issued):
        for row in source:
            bucket = rows.setdefault(row["audience"], {"sessions": 0, "places": 0,
                                                       "enrolled": 0, "attended": 0,
                                                       "certificates": 0})
            for key, value in row.items():
                if key != "audience":
                    bucket[key] = int(value or 0)
    total = {k: sum(r[k] for r in rows.values()) for k in
             ("sessions", "places", "enrolled", "attended", "certificates")}
    return {"by_audience": rows, "total": total}


# --- pages: each one read ---------------------------------------------------------------------


async def listing_page(*, centre: int, skill: int, audience: str, starts: str,
                       asker: CurrentUser | None, now: datetime, timezone: str
                       ) -> dict[str, Any]:
    """The public list as filtered (an unknown audience or day filters nothing), with the
    places free in each session."""
    async with read_transaction():
        centres, skills = await choices()
        rows = await listing(centre=centre or None, skill=skill or None,
                             audience=audience if audience in AUDIENCES else None,
                             from_day=calendar_day(starts), now=now, timezone=timezone)
    return {"sessions": [{**row, "free": places_free(row)} for row in rows],
            "centres": centres, "skills": skills, "audiences": AUDIENCES,
            "filters": {"centre": centre, "skill": skill, "audience": audience, "from": starts},
            "manages": manages(asker)}


async def session_page(session_id: int, asker: CurrentUser | None) -> dict[str, Any]:
    """A session as the asker sees it: their place or the waitlist, what they may do."""
    view = await session_view(session_id, asker.id if asker else None)
    if view is None:
        raise SessionError("not_found", {"form": N_("There is no such session.")})
    return {**view, "free": places_free(view["session"]), "manages": manages(asker),
            "may_enrol": asker is not None and may_enrol(asker.status)}


async def session_form_page(session_id: int | None) -> dict[str, Any]:
    """The form to schedule a session (no id) or to edit one, with its choices."""
    async with read_transaction():
        view = await session_view(session_id, None) if session_id else None
        if session_id and view is None:
            raise SessionError("not_found", {"form": N_("There is no such session.")})
        centres, skills = await choices()
    session = view["session"] if view else None
    return {
        "session": session, "values": form_values_of(session) if session else {**NEW_SESSION},
        "audiences": AUDIENCES,
        "centre_options": [(str(c["id"]), i18n.localized(c, "name")) for c in centres],
        "skill_options": [(str(s["id"]), i18n.localized(s, "name")) for s in skills],
        "language_options": [(code, i18n.language_label(code)) for code in SESSION_LANGUAGES]}


async def attendance_page(session_id: int, asker: CurrentUser) -> dict[str, Any]:
    """The attendance sheet, for the desk of the session's centre."""
    sheet = await attendance_sheet(session_id)
    if sheet is None:
        raise SessionError("not_found", {"form": N_("There is no such session.")})
    _keeps_the_sheet(asker, sheet["session"]["centre"])
    return sheet


async def summary_page(centre: int, starts: date | None, ends: date | None, *, today: date,
                       now: datetime, timezone: str) -> dict[str, Any]:
    """The summary of the period asked for (cut short when it is wrong, and said why)."""
    first, last, errors = summary_period(starts, ends, today)
    async with read_transaction():
        centres, _ = await choices()
        view = await summary(centre or None, first, last, timezone, now=now)
    return {**view, "centres": centres, "centre": centre, "first": first, "last": last,
            "errors": errors, "audiences": AUDIENCES}


async def certificates_page(member_id: int, asker: CurrentUser, today: date
                            ) -> dict[str, Any]:
    """A member's certificates and sessions, and the skills a coordinator may grant."""
    async with read_transaction():
        member = await members.member_row(member_id)
        if member is None:
            raise SessionError("not_found", {"form": N_("There is no such member.")})
        _, skills = await choices()
        record = await member_record(member_id, today)
    return {**record, "member": member, "skills": skills, "manages": manages(asker)}


async def certificate_page(certificate_id: int, asker: CurrentUser, language: str,
                           today: date) -> dict[str, Any]:
    """A certificate to print, for its holder or the staff, in the language asked for or else
    the holder's."""
    found = await certificate(certificate_id)
    if found is None or not may_print(found, asker):
        raise SessionError("not_found", {"form": N_("There is no such certificate.")})
    return {"certificate": found, "valid": certificate_valid(found, today),
            "language": language if language in i18n.LANGUAGES else found["member_language"]}


async def verification_page(code: str, today: date) -> dict[str, Any]:
    """The public check: whether it is valid, the skill, the date and the holder's initials."""
    found = await certificate(code=code)
    if found is None:
        raise SessionError("not_found", {"form": N_("There is no such certificate.")})
    return {"certificate": found, "initials": initials(found["member_name"]),
            "valid": certificate_valid(found, today)}
