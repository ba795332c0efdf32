"""The front desk in Chromium, in Georgian, as the issue reproduced it (issue 17, items 1 and 2):
a scanner types a tag and Enter; after every verdict the scan field is empty and has the focus,
the refused tag named in its message; the amount is what the basket says is due; a short
payment without the choice to leave the rest owing is refused and nothing is written. With
JavaScript (htmx) and without it. The live server, Chromium and `until` are the browser
journeys' own (tests/toollib/test_browser.py)."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import SAMGORI_OPEN, open_day

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "toollib"))
import test_browser as journeys  # noqa: E402 - the browser journeys' live server and Chromium

# their fixtures, used here as there: one live server and one Chromium for this module
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
ARTIFACTS = journeys.ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STAFF = "555 00 00 03"  # Samgori's desk

# Run against the live server's database, in a process of its own: a member of their own (an
# organisation's membership: up to six tools out, no warnings) and a tool type with four units
# at Samgori that no other journey touches. Printed as JSON.
SETUP = """
import asyncio, json, uuid
from datetime import timedelta
import helpers
from helpers import SMG
from inventory.tables import Category, ToolType, Unit
from rental.member_rules import card_number
from rental.tables import Member, Membership, MembershipType


async def main():
    now, today = helpers.now(), helpers.today()
    suffix = uuid.uuid4().hex[:6]
    number = int(suffix, 16) % 10_000_000
    member = (await Member.insert(Member(
        name="ნანა სკანერიძე " + suffix, phone="+99559" + f"{number:07d}", password_hash="",
        role="member", status="active", language="ka", home_centre=SMG, created_at=now,
        updated_at=now, id_document_type="personal_number",
        id_document_number=f"0{number:010d}", verified_at=now)).returning(Member.id))[0]["id"]
    kind = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "organisation").first()
    await Membership.insert(Membership(
        member=member, membership_type=kind["id"], starts_on=today,
        ends_on=today + timedelta(days=364), status="active", created_at=now))
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="desk-browser-" + suffix, category=category["id"],
        name_ka="სკანერის ბურღი " + suffix, name_en="Scanner drill " + suffix,
        daily_fee=300, deposit=2000, max_loan_days=14, created_at=now,
        search_text="scanner drill")).returning(ToolType.id))[0]["id"]
    tags = ["SMG-" + str(70_000_000 + number * 10 + n) for n in range(4)]
    await Unit.insert(*[Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=now)
                        for tag in tags])
    print(json.dumps({"card": card_number(member), "tags": tags}))

asyncio.run(main())
"""


def _member_and_units() -> dict:
    """The setup above, on the live server's database."""
    return journeys.run_on_live_database(SETUP)


async def _desk(chromium, base: str, *, width: int, javascript: bool = True):
    """Desk staff logged in on a screen `width` wide, in Georgian, on Samgori's desk."""
    context = await chromium.new_context(viewport={"width": width, "height": 800},
                                        locale="ka-GE", java_script_enabled=javascript)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.fill("[name=login]", STAFF)
    await page.fill("[name=password]", journeys.demo_password("+995" + STAFF.replace(" ", "")))
    await page.click("button.primary")
    await until(page, "!location.pathname.startsWith('/login')")
    await page.goto(base + "/desk/1")
    if javascript:
        await until(page, "window.htmx !== undefined")
    return context, page


async def _scan(page, field: str, tag: str, *, javascript: bool = True) -> None:
    """A USB scanner: the tag typed fast into whatever has the focus, then Enter (without
    JavaScript, the form is posted and the whole page comes back)."""
    assert await page.evaluate("document.activeElement.id") == field
    await page.keyboard.type(tag, delay=5)
    if javascript:
        await page.keyboard.press("Enter")
        return
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def _screenshot(page, name: str) -> None:
    """A full-page screenshot; Playwright leaves an empty style attribute on the inputs, which
    htmx's settling copies onto the next swap's fields (CSP-blocked): take it away again."""
    await page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    await page.evaluate("document.querySelectorAll('[style]').forEach("
                        "e => e.getAttribute('style') || e.removeAttribute('style'))")


async def _basket_size(page) -> int:
    return await page.locator("#basket input[name=tag]").count()


async def _due_shown(page) -> str:
    """The basket's "to pay now" as the amount field holds it: '59,00 ₾' -> '59.00'."""
    text = await page.locator("#basket-due").inner_text()
    return re.sub(r"[^\d,.]", "", text).replace("\u00a0", "").replace(",", ".")


