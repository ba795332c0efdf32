"""The members' API (rental.member_api, issue 22): a member's own record and messages, the
desk's members; the same rules and messages as the pages, each operation's refusals, the token
scopes each route needs, and what the API changes shows on /me. Through the app, on both
databases."""

from __future__ import annotations

from datetime import timedelta

import helpers
from helpers import SMG, demo_cast, now

from rental import notifications
from rental.accounts import create_api_token
from rental.kernel.db import write_transaction
from rental.tables import Member, Notification

COORDINATOR = "+995555000002"
STAFF = "+995555000003"
MEMBER = "+995555000012"
OTHER = "+995555000013"

NEW_MEMBER = {"name": "Tamar Kapanadze", "phone": "555 98 76 54",
              "id_document_type": "personal_number", "id_document_number": "01001098765",
              "birth_date": "1990-06-15", "sex": "female", "situation": "local_resident",
              "municipality": "samgori", "home_centre": SMG, "email": "tamar@example.ge"}


async def bearer(phone: str, *scopes: str) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=list(scopes) or None)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


async def some_messages(member: int, count: int) -> None:
    async with write_transaction():
        for n in range(count):
            await notifications.queue(
                member, "due_tomorrow", {"tool": f"Drill {n:02d}", "ends": "tomorrow"},
                now=helpers.now() + timedelta(minutes=n), centre_id=SMG,
                event_key=f"due_tomorrow:api {n}")


async def message_ids(member: int) -> list[int]:
    return [row["id"] for row in await Notification.select(Notification.id).where(
        (Notification.member == member) & (Notification.channel == "page")).order_by(
        Notification.id)]


# --- /me ---------------------------------------------------------------------------------------


async def test_a_member_reads_their_own_record(client, seeded):
    cast = await demo_cast()
    answer = await client.get("/api/v1/me", headers=await bearer(MEMBER, "read"))
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert me["id"] == cast.member and me["card_number"] == f"M{cast.member:05d}"
    assert me["phone"] == MEMBER and me["home_centre_id"] == SMG
    assert set(me["balance"]) == {"tetri", "text"} and isinstance(me["balance"]["tetri"], int)
    assert "page" in me["reminder_channels"]
    assert "id_document_number" not in me  # the desk's card shows it; /me does not
    assert answer.headers.get("etag")


async def test_a_change_through_the_api_shows_on_my_page(client, seeded):
    headers = await bearer(MEMBER, "read", "book")
    answer = await client.patch("/api/v1/me", headers=headers, json={
        "email": "Nino.New@Example.GE", "language": "ru", "sms_reminders": False})
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert me["email"] == "nino.new@example.ge" and me["language"] == "ru"
    assert me["sms_reminders"] is False and "sms" not in me["reminder_channels"]
    assert me["phone"] == MEMBER  # what was not sent stays
    page = await client.get("/me", headers=headers)
    assert page.status_code == 200 and "nino.new@example.ge" in page.text
    assert (await client.get("/api/v1/me", headers=headers)).json() == me


