"""The front desk in Chromium, in Georgian, as the issue reproduced it (issue 17, items 1 to 5):
a scanner types a tag and Enter; after every verdict the scan field is empty and has the focus,
the refused tag named in its message; the amount is what the basket says is due; a short
payment without the choice to leave the rest owing is refused and nothing is written; the
basket survives a reload, each unit with its own return day (tools with different longest
loans go out together); several units come back on one receipt. With JavaScript (htmx) and
without it. The live server, Chromium and `until` are the browser journeys' own
(tests/journeys.py)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import journeys
import pytest
from helpers import SAMGORI_OPEN, open_day

# their fixtures, used here as there: one live server and one Chromium for this module
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy
until = journeys.until
settled = journeys.settled
ARTIFACTS = journeys.ARTIFACTS

pytestmark = pytest.mark.browser

STAFF = "555 00 00 03"  # Samgori's desk

# Run against the live server's database, in a process of its own (tests/desk_setup.py): a
# member of their own, a tool type with four units at Samgori that no other journey touches
# (lent up to 14 days) and one with a unit lent up to 2 days. Printed as JSON.
SETUP = """
import asyncio, json
import desk_setup


async def main():
    suffix, number = desk_setup.suffix()
    card = await desk_setup.member("ნანა სკანერიძე " + suffix, number)
    tags = ["SMG-" + str(70_000_000 + number * 10 + n) for n in range(4)]
    await desk_setup.tool("desk-browser-" + suffix, "სკანერის ბურღი " + suffix,
                          "Scanner drill " + suffix, tags)
    short = "SMG-" + str(80_000_000 + number)
    await desk_setup.tool("desk-browser-short-" + suffix, "მოკლე ვადის ხერხი " + suffix,
                          "Short loan saw " + suffix, [short], daily_fee=500, deposit=1000,
                          max_loan_days=2)
    print(json.dumps({"card": card, "tags": tags, "short": short}))

asyncio.run(main())
"""


def _member_and_units() -> dict:
    """The setup above, on the live server's database."""
    return journeys.run_on_live_database(SETUP)


def _desk(chromium, base: str, *, width: int, javascript: bool = True):
    return journeys.desk_page(chromium, base, STAFF, width=width, javascript=javascript)


async def _scan(page, field: str, tag: str, *, javascript: bool = True) -> None:
    """A USB scanner: the tag typed fast into whatever has the focus, then Enter (without
    JavaScript, the form is posted and the whole page comes back). A person scans once the
    last verdict is shown and its form is bound."""
    if javascript:
        await settled(page)
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
    await settled(page)  # or the fill below may be typed into the scan field

    # a short payment without the choice: refused, said at the amount, nothing written
    await page.fill("#f-amount", amounts[0])
    await page.locator("#basket button.primary").click()
    await page.wait_for_selector("#e-amount")
    await settled(page)
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


