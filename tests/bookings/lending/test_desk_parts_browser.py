"""Kits at the desk in Chromium on a 360 px phone, in Georgian: the basket lists what goes out
with the unit, the receipt too; on the return list each part is ticked as back, staff untick
one battery of two, finish, and the receipt says what came back and charges the battery. The
live server, Chromium and `until` are the browser journeys' own (tests/journeys.py)."""

from __future__ import annotations

import journeys
import pytest
from helpers import SAMGORI_OPEN, open_day

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
settled = journeys.settled
ARTIFACTS = journeys.ARTIFACTS

pytestmark = pytest.mark.browser

STAFF = "555 00 00 03"  # Samgori's desk

# On the live server's database (tests/desk_setup.py): a member with an organisation's
# membership, a tool type with a charger and two batteries, one unit of it at Samgori. Printed
# as JSON.
SETUP = """
import asyncio, json
import desk_setup


async def main():
    suffix, number = desk_setup.suffix()
    card = await desk_setup.member("ნინო ნაკრებიძე " + suffix, number, prefix="+99558")
    tag = "SMG-" + str(60_000_000 + number)
    tool = await desk_setup.tool("kit-browser-" + suffix, "ნაკრების ბურღი " + suffix,
                                 "Kit drill " + suffix, [tag])
    parts = await desk_setup.parts(tool)
    print(json.dumps({"card": card, "tag": tag, "battery": parts["Battery"]}))

asyncio.run(main())
"""


async def test_the_check_in_checklist_on_a_phone(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    made = journeys.run_on_live_database(SETUP)
    context, page = await journeys.desk_page(browser, live_server, STAFF, width=360)

    await page.fill("#f-q", made["card"])
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#f-scan")
    await page.fill("#f-return_on", open_day(3, SAMGORI_OPEN).isoformat())
    await settled(page)
    await page.focus("#f-scan")
    await page.keyboard.type(made["tag"], delay=5)
    await page.keyboard.press("Enter")
    await until(page, "document.querySelectorAll('#basket input[name=tag]').length === 1")
    kit = await page.locator("#basket ul.kit").inner_text()
    assert "2 × აკუმულატორი" in kit and "1 × დამტენი" in kit
    await settled(page)
    await page.locator("#basket button.primary").click()
    await page.wait_for_url("**/receipts/*")
    assert "2 × აკუმულატორი" in await page.locator("main").inner_text()

    await page.goto(live_server + "/desk/1")
    await until(page, "window.htmx !== undefined")
    await page.focus("#f-tag")
    await page.keyboard.type(made["tag"], delay=5)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#check-in .kit-checklist")
    assert await page.evaluate("document.activeElement.id") == "f-tag"  # scan-first
    boxes = page.locator("#check-in .kit-checklist input[type=checkbox]")
    assert await boxes.count() == 2
    for n in range(2):
        assert await boxes.nth(n).is_checked()  # all back unless unticked
    await settled(page)
    battery = page.locator(f"#check-in input[type=checkbox][name$='.{made['battery']}']")
    await battery.uncheck()
    await page.locator(f"#check-in input[name$='.{made['battery']}'][type=number]").fill("1")
    await page.screenshot(path=str(ARTIFACTS / "desk-parts-checklist-360-ka.png"),
                          full_page=True)
    await page.locator("#check-in button.primary").click()
    await page.wait_for_url("**/receipts/*")
    receipt = await page.locator("main").inner_text()
    assert "აკუმულატორი" in receipt and "60,00" in receipt
    await page.screenshot(path=str(ARTIFACTS / "desk-parts-receipt-360-ka.png"), full_page=True)
    await context.close()
