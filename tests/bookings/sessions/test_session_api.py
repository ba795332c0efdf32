"""The sessions API (issue 22): the public list and session, enrolling and leaving (the
waitlist and its order), the desk's attendance sheet, the asker's certificates and the public
check; refusals, the token's scopes, and that the page and the API agree. Through the app with
bearer tokens, on both databases."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from helpers import log_in, now, today

from bookings.sessions.rules import initials
from bookings.tables import Certificate, Enrolment, SkillSession
from rental.accounts import create_api_token, create_staff_account
from rental.tables import Centre, Member

MEMBER = "+995555000012"
OTHER = "+995555000013"
STAFF = "+995555000003"  # Samgori's desk


async def bearer(phone: str, scopes: list[str] | None = None) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


async def soon(session_id: int = 1, capacity: int = 1) -> None:
    """The seed's session moved to two hours from now, with `capacity` places."""
    await SkillSession.update({SkillSession.capacity: capacity, SkillSession.enrolled: 0,
                               SkillSession.status: "scheduled",
                               SkillSession.starts_at: now() + timedelta(hours=2),
                               SkillSession.ends_at: now() + timedelta(hours=3)}
                              ).where(SkillSession.id == session_id)


def password_of(seeded, phone: str) -> str:
    return next(pw for _role, p, pw in seeded.credentials if p == phone)


