"""The bookings API (issue 22): list, read, cancel, renew, the waitlist; who may see and do
what (a member their own, the desk its centres', coordinators all), the token's scopes, and
that the page and the API agree. Through the app with bearer tokens, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpers import csrf_token, log_in, now, open_day

from bookings.tables import Booking, WaitlistEntry
from inventory.tables import Category, ToolType, Unit
from rental.accounts import create_api_token, create_staff_account
from rental.tables import Centre, LedgerEntry, Member

MEMBER = "+995555000012"
OTHER = "+995555000013"
STAFF = "+995555000003"  # Samgori's desk
COORDINATOR = "+995555000002"


async def one_unit_tool(code: str = "SMG") -> tuple[int, int]:
    """A tool type with one unit at a centre: (tool type id, centre id)."""
    centre = await Centre.select(Centre.id).where(Centre.code == code).first()
    category = await Category.select(Category.id).first()
    tool = await ToolType.insert(ToolType(
        slug=f"api-saw-{code.lower()}", category=category["id"], name_ka="სატესტო ხერხი",
        name_en="Test saw", daily_fee=200, deposit=1000, max_loan_days=7, created_at=now(),
        search_text="test saw")).returning(ToolType.id)
    await Unit.insert(Unit(tool_type=tool[0]["id"], centre=centre["id"],
                           asset_tag=f"{code}-9101", created_at=now()))
    return tool[0]["id"], centre["id"]


async def bearer(phone: str, scopes: list[str] | None = None) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


async def kutaisi_desk() -> dict[str, str]:
    await create_staff_account(role="staff", phone="555 77 77 77", name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=datetime(2026, 11, 23, tzinfo=UTC))
    return await bearer("+995555777777")


async def booked(client, auth, tool: int, centre: int, after: int = 2) -> dict:
    starts = open_day(after)
    response = await client.post("/api/v1/bookings", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, "starts_on": starts.isoformat(),
        "ends_on": starts.isoformat()})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_member_lists_reads_and_cancels_their_booking(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    booking = await booked(client, auth, tool, centre)
    listed = await client.get("/api/v1/bookings", headers=auth, params={"status": "reserved"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert booking["id"] in [item["id"] for item in body["items"]]
    assert {item["member_id"] for item in body["items"]} == {booking["member_id"]}
    item = next(item for item in body["items"] if item["id"] == booking["id"])
    assert item["tool_type"] == {"id": tool, "name_ka": "სატესტო ხერხი", "name_en": "Test saw",
                                 "name_ru": ""}
    assert item["centre"]["id"] == centre and item["asset_tag"] == "SMG-9101"
    read = await client.get(f"/api/v1/bookings/{booking['id']}", headers=auth)
    assert read.status_code == 200 and read.json() == item
    cancelled = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=auth)
    assert again.status_code == 422
    assert again.json() == {"status": 422, "errors": {
        "form": "Only a booking that has not been picked up can be cancelled."}}
    only_cancelled = await client.get("/api/v1/bookings", headers=auth,
                                      params={"status": "cancelled"})
    assert [i["id"] for i in only_cancelled.json()["items"]] == [booking["id"]]


async def test_the_page_shows_a_booking_cancelled_through_the_api(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    booking = await booked(client, auth, tool, centre)
    member = await Member.select(Member.id).where(Member.phone == MEMBER).first()
    password = next(pw for _r, phone, pw in seeded.credentials if phone == MEMBER)
    assert (await log_in(client, MEMBER, password)).status_code == 303
    before = (await client.get("/me")).text
    assert f'action="/bookings/{booking["id"]}/cancel"' in before
    assert (await client.post(f"/api/v1/bookings/{booking['id']}/cancel",
                              headers=auth)).status_code == 200
    after = (await client.get("/me")).text
    assert f'id="booking-{booking["id"]}"' in after
    assert f'action="/bookings/{booking["id"]}/cancel"' not in after  # cancelled: no button
    row = await Booking.select(Booking.status, Booking.member).where(
        Booking.id == booking["id"]).first()
    assert row == {"status": "cancelled", "member": member["id"]}


async def test_another_members_booking_is_not_there(client, seeded):
    tool, centre = await one_unit_tool()
    booking = await booked(client, await bearer(MEMBER), tool, centre)
    other = await bearer(OTHER)
    assert (await client.get(f"/api/v1/bookings/{booking['id']}", headers=other)
            ).status_code == 404
    refused = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=other)
    assert refused.status_code == 404
    assert refused.json()["errors"] == {"form": "There is no such booking."}
    mine = (await client.get("/api/v1/bookings", headers=other)).json()["items"]
    assert booking["id"] not in [item["id"] for item in mine]
    assert (await client.get("/api/v1/bookings/999999", headers=other)).status_code == 404
    assert await Booking.count().where(Booking.status == "cancelled") == 0


async def test_the_desk_sees_and_cancels_its_centres_bookings_only(client, seeded):
    tool, centre = await one_unit_tool()
    booking = await booked(client, await bearer(MEMBER), tool, centre)
    desk_auth = await bearer(STAFF)
    unnamed = await client.get("/api/v1/bookings", headers=desk_auth)
    assert unnamed.status_code == 422 and "centre" in unnamed.json()["errors"]
    day = await client.get("/api/v1/bookings", headers=desk_auth, params={
        "centre": centre, "day": booking["starts_on"], "status": "reserved"})
    assert day.status_code == 200
    assert booking["id"] in [item["id"] for item in day.json()["items"]]
    other_day = await client.get("/api/v1/bookings", headers=desk_auth, params={
        "centre": centre, "day": open_day(1, since=open_day(20)).isoformat()})
    assert booking["id"] not in [item["id"] for item in other_day.json()["items"]]
    kutaisi = await Centre.select(Centre.id).where(Centre.code == "KUT").first()
    assert (await client.get("/api/v1/bookings", headers=desk_auth, params={
        "centre": kutaisi["id"]})).status_code == 403
    elsewhere = await kutaisi_desk()
    assert (await client.get(f"/api/v1/bookings/{booking['id']}", headers=elsewhere)
            ).status_code == 403
    assert (await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=elsewhere)
            ).status_code == 403
    assert (await client.get(f"/api/v1/bookings/{booking['id']}", headers=desk_auth)
            ).status_code == 200
    coordinator = await bearer(COORDINATOR)
    everywhere = await client.get("/api/v1/bookings", headers=coordinator)
    assert everywhere.status_code == 200 and everywhere.json()["total"] >= 1
    done = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=desk_auth)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


async def test_lists_page_and_refuse_what_cannot_be_read(client, seeded):
    auth = await bearer(COORDINATOR)
    first = await client.get("/api/v1/bookings", headers=auth, params={"per_page": 1})
    assert first.status_code == 200
    body = first.json()
    assert len(body["items"]) <= 1 and body["page"] == 1
    if body["total"] > 1:
        assert body["next"].endswith("page=2") and body["pages"] == body["total"]
    for params in ({"status": "lent"}, {"day": "tomorrow"}, {"per_page": 0},
                   {"centre": 0}):
        assert (await client.get("/api/v1/bookings", headers=auth, params=params)
                ).status_code == 400, params
    assert (await client.get("/api/v1/bookings", headers=auth, params={
        "day": "1899-12-31"})).status_code == 422


async def test_a_member_renews_a_loan_and_is_told_the_day_and_the_cost(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    booking = await booked(client, auth, tool, centre, after=0)
    await Booking.update({Booking.status: "out", Booking.checked_out_at: now()}).where(
        Booking.id == booking["id"])
    path = f"/api/v1/bookings/{booking['id']}/renew"
    assert (await client.post(path, headers=auth, json={"ends_on": "soon"})).status_code == 400
    assert (await client.post(path, headers=auth, json={})).status_code == 400
    same = await client.post(path, headers=auth, json={"ends_on": booking["ends_on"]})
    assert same.status_code == 422 and same.json()["errors"] == {
        "ends_on": "Choose a day after the current return day."}
    other = await client.post(path, headers=await bearer(OTHER),
                              json={"ends_on": open_day(1, since=open_day(1)).isoformat()})
    assert other.status_code == 404
    new_day = open_day(1, since=datetime.fromisoformat(booking["ends_on"]).date()
                       + timedelta(days=0))
    renewed = await client.post(path, headers=auth, json={"ends_on": new_day.isoformat()})
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["ends_on"] == new_day.isoformat() and body["booking_id"] == booking["id"]
    charged = await LedgerEntry.select(LedgerEntry.amount).where(
        LedgerEntry.receipt == body["receipt_id"])
    assert body["cost_tetri"] == sum(row["amount"] for row in charged)
    assert body["cost"]["tetri"] == body["cost_tetri"] and body["cost"]["text"]
    assert body["balance"]["tetri"] == body["balance_tetri"]
    row = await Booking.select(Booking.ends_on, Booking.renewals).where(
        Booking.id == booking["id"]).first()
    assert row["ends_on"] == new_day and row["renewals"] == 1


async def test_only_a_loan_out_is_renewed(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    booking = await booked(client, auth, tool, centre)
    refused = await client.post(f"/api/v1/bookings/{booking['id']}/renew", headers=auth,
                                json={"ends_on": open_day(5).isoformat()})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"form": "Only a tool that is out can be renewed."}


async def test_the_waitlist_join_list_leave(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    days = {"starts_on": open_day(3).isoformat(), "ends_on": open_day(3).isoformat()}
    joined = await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, **days})
    assert joined.status_code == 201, joined.text
    entry = joined.json()
    assert entry["status"] == "waiting" and entry["tool_type"]["id"] == tool
    twice = await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, **days})
    assert twice.status_code == 422
    unknown = await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": 999999, "centre_id": centre, **days})
    assert unknown.status_code == 404
    backwards = await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, "starts_on": open_day(6).isoformat(),
        "ends_on": open_day(3).isoformat()})
    assert backwards.status_code == 422
    assert (await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, "starts_on": "x", "ends_on": "y"})
    ).status_code == 400
    mine = await client.get("/api/v1/waitlist", headers=auth)
    assert [item["id"] for item in mine.json()] == [entry["id"]]
    other = await bearer(OTHER)
    assert (await client.get("/api/v1/waitlist", headers=other)).json() == []
    assert (await client.delete(f"/api/v1/waitlist/{entry['id']}", headers=other)
            ).status_code == 404
    left = await client.delete(f"/api/v1/waitlist/{entry['id']}", headers=auth)
    assert left.status_code == 200 and left.json()["status"] == "cancelled"
    assert (await client.delete(f"/api/v1/waitlist/{entry['id']}", headers=auth)
            ).status_code == 422
    assert (await client.get("/api/v1/waitlist", headers=auth)).json() == []


async def test_an_offer_taken_becomes_a_booking(client, seeded):
    tool, centre = await one_unit_tool()
    auth = await bearer(MEMBER)
    days = {"starts_on": open_day(3).isoformat(), "ends_on": open_day(3).isoformat()}
    entry = (await client.post("/api/v1/waitlist", headers=auth, json={
        "tool_type_id": tool, "centre_id": centre, **days})).json()
    path = f"/api/v1/waitlist/{entry['id']}/accept"
    waiting = await client.post(path, headers=auth)
    assert waiting.status_code == 422  # no offer yet
    assert (await client.post(path, headers=await bearer(OTHER))).status_code == 404
    await WaitlistEntry.update({WaitlistEntry.status: "offered", WaitlistEntry.offered_at: now(),
                                WaitlistEntry.offer_expires_at: now() + timedelta(hours=24)}
                               ).where(WaitlistEntry.id == entry["id"])
    taken = await client.post(path, headers=auth)
    assert taken.status_code == 201, taken.text
    booking = taken.json()
    assert booking["status"] == "reserved" and booking["starts_on"] == days["starts_on"]
    row = await WaitlistEntry.select(WaitlistEntry.status).where(
        WaitlistEntry.id == entry["id"]).first()
    assert row["status"] == "booked"
    assert (await client.get(f"/api/v1/bookings/{booking['id']}", headers=auth)
            ).status_code == 200
    assert (await client.post(path, headers=auth)).status_code == 422


async def test_the_tokens_scopes_open_the_routes(client, seeded):
    tool, centre = await one_unit_tool()
    booking = await booked(client, await bearer(MEMBER), tool, centre)
    reader = await bearer(MEMBER, ["read"])
    writer = await bearer(MEMBER, ["book"])
    assert (await client.get("/api/v1/bookings", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/waitlist", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/bookings", headers=writer)).status_code == 403
    for method, path in (("POST", f"/api/v1/bookings/{booking['id']}/cancel"),
                         ("POST", f"/api/v1/bookings/{booking['id']}/renew"),
                         ("POST", "/api/v1/waitlist"), ("DELETE", "/api/v1/waitlist/1"),
                         ("POST", "/api/v1/waitlist/1/accept")):
        refused = await client.request(method, path, headers=reader, json={})
        assert refused.status_code == 403, (method, path)
        assert refused.json()["errors"]["form"] == "This API token lacks the “book” scope."
        assert (await client.request(method, path, json={})).status_code == 401
    # the desk's token: reads with "read", cancels with its writes' scope on this route
    desk_reader = await bearer(STAFF, ["read"])
    assert (await client.get("/api/v1/bookings", headers=desk_reader,
                             params={"centre": centre})).status_code == 200
    assert (await client.post(f"/api/v1/bookings/{booking['id']}/cancel",
                              headers=desk_reader)).status_code == 403
    assert await Booking.count().where(Booking.status == "cancelled") == 0
    done = await client.post(f"/api/v1/bookings/{booking['id']}/cancel",
                             headers=await bearer(STAFF, ["book"]))
    assert done.status_code == 200


async def test_a_session_cookie_still_needs_csrf(client, seeded):
    tool, centre = await one_unit_tool()
    booking = await booked(client, await bearer(MEMBER), tool, centre)
    password = next(pw for _r, phone, pw in seeded.credentials if phone == MEMBER)
    assert (await log_in(client, MEMBER, password)).status_code == 303
    path = f"/api/v1/bookings/{booking['id']}/cancel"
    assert (await client.post(path)).status_code == 403
    token = await csrf_token(client, "/")
    assert (await client.post(path, headers={"x-csrftoken": token})).status_code == 200


async def test_the_schema_links_a_new_booking_to_reading_and_cancelling_it(client):
    schema = (await client.get("/api/v1/schema/openapi.json")).json()
    paths = schema["paths"]
    assert {"/api/v1/bookings", "/api/v1/bookings/{booking_id}",
            "/api/v1/bookings/{booking_id}/cancel", "/api/v1/bookings/{booking_id}/renew",
            "/api/v1/waitlist", "/api/v1/waitlist/{entry_id}",
            "/api/v1/waitlist/{entry_id}/accept"} <= set(paths)
    links = paths["/api/v1/waitlist/{entry_id}/accept"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getBooking", "cancelBooking"}
    assert paths["/api/v1/bookings/{booking_id}"]["get"]["operationId"] == "getBooking"
    joined = paths["/api/v1/waitlist"]["post"]["responses"]["201"]["links"]
    assert joined["accept"]["parameters"] == {"entry_id": "$response.body#/id"}
    cancel = paths["/api/v1/bookings/{booking_id}/cancel"]["post"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(cancel)
