"""Scanning with a camera at a desk without a USB scanner (issue 23), in Chromium on a phone's
width: Chromium's fake camera plays a picture of a Code 128 label, drawn by the app's own
barcode code; the page's decoder (the vendored ZXing library: headless Chromium on Linux has no
BarcodeDetector) reads it. A member's card opens their panel; a unit's label goes into the
scan field and is sent, and the unit is in the basket; the camera then looks for the next
label, and the next unit goes in too. Without
JavaScript the button is not shown and typing works as before."""

from __future__ import annotations

import os

import journeys
import pytest
from journeys import CHROMIUM, CHROMIUM_FLAGS, RUN_DIR
from PIL import Image
from scanning import draw_bars

from rental.kernel.barcodes import code128_svg

live_server = journeys.live_server
until = journeys.until
settled = journeys.settled

pytestmark = pytest.mark.browser

STAFF = "555 00 00 03"  # Samgori's desk
VIDEO = RUN_DIR / "camera-label.y4m"

# A member of their own and a tool type with two units at Samgori, on the live server's
# database; printed as JSON.
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
        name="ნანა კამერიძე " + suffix, phone="+99558" + f"{number:07d}", password_hash="",
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
        slug="camera-" + suffix, category=category["id"],
        name_ka="კამერის ბურღი " + suffix, name_en="Camera drill " + suffix,
        daily_fee=300, deposit=2000, max_loan_days=14, created_at=now,
        search_text="camera drill")).returning(ToolType.id))[0]["id"]
    tags = ["SMG-" + str(60_000_000 + number * 10 + n) for n in range(2)]
    await Unit.insert(*[Unit(tool_type=tool, centre=SMG, asset_tag=tag, created_at=now)
                        for tag in tags])
    print(json.dumps({"card": card_number(member), "tags": tags}))

asyncio.run(main())
"""


def film(tag: str) -> None:
    """A few seconds of 640 × 480 video (YUV4MPEG2, what Chromium's fake camera plays) of the
    tag's label: the app's Code 128 drawing, black on white, in the middle of the frame."""
    gray, width, height = draw_bars(code128_svg(tag), scale=2)
    label = Image.frombytes("L", (width, height * 3), gray * 3)
    frame = Image.new("L", (640, 480), 255)
    frame.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
    luma, chroma = frame.tobytes(), bytes([128]) * (320 * 240 * 2)
    with open(VIDEO, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(20):
            out.write(b"FRAME\n" + luma + chroma)


@pytest.fixture
async def camera_browser():
    """Chromium whose camera plays VIDEO, and which asks nobody before opening it."""
    if not journeys.HAVE_CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[
                *CHROMIUM_FLAGS, "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={VIDEO}"])
        yield chromium
        await chromium.close()


async def _desk(chromium, base: str, *, javascript: bool = True):
    context = await chromium.new_context(viewport={"width": 360, "height": 780},
                                        locale="ka-GE", java_script_enabled=javascript)
    blocked: list[str] = []
    context.on("console", lambda message: blocked.append(message.text)
               if "Content Security Policy" in message.text else None)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.fill("[name=login]", STAFF)
    await page.fill("[name=password]", journeys.demo_password("+995" + STAFF.replace(" ", "")))
    await page.click("button.primary")
    await until(page, "!location.pathname.startsWith('/login')")
    await page.goto(base + "/desk/1")
    return context, page, blocked


async def test_a_label_held_to_the_camera_goes_into_the_basket(live_server, camera_browser):
    made = journeys.run_on_live_database(SETUP)
    film(made["tags"][0])
    context, page, blocked = await _desk(camera_browser, live_server)
    await until(page, "window.htmx !== undefined")
    # the member's card (its Code 128) held to the camera opens their panel
    film(made["card"])
    await page.locator("#f-q ~ .camera-button, [data-camera=f-q]").first.click()
    await page.wait_for_selector("#f-scan")
    await settled(page)
    assert made["card"] in await page.locator("#desk-member").inner_text()
    assert not await page.locator(".camera-view").count()  # one card is enough
    film(made["tags"][0])
    camera = page.locator("#f-scan ~ .camera-button")
    assert await camera.is_visible()
    await camera.click()
    await until(page, "document.querySelectorAll('#basket input[name=tag]').length === 1",
                within_ms=20_000)
    assert await page.locator("#basket input[name=tag]").first.input_value() == made["tags"][0]
    # the camera looks for the next label: the next unit goes in too
    film(made["tags"][1])
    await until(page, "document.querySelectorAll('#basket input[name=tag]').length === 2",
                within_ms=20_000)
    await page.locator(".camera-view button").click()
    await until(page, "!document.querySelector('.camera-view')")
    assert await page.evaluate("document.activeElement.id") == "f-scan"
    await page.screenshot(path=str(journeys.ARTIFACTS / "desk-camera-360-ka.png"), full_page=True)
    assert blocked == []
    await context.close()


async def test_without_javascript_there_is_no_camera_button(live_server, camera_browser):
    context, page, _blocked = await _desk(camera_browser, live_server, javascript=False)
    await page.fill("#f-q", "M00004")
    async with page.expect_navigation():
        await page.press("#f-q", "Enter")
    await page.wait_for_selector("#f-scan")
    assert not await page.locator("#f-scan ~ .camera-button").is_visible()
    await context.close()
