"""The member's own page on a phone, in Chromium (issue 17, items 8, 9 and 12): the card number
and its QR code on /me, renewing a loan (the message and the new date, no button left busy),
and cancelling a booking after a confirmation; then the member's journey with JavaScript
turned off: signing up, renewing, cancelling and enrolling in a session as plain page loads.
The live server, Chromium and `until` are the browser journeys' own
(tests/journeys.py)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import journeys
import pytest
from helpers import SAMGORI_OPEN, open_day

from rental.kernel import i18n

# their fixtures, used here as there: one live server and one Chromium for this module
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
ARTIFACTS = journeys.ARTIFACTS

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

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


NO_SCRIPT_MEMBER = "555 00 00 12"  # another demo member who reads Georgian, verified


async def _no_script_phone(browser):
    """A phone in Georgian with JavaScript turned off: every step is a plain link or form."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ka-GE",
                                        java_script_enabled=False)
    return context, await context.new_page()


async def _click_and_load(page, target) -> None:
    """Without JavaScript a click on a button or link loads the next page."""
    async with page.expect_navigation():
        await target.click()


async def _open_from_the_menu(page, href: str) -> None:
    """The phone's menu is a disclosure (<details>): it unfolds without script."""
    await page.locator(".site-menu > summary").click()
    await _click_and_load(page, page.locator(f".site-nav a[href='{href}']"))


async def test_a_new_member_signs_up_without_javascript(live_server, browser):
    context, page = await _no_script_phone(browser)
    async with journeys.screenshot_on_failure(page, "signup-no-script-390-ka"):
        await page.goto(live_server + "/signup")
        assert await page.get_attribute("html", "lang") == "ka"
        await page.fill("[name=name]", "ნათია უსკრიპტო")
        await page.fill("[name=phone]", "599 44 55 66")
        for field in ("password", "password_again"):
            await page.fill(f"[name={field}]", "natias-paroli-2026")
        await page.check("[name=agree_rental]")
        await _click_and_load(page, page.locator("button.primary"))
        # the forgotten consent: said next to its box, what was typed kept but the passwords
        assert await page.locator("#e-agree_data").is_visible()
        assert await page.input_value("[name=name]") == "ნათია უსკრიპტო"
        for field in ("password", "password_again"):
            await page.fill(f"[name={field}]", "natias-paroli-2026")
        await page.check("[name=agree_rental]")
        await page.check("[name=agree_data]")
        await _click_and_load(page, page.locator("button.primary"))
        assert page.url == live_server + "/me"
        assert "ნათია უსკრიპტო" in await page.locator("h1").inner_text()
        assert await page.locator("#my-card .asset-tag").is_visible()  # their card number
    await context.close()


async def test_a_member_renews_cancels_and_enrols_without_javascript(live_server, browser):
    """/me's renew and cancel, and enrolling in a session, as full page loads."""
    made = _lend_and_book("+995" + NO_SCRIPT_MEMBER.replace(" ", ""))
    context, page = await _no_script_phone(browser)
    async with journeys.screenshot_on_failure(page, "my-page-no-script-390-ka"):
        await page.goto(live_server + "/login")
        await page.fill("[name=login]", NO_SCRIPT_MEMBER)
        await page.fill("[name=password]", journeys.demo_password(
            "+995" + NO_SCRIPT_MEMBER.replace(" ", "")))
        await _click_and_load(page, page.locator("button.primary"))
        assert page.url == live_server + "/me"

        # renew: back on /me with the message and the loan's new return day
        loan = page.locator(f"#booking-{made['loan']}")
        new_end = open_day(1, SAMGORI_OPEN, since=_day(made["ends_on"]))
        await loan.locator("input[name=ends_on]").fill(new_end.isoformat())
        await _click_and_load(page, loan.get_by_role("button", name="განახლება"))  # "renew"
        assert page.url == live_server + "/me"
        assert in_georgian(new_end) in await page.locator(".flash-success").inner_text()
        assert await loan.locator("input[name=ends_on]").get_attribute(
            "min") == new_end.isoformat()
        assert in_georgian(new_end) in await loan.inner_text()

        # cancel the booking: its confirmation page, then "yes"
        booking = page.locator(f"#booking-{made['booking']}")
        await _click_and_load(page, booking.locator("button"))
        assert urlsplit(page.url).path == f"/bookings/{made['booking']}/cancel"
        assert made["tool"] in await page.locator("main").inner_text()
        await _click_and_load(page, page.locator(
            f"form[action='/bookings/{made['booking']}/cancel'] button.primary"))
        assert page.url == live_server + "/me"
        assert "ჯავშანი გაუქმებულია" in await page.locator("main").inner_text()  # cancelled
        assert await booking.locator("form").count() == 0
        await page.screenshot(path=str(ARTIFACTS / "my-page-no-script-390-ka.png"),
                              full_page=True)

        # enrol in a skills session, then find it on /me
        await _open_from_the_menu(page, "/sessions")
        title = "ელექტროუსაფრთხოება: ტესტერით და სადენებით მუშაობა"
        await _click_and_load(page, page.get_by_role("link", name=title))
        await _click_and_load(page, page.locator("form[action$='/enrol'] button"))
        assert "ჩაწერილი ხართ" in await page.locator("main").inner_text()  # "enrolled"
        await _open_from_the_menu(page, "/me")
        assert title in await page.locator("main section", has=page.locator(
            "a[href^='/sessions/']")).inner_text()
    await context.close()
