"""Booking a Samgori unit to pick it up in Kutaisi, on a phone in Georgian, in Chromium
(issue 23): the page came from Kutaisi's "other centres" list, so "Pick up at" shows Kutaisi;
the choice is visible and named, Book books it, and the member's page says where it comes from
and by when it arrives. No serious accessibility violation; nothing wider than the screen."""

from __future__ import annotations

from datetime import timedelta

import journeys
import pytest
from test_book_browser import _log_in, _serious_accessibility_problems, weekday_after

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
ARTIFACTS = journeys.ARTIFACTS

pytestmark = pytest.mark.browser

SETUP = """
import asyncio, json, uuid
import helpers
from helpers import SMG
from inventory.tables import Category, ToolType, Unit
from rental.tables import Centre


async def main():
    suffix = uuid.uuid4().hex[:6]
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="pickup-browser-" + suffix, category=category["id"],
        name_ka="მოგზაური ხერხი " + suffix, name_en="Travelling saw " + suffix, daily_fee=200,
        deposit=0, max_loan_days=7, created_at=helpers.now(),
        search_text="travelling saw")).returning(ToolType.id))[0]["id"]
    tag = "SMG-" + str(60000000 + int(suffix, 16) % 10000000)
    await Unit.insert(Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=helpers.now()))
    kut = (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]
    print(json.dumps({"tool": tool, "centre": SMG, "kut": kut}))

asyncio.run(main())
"""


@pytest.mark.parametrize("width", [390, 1280])
async def test_book_here_pick_up_there_on_a_phone_and_a_desk(live_server, browser, width):
    ARTIFACTS.mkdir(exist_ok=True)
    made = journeys.run_on_live_database(SETUP)
    context = await browser.new_context(viewport={"width": width, "height": 844},
                                        locale="ka-GE")
    page = await context.new_page()
    await _log_in(page, live_server, "555 00 00 12")
    starts = weekday_after(1, 3)  # a Tuesday, both centres open, three days ahead at least
    ends = starts + timedelta(days=1)
    await page.goto(f"{live_server}/tool-types/{made['tool']}/book?centre={made['centre']}"
                    f"&pickup={made['kut']}&from={starts.isoformat()}&to={ends.isoformat()}")
    choice = page.get_by_label("სად აიღებთ")  # "Pick up at"
    await choice.wait_for()
    assert await choice.is_visible()
    assert await choice.input_value() == str(made["kut"])
    shown = await choice.locator("option:checked").inner_text()
    assert "ქუთაისი" in shown, shown
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert await _serious_accessibility_problems(page) == []
    await page.screenshot(path=str(ARTIFACTS / f"book-pickup-elsewhere-{width}-ka.png"),
                          full_page=True)
    await page.get_by_role("button", name="დაჯავშნა").click()
    await page.wait_for_url("**/me/bookings*")
    card = page.locator("article[id^=booking-]", has_text="მოგზაური ხერხი").first
    arriving = card.locator(".arriving")
    assert await arriving.is_visible()
    assert "სამგორი" in await arriving.inner_text()  # sent from Samgori
    await page.screenshot(path=str(ARTIFACTS / f"me-arriving-{width}-ka.png"), full_page=True)
    await context.close()
