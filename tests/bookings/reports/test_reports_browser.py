"""The coordinator's journey in Chromium with JavaScript turned off (issue 17): on a laptop, in
Georgian, the donor report's filters are a plain GET form (the chosen period and centre come
back in the address, the subtitle and the form), its CSV links download; the fee policy's form
refused comes back with the message next to its field. The live server, Chromium and the
screenshot on failure are the browser journeys' own (tests/journeys.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import journeys
import pytest
from helpers import today

# their fixtures, used here as there: one live server and one Chromium for this module
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

COORDINATOR = "555 00 00 02"
SAMGORI = "1"  # the demo's first centre


async def _coordinator_without_script(browser, base: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900},
                                        locale="ka-GE", java_script_enabled=False)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.fill("[name=login]", COORDINATOR)
    await page.fill("[name=password]",
                    journeys.demo_password("+995" + COORDINATOR.replace(" ", "")))
    async with page.expect_navigation():
        await page.click("button.primary")
    return context, page


async def test_the_donor_report_filters_and_downloads_without_javascript(live_server, browser):
    context, page = await _coordinator_without_script(browser, live_server)
    async with journeys.screenshot_on_failure(page, "donor-report-no-script-1280-ka"):
        await page.goto(live_server + "/reports/donor")
        assert "დონორ" in await page.locator("h1").inner_text()  # "donor"
        assert "ყველა ცენტრი" in await page.locator(".report-subtitle").inner_text()
        await page.select_option("#f-period", "year")
        await page.select_option("#f-centre", SAMGORI)
        async with page.expect_navigation():
            await page.click("form.report-filters button[type=submit]")  # a plain GET
        query = parse_qs(urlsplit(page.url).query)
        assert query["period"] == ["year"] and query["centre"] == [SAMGORI]
        subtitle = await page.locator(".report-subtitle").inner_text()
        centre = await page.locator("#f-centre option:checked").inner_text()
        assert subtitle == f"{today().year} · {centre}"  # "2026 · Samgori ..."
        assert await page.input_value("#f-period") == "year"
        assert await page.input_value("#f-centre") == SAMGORI

        # a print button would do nothing without script: the browser's own menu prints
        assert await page.locator("button[data-print]").count() == 1
        assert not await page.locator("button[data-print]").is_visible()

        csv = page.locator("a[href*='format=csv']").first
        assert await csv.is_visible()
        href = await csv.get_attribute("href")
        assert "period=year" in href and f"centre={SAMGORI}" in href
        answer = await page.request.get(live_server + href)  # the browser's own session
        assert answer.status == 200 and "text/csv" in answer.headers["content-type"]
        await page.screenshot(path=str(journeys.ARTIFACTS / "donor-report-no-script-ka.png"),
                              full_page=True)
    await context.close()


async def test_a_refused_policy_change_shows_the_message_by_its_field_without_javascript(
        live_server, browser):
    context, page = await _coordinator_without_script(browser, live_server)
    async with journeys.screenshot_on_failure(page, "policy-no-script-1280-ka"):
        await page.goto(live_server + "/policy")
        form = page.locator("form[action='/policy/membership-types']")
        await form.locator("[name=slug]").fill("seasonal")
        await form.locator("[name=name_ka]").fill("სეზონური")
        await form.locator("[name=name_en]").fill("Seasonal")
        await form.locator("[name=validity_days]").fill("0")  # at least one day
        await form.locator("[name=max_tools_out]").fill("2")
        await form.locator("[name=max_open_bookings]").fill("2")
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()
        form = page.locator("form[action='/policy/membership-types']")
        field = form.locator(".field", has=page.locator("[name=validity_days]"))
        error = field.locator(".field-error")
        assert await error.is_visible()
        assert await field.locator("input").get_attribute("aria-invalid") == "true"
        assert await field.locator("input").get_attribute("aria-describedby") == \
            await error.get_attribute("id")
        assert await form.locator(".field-error").count() == 1  # only that field is wrong
        assert await form.locator("[name=name_ka]").input_value() == "სეზონური"  # kept
        assert "სეზონური" not in await page.locator("table").first.inner_text()  # not added
        await page.screenshot(path=str(journeys.ARTIFACTS / "policy-no-script-ka.png"),
                              full_page=True)
    await context.close()
