"""Booking on a phone in Georgian, in Chromium (issue "The three daily journeys", item 11): tap
a pick-up day and a return day on the calendar, see the price, tap Book once; the same with
JavaScript off; the calendar fits a 360 px screen. The live server, Chromium and `until` are
the browser journeys' own (tests/journeys.py)."""

from __future__ import annotations

from datetime import date, timedelta

import journeys
import pytest
from helpers import today

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
ARTIFACTS = journeys.ARTIFACTS

pytestmark = pytest.mark.browser

# A tool of our own with one unit at Samgori (closed on Sundays), 2 ₾ a day, on the live
# server's database; printed as JSON.
SETUP = """
import asyncio, json, uuid
import helpers
from helpers import SMG
from inventory.tables import Category, ToolType, Unit


async def main():
    suffix = uuid.uuid4().hex[:6]
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="calendar-browser-" + suffix, category=category["id"],
        name_ka="კალენდრის ხერხი " + suffix, name_en="Calendar saw " + suffix, daily_fee=200,
        deposit=1000, max_loan_days=7, created_at=helpers.now(),
        search_text="calendar saw")).returning(ToolType.id))[0]["id"]
    tag = "SMG-" + str(70000000 + int(suffix, 16) % 10000000)
    await Unit.insert(Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=helpers.now()))
    print(json.dumps({"tool": tool, "centre": SMG}))

asyncio.run(main())
"""


def _tool() -> dict:
    return journeys.run_on_live_database(SETUP)


def weekday_after(weekday: int, days: int = 2) -> date:
    first = today() + timedelta(days=days)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


async def _log_in(page, base: str, login: str) -> None:
    await page.goto(base + "/login")
    await page.fill("[name=login]", login)
    await page.fill("[name=password]", journeys.demo_password("+995" + login.replace(" ", "")))
    await page.click("button.primary")
    await page.wait_for_url(lambda url: "/login" not in url)


async def _show_month_of(page, day: date) -> None:
    """Turn the calendar's months until the day is on it."""
    for _month in range(3):
        if await page.locator(f"#day-{day.isoformat()}").count():
            return
        shown = await page.locator("#calendar-month").inner_text()
        await page.locator("#month-next").click()
        await until(page, "shown => document.querySelector('#calendar-month') &&"
                          " document.querySelector('#calendar-month').innerText !== shown",
                    shown) if await page.evaluate("typeof window.htmx") != "undefined" \
            else await page.wait_for_load_state()
    raise AssertionError(f"{day} is not on the calendar")


async def _serious_accessibility_problems(page) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


async def _tap_days_and_book(page, base: str, tool: int, *, javascript: bool,
                             fee: str = "4,00\xa0₾") -> None:
    starts = weekday_after(1)  # a Tuesday
    ends = starts + timedelta(days=2)  # the Thursday: 2 days at 2 ₾
    sunday = starts + timedelta(days=5)
    await page.goto(f"{base}/tool-types/{tool}/book?centre=1")
    if javascript:
        await until(page, "window.htmx !== undefined")
        await page.evaluate("window.stillThisPage = true")
    headings = await page.locator("table.calendar thead th").all_inner_texts()
    assert headings == ["ორშ", "სამ", "ოთხ", "ხუთ", "პარ", "შაბ", "კვი"]

    await _show_month_of(page, starts)
    await page.locator(f"#day-{starts.isoformat()}").click()
    await page.locator(f"td.chosen-start > #day-{starts.isoformat()}").wait_for()
    assert f"from={starts.isoformat()}" in page.url  # the address keeps the choice
    if javascript:  # swapped in place, the focus stays on the day tapped
        await until(page, f"document.activeElement.id === 'day-{starts.isoformat()}'")
    if sunday.month == starts.month:  # a Sunday in Samgori: shown closed, not tappable
        assert await page.locator(f"#day-{sunday.isoformat()}").count() == 0
        closed = page.locator("table.calendar td.closed").first
        assert "×" in await closed.inner_text()  # a mark, and in words for a screen reader
        assert "კვირა" in await closed.locator(".visually-hidden").inner_text()  # "Sunday"
    await _show_month_of(page, ends)
    await page.locator(f"#day-{ends.isoformat()}").click()
    quote = page.locator("#quote")
    await quote.wait_for()
    # the price as soon as both days are chosen: 2 days at 2,00 ₾ (what a concession pays of
    # it said beside), and the deposit
    fee_line = await quote.locator("dd.price").inner_text()
    assert fee_line.startswith(fee) and "4,00\xa0₾" in fee_line, fee_line
    assert "10,00\xa0₾" in await quote.inner_text()
    assert await page.locator("#chosen-end").inner_text() != "—"
    if javascript:  # swapped in place: the same document all along
        assert await page.evaluate("window.stillThisPage === true")
        assert await _serious_accessibility_problems(page) == []
    await page.screenshot(path=str(ARTIFACTS / f"book-calendar-{'js' if javascript else 'nojs'}"
                                                f"-ka.png"), full_page=True)
    book = page.get_by_role("button", name="დაჯავშნა")  # "Book": the one submit
    assert await book.count() == 1
    await book.click()
    await page.wait_for_url("**/me/bookings*")
    card = page.locator("article[id^=booking-]", has_text="კალენდრის ხერხი").first
    assert "დაჯავშნილია" in await card.inner_text()  # "booked"


async def test_tap_two_days_see_the_price_and_book_on_a_phone(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    made = _tool()
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ka-GE")
    page = await context.new_page()
    await _log_in(page, live_server, "555 00 00 12")
    await _tap_days_and_book(page, live_server, made["tool"], javascript=True)
    await context.close()


async def test_the_same_journey_without_javascript(live_server, browser):
    made = _tool()
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ka-GE",
                                        java_script_enabled=False)
    page = await context.new_page()
    await _log_in(page, live_server, "555 00 00 11")  # a returning migrant: the fee is waived
    await _tap_days_and_book(page, live_server, made["tool"], javascript=False,
                             fee="0,00\xa0₾")
    await context.close()


async def test_the_calendar_fits_a_360_px_screen_with_days_big_enough_to_tap(live_server,
                                                                             browser):
    made = _tool()
    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="ka-GE")
    page = await context.new_page()
    await _log_in(page, live_server, "555 00 00 12")
    starts = weekday_after(1)
    await page.goto(f"{live_server}/tool-types/{made['tool']}/book?centre=1"
                    f"&from={starts.isoformat()}&to={(starts + timedelta(days=1)).isoformat()}")
    await page.locator("#quote").wait_for()
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"), await page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    # every day is a cell of a seven-column grid, and every tappable day a link that fills
    # its cell: a tap target of at least 40 × 40 px
    assert await page.locator("table.calendar thead th[scope=col]").count() == 7
    cells = [await cell.bounding_box()
             for cell in await page.locator("table.calendar tbody td").all()]
    days = [await link.bounding_box()
            for link in await page.locator("table.calendar tbody td > a[id^=day-]").all()]
    assert len(days) >= 4 and all(box["width"] >= 40 and box["height"] >= 40
                                  for box in cells + days), (cells, days)
    table = await page.locator("table.calendar").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= 360
    await page.screenshot(path=str(ARTIFACTS / "book-calendar-360-ka.png"), full_page=True)
    await context.close()