async def test_scans_keep_the_amount_due_and_the_field_empty_and_focused(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    made = _member_and_units()
    tags = made["tags"]
    context, page = await _desk(browser, live_server, width=1280)
    await _scan(page, "f-q", made["card"])
    await page.wait_for_selector("#f-scan")
    await page.fill("#f-return_on", open_day(3, SAMGORI_OPEN).isoformat())
    await page.focus("#f-scan")
    amounts = []
    for count, tag in enumerate(tags[:2], start=1):
        await _scan(page, "f-scan", tag)
        await until(page, f"document.querySelectorAll('#basket input[name=tag]').length"
                          f" === {count}")
        amounts.append(await page.input_value("#f-amount"))
        assert amounts[-1] == await _due_shown(page)  # the amount is what is due now
        assert await page.evaluate("document.activeElement.id") == "f-scan"
    assert amounts[0] != amounts[1]

    # a refused scan: named in the message, the field empty and focused, the next scan goes in
    await _scan(page, "f-scan", "SMG-9999")
    await page.wait_for_selector("#e-scan")
    assert "SMG-9999" in await page.locator("#e-scan").inner_text()
    assert await page.input_value("#f-scan") == ""
    assert await page.evaluate("document.activeElement.id") == "f-scan"
    await _screenshot(page, "desk-refused-scan-1280-ka.png")
    await _scan(page, "f-scan", tags[2])
    await until(page, "document.querySelectorAll('#basket input[name=tag]').length === 3")
    assert not await page.locator("#e-scan").count()
    assert await page.input_value("#f-amount") == await _due_shown(page)

    # a short payment without the choice: refused, said at the amount, nothing written
    await page.fill("#f-amount", amounts[0])
    await page.locator("#basket button.primary").click()
    await page.wait_for_selector("#e-amount")
    assert await _due_shown(page) in await page.locator("#e-amount").inner_text()
    assert "/desk/1" in page.url and await _basket_size(page) == 3
    await _screenshot(page, "desk-short-payment-1280-ka.png")
    # the choice, with a reason, 10 ₾ left owing (within Samgori's 20 ₾): lent (had the
    # refusal written anything, these units would be out already)
    await page.fill("#f-amount", f"{Decimal(await _due_shown(page)) - 10:.2f}")
    await page.check("#basket [name=leave_owing]")
    await page.fill("#f-owing_reason", "პარასკევს გადაიხდის")
    await page.locator("#basket button.primary").click()
    await page.wait_for_url("**/receipts/*")
    receipt = await page.locator("main").inner_text()
    assert all(tag in receipt for tag in tags[:3])

    # the check-in field: a refused tag named, the field empty and focused; then a loan found
    await page.goto(live_server + "/desk/1")
    await until(page, "window.htmx !== undefined")
    await page.focus("#f-tag")
    await _scan(page, "f-tag", "SMG-9999")
    await page.wait_for_selector("#e-tag")
    assert "SMG-9999" in await page.locator("#e-tag").inner_text()
    assert await page.input_value("#f-tag") == ""
    assert await page.evaluate("document.activeElement.id") == "f-tag"
    await _scan(page, "f-tag", tags[0])
    await page.wait_for_selector("#check-in [name=condition]")
    assert await page.input_value("#f-tag") == ""
    assert await page.evaluate("document.activeElement.id") == "f-tag"
    await _screenshot(page, "desk-check-in-found-1280-ka.png")
    await context.close()


async def test_without_javascript_the_amount_is_due_and_the_scan_field_has_the_focus(
        live_server, browser):
    made = _member_and_units()
    tags = made["tags"]
    context, page = await _desk(browser, live_server, width=390, javascript=False)
    assert await page.evaluate("document.activeElement.id") == "f-q"
    await _scan(page, "f-q", made["card"], javascript=False)
    assert await page.evaluate("document.activeElement.id") == "f-scan"  # not the search
    await page.fill("#f-return_on", open_day(3, SAMGORI_OPEN).isoformat())
    await page.focus("#f-scan")
    amounts = []
    for count, tag in enumerate(tags[:2], start=1):
        await _scan(page, "f-scan", tag, javascript=False)
        assert await _basket_size(page) == count
        amounts.append(await page.input_value("#f-amount"))
        assert amounts[-1] == await _due_shown(page)
        assert await page.evaluate("document.activeElement.id") == "f-scan"
        assert await page.input_value("#f-tag") == ""  # the tag is not copied to check-in
    await _scan(page, "f-scan", "SMG-9999", javascript=False)
    assert "SMG-9999" in await page.locator("#e-scan").inner_text()
    assert await page.input_value("#f-scan") == ""
    assert await page.evaluate("document.activeElement.id") == "f-scan"
    assert await _basket_size(page) == 2
    await _screenshot(page, "desk-refused-scan-390-ka.png")

    await page.fill("#f-amount", amounts[0])
    await page.locator("#basket button.primary").click()
    await page.wait_for_selector("#e-amount")
    assert "/check-out" in page.url and await _basket_size(page) == 2
    await _screenshot(page, "desk-short-payment-390-ka.png")
    await page.locator("#basket button.primary").click()  # the amount as typed: refused again
    await page.wait_for_selector("#e-amount")
    await page.fill("#f-amount", await _due_shown(page))
    await page.locator("#basket button.primary").click()
    await page.wait_for_url("**/receipts/*")
    receipt = await page.locator("main").inner_text()
    assert tags[0] in receipt and tags[1] in receipt
    await context.close()
