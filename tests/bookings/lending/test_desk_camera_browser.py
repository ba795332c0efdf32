"""Scanning with a camera at a desk without a USB scanner (issue 23), in Chromium on a phone's
width: Chromium's fake camera plays a picture of a Code 128 label, drawn by the app's own
barcode code; the page's decoder (the vendored ZXing library: headless Chromium on Linux has no
BarcodeDetector) reads it. A member's card opens their panel; a unit's label goes into the
scan field and is sent, and the unit is in the basket; the camera then looks for the next
label, and the next unit goes in too (a label still in front of it is not sent twice at once).
Without JavaScript the button is not shown and typing works as before."""

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
# database (tests/desk_setup.py); printed as JSON.
SETUP = """
import asyncio, json
import desk_setup


async def main():
    suffix, number = desk_setup.suffix()
    card = await desk_setup.member("ნანა კამერიძე " + suffix, number, prefix="+99557")
    tags = ["SMG-" + str(50_000_000 + number * 10 + n) for n in range(2)]
    await desk_setup.tool("camera-" + suffix, "კამერის ბურღი " + suffix,
                          "Camera drill " + suffix, tags)
    print(json.dumps({"card": card, "tags": tags}))

asyncio.run(main())
"""


def film(*codes: str) -> None:
    """Video (YUV4MPEG2, what Chromium's fake camera plays, over and over, from the start each
    time a page opens the camera) of each code's label in turn, the first two seconds, the next
    four: the app's Code 128 drawing, black on white, in the middle of a 640 × 480 frame. So
    after the first label's scan, the camera opened again sees it for less than the three
    seconds in which the page does not send a code twice, and then the second."""
    with open(VIDEO, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for index, code in enumerate(codes):
            gray, width, height = draw_bars(code128_svg(code), scale=2)
            label = Image.frombytes("L", (width, height * 3), gray * 3)
            frame = Image.new("L", (640, 480), 255)
            frame.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
            luma, chroma = frame.tobytes(), bytes([128]) * (320 * 240 * 2)
            for _ in range(20 * (index + 1)):
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
    """The desk on a phone, and what the Content-Security-Policy blocked on it."""
    context, page = await journeys.desk_page(chromium, base, STAFF, width=360, height=780,
                                             javascript=javascript)
    blocked: list[str] = []
    context.on("console", lambda message: blocked.append(message.text)
               if "Content Security Policy" in message.text else None)
    return context, page, blocked


async def test_a_label_held_to_the_camera_goes_into_the_basket(live_server, camera_browser):
    made = journeys.run_on_live_database(SETUP)
    film(made["tags"][0])
    context, page, blocked = await _desk(camera_browser, live_server)
    # the member's card (its Code 128) held to the camera opens their panel
    film(made["card"])
    await page.locator("#f-q ~ .camera-button, [data-camera=f-q]").first.click()
    await page.wait_for_selector("#f-scan")
    await settled(page)
    assert made["card"] in await page.locator("#desk-member").inner_text()
    assert not await page.locator(".camera-view").count()  # one card is enough
    # two labels held up in turn: each goes in once, whichever the camera sees first
    film(*made["tags"])
    camera = page.locator("#f-scan ~ .camera-button")
    assert await camera.is_visible()
    await camera.click()
    await until(page, "document.querySelectorAll('#basket input[name=tag]').length === 2",
                within_ms=30_000)
    lent = [await tag.input_value() for tag in await page.locator("#basket input[name=tag]").all()]
    assert sorted(lent) == sorted(made["tags"])
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
