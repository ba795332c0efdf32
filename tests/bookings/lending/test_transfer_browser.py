"""Receiving a transfer by scanning, in Chromium at a phone's 360 px: Samgori's desk opens the
request Kutaisi sent a unit against, the scan field has the focus (a keyboard-wedge scanner
types the tag and Enter), and the unit is Samgori's afterwards; nothing scrolls sideways.

The live server, Chromium and the security policy watch are the journeys' own
(tests/journeys.py)."""

from __future__ import annotations

import re

import journeys
import pytest

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

STAFF = "555 00 00 03"  # Samgori's desk

# A new tool type with one unit at Kutaisi, asked for by Samgori and sent by a coordinator.
SETUP = """
import asyncio, json
from bookings.lending import transfers
from inventory.tables import Category, ToolType, Unit
from rental.kernel.identity import CurrentUser
from rental.tables import Centre, Member


async def main():
    from helpers import now as clock  # the tests' instant, as the live server's clock
    now = clock()
    centres = {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}
    category = await Category.select(Category.id).first()
    tool = await ToolType.insert(ToolType(
        slug="transfer-journey", category=category["id"], name_ka="გადასატანი",
        name_en="Transfer journey", daily_fee=100, deposit=0, max_loan_days=7,
        created_at=now, search_text="transfer journey")).returning(ToolType.id)
    await Unit.insert(Unit(tool_type=tool[0]["id"], centre=centres["KUT"],
                           asset_tag="KUT-0777", created_at=now))
    boss = await Member.select(Member.id).where(Member.phone == "+995555000002").first()
    coordinator = CurrentUser(boss["id"], "c", "coordinator", "active", "ka", frozenset())
    request = await transfers.create_request(
        {"tool_type": tool[0]["id"], "sender": centres["KUT"], "receiver": centres["SMG"],
         "quantity": "1"}, actor=coordinator, today=now.date(), now=now)
    await transfers.dispatch(request, "KUT-0777", actor=coordinator, today=now.date(),
                             now=now)
    print(json.dumps({"request": request, "smg": centres["SMG"]}))

asyncio.run(main())
"""

WHERE = """
import asyncio, json
from inventory.tables import Unit


async def main():
    row = await Unit.select(Unit.centre).where(Unit.asset_tag == "KUT-0777").first()
    print(json.dumps(row))

asyncio.run(main())
"""


async def test_the_receiver_scans_a_unit_in_on_a_phone(browser, live_server):
    facts = journeys.run_on_live_database(SETUP)
    context = await browser.new_context(viewport={"width": 360, "height": 740},
                                        locale="ka-GE")
    page = await context.new_page()
    try:
        await page.goto(live_server + "/login")
        await page.fill("[name=login]", STAFF)
        await page.fill("[name=password]", journeys.demo_password("+995" + STAFF.replace(" ", "")))
        await page.click("button.primary")
        await page.wait_for_url(re.compile(r".*/(desk|me)$"))
        await page.goto(live_server + "/transfers")
        await page.click(f"td a[href='/transfers/{facts['request']}']")
        await page.wait_for_url(re.compile(rf".*/transfers/{facts['request']}$"))
        assert await page.evaluate("document.activeElement && document.activeElement.name") \
            == "tag"
        assert await page.evaluate(
            "document.documentElement.scrollWidth <= innerWidth"), "scrolls sideways"
        await page.keyboard.type("kut-0777")  # as a keyboard-wedge scanner types it
        await page.keyboard.press("Enter")
        await page.wait_for_load_state("networkidle")
        assert "KUT-0777" in await page.content()
        assert journeys.run_on_live_database(WHERE)["centre"] == facts["smg"]
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        await context.close()