async def test_my_bad_phone_and_email_are_refused_by_field_and_nothing_changes(client, seeded):
    headers = await bearer(MEMBER, "read", "book")
    before = await Member.select().where(Member.phone == MEMBER).first()
    answer = await client.patch("/api/v1/me", headers=headers, json={
        "phone": "12", "email": "not an address", "language": "ka"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["status"] == 422 and set(body["errors"]) == {"phone", "email"}
    assert body["errors"]["phone"] == "Enter a phone number, e.g. 555 12 34 56."
    assert await Member.select().where(Member.id == before["id"]).first() == before
    wrong_type = await client.patch("/api/v1/me", headers=headers, json={"sms_latin": "maybe"})
    assert wrong_type.status_code == 400


async def test_a_phone_another_account_has_is_refused(client, seeded):
    answer = await client.patch("/api/v1/me", headers=await bearer(MEMBER, "read", "book"),
                                json={"phone": OTHER})
    assert answer.status_code == 422 and set(answer.json()["errors"]) == {"phone"}


# --- my messages -------------------------------------------------------------------------------


async def test_my_messages_newest_first_a_page_at_a_time(client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 3)
    await some_messages(cast.other, 1)
    headers = await bearer(MEMBER, "read")
    first = (await client.get("/api/v1/me/messages?per_page=2", headers=headers)).json()
    total = len(await message_ids(cast.member))
    assert first["total"] == total >= 3 and first["page"] == 1 and len(first["items"]) == 2
    assert "Drill 02" in first["items"][0]["body"] and "Drill 01" in first["items"][1]["body"]
    assert first["next"] == "/api/v1/me/messages?per_page=2&page=2"
    assert first["unread"] >= 3
    second = (await client.get(first["next"], headers=headers)).json()
    assert "Drill 00" in second["items"][0]["body"]


async def test_a_member_marks_a_message_read_and_not_another_members(client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 1)
    await some_messages(cast.other, 1)
    mine, theirs = (await message_ids(cast.member))[-1], (await message_ids(cast.other))[-1]
    headers = await bearer(MEMBER, "read", "book")
    read = await client.post(f"/api/v1/me/messages/{mine}/read", headers=headers)
    assert read.status_code == 200 and read.json()["id"] == mine and read.json()["read_at"]
    again = await client.post(f"/api/v1/me/messages/{mine}/read", headers=headers)
    assert again.json()["read_at"] == read.json()["read_at"]  # read since the first time
    refused = await client.post(f"/api/v1/me/messages/{theirs}/read", headers=headers)
    assert refused.status_code == 404 and set(refused.json()) == {"status", "errors"}
    assert (await Notification.select(Notification.read_at).where(
        Notification.id == theirs).first())["read_at"] is None
    unknown = await client.post("/api/v1/me/messages/999999/read", headers=headers)
    assert unknown.status_code == 404


# --- the desk's members ------------------------------------------------------------------------


async def test_the_desk_finds_members_by_card_number_phone_or_name(client, seeded):
    cast = await demo_cast()
    headers = await bearer(STAFF, "read")
    name = (await Member.select(Member.name).where(Member.id == cast.member).first())["name"]
    for q in (f"M{cast.member:05d}", MEMBER[-7:], name):
        found = (await client.get("/api/v1/members", params={"q": q}, headers=headers)).json()
        assert cast.member in [item["id"] for item in found["items"]], q
    nobody = (await client.get("/api/v1/members?q=x", headers=headers)).json()
    assert nobody == {"items": [], "total": 0, "page": 1, "pages": 1, "next": None}


async def test_the_search_comes_a_page_at_a_time(client, seeded):
    headers = await bearer(STAFF, "read")
    whole = (await client.get("/api/v1/members?q=555&per_page=100", headers=headers)).json()
    assert whole["total"] >= 3
    first = (await client.get("/api/v1/members?q=555&per_page=2", headers=headers)).json()
    second = (await client.get(first["next"], headers=headers)).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [
        i["id"] for i in whole["items"][:4]]


async def test_a_member_may_not_look_up_members(client, seeded):
    cast = await demo_cast()
    headers = await bearer(MEMBER, "read", "book")
    for path in ("/api/v1/members?q=555", f"/api/v1/members/{cast.other}"):
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 403 and set(answer.json()) == {"status", "errors"}
    assert (await client.post("/api/v1/members", headers=headers,
                              json=NEW_MEMBER)).status_code == 403
    assert (await client.get("/api/v1/me")).status_code == 401  # no token


async def test_the_desk_reads_a_members_record(client, seeded):
    cast = await demo_cast()
    headers = await bearer(STAFF, "read")
    answer = await client.get(f"/api/v1/members/{cast.migrant}", headers=headers)
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["id"] == cast.migrant and record["role"] == "member"
    assert record["memberships"] and record["memberships"][0]["state"] == (
        record["membership_state"])
    assert record["concession"] is not None and record["concession"]["in_force"]
    assert record["concessions"][0] == record["concession"]
    assert (await client.get("/api/v1/members/999999", headers=headers)).status_code == 404


async def test_the_desk_registers_a_member_as_its_form_does(client, seeded):
    headers = await bearer(STAFF, "read", "desk")
    answer = await client.post("/api/v1/members", headers=headers, json=NEW_MEMBER)
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record["phone"] == "+995555987654" and record["status"] == "active"
    assert record["home_centre_id"] == SMG and record["verified_at"]
    again = (await client.get(f"/api/v1/members/{record['id']}", headers=headers)).json()
    assert again == record
    taken = await client.post("/api/v1/members", headers=headers, json=NEW_MEMBER)
    assert taken.status_code == 422 and "phone" in taken.json()["errors"]


async def test_a_registration_with_bad_fields_is_refused_by_field(client, seeded):
    headers = await bearer(STAFF, "read", "desk")
    count = await Member.count()
    answer = await client.post("/api/v1/members", headers=headers, json={
        **NEW_MEMBER, "phone": "12", "email": "nope", "birth_date": "15.06.1990",
        "home_centre": 999})
    assert answer.status_code == 422
    assert {"phone", "email", "birth_date"} <= set(answer.json()["errors"])
    other_centre = await client.post("/api/v1/members", headers=headers, json={
        **NEW_MEMBER, "home_centre": 2})
    assert other_centre.status_code == 422 and set(other_centre.json()["errors"]) == {
        "home_centre"}  # a centre this staff member does not work for
    missing = await client.post("/api/v1/members", headers=headers, json={"name": "X"})
    assert missing.status_code == 400
    assert await Member.count() == count


async def test_the_desk_changes_a_members_contact(client, seeded):
    cast = await demo_cast()
    headers = await bearer(STAFF, "read", "desk")
    answer = await client.patch(f"/api/v1/members/{cast.member}", headers=headers,
                                json={"phone": "555 11 22 33", "language": "en"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["phone"] == "+995555112233" and answer.json()["language"] == "en"
    bad = await client.patch(f"/api/v1/members/{cast.member}", headers=headers,
                             json={"email": "@", "phone": "0"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"email", "phone"}
    row = await Member.select(Member.phone, Member.email).where(Member.id == cast.member).first()
    assert row["phone"] == "+995555112233"
    unknown = await client.patch("/api/v1/members/999999", headers=headers, json={})
    assert unknown.status_code == 404
    staff = await client.patch(f"/api/v1/members/{cast.coordinator.id}", headers=headers,
                               json={"phone": "555 11 22 44"})
    assert staff.status_code == 403


# --- the scopes the routes need ----------------------------------------------------------------


async def test_each_route_needs_its_scope(client, seeded):
    """read for the reads; book for a member's own changes; desk for the desk's."""
    cast = await demo_cast()
    await some_messages(cast.member, 1)
    message = (await message_ids(cast.member))[-1]
    member_routes = [("GET", "/api/v1/me", None, "read"),
                     ("GET", "/api/v1/me/messages", None, "read"),
                     ("PATCH", "/api/v1/me", {}, "book"),
                     ("POST", f"/api/v1/me/messages/{message}/read", None, "book")]
    desk_routes = [("GET", "/api/v1/members?q=555", None, "read"),
                   ("GET", f"/api/v1/members/{cast.member}", None, "read"),
                   ("POST", "/api/v1/members", {**NEW_MEMBER, "phone": "1"}, "desk"),
                   ("PATCH", f"/api/v1/members/{cast.member}", {}, "desk")]
    for phone, routes, scopes in ((MEMBER, member_routes, ("read", "book")),
                                  (STAFF, desk_routes + member_routes, ("read", "book", "desk"))):
        for scope in scopes:
            headers = await bearer(phone, scope)
            for method, path, body, needed in routes:
                answer = await client.request(method, path, headers=headers, json=body)
                if scope == needed:
                    assert answer.status_code not in (401, 403), (phone, scope, path)
                else:
                    assert answer.status_code == 403, (phone, scope, path, answer.status_code)
