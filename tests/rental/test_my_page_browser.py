"""The member's own page on a phone, in Chromium (issue 17, items 8, 9 and 12): the card number
and its QR code on /me, renewing a loan (the message and the new date, no button left busy),
and cancelling a booking after a confirmation. The live server, Chromium and `until` are the
browser journeys' own (tests/toollib/test_browser.py)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import SAMGORI_OPEN, open_day

from rental.kernel import i18n

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "toollib"))
import test_browser as journeys  # noqa: E402 - the browser journeys' live server and Chromium

# their fixtures, used here as there: one live server and one Chromium for this module
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
ARTIFACTS = journeys.ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LOGIN = "555 00 00 11"  # a demo member who reads Georgian

# Run against the live server's database, in a process of its own: a tool with two units at
# Samgori, one lent to the member until an open day two days ahead (paid), the other booked by
# them for later. Printed as JSON.
SETUP = """
import asyncio, json, sys, uuid
from datetime import timedelta
import helpers
from helpers import SMG, SAMGORI_OPEN, demo_cast, open_day, today
from bookings.lending import desk, reservations
from bookings.tables import Booking
from inventory.tables import Category, ToolType, Unit
from rental.member_rules import card_number
from rental.tables import Member


async def main():
    cast = await demo_cast()
    member = (await Member.select(Member.id).where(Member.phone == sys.argv[1]).first())["id"]
    suffix = uuid.uuid4().hex[:6]
    category = await Category.select(Category.id).first()
    name = "ბრაუზერის ბურღი " + suffix
    tool = (await ToolType.insert(ToolType(
        slug="my-page-browser-" + suffix, category=category["id"], name_ka=name,
        name_en="Browser drill " + suffix, daily_fee=200, deposit=1000, max_loan_days=14,
        created_at=helpers.now(), search_text="browser drill")).returning(ToolType.id))[0]["id"]
    number = 80000000 + int(suffix, 16) % 10000000
    tags = ["SMG-" + str(number + n) for n in range(2)]  # far above the demo's SMG-0001...
    await Unit.insert(*[Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=helpers.now())
                        for tag in tags])
    lend_day = today()  # the desk lends on the days the centre opens: the last one
    while not SAMGORI_OPEN & (1 << lend_day.weekday()):
        lend_day -= timedelta(days=1)
    return_on = open_day(2, SAMGORI_OPEN)
    due = (await desk.basket_view(member, SMG, tags[:1], return_on, lend_day)).due
    await desk.check_out(member_id=member, centre_id=SMG, tags=tags[:1], return_on=return_on,
                         payment={"method": "cash", "amount": due}, override_reason="",
                         actor=cast.staff, today=lend_day,
                         now=helpers.now() - timedelta(days=(today() - lend_day).days))
    loan = await Booking.select().where(Booking.unit.asset_tag == tags[0]).first()
    starts = open_day(5, helpers.BOTH_CENTRES_OPEN)
    booking = await reservations.book(
        member_id=member, tool_type_id=tool, centre_id=SMG, starts_on=starts,
        ends_on=open_day(1, helpers.BOTH_CENTRES_OPEN, since=starts), actor_id=member,
        today=today(), now=helpers.now())
    print(json.dumps({"card": card_number(member), "tool": name, "loan": loan["id"],
                      "ends_on": loan["ends_on"].isoformat(), "booking": booking["id"]}))

asyncio.run(main())
"""


def _lend_and_book(phone: str) -> dict:
    """The setup above, on the live server's database."""
    return journeys.run_on_live_database(SETUP, phone)


async def _log_in(page, base: str) -> None:
    await page.goto(base + "/login")
    await page.fill("[name=login]", LOGIN)
    await page.fill("[name=password]", journeys.demo_password("+995" + LOGIN.replace(" ", "")))
    await page.click("button.primary")
    await until(page, "!location.pathname.startsWith('/login')")


async def test_a_member_on_a_phone_shows_their_card_renews_and_cancels(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    made = _lend_and_book("+995" + LOGIN.replace(" ", ""))
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ka-GE")
    page = await context.new_page()
    await _log_in(page, live_server)
    await page.goto(live_server + "/me")
    await until(page, "window.htmx !== undefined")

    # the card number, large, with its QR code, near the top of the page
    number = page.locator("#my-card strong", has_text=made["card"])
    assert await number.is_visible()
    qr = await page.locator("#my-card svg.card-qr").bounding_box()
    assert qr and qr["width"] >= 150 and qr["y"] + qr["height"] < 844  # on the first screen
    await page.screenshot(path=str(ARTIFACTS / "my-page-390-ka.png"), full_page=True)

    # renew the loan: the message, and the loan's new return day, on the page at once
    loan = page.locator(f"#booking-{made['loan']}")
    assert made["tool"] in await loan.inner_text()
    new_end = open_day(1, SAMGORI_OPEN, since=_day(made["ends_on"]))
    await loan.locator("input[name=ends_on]").fill(new_end.isoformat())
    await loan.get_by_role("button", name="განახლება").click()  # "renew"
    # "renewed until <the new day>", on top of the page
    await page.locator(".flash-success", has_text=in_georgian(new_end)).wait_for()
    await until(page, f"document.querySelector('#booking-{made['loan']} input[name=ends_on]')"
                      f".min === '{new_end.isoformat()}'")
    assert await page.locator(".htmx-request").count() == 0  # no button left busy
    await page.screenshot(path=str(ARTIFACTS / "my-page-renewed-390-ka.png"))

    # cancel the booking: first asked, "keep it" keeps it, then "yes" cancels it
    booking = page.locator(f"#booking-{made['booking']}")
    await booking.locator("button").click()
    await page.wait_for_url(f"**/bookings/{made['booking']}/cancel")
    confirm = page.locator(f"form[action='/bookings/{made['booking']}/cancel'] button.primary")
    await confirm.wait_for()
    assert made["tool"] in await page.locator("main").inner_text()
    await page.screenshot(path=str(ARTIFACTS / "my-page-cancel-390-ka.png"))
    await page.locator("main a[href='/me']").click()  # "no, keep it"
    await page.wait_for_url("**/me")
    await page.wait_for_selector("#my-card")
    await page.locator(f"#booking-{made['booking']} button").click()
    await page.wait_for_url(f"**/bookings/{made['booking']}/cancel")
    await confirm.wait_for()
    await confirm.click()
    await page.wait_for_selector("text=ჯავშანი გაუქმებულია")  # "the booking is cancelled"
    assert page.url.endswith("/me")
    await until(page, f"!document.querySelector('#booking-{made['booking']} form')")

    # the same page on a smaller phone and on a desk's screen
    for width, height in ((360, 740), (1280, 900)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.goto(live_server + "/me")
        await page.screenshot(path=str(ARTIFACTS / f"my-page-{width}-ka.png"), full_page=True)
    await page.goto(live_server + f"/bookings/{made['loan']}/cancel")
    await page.screenshot(path=str(ARTIFACTS / "my-page-cancel-out-1280-ka.png"))
    await context.close()


def _day(text: str) -> date:
    return date.fromisoformat(text)


def in_georgian(day: date) -> str:
    token = i18n.current_locale.set("ka")
    try:
        return i18n.format_date(day)
    finally:
        i18n.current_locale.reset(token)
