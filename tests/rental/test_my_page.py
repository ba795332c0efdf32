"""The member's own page on a phone (issue 17, items 8, 9 and 12): one page, `/me`, with the card
number large and as a QR code the desk can scan, what the member owes, their loans (renew) and
bookings (cancel, after a confirmation), sessions and certificates; `/me/bookings` shows the
same. Renewing answers with the new state and a message, with and without htmx."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlsplit

import helpers
import pytest
from helpers import SMG, credentials, csrf_token, demo_cast, log_in, open_day, today

from bookings.lending import desk, reservations
from bookings.tables import Booking
from inventory.tables import Category, ToolType, Unit
from rental import ledger
from rental.kernel import i18n
from rental.kernel.db import write_transaction
from rental.kernel.qr import qr_svg
from rental.member_rules import card_number
from rental.tables import Member

pytestmark = pytest.mark.usefixtures("desk_open")

MEMBER_PHONE = "+995555000012"
PAGES = ("/me", "/me/bookings")


async def a_tool(number: int) -> int:
    """A tool type (no skill, no inspection) with one unit at Samgori, SMG-{number}."""
    category = await Category.select(Category.id).first()
    rows = await ToolType.insert(ToolType(
        slug=f"my-page-{number}", category=category["id"], name_ka=f"სატესტო ბურღი {number}",
        name_en=f"Test drill {number}", daily_fee=200, deposit=1000, max_loan_days=14,
        created_at=helpers.now(), search_text="test drill")).returning(ToolType.id)
    await Unit.insert(Unit(tool_type=rows[0]["id"], centre=SMG, asset_tag=f"SMG-{number}",
                           created_at=helpers.now()))
    return rows[0]["id"]


async def a_loan_and_a_booking(*, owing: int = 0) -> tuple[dict, dict]:
    """The demo member has a loan out (paid for; then charged `owing` tetri, which they owe) and
    a booking for later: (the loan, the booking)."""
    cast = await demo_cast()
    await a_tool(8801)
    return_on = open_day(2)
    due = (await desk.basket_view(cast.member, SMG, ["SMG-8801"], return_on, today())).due
    receipt = await desk.check_out(
        member_id=cast.member, centre_id=SMG, tags=["SMG-8801"], return_on=return_on,
        payment={"method": "cash", "amount": due}, override_reason="", actor=cast.staff,
        today=today(), now=helpers.now())
    loan = await Booking.select().where(Booking.unit.asset_tag == "SMG-8801").first()
    if owing:
        async with write_transaction():
            await ledger.post(receipt, cast.member, SMG, "damage", owing, now=helpers.now(),
                              actor_id=cast.staff.id, loan=loan["id"])
    tool = await a_tool(8802)
    starts = open_day(4)
    booking = await reservations.book(member_id=cast.member, tool_type_id=tool, centre_id=SMG,
                                      starts_on=starts, ends_on=open_day(1, since=starts),
                                      actor_id=cast.member, today=today(), now=helpers.now())
    return loan, booking


async def as_the_member(client, seeded) -> int:
    password = next(pw for role, phone, pw in seeded.credentials if phone == MEMBER_PHONE)
    assert (await log_in(client, MEMBER_PHONE, password)).status_code == 303
    return (await Member.select(Member.id).where(Member.phone == MEMBER_PHONE).first())["id"]


def form_fields(html: str, action: str) -> dict[str, str]:
    """The named inputs of the form with this action, as a browser would send them."""
    match = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form to {action}"
    return {name: unescape(value) for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', match.group(1))}


def later_open_day(after) -> str:
    day = after + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day.isoformat()


def main_of(html: str) -> str:
    return html.split("<main", 1)[1]


def success_message(html: str) -> str:
    match = re.search(r'<li class="flash-success">(.*?)</li>', html, re.S)
    return match.group(1) if match else ""


def in_georgian(day: date) -> str:
    """A day as the Georgian pages write it (26 ნოე. 2026)."""
    token = i18n.current_locale.set("ka")
    try:
        return i18n.format_date(day)
    finally:
        i18n.current_locale.reset(token)


# --- one page: the card number, its QR code, the balance, loans, bookings, sessions ----------


@pytest.mark.parametrize("path", PAGES)
async def test_my_page_shows_the_card_number_its_qr_code_and_what_they_owe(
        client, seeded, path):
    loan, booking = await a_loan_and_a_booking(owing=500)
    member = await as_the_member(client, seeded)
    page = await client.get(path)
    assert page.status_code == 200
    main = main_of(page.text)
    number = card_number(member)
    assert number in main
    assert qr_svg(number) in main  # the desk scans it from the phone
    assert "ცენტრის წინაშე გაქვთ 5,00" in main  # "you owe the centre 5.00 GEL"
    # everything is in the page itself, not loaded later by script
    assert "hx-trigger" not in main
    assert "სატესტო ბურღი 8801" in main and "სატესტო ბურღი 8802" in main
    assert f'action="/loans/{loan["id"]}/renew"' in main
    assert f'action="/bookings/{booking["id"]}/cancel"' in main
    assert "ჩემი შეხვედრები" in main and "ჩემი სერტიფიკატები" in main  # sessions, certificates
    for link in ('href="/me/edit"', 'href="/me/password"', 'href="/me/data.json"'):
        assert link in main


async def test_my_page_says_so_when_nothing_is_owed(client, seeded):
    await as_the_member(client, seeded)
    main = main_of((await client.get("/me")).text)
    assert "გადასახდელი არაფერია." in main  # "nothing to pay"


async def test_the_desk_finds_the_member_by_the_number_on_their_page(client, seeded):
    member = await as_the_member(client, seeded)
    number = card_number(member)
    assert number in (await client.get("/me")).text
    found = await desk.find_members(number)
    assert [row["id"] for row in found] == [member]


async def test_a_pending_member_sees_their_page_too(client, seeded):
    await as_the_member(client, seeded)
    await Member.update({Member.status: "pending"}).where(Member.phone == MEMBER_PHONE)
    page = await client.get("/me")
    assert page.status_code == 200 and "M0" in page.text


# --- renewing answers with the new state and a message ----------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_renewing_by_htmx_leads_to_the_page_with_the_message_and_the_new_date(
        client, seeded, path):
    loan, _booking = await a_loan_and_a_booking()
    await as_the_member(client, seeded)
    page = await client.get(path)
    action = f"/loans/{loan['id']}/renew"
    fields = form_fields(page.text, action)
    new_end = later_open_day(loan["ends_on"])
    answer = await client.post(action, data={**fields, "ends_on": new_end}, headers={
        "HX-Request": "true", "HX-Target": "main", "HX-Current-URL": f"http://testserver{path}"})
    assert (await Booking.select(Booking.ends_on).where(
        Booking.id == loan["id"]).first())["ends_on"].isoformat() == new_end
    if answer.status_code == 200:  # the new state swapped in at once
        shown = answer.text
    else:  # a full navigation to a page that shows it
        assert answer.status_code == 204
        target = answer.headers["HX-Redirect"]
        # Going to the same page with only a #fragment is a scroll, not a load: the browser
        # would keep the old page and the button in its loading state.
        assert not urlsplit(target).fragment, target
        assert urlsplit(target).path in PAGES
        shown = (await client.get(target)).text
    # "renewed until <the new day>", and the loan's return day is the new one
    assert in_georgian(date.fromisoformat(new_end)) in success_message(shown)
    assert f'min="{new_end}"' in shown
    assert not success_message((await client.get("/me")).text)  # the message is shown once


@pytest.mark.parametrize("path", PAGES)
async def test_renewing_without_javascript_lands_on_the_page_with_the_message(
        client, seeded, path):
    loan, _booking = await a_loan_and_a_booking()
    await as_the_member(client, seeded)
    page = await client.get(path)
    action = f"/loans/{loan['id']}/renew"
    new_end = later_open_day(loan["ends_on"])
    answer = await client.post(action, data={**form_fields(page.text, action),
                                              "ends_on": new_end})
    assert answer.status_code == 303
    assert urlsplit(answer.headers["location"]).path in PAGES
    shown = await client.get(answer.headers["location"])
    assert in_georgian(date.fromisoformat(new_end)) in success_message(shown.text)
    assert f'min="{new_end}"' in shown.text  # the loan's return day is the new one


async def test_a_refused_renewal_comes_back_to_the_page_with_why(client, seeded):
    loan, _booking = await a_loan_and_a_booking()
    await as_the_member(client, seeded)
    page = await client.get("/me")
    action = f"/loans/{loan['id']}/renew"
    answer = await client.post(action, data={**form_fields(page.text, action),
                                              "ends_on": loan["ends_on"].isoformat()},
                               headers={"HX-Request": "true", "HX-Target": "main"})
    target = answer.headers.get("HX-Redirect") or answer.headers.get("location")
    assert target and not urlsplit(target).fragment
    shown = (await client.get(target)).text
    assert "flash-error" in shown


# --- cancelling asks first --------------------------------------------------------------------


async def test_cancelling_a_booking_asks_first_and_says_what_is_cancelled(client, seeded):
    _loan, booking = await a_loan_and_a_booking()
    await as_the_member(client, seeded)
    page = (await client.get("/me")).text
    # the page's cancel button only asks: it is not the form that cancels
    assert not re.search(rf'<form[^>]*method="post"[^>]*action="/bookings/{booking["id"]}'
                         r'/cancel"', page)
    confirm = await client.get(f"/bookings/{booking['id']}/cancel")
    assert confirm.status_code == 200
    main = main_of(confirm.text)
    assert "სატესტო ბურღი 8802" in main and "სამგორი" in main  # the tool and the centre
    assert "SMG-8802" in main
    assert re.search(rf'<form[^>]*method="post"[^>]*action="/bookings/{booking["id"]}/cancel"',
                     main)
    assert 'href="/me"' in main  # keep it
    assert (await Booking.select(Booking.status).where(
        Booking.id == booking["id"]).first())["status"] == "reserved"  # asking changed nothing
    fragment = await client.get(f"/bookings/{booking['id']}/cancel",
                                headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<html" not in fragment.text and "/cancel" in fragment.text
    token = await csrf_token(client, f"/bookings/{booking['id']}/cancel")
    done = await client.post(f"/bookings/{booking['id']}/cancel", data={"_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/me"
    assert (await Booking.select(Booking.status).where(
        Booking.id == booking["id"]).first())["status"] == "cancelled"
    assert "ჯავშანი გაუქმებულია" in (await client.get("/me")).text


async def test_the_confirmation_of_a_loan_out_or_of_another_members_booking(client, app, seeded):
    loan, booking = await a_loan_and_a_booking()
    await log_in(client, *[(p, pw) for r, p, pw in seeded.credentials
                            if r == "member" and p != MEMBER_PHONE][0])
    assert (await client.get(f"/bookings/{booking['id']}/cancel")).status_code == 404
    assert (await client.get("/bookings/999999/cancel")).status_code == 404
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    await as_the_member(client, seeded)
    out = await client.get(f"/bookings/{loan['id']}/cancel")
    assert out.status_code == 200  # says why it cannot be cancelled, and offers no button
    assert f'action="/bookings/{loan["id"]}/cancel"' not in out.text
    assert "მხოლოდ" in main_of(out.text)  # "only a booking that has not been picked up..."


async def test_the_desk_sees_the_same_confirmation_and_goes_back_to_the_desk(client, seeded):
    _loan, booking = await a_loan_and_a_booking()
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    confirm = await client.get(f"/bookings/{booking['id']}/cancel")
    assert confirm.status_code == 200 and 'href="/desk"' in main_of(confirm.text)