async def test_the_list_is_public_filtered_and_paged(client, seeded):
    await soon()
    listed = await client.get("/api/v1/sessions", headers={"Accept-Language": "en"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    item = next(i for i in body["items"] if i["id"] == 1)
    row = await SkillSession.select().where(SkillSession.id == 1).first()
    assert item["title_ka"] == row["title_ka"] and item["capacity"] == 1
    assert item["places_free"] == 1 and item["waitlist"] == 0
    assert item["centre"]["id"] == row["centre"] and item["starts_at"].endswith("Z")
    starts = [i["starts_at"] for i in body["items"]]
    assert starts == sorted(starts) and body["total"] == len(body["items"]) <= 20
    if body["total"] > 1:
        first = await client.get("/api/v1/sessions", params={"per_page": 1})
        assert first.json()["next"] == "/api/v1/sessions?per_page=1&page=2"
    other = await Centre.select(Centre.id).where(Centre.id != row["centre"]).first()
    elsewhere = await client.get("/api/v1/sessions", params={"centre": other["id"]})
    assert 1 not in [i["id"] for i in elsewhere.json()["items"]]
    day = (now() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Tbilisi")).date()
    window = await client.get("/api/v1/sessions", params={
        "from": (day - timedelta(days=1)).isoformat(), "to": (day + timedelta(days=1)
                                                               ).isoformat()})
    assert 1 in [i["id"] for i in window.json()["items"]]
    backwards = await client.get("/api/v1/sessions", headers={"Accept-Language": "en"},
                                 params={"from": "2026-12-10", "to": "2026-12-01"})
    assert backwards.status_code == 422
    assert backwards.json() == {"status": 422, "errors": {"to": "The end is before the start."}}
    assert (await client.get("/api/v1/sessions", params={"from": "soon"})).status_code == 400
    far = await client.get("/api/v1/sessions", params={"to": "9999-12-31"})
    assert far.status_code == 422 and "to" in far.json()["errors"]
    missing = await client.get("/api/v1/sessions/999", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    assert missing.json() == {"status": 404, "errors": {"form": "There is no such session."}}


async def test_members_enrol_wait_in_line_and_leave_as_on_the_page(client, seeded):
    await soon()
    first, second = await bearer(MEMBER), await bearer(OTHER)
    enrolled = await client.post("/api/v1/sessions/1/enrol", headers=first)
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json() == {"session_id": 1, "status": "enrolled", "place_in_line": None}
    again = await client.post("/api/v1/sessions/1/enrol", headers=first)
    assert again.status_code == 422
    assert again.json()["errors"] == {"form": "You are enrolled in this session already."}
    waiting = await client.post("/api/v1/sessions/1/enrol", headers=second)
    assert waiting.json() == {"session_id": 1, "status": "waitlisted", "place_in_line": 1}
    seen = (await client.get("/api/v1/sessions/1", headers=second)).json()
    assert (seen["mine"], seen["place_in_line"], seen["waitlist"], seen["places_free"]) == (
        "waitlisted", 1, 1, 0)
    anonymous = (await client.get("/api/v1/sessions/1")).json()
    assert anonymous["mine"] is None and anonymous["waitlist"] == 1
    # the page shows what the API did
    assert (await log_in(client, MEMBER, password_of(seeded, MEMBER))).status_code == 303
    page = await client.get("/sessions/1")
    assert page.status_code == 200 and 'badge-ok' in page.text  # "You are enrolled."
    assert 'action="/sessions/1/leave"' in page.text
    left = await client.post("/api/v1/sessions/1/leave", headers=first)
    assert left.status_code == 200, left.text
    assert left.json() == {"session_id": 1, "status": "cancelled", "place_in_line": None}
    promoted = (await client.get("/api/v1/sessions/1", headers=second)).json()
    assert (promoted["mine"], promoted["place_in_line"], promoted["waitlist"]) == (
        "enrolled", None, 0)
    not_there = await client.post("/api/v1/sessions/1/leave", headers=first)
    assert not_there.status_code == 404
    assert not_there.json()["errors"] == {"form": "You are not enrolled in this session."}
    assert (await client.post("/api/v1/sessions/999/enrol", headers=first)).status_code == 404


async def test_cancelled_started_and_suspended_are_refused_and_change_nothing(client, seeded):
    await soon()
    auth = await bearer(MEMBER)
    await SkillSession.update({SkillSession.status: "cancelled"}).where(SkillSession.id == 1)
    cancelled = await client.post("/api/v1/sessions/1/enrol", headers=auth)
    assert cancelled.status_code == 422
    assert cancelled.json()["errors"] == {"form": "This session is cancelled."}
    await soon()
    await SkillSession.update({SkillSession.starts_at: now() - timedelta(minutes=5)}).where(
        SkillSession.id == 1)
    started = await client.post("/api/v1/sessions/1/enrol", headers=auth)
    assert started.status_code == 422
    assert started.json()["errors"] == {"form": "This session has started or is over."}
    await soon()
    await Member.update({Member.status: "suspended"}).where(Member.phone == MEMBER)
    suspended = await client.post("/api/v1/sessions/1/enrol", headers=auth)
    assert suspended.status_code in (401, 403)  # a suspended account's token may not act
    assert await Enrolment.count() == 0


async def test_scopes_read_for_reading_book_for_enrolling(client, seeded):
    await soon()
    read_only = await bearer(MEMBER, ["read"])
    refused = await client.post("/api/v1/sessions/1/enrol", headers=read_only)
    assert refused.status_code == 403 and await Enrolment.count() == 0
    assert (await client.get("/api/v1/me/certificates", headers=read_only)).status_code == 200
    book_only = await bearer(MEMBER, ["book"])
    assert (await client.get("/api/v1/me/certificates", headers=book_only)).status_code == 403
    assert (await client.post("/api/v1/sessions/1/enrol", headers=book_only)).status_code == 201
    assert (await client.post("/api/v1/sessions/1/leave", headers=read_only)).status_code == 403
    assert (await client.post("/api/v1/sessions/1/leave", headers=book_only)).status_code == 200
    assert (await client.post("/api/v1/sessions/1/enrol")).status_code in (401, 403)
    assert (await client.get("/api/v1/me/certificates")).status_code == 401
    bad = {"Authorization": "Bearer nonsense"}
    assert (await client.get("/api/v1/me/certificates", headers=bad)).status_code == 401


async def test_my_certificates_and_the_public_check(client, seeded):
    member = await Member.select(Member.id, Member.name).where(Member.phone == MEMBER).first()
    other = await Member.select(Member.id).where(Member.phone == OTHER).first()
    day = today()
    for code, expires_on, revoked_at, holder in (
            ("api-valid-code", day + timedelta(days=30), None, member["id"]),
            ("api-expired-code", day - timedelta(days=1), None, member["id"]),
            ("api-revoked-code", None, now(), member["id"]),
            ("api-others-code", None, None, other["id"])):
        await Certificate.insert(Certificate(
            member=holder, skill=1, issued_on=day - timedelta(days=60), expires_on=expires_on,
            code=code, reason="test", created_at=now(), revoked_at=revoked_at,
            revoke_reason="forged" if revoked_at else ""))
    mine = await client.get("/api/v1/me/certificates", headers=await bearer(MEMBER))
    assert mine.status_code == 200, mine.text
    assert {c["code"]: c["status"] for c in mine.json()} == {
        "api-valid-code": "valid", "api-expired-code": "expired",
        "api-revoked-code": "revoked"}
    check = await client.get("/api/v1/verify/api-valid-code")
    assert check.status_code == 200, check.text
    body = check.json()
    assert body["status"] == "valid" and body["skill"]["id"] == 1
    assert body["holder_initials"] == initials(member["name"])
    assert member["name"] not in check.text and "member" not in body
    page = await client.get("/verify/api-valid-code")
    assert body["holder_initials"] in page.text
    assert (await client.get("/api/v1/verify/api-revoked-code")).json()["status"] == "revoked"
    assert (await client.get("/api/v1/verify/api-expired-code")).json()["status"] == "expired"
    unknown = await client.get("/api/v1/verify/nonsense", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404
    assert unknown.json() == {"status": 404, "errors": {"form": "There is no such certificate."}}


async def test_the_desk_of_the_centre_keeps_the_attendance_sheet(client, seeded):
    await soon()
    centre = await SkillSession.select(SkillSession.centre.code.as_alias("code")).where(
        SkillSession.id == 1).first()
    assert centre["code"] == "SMG"  # STAFF is Samgori's desk
    member = await Member.select(Member.id).where(Member.phone == MEMBER).first()
    other = await Member.select(Member.id).where(Member.phone == OTHER).first()
    assert (await client.post("/api/v1/sessions/1/enrol",
                              headers=await bearer(MEMBER))).status_code == 201
    desk = await bearer(STAFF)
    sheet = await client.get("/api/v1/sessions/1/attendance", headers=desk)
    assert sheet.status_code == 200, sheet.text
    assert [(r["member_id"], r["attended"]) for r in sheet.json()["enrolled"]] == [
        (member["id"], False)]
    not_enrolled = await client.post("/api/v1/sessions/1/attendance", headers=desk,
                                     json={"member_id": other["id"], "attended": True})
    assert not_enrolled.status_code == 422
    assert not_enrolled.json()["errors"] == {
        "form": "This member is not enrolled in this session."}
    unreadable = await client.post("/api/v1/sessions/1/attendance", headers=desk,
                                   json={"member_id": 0, "attended": "maybe"})
    assert unreadable.status_code == 400 and await Certificate.count() == 0
    ticked = await client.post("/api/v1/sessions/1/attendance", headers=desk,
                               json={"member_id": member["id"], "attended": True})
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["enrolled"][0]["attended"] is True
    earned = (await client.get("/api/v1/me/certificates", headers=await bearer(MEMBER))).json()
    assert [c["status"] for c in earned] == ["valid"] and earned[0]["session_id"] == 1
    # another centre's desk, a member and a read-only desk token may not
    kutaisi = await create_staff_account(
        role="staff", phone="555 77 77 77", name="ქუთაისის დესკი", email=None,
        centre_codes=["KUT"], password="kutaisi-desk-1", now=now())
    assert kutaisi
    elsewhere = await bearer("+995555777777")
    assert (await client.get("/api/v1/sessions/1/attendance", headers=elsewhere)
            ).status_code == 403
    assert (await client.post("/api/v1/sessions/1/attendance", headers=elsewhere, json={
        "member_id": member["id"], "attended": False})).status_code == 403
    assert (await client.post("/api/v1/sessions/1/attendance", headers=elsewhere,
                              json={})).status_code == 403  # refused before the body is read
    assert (await client.get("/api/v1/sessions/1/attendance",
                             headers=await bearer(MEMBER))).status_code == 403
    assert (await client.post("/api/v1/sessions/1/attendance",
                              headers=await bearer(STAFF, ["read"]), json={
        "member_id": member["id"], "attended": False})).status_code == 403
    assert (await Enrolment.select().where(Enrolment.member == member["id"]).first()
            )["attended"] is True
