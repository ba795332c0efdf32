"""Importing members on a phone, in Chromium: at 360 px the coordinator reaches the import from
/members, checks a file and reads every row's errors in the preview, whose table scrolls inside
its own region (the page itself never scrolls sideways); a good file is then imported with one
press. The live server, Chromium and the security policy watch are the journeys' own
(tests/journeys.py)."""

from __future__ import annotations

import re

import journeys
import pytest

from rental.member_csv_rules import COLUMNS

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

COORDINATOR = "555 00 00 02"
WIDTH = 360
ROWS = [
    "ნინო ბერიძე-ჯავახიშვილი,555 42 00 01,,01001042001,1990-11-23,female,idp,Samgori,SMG,"
    "nino.beridze.javakhishvili@example.ge,ka,",
    "Giorgi Kapanadze,555 42 00 02,passport,AB223456,23.11.1985,male,returning_migrant,"
    "Кутаиси,KUT,,en,",
]


def file_of(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([",".join(COLUMNS), *rows]) + "\r\n").encode()


async def no_sideways_page(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH


async def test_the_preview_is_usable_on_a_phone(browser, live_server):
    context = await browser.new_context(viewport={"width": WIDTH, "height": 740},
                                        locale="ka-GE")
    page = await context.new_page()
    try:
        await page.goto(live_server + "/login")
        await page.fill("[name=login]", COORDINATOR)
        await page.fill("[name=password]", journeys.demo_password("+995555000002"))
        await page.click("button.primary")
        await page.wait_for_url(re.compile(r".*/desk$"))
        await page.goto(live_server + "/members")
        await page.click("a[href='/members/import']")
        await page.wait_for_url(re.compile(r".*/members/import$"))

        bad = ROWS[1].replace("AB223456", "A1")
        await page.set_input_files("input[name=file]", files=[{
            "name": "members.csv", "mimeType": "text/csv", "buffer": file_of(ROWS[0], bad)}])
        await page.click("form[action='/members/import'] button[type=submit]")
        await page.wait_for_selector("#import-preview")
        region = page.locator("#import-preview .table-wrap[role=region]")
        assert await region.get_attribute("tabindex") == "0"  # reachable by keyboard
        wrap = await region.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert wrap[1] <= WIDTH and wrap[0] > wrap[1]  # the table scrolls inside its region
        await no_sideways_page(page)
        error = page.locator("#line-3 li[data-column=id_document_number]")
        await error.scroll_into_view_if_needed()
        assert await error.is_visible()
        assert await page.locator("input[name=content]").count() == 0  # nothing to confirm

        await page.set_input_files("input[name=file]", files=[{
            "name": "members.csv", "mimeType": "text/csv", "buffer": file_of(*ROWS)}])
        await page.click("form[action='/members/import'] button[type=submit]")
        await page.wait_for_selector("form[action='/members/import/confirm']")
        await no_sideways_page(page)
        button = page.locator("form[action='/members/import/confirm'] button.primary")
        box = await button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        await button.click()
        await page.wait_for_url(re.compile(r".*/members/import\?imported=2$"))
        await until(page, "() => document.querySelector('.flash-success') !== null")
    finally:
        await context.close()
