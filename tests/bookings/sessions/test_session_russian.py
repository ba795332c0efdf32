"""A session's title and description in Russian: written on the session form, shown to a
Russian reader (an empty Russian text falls back to English, then Georgian), and used in what
members are told about the session (their page, e-mail and SMS) and by the reminders sweep.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; the clock is the tests'."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from helpers import (
    TBILISI,
    Cast,
    at,
    credentials,
    csrf_token,
    demo_cast,
    log_in,
    new_session,
    now,
    today,
)

from bookings.lending.reminders import notifications_sweep
from bookings.sessions import services as sessions
from bookings.tables import SkillSession
from rental.tables import Member, Notification

RUSSIAN_TITLE = "Занятие по технике безопасности"
RUSSIAN_TEXT = "Возьмите рабочие перчатки."


@pytest.fixture
async def cast(seeded) -> Cast:
    await SkillSession.update({SkillSession.status: "cancelled"}, force=True)  # the seed's
    cast = await demo_cast()
    # the demo member reads Russian; Levan (other) reads English
    await Member.update({Member.language: "ru"}).where(Member.id == cast.member)
    return dataclasses.replace(cast)


async def told(member: int, kind: str) -> dict:
    [message] = await Notification.select().where(
        (Notification.member == member) & (Notification.kind == kind)
        & (Notification.channel == "page"))
    return message


async def enrol(session: int, member: int) -> None:
    assert await sessions.enrol(session, member, actor_id=member, now=now()) == "enrolled"


async def test_a_russian_reader_is_told_the_russian_title(cast):
    session = await new_session(cast, title_ru=RUSSIAN_TITLE)
    await enrol(session, cast.member)
    await enrol(session, cast.other)
    enrolled = await told(cast.member, "session_enrolled")
    assert enrolled["language"] == "ru"
    assert RUSSIAN_TITLE in enrolled["subject"] and "Safety session" not in enrolled["body"]
    assert "უსაფრთხოების სესია" not in enrolled["body"]
    assert (await told(cast.other, "session_enrolled"))["subject"] == "Enrolled: Safety session"
    await sessions.cancel(session, actor_id=cast.coordinator.id, now=now())
    assert RUSSIAN_TITLE in (await told(cast.member, "session_cancelled"))["subject"]


async def test_the_reminder_of_a_session_tomorrow_names_it_in_russian(cast):
    held_on = today() + timedelta(days=3)
    session = await new_session(cast, title_ru=RUSSIAN_TITLE, starts_at=at(held_on, 10))
    await enrol(session, cast.member)
    the_day_before = at(held_on - timedelta(days=1), 12)
    await notifications_sweep(now=the_day_before)
    reminder = await told(cast.member, "session_tomorrow")
    assert reminder["language"] == "ru" and RUSSIAN_TITLE in reminder["subject"]


async def test_an_unwritten_russian_title_falls_back_to_english(cast):
    session = await new_session(cast)  # title_ru ""
    await enrol(session, cast.member)
    message = await told(cast.member, "session_enrolled")
    assert "Safety session" in message["subject"]
    assert "უსაფრთხოების სესია" not in message["subject"]


def form(**over) -> dict:
    starts = now().astimezone(TBILISI) + timedelta(days=2)
    return {"title_ka": "ელექტროუსაფრთხოება", "title_en": "Electrical safety",
            "title_ru": "Электробезопасность дома", "description_ka": "მოიტანეთ ხელთათმანები.",
            "description_en": "Bring work gloves.", "description_ru": RUSSIAN_TEXT,
            "centre": "1", "skill": "", "day": starts.date().isoformat(), "starts": "11:00",
            "ends": "13:00", "capacity": "5", "audience": "everyone", "language": "ru",
            "weeks": "1", **over}


async def test_the_coordinator_writes_the_russian_on_the_form_and_a_russian_reader_sees_it(
        client, seeded):
    await SkillSession.update({SkillSession.status: "cancelled"}, force=True)
    phone, password = credentials(seeded, "coordinator")
    await Member.update({Member.language: "ru"}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303
    blank = await client.get("/manage/sessions/new")
    assert blank.status_code == 200
    assert 'name="title_ru"' in blank.text and 'name="description_ru"' in blank.text
    token = await csrf_token(client, "/manage/sessions/new")
    long = await client.post("/manage/sessions", data={
        **form(title_ru="я" * 250), "_csrf_token": token})
    assert long.status_code == 303  # cut at the English limit, like the English title
    done = await client.post("/manage/sessions", data={**form(), "_csrf_token": token})
    assert done.status_code == 303
    session = await SkillSession.select().where(
        SkillSession.title_ru == "Электробезопасность дома").first()
    assert session["description_ru"] == RUSSIAN_TEXT
    assert await SkillSession.exists().where(SkillSession.title_ru == "я" * 200)
    page = await client.get(f"/sessions/{session['id']}")
    assert "Электробезопасность дома" in page.text and RUSSIAN_TEXT in page.text
    assert "Bring work gloves." not in page.text and "Electrical safety" not in page.text
    listing = await client.get("/sessions")
    assert "Электробезопасность дома" in listing.text
    edit = await client.get(f"/manage/sessions/{session['id']}/edit")
    assert 'value="Электробезопасность дома"' in edit.text and RUSSIAN_TEXT in edit.text
    # emptied again: the Russian reader reads the English
    changed = await client.post(f"/manage/sessions/{session['id']}", data={
        **form(title_ru="", description_ru=""), "_csrf_token": token})
    assert changed.status_code == 303
    page = await client.get(f"/sessions/{session['id']}")
    assert "Electrical safety" in page.text and "Bring work gloves." in page.text


async def test_the_demo_sessions_are_written_in_russian(seeded):
    rows = await SkillSession.select(SkillSession.title_ru, SkillSession.description_ru)
    assert rows and all(row["title_ru"] and row["description_ru"] for row in rows)