async def _accessibility_problems(page) -> list[str]:
    """What axe-core finds on the page as it stands (the basket, the return list)."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]]


async def _return_list_size(page) -> int:
    return await page.locator("#check-in input[name=line]").count()


async def test_the_basket_survives_a_reload_and_comes_back_on_one_receipt(live_server, browser):
    """Issue 17, items 3 to 5: two units whose tools are lent for different longest loans, one
    return day asked for the basket: each line gets a day its tool allows; a reload and another
    page keep the basket; check out; scan both back into the return list, finish once: one
    receipt lists both. After every scan the field is empty and has the focus."""
    ARTIFACTS.mkdir(exist_ok=True)
    made = _member_and_units()
    long_tag, short_tag = made["tags"][0], made["short"]
    wanted = open_day(9, SAMGORI_OPEN)  # longer than the short tool's two days
    context, page = await _desk(browser, live_server, width=1280)
    await _scan(page, "f-q", made["card"])
    await page.wait_for_selector("#f-scan")
    await page.fill("#f-return_on", wanted.isoformat())
    await page.focus("#f-scan")
    for count, tag in enumerate((long_tag, short_tag), start=1):
        await _scan(page, "f-scan", tag)
        await until(page, f"document.querySelectorAll('#basket input[name=tag]').length"
                          f" === {count}")
        assert not await page.locator("#e-scan").count()  # neither is refused
        assert await page.input_value("#f-scan") == ""
        assert await page.evaluate("document.activeElement.id") == "f-scan"
    await settled(page)
    assert await page.input_value(f"#f-ends-{long_tag}") == wanted.isoformat()
    short_day = await page.input_value(f"#f-ends-{short_tag}")
    assert short_day and short_day < wanted.isoformat()  # the short tool's own, earlier day
    # the desk moves the long tool's day earlier on its line: kept, and its fee follows
    earlier = open_day(5, SAMGORI_OPEN)
    before = await page.locator("#basket-due").text_content()
    await page.fill(f"#f-ends-{long_tag}", earlier.isoformat())
    await until(page, f"document.querySelector('#basket-due').textContent !== {json.dumps(before)}")
    assert await page.input_value(f"#f-ends-{long_tag}") == earlier.isoformat()
    assert await page.input_value("#f-amount") == await _due_shown(page)
    await settled(page)
    assert await page.evaluate("document.activeElement.id") == "f-scan"
    due = await _due_shown(page)
    await _screenshot(page, "desk-basket-two-days-1280-ka.png")
    # the basket's table fits its card on a desk screen: no column cut off at the right
    assert await page.evaluate("[...document.querySelectorAll('#basket .table-wrap')]"
                               ".every(box => box.scrollWidth <= box.clientWidth + 1)")
    assert await _accessibility_problems(page) == []

    # a reload, and another page and back: the same member and basket, the same amount
    await page.reload()
    await until(page, "window.htmx !== undefined")
    assert await _basket_size(page) == 2 and await _due_shown(page) == due
    assert await page.evaluate("document.activeElement.id") == "f-scan"
    await page.goto(live_server + "/desk/1/cash-up")
    await page.goto(live_server + "/desk/1")
    await until(page, "window.htmx !== undefined")
    assert await _basket_size(page) == 2
    assert await page.input_value(f"#f-ends-{short_tag}") == short_day
    assert await page.input_value(f"#f-ends-{long_tag}") == earlier.isoformat()
    assert await page.input_value("#f-amount") == due
    await page.locator("#basket button.primary").click()
    await page.wait_for_url("**/receipts/*")
    receipt = await page.locator("main").inner_text()
    assert long_tag in receipt and short_tag in receipt

    # both back into the return list, then one finish, one receipt
    await page.goto(live_server + "/desk/1")
    await until(page, "window.htmx !== undefined")
    assert await _basket_size(page) == 0  # emptied by the check-out
    if await page.locator("button[form=return-clear]").count():  # left by another journey
        await page.locator("button[form=return-clear]").click()
        await until(page, "document.querySelectorAll('#check-in input[name=line]').length"
                          " === 0")
    await page.focus("#f-tag")
    for count, tag in enumerate((long_tag, short_tag), start=1):
        await _scan(page, "f-tag", tag)
        await until(page, f"document.querySelectorAll('#check-in input[name=line]').length"
                          f" === {count}")
        assert await page.input_value("#f-tag") == ""
        assert await page.evaluate("document.activeElement.id") == "f-tag"
    await page.reload()  # the list is kept too
    await until(page, "window.htmx !== undefined")
    assert await _return_list_size(page) == 2
    lines = page.locator("#check-in fieldset.return-line")
    await lines.nth(1).locator("[name=condition]").select_option("damaged")
    await lines.nth(1).locator("[name=notes]").fill("პირი გაცვეთილია")
    await lines.nth(1).locator("[name=damage_charge]").fill("3")
    await _screenshot(page, "desk-return-list-1280-ka.png")
    assert await _accessibility_problems(page) == []
    await page.locator("#check-in button.primary").click()
    await page.wait_for_url("**/receipts/*")
    returned = await page.locator("main").inner_text()
    assert long_tag in returned and short_tag in returned  # one receipt, both units
    assert "დაზიანებული" in returned and "პირი გაცვეთილია" in returned  # with its charge
    await page.goto(live_server + "/desk/1")
    assert await _return_list_size(page) == 0
    await context.close()


# Two members with one name (the lookup lists them) and more pick-ups tomorrow than the desk
# page lists before "show all" (bookings.lending.desk.DAY_LIST_ROWS).
BUSY_SETUP = """
import asyncio, json
from datetime import timedelta
import desk_setup, helpers
from bookings.lending.desk import DAY_LIST_ROWS
from bookings.tables import Booking
from inventory.tables import Unit
from rental.member_rules import parse_card_number


async def main():
    suffix, number = desk_setup.suffix()
    first = await desk_setup.member("ნანა სიაშვილი " + suffix, number)
    await desk_setup.member("ნინო სიაშვილი " + suffix, number, prefix="+99558")
    tags = ["SMG-" + str(90_000_000 + number * 100 + n) for n in range(DAY_LIST_ROWS + 1)]
    tool = await desk_setup.tool("desk-busy-" + suffix, "სიის ბურღი " + suffix,
                                 "List drill " + suffix, tags)
    tomorrow = helpers.today() + timedelta(days=1)
    units = await Unit.select(Unit.id).where(Unit.tool_type == tool).order_by(Unit.id)
    await Booking.insert(*[Booking(
        member=parse_card_number(first), tool_type=tool, centre=1, unit=unit["id"],
        starts_on=tomorrow, ends_on=tomorrow, status="reserved", created_at=helpers.now())
        for unit in units])
    print(json.dumps({"suffix": suffix, "last": tags[-1]}))

asyncio.run(main())
"""


async def test_the_lookup_lists_members_and_a_busy_days_list_unfolds(live_server, browser):
    made = journeys.run_on_live_database(BUSY_SETUP)
    context, page = await _desk(browser, live_server, width=1280)
    # tomorrow's pick-ups: folded after the first rows, all of them on "show all"
    assert made["last"] not in await page.locator("#desk-days").inner_text()
    unfold = page.locator("#desk-days a[href*='all=pickups-']").last
    whole = await unfold.get_attribute("href")
    await unfold.click()
    await until(page, f"document.getElementById('desk-days').innerText.includes("
                      f"{json.dumps(made['last'])})")
    assert await page.locator(f"#desk-days a[href='{whole}']").count() == 0
    # the lookup lists both members; a click opens the second one's panel and basket
    await page.locator("#f-q").fill(made["suffix"])
    await page.locator("#f-q").press("Enter")
    await until(page, "document.querySelectorAll('#desk-member li a').length === 2")
    await page.locator("#desk-member li a").nth(1).click()
    await page.wait_for_selector("#f-scan")
    assert "ნინო სიაშვილი" in await page.locator("#h-member").inner_text()
    assert "member=" in page.url  # the address names the member, as before
    await context.close()
