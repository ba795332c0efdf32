"""Skills session pages: the list and its fragment, scheduling with bad input, enrolment, the
attendance sheet, certificates, the public check and the summary."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import CLOCK, credentials, csrf_token, log_in, now

from bookings.tables import Certificate, Enrolment, SkillSession
from rental.tables import Member

TBILISI = ZoneInfo("Asia/Tbilisi")


async def post(client, path: str, data: dict, page: str = "/sessions"):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token})


def form(**over) -> dict:
    starts = now().astimezone(TBILISI) + timedelta(days=2)
    return {"title_ka": "ელექტროუსაფრთხოება", "title_en": "Electrical safety", "centre": "1",
            "skill": "1", "day": starts.date().isoformat(), "starts": "11:00",
            "ends": "13:00", "capacity": "2", "audience": "everyone", "language": "ka",
            "weeks": "1", **over}


@pytest.mark.calendar
async def test_the_public_list_filters_and_answers_htmx_with_the_list_only(client, seeded):
    page = await client.get("/sessions")
    assert page.status_code == 200 and "/sessions/1" in page.text
    fragment = await client.get("/sessions", params={"audience": "youth"},
                                headers={"HX-Request": "true", "HX-Target": "session-list"})
    assert "<html" not in fragment.text and 'id="session-list"' in fragment.text
    assert (await client.get("/sessions/999")).status_code == 404


async def test_coordinator_schedules_a_weekly_series_and_bad_input_writes_nothing(
        client, seeded):
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    before = await SkillSession.count()
    for bad, field in ((form(ends="10:00"), "ends"), (form(capacity="0"), "capacity"),
                       (form(title_ka=""), "title_ka"), (form(day="2020-01-01"), "day"),
                       (form(skill="999"), "skill"), (form(weeks="99"), "weeks")):
        response = await post(client, "/manage/sessions", bad, page="/manage/sessions/new")
        assert response.status_code == 422 and f'id="e-{field}"' in response.text, field
    assert await SkillSession.count() == before
    done = await post(client, "/manage/sessions", form(weeks="3"), page="/manage/sessions/new")
    assert done.status_code == 303
    series = await SkillSession.select().where(SkillSession.series.is_not_null())
    assert len(series) == 3 and len({s["series"] for s in series}) == 1
    first = min(s["id"] for s in series)
    edit = await client.get(f"/manage/sessions/{first}/edit")
    assert edit.status_code == 200 and 'value="11:00"' in edit.text


@pytest.mark.calendar
async def test_members_enrol_then_wait_and_staff_mark_attendance(client, app, seeded):
    import httpx

    session = (await SkillSession.select().where(SkillSession.id == 1).first())
    await SkillSession.update({SkillSession.capacity: 1,
                               SkillSession.starts_at: now() + timedelta(hours=2),
                               SkillSession.ends_at: now() + timedelta(hours=3)}
                              ).where(SkillSession.id == 1)
    members = [(p, pw) for r, p, pw in seeded.credentials if r == "member"]
    for phone, password in members[:2]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver") as member:
            assert (await log_in(member, phone, password)).status_code == 303
            assert (await post(member, "/sessions/1/enrol", {})).status_code == 303
            again = await post(member, "/sessions/1/enrol", {})
            assert again.status_code == 303  # said in a flash message, nothing written
    statuses = [e["status"] for e in await Enrolment.select().order_by(Enrolment.id)]
    assert statuses == ["enrolled", "waitlisted"]
    CLOCK.advance(hours=2, minutes=30)  # the desk marks attendance during the session
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    sheet = await client.get("/sessions/1/attendance")
    assert sheet.status_code == 200 and 'name="attended"' in sheet.text
    first = (await Enrolment.select().order_by(Enrolment.id).first())["member"]
    waiting = (await Enrolment.select().order_by(Enrolment.id, ascending=False).first())
    refused = await post(client, "/sessions/1/attendance",
                         {"member": waiting["member"], "attended": "yes"},
                         page="/sessions/1/attendance")
    assert refused.status_code == 422 and await Certificate.count() == 0
    ticked = await client.post("/sessions/1/attendance", data={
        "member": first, "attended": "yes",
        "_csrf_token": await csrf_token(client, "/sessions/1/attendance")},
        headers={"HX-Request": "true", "HX-Target": "attendance"})
    assert ticked.status_code == 200 and "<html" not in ticked.text and "checked" in ticked.text
    certificate = await Certificate.select().where(Certificate.member == first).first()
    assert certificate["skill"] == session["skill"]
    printed = await client.get(f"/certificates/{certificate['id']}")
    assert printed.status_code == 200 and "<svg" in printed.text
    check = await client.get(f"/verify/{certificate['code']}")
    name = (await Member.select(Member.name).where(Member.id == first).first())["name"]
    assert check.status_code == 200 and name not in check.text
    assert name.split()[0][0] + "." in check.text
    assert (await client.get("/verify/nonsense")).status_code == 404


async def test_coordinator_grants_and_revokes_with_a_reason(client, seeded):
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    member = (await Member.select(Member.id).where(Member.phone == "+995555000013").first())
    page = f"/members/{member['id']}/certificates"
    assert (await client.get(page)).status_code == 200
    empty = await post(client, page, {"skill": "1", "reason": " "}, page=page)
    assert empty.status_code == 303 and await Certificate.count() == 0
    granted = await post(client, page, {"skill": "1", "reason": "a qualified electrician"},
                         page=page)
    assert granted.status_code == 303 and await Certificate.count() == 1
    certificate = await Certificate.select().first()
    missing = await post(client, "/certificates/999/revoke", {"reason": "x"}, page=page)
    assert missing.status_code == 404
    revoked = await post(client, f"/certificates/{certificate['id']}/revoke",
                         {"reason": "certificate was forged", "member": member["id"]}, page=page)
    assert revoked.status_code == 303
    assert (await Certificate.select().first())["revoked_at"] is not None
    summary = await client.get("/sessions/summary", params={"from": "2026-11-01",
                                                            "to": "2026-10-01"})
    assert summary.status_code == 422 and 'id="e-to"' in summary.text


async def test_a_pending_member_is_told_to_finish_registering_and_enrolments_are_limited(
        client, seeded):
    from rental.throttle import LIMITS

    phone, password = [(p, pw) for r, p, pw in seeded.credentials if r == "member"][1]
    await Member.update({Member.status: "pending"}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303
    page = await client.get("/sessions/1")
    assert 'class="notice"' in page.text and 'action="/sessions/1/enrol"' not in page.text
    refused = await post(client, "/sessions/1/enrol", {}, page="/sessions/1")
    assert refused.status_code == 303 and await Enrolment.count() == 0
    # an active member enrolling and leaving over and over is held up at the limit
    await Member.update({Member.status: "active"}).where(Member.phone == phone)
    token = await csrf_token(client, "/sessions/1")
    for _attempt in range(LIMITS["enrol"].per_key - 1):
        await client.post("/sessions/1/enrol", data={"_csrf_token": token})
        await client.post("/sessions/1/leave", data={"_csrf_token": token})
    assert await Enrolment.count().where(Enrolment.status == "enrolled") == 0
    held_up = await client.post("/sessions/1/enrol", data={"_csrf_token": token})
    assert held_up.status_code == 303
    assert await Enrolment.count().where(Enrolment.status == "enrolled") == 0
    assert "ძალიან ბევრი მცდელობა" in (await client.get("/sessions/1")).text


async def test_the_desk_enrolling_a_card_number_of_nobody_is_told_so_on_the_session_page(
        client, seeded):
    """A typo at the desk is a message on the session's page, not a 404 page: the member is
    what was mistyped, the session is there."""
    await SkillSession.update({SkillSession.starts_at: now() + timedelta(hours=2),
                               SkillSession.ends_at: now() + timedelta(hours=3)}
                              ).where(SkillSession.id == 1)
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    refused = await post(client, "/sessions/1/enrol", {"member": "M99999"}, page="/sessions/1")
    assert refused.status_code == 303 and refused.headers["location"] == "/sessions/1"
    assert await Enrolment.count() == 0


async def test_the_summary_page_counts_as_held_only_sessions_that_have_started(client, seeded):
    await SkillSession.delete(force=True)  # the seed's demo sessions lie on fixed days
    from bookings.sessions import services as sessions

    phone, password = credentials(seeded, "coordinator")
    assert (await log_in(client, phone, password)).status_code == 303
    coordinator = await Member.select(Member.id).where(Member.phone == phone).first()
    day = now().astimezone(TBILISI).date()
    for offset, places in ((-1, 3), (1, 5)):  # yesterday's is held, tomorrow's is not
        starts = datetime.combine(day + timedelta(days=offset), time(10), TBILISI)
        await sessions.create({
            "centre": 1, "skill": None, "title_ka": "სესია", "title_en": "Session",
            "title_ru": "", "description_ka": "", "description_en": "", "description_ru": "",
            "room": "", "instructor": "",
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "capacity": places,
            "audience": "everyone", "language": "ka", "weeks": 1},
            actor_id=coordinator["id"], now=now() - timedelta(days=3))
    period = {"centre": "1", "from": (day - timedelta(days=1)).isoformat(),
              "to": (day + timedelta(days=1)).isoformat()}
    page = await client.get("/sessions/summary", params=period)
    total = page.text.split("<tfoot>")[1]
    assert page.status_code == 200
    assert '<td class="num">1</td><td class="num">3</td>' in total
