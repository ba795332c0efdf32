"""Labels and members' cards for any scanner, in Chromium: on every label stock, at a phone's
360 px and a laptop's 1280 px, no label is cut off (each lies inside the window, its QR code,
barcode and tag inside the label, at the stock's size in mm); a screenshot of a label, read by
zxing-cpp, gives back the asset tag from both the QR code and the Code 128 barcode; printed,
every page is the stock's size and holds the stock's number of labels. The member's printed
card and /me read back as their card number the same way.

The live server, Chromium and the security policy watch are the journeys' own
(tests/journeys.py)."""

from __future__ import annotations

import re

import journeys
import pytest
from scanning import read_png

from inventory.label_rules import STOCKS

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

STAFF, MEMBER = "555 00 00 03", "555 00 00 11"
WIDTHS = (360, 1280)
MM = 96 / 25.4  # CSS pixels a millimetre
POINTS_PER_MM = 72 / 25.4

# The drill's id and its units' tags, and the member's card number, on the live database.
FACTS = """
import asyncio, json
from inventory.tables import ToolType, Unit
from rental.member_rules import card_number
from rental.tables import Member


async def main():
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    tags = await Unit.select(Unit.asset_tag).where(Unit.tool_type == drill["id"])
    member = await Member.select(Member.id).where(Member.phone == "+995555000011").first()
    print(json.dumps({"drill": drill["id"], "tags": sorted(t["asset_tag"] for t in tags),
                      "card": card_number(member["id"])}))

asyncio.run(main())
"""

# What is cut off, in words (empty: nothing): a label outside the window, or a part of a
# label outside the label, or a label not at the stock's size.
CUT_OFF = """([width, height]) => {
  const problems = [];
  if (document.documentElement.scrollWidth > innerWidth)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}`);
  for (const label of document.querySelectorAll('.label')) {
    const box = label.getBoundingClientRect(), tag = label.dataset.tag;
    if (box.left < 0 || box.right > innerWidth)
      problems.push(`${tag} is outside the window: ${box.left}..${box.right}`);
    if (Math.abs(box.width - width) > 1 || Math.abs(box.height - height) > 1)
      problems.push(`${tag} is ${box.width} × ${box.height} px, not ${width} × ${height}`);
    for (const part of label.querySelectorAll('.label-qr svg, .label-barcode svg, .asset-tag')) {
      const r = part.getBoundingClientRect();
      if (r.width === 0 || r.left < box.left - 0.5 || r.right > box.right + 0.5
          || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        problems.push(`${tag}: its ${part.className.baseVal ?? part.className} is cut off`);
    }
    const text = label.querySelector('.asset-tag');
    if (text.scrollWidth > text.clientWidth + 1) problems.push(`${tag}: the tag is clipped`);
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def facts(live_server):
    return journeys.run_on_live_database(FACTS)


async def logged_in(browser, base: str, login: str, width: int):
    context = await browser.new_context(viewport={"width": width, "height": 800},
                                        locale="ka-GE", device_scale_factor=3)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.fill("[name=login]", login)
    await page.fill("[name=password]", journeys.demo_password("+995" + login.replace(" ", "")))
    await page.click("button.primary")
    await page.wait_for_url(re.compile(r".*/(desk|me)$"))
    return context, page


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of Chromium's PDF, in mm."""
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return [(float(w) / POINTS_PER_MM, float(h) / POINTS_PER_MM) for w, h in boxes]


@pytest.mark.parametrize("width", WIDTHS)
async def test_no_label_is_cut_off_on_any_stock_and_each_reads_back_as_its_tag(
        browser, live_server, facts, width):
    context, page = await logged_in(browser, live_server, STAFF, width)
    try:
        for key, stock in STOCKS.items():
            await page.goto(f"{live_server}/labels?tool_type={facts['drill']}&stock={key}")
            labels = page.locator(".label")
            assert await labels.count() == len(facts["tags"])
            assert await page.evaluate(CUT_OFF, [stock.label[0] * MM, stock.label[1] * MM]) \
                == [], key
            first = labels.first
            tag = await first.get_attribute("data-tag")
            assert read_png(await first.screenshot()) == {("QR Code", tag), ("Code 128", tag)}, \
                key
    finally:
        await context.close()


async def test_printed_every_page_is_the_stocks_size_and_holds_its_labels(
        browser, live_server, facts):
    context, page = await logged_in(browser, live_server, STAFF, 1280)
    try:
        count = len(facts["tags"])
        for key, stock in STOCKS.items():
            await page.goto(f"{live_server}/labels?tool_type={facts['drill']}&stock={key}")
            await page.emulate_media(media="print")
            assert await page.locator(".label-stock").is_hidden()
            pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
            sizes = pdf_pages(pdf)
            assert len(sizes) == -(-count // stock.per_page), key
            for size in sizes:  # Chromium rounds a page to whole points
                assert size == pytest.approx(stock.page, abs=0.4), key
            # the first label sits at the stock's margins, the labels touch
            boxes = [await label.bounding_box() for label in await page.locator(".label").all()]
            left, top = stock.margins
            assert boxes[0]["x"] == pytest.approx(left * MM, abs=1)
            if stock.columns > 1 and count > 1:
                assert boxes[1]["x"] == pytest.approx((left + stock.label[0]) * MM, abs=1)
            await page.emulate_media(media="screen")
    finally:
        await context.close()


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_members_card_and_my_page_read_back_as_the_card_number(
        browser, live_server, facts, width):
    context, page = await logged_in(browser, live_server, MEMBER, width)
    number = facts["card"]
    try:
        await page.goto(f"{live_server}/me")
        assert read_png(await page.locator("#my-card .card-barcode").screenshot()) == {
            ("Code 128", number)}
        await page.click("a[href='/me/card']")
        await page.wait_for_url("**/me/card")
        card = page.locator(".member-card")
        box = await card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["width"] == pytest.approx(85.6 * MM, abs=1)
        for part in await card.locator("svg, .asset-tag").all():
            inner = await part.bounding_box()
            assert box["x"] <= inner["x"] and inner["x"] + inner["width"] <= box["x"] + box[
                "width"] + 0.5 and inner["y"] + inner["height"] <= box["y"] + box["height"] + 0.5
        assert read_png(await card.screenshot()) == {("QR Code", number), ("Code 128", number)}
    finally:
        await context.close()
