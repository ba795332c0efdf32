"""Picking up at another centre, through the app (issue 23): the booking page's "Pick up at"
choice (preselected when the page came from the other centre's list), the booking made and
shown to the member with "arrives by"; a pick-up too soon refused beside the choice with
nothing written; the request's page names the booking and the unit to send, and declining it
cancels the booking; the API books the same way and says where the unit comes from.
On both databases."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from helpers import SMG, credentials, csrf_token, log_in, now, open_day, today
from test_book_pages import as_member, book_form
from test_booking_api import bearer

from bookings.tables import Booking
from inventory.tables import Category, ToolType, TransferRequest, Unit
from rental.tables import AuditLog, Centre, Member


@pytest.fixture
async def tool(seeded) -> int:
    """A tool type with one unit at Samgori."""
    category = await Category.select(Category.id).first()
    made = (await ToolType.insert(ToolType(
        slug="pickup-saw", category=category["id"], name_ka="გადასაზიდი ხერხი",
        name_en="Travelling saw", daily_fee=200, deposit=0, max_loan_days=7,
        created_at=now(), search_text="travelling saw")).returning(ToolType.id))[0]["id"]
    await Unit.insert(Unit(tool_type=made, centre=SMG, asset_tag="SMG-9701", created_at=now()))
    return made


async def kutaisi() -> int:
    return (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]


def chosen(page_text: str, name: str) -> str | None:
    """The value of the option selected in a select."""
    select = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', page_text,
                       re.S)
    assert select, f"no {name} choice on the page"
    option = re.search(r'<option value="([^"]*)" selected>', select[1])
    return option[1] if option else None


async def written() -> tuple[int, ...]:
    return (await Booking.count(), await TransferRequest.count(), await AuditLog.count())


async def test_the_member_books_here_to_pick_up_there(client, seeded, tool):
    kut = await kutaisi()
    member = await as_member(client, seeded, 1)
    starts = open_day(3)
    ends = open_day(1, since=starts)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": SMG, "pickup": kut, "from": starts.isoformat(), "to": ends.isoformat()})
    assert page.status_code == 200
    assert chosen(page.text, "pickup") == str(kut)  # it came from Kutaisi's list
    # tapping days keeps the choice in the calendar's links
    assert f"pickup={kut}" in html.unescape(page.text.split('id="calendar"')[1])
    fields = {**book_form(page.text), "pickup": str(kut)}
    booked = await client.post(f"/tool-types/{tool}/book", data=fields)
    assert booked.status_code == 303, booked.text
    row = await Booking.select().where(Booking.member == member).first()
    assert (row["centre"], row["status"]) == (kut, "reserved") and row["transfer"]
    mine = await client.get("/me/bookings")
    card = mine.text.split(f'id="booking-{row["id"]}"')[1].split("</article>")[0]
    assert 'class="arriving"' in card


async def test_too_soon_is_refused_beside_the_choice_and_writes_nothing(client, seeded, tool):
    kut = await kutaisi()
    await as_member(client, seeded, 1)
    soon = open_day(0)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": SMG, "from": soon.isoformat(), "to": soon.isoformat()})
    if soon < today() + timedelta(days=2):
        assert 'id="pickup-later"' in page.text and 'name="pickup"' not in page.text
    before = await written()
    refused = await client.post(f"/tool-types/{tool}/book", data={
        **book_form(page.text), "pickup": str(kut)})
    assert refused.status_code == 422, refused.text
    assert 'id="e-pickup"' in refused.text
    assert await written() == before


async def test_the_sender_sees_what_to_send_and_a_decline_cancels_the_booking(client, seeded,
                                                                             tool):
    kut = await kutaisi()
    member = await as_member(client, seeded, 1)
    starts = open_day(3)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": SMG, "pickup": kut, "from": starts.isoformat(), "to": starts.isoformat()})
    assert (await client.post(f"/tool-types/{tool}/book", data={
        **book_form(page.text), "pickup": str(kut)})).status_code == 303
    booking = await Booking.select().where(Booking.member == member).first()
    client.cookies.clear()
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303  # Samgori
    request_page = await client.get(f"/transfers/{booking['transfer']}")
    assert request_page.status_code == 200
    assert 'id="carried-booking"' in request_page.text and "SMG-9701" in request_page.text
    assert 'id="send-booked-unit"' in request_page.text
    token = await csrf_token(client, f"/transfers/{booking['transfer']}")
    declined = await client.post(f"/transfers/{booking['transfer']}/decline",
                                 data={"reason": "Broken handle", "_csrf_token": token})
    assert declined.status_code == 303, declined.text
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first()
            )["status"] == "cancelled"


async def test_the_api_books_for_pick_up_elsewhere(client, seeded, tool):
    kut = await kutaisi()
    phone = (await Member.select(Member.phone).where(
        Member.phone == [p for r, p, _ in seeded.credentials if r == "member"][1]).first()
    )["phone"]
    auth = await bearer(phone)
    starts = open_day(3)
    body = {"tool_type_id": tool, "centre_id": SMG, "starts_on": starts.isoformat(),
            "ends_on": starts.isoformat(), "pickup_centre_id": kut}
    made = await client.post("/api/v1/bookings", headers=auth, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["centre_id"] == kut and made.json()["transfer_id"]
    read = await client.get(f"/api/v1/bookings/{made.json()['id']}", headers=auth)
    assert read.json()["arriving_from"]["id"] == SMG
    desk = await bearer([p for r, p, _ in seeded.credentials if r == "staff"][0])
    request = await client.get(f"/api/v1/transfers/{made.json()['transfer_id']}", headers=desk)
    assert request.status_code == 200, request.text
    assert request.json()["booking_id"] == made.json()["id"]
    # the same again: the only unit is promised, nothing more is written
    before = await written()
    again = await client.post("/api/v1/bookings", headers=auth, json=body)
    assert again.status_code in (409, 422) and await written() == before
    too_soon = await client.post("/api/v1/bookings", headers=auth, json={
        **body, "starts_on": today().isoformat(), "ends_on": today().isoformat()})
    assert too_soon.status_code == 422 and "pickup" in too_soon.json()["errors"]
