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

# On the live server's database: a member with an organisation's membership, a tool type
# with a charger and two batteries, one unit of it at Samgori. Printed as JSON.
SETUP = """
import asyncio, json, uuid
from datetime import timedelta
import helpers
from helpers import SMG
from inventory.tables import Category, ToolType, ToolTypePart, Unit
from rental.member_rules import card_number
from rental.tables import Member, Membership, MembershipType


async def main():
    now, today = helpers.now(), helpers.today()
    suffix = uuid.uuid4().hex[:6]
    number = int(suffix, 16) % 10_000_000
    member = (await Member.insert(Member(
        name="ნინო ნაკრებიძე " + suffix, phone="+99558" + f"{number:07d}", password_hash="",
        role="member", status="active", language="ka", home_centre=SMG, created_at=now,
        updated_at=now, id_document_type="personal_number",
        id_document_number=f"1{number:010d}", verified_at=now)).returning(Member.id))[0]["id"]
    kind = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "organisation").first()
    await Membership.insert(Membership(
        member=member, membership_type=kind["id"], starts_on=today,
        ends_on=today + timedelta(days=364), status="active", created_at=now))
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="kit-browser-" + suffix, category=category["id"],
        name_ka="ნაკრების ბურღი " + suffix, name_en="Kit drill " + suffix,
        daily_fee=300, deposit=2000, max_loan_days=14, created_at=now,
        search_text="kit drill")).returning(ToolType.id))[0]["id"]
    parts = (await ToolTypePart.insert(
        ToolTypePart(tool_type=tool, name_ka="დამტენი", name_en="Charger", name_ru="",
                     quantity=1, replacement_cost=4500, position=1),
        ToolTypePart(tool_type=tool, name_ka="აკუმულატორი", name_en="Battery", name_ru="",
                     quantity=2, replacement_cost=6000, position=2),
    ).returning(ToolTypePart.id))
    tag = "SMG-" + str(60_000_000 + number)
    await Unit.insert(Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=now))
    print(json.dumps({"card": card_number(member), "tag": tag,
                      "battery": sorted(row["id"] for row in parts)[1]}))

asyncio.run(main())
"""


async def test_the_check_in_checklist_on_a_phone(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    made = journeys.run_on_live_database(SETUP)
    context = await browser.new_context(viewport={"width": 360, "height": 800},
                                        locale="ka-GE")
    page = await context.new_page()
    await page.goto(live_server + "/login")
    await page.fill("[name=login]", STAFF)
    await page.fill("[name=password]", journeys.demo_password("+995" + STAFF.replace(" ", "")))
    await page.click("button.primary")
    await until(page, "!location.pathname.startsWith('/login')")
    await page.goto(live_server + "/desk/1")
    await until(page, "window.htmx !== undefined")

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
