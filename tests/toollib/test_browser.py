"""The real thing: the server as users start it, driven by Debian's Chromium."""

from __future__ import annotations

import journeys
import pytest
from helpers import now, open_day, today
from journeys import ARTIFACTS, demo_password, until

# the journeys' fixtures, made afresh for this module
live_server = journeys.live_server
browser = journeys.browser
page = journeys.page
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)


async def test_home_page_in_georgian_then_english(live_server, page):
    await page.goto(live_server + "/")
    assert await page.get_attribute("html", "lang") == "ka"
    assert await page.locator("h1").inner_text() == "ისესხეთ ხელსაწყო"
    assert await page.locator(".tool-card").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "home-ka.png"), full_page=False)

    await page.get_by_role("button", name="English").click()
    await page.wait_for_selector("html[lang=en]")
    assert await page.locator("h1").inner_text() == "Borrow a tool"
    assert "Samgori Multifunctional Service Centre" in await page.locator("main").inner_text()

    await page.get_by_role("button", name="ქართული").click()
    await page.wait_for_selector("html[lang=ka]")


async def test_search_as_you_type_updates_results_without_reloading(live_server, page):
    await page.goto(live_server + "/")
    await until(page, "window.htmx !== undefined")
    await page.evaluate("window.stillTheSamePage = true")
    all_cards = await page.locator(".tool-card").count()
    await page.locator("#q").press_sequentially("ბურღ", delay=30)
    await until(page,
        f"document.querySelectorAll('.tool-card').length < {all_cards}", within_ms=10_000
    )
    names = await page.locator(".tool-card h3").all_inner_texts()
    assert names and all("ბურღ" in name for name in names)
    assert await page.evaluate("window.stillTheSamePage") is True  # htmx swapped, no reload
    assert "q=" in page.url  # the search is kept in the address, so it can be shared
    await page.screenshot(path=str(ARTIFACTS / "search-ka.png"), full_page=False)


async def test_member_signs_up_on_a_phone_and_the_desk_verifies_them(live_server, browser):
    phone_context = await browser.new_context(viewport={"width": 390, "height": 844},
                                              locale="ka-GE")
    member = await phone_context.new_page()
    await member.goto(live_server + "/signup")
    assert await member.get_attribute("html", "lang") == "ka"
    await member.fill("[name=name]", "ეკა ლომიძე")
    await member.fill("[name=phone]", "599 11 22 33")
    await member.fill("[name=password]", "ekas-paroli-2026")
    await member.fill("[name=password_again]", "ekas-paroli-2026")
    await member.check("[name=agree_rental]")
    await member.click("button.primary")
    # a forgotten consent is shown next to the box, nothing is created
    await member.wait_for_selector("#e-agree_data")
    await member.fill("[name=password]", "ekas-paroli-2026")
    await member.fill("[name=password_again]", "ekas-paroli-2026")
    await member.check("[name=agree_data]")
    await member.click("button.primary")
    await member.wait_for_url("**/me")
    assert "ეკა ლომიძე" in await member.locator("h1").inner_text()
    await member.screenshot(path=str(ARTIFACTS / "signup-pending-ka.png"))
    await phone_context.close()

    desk_context = await browser.new_context(locale="ka-GE")
    desk = await desk_context.new_page()
    await _logs_in_and_opens(desk, live_server, "/members")
    await desk.locator("#member-q").press_sequentially("ლომიძე", delay=30)
    await desk.get_by_role("link", name="ეკა ლომიძე").click()
    await desk.wait_for_url("**/members/*")
    await desk.locator("a[href$='/verify']").click()
    await desk.wait_for_selector("[name=id_document_number]")
    await desk.select_option("[name=id_document_type]", "personal_number")
    await desk.fill("[name=id_document_number]", "0100123456")  # 10 digits: refused
    await desk.fill("[name=birth_date]", "1994-03-08")
    await desk.select_option("[name=sex]", "female")
    await desk.select_option("[name=municipality]", label="სამგორი")  # from the list
    await desk.select_option("[name=situation]", "returning_migrant")
    await desk.click("button.primary")
    await desk.wait_for_selector("#e-id_document_number")
    await desk.fill("[name=id_document_number]", "01001234567")
    await desk.click("button.primary")
    await desk.wait_for_selector(".badge-ok")
    assert "01001234567" in await desk.locator("main").inner_text()
    await desk.screenshot(path=str(ARTIFACTS / "member-verified-ka.png"), full_page=True)
    await desk_context.close()


async def _logs_in_and_opens(page, base: str, path: str, login: str = "555 00 00 03") -> None:
    """A demo account (desk staff unless told) logs in and opens a page, htmx loaded."""
    await page.goto(base + "/login")
    await page.fill("[name=login]", login)
    await page.fill("[name=password]", demo_password("+995" + login.replace(" ", "")))
    await page.click("button.primary")
    await page.wait_for_url(lambda url: not url.endswith("/login"))  # their landing page
    await page.goto(base + path)
    await until(page, "window.htmx !== undefined")


async def test_catalogue_search_in_georgian_then_the_coordinator_prints_a_label_sheet(
    live_server, browser, page
):
    # anyone, on a phone: the catalogue, searched in Georgian as you type
    await page.goto(live_server + "/")
    await until(page, "window.htmx !== undefined")
    await page.locator("#q").press_sequentially("ბურღ", delay=30)
    await until(page,
        "(names => names.length > 0 && names.every(n => n.includes('ბურღ')))"
        "([...document.querySelectorAll('.tool-card h3')].map(h => h.innerText))",
        within_ms=10_000,
    )
    assert "აკუმულატორიანი ბურღი-სახრახნისი" in await page.locator(
        ".tool-card h3").all_inner_texts()
    assert "q=" in page.url

    # the coordinator, on a laptop: finds the tool type and prints the labels of its units
    context = await browser.new_context(locale="ka-GE", viewport={"width": 1280, "height": 900})
    desk = await context.new_page()
    await _logs_in_and_opens(desk, live_server, "/manage/tool-types", login="555 00 00 02")
    await desk.locator("#tt-q").press_sequentially("drill-driver", delay=30)
    # the list is swapped as each letter arrives: click only once the last search has answered
    await desk.wait_for_url("**/manage/tool-types?q=drill-driver")
    await until(desk, "!document.querySelector('.htmx-request')")
    row = desk.locator("#tool_type_list tbody tr", has_text="აკუმულატორიანი ბურღი-სახრახნისი")
    await row.wait_for(timeout=10_000)
    await row.locator("a[href^='/units?tool_type=']").click()
    await desk.wait_for_url("**/units?tool_type=*")
    await desk.locator("#unit_list tbody tr").first.wait_for(timeout=10_000)  # swapped in
    tags = await desk.locator("#unit_list tbody td:nth-child(2) a").all_inner_texts()
    assert tags and all(tag.startswith(("SMG-", "KUT-")) for tag in tags)
    await desk.locator("a[href^='/labels?tool_type=']").click()
    await desk.wait_for_url("**/labels?tool_type=*")

    assert await desk.locator(".label-sheet .label").count() == len(tags)
    assert await desk.locator(".label-sheet .label-qr svg").count() == len(tags)
    assert sorted(await desk.locator(".label-sheet .asset-tag").all_inner_texts()) == sorted(tags)
    assert set(await desk.locator(".label-sheet [lang=ka]").all_inner_texts()) == {
        "აკუმულატორიანი ბურღი-სახრახნისი"}
    await desk.emulate_media(media="print")
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "labels-ka.png"), full_page=True)
    await context.close()


async def test_member_books_a_tool_in_georgian_and_cancels_it(live_server, page):
    from datetime import timedelta

    await page.goto(live_server + "/login")
    await page.fill("[name=login]", "555 00 00 12")
    await page.fill("[name=password]", demo_password("+995555000012"))
    await page.click("button.primary")
    await page.wait_for_url(live_server + "/me")  # a member lands on their page
    await page.goto(live_server + "/")
    await page.locator("#q").press_sequentially("ბურღი-სახრახნისი", delay=20)
    await until(page, "document.querySelectorAll('.tool-card').length === 1")
    await page.locator(".tool-card a[href*='/book?centre=']").first.click()
    await page.wait_for_selector("table.calendar")
    assert "ბურღი" in await page.locator("h1").inner_text()
    # next Tuesday to Wednesday: both demo centres are open
    day = today()
    tuesday = day + timedelta(days=(1 - day.weekday()) % 7 or 7)
    await tap_days(page, tuesday, tuesday + timedelta(days=1))
    await page.click("form[action$='/book'] button.primary")
    await page.wait_for_url("**/me/bookings*")
    card = page.locator("article[id^=booking-]").first
    assert "დაჯავშნილია" in await card.inner_text()  # "booked"
    await page.screenshot(path=str(ARTIFACTS / "booked-ka.png"))
    await card.locator("button").click()
    await page.locator("form[action$='/cancel'] button.primary").click()  # yes, cancel it
    await page.wait_for_selector("text=ჯავშანი გაუქმებულია")  # "the booking is cancelled"
    assert "გაუქმებულია" in await page.locator("main").inner_text()


async def test_georgian_typed_into_the_search_stays_in_order_on_a_desk_screen(live_server, browser):
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ka-GE")
    desk = await context.new_page()
    await desk.goto(live_server + "/")
    await until(desk, "window.htmx !== undefined")
    await desk.locator("#q").press_sequentially("ბურღ", delay=30)
    assert await desk.input_value("#q") == "ბურღ"
    await until(desk, "document.querySelectorAll('.tool-card').length < 10")
    await context.close()


async def test_a_desk_session_in_georgian(live_server, browser):
    """Find the member, scan two units, take cash, print the receipt, take one back damaged."""

    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ka-GE")
    desk = await context.new_page()
    await _logs_in_and_opens(desk, live_server, "/desk/1")
    await desk.locator("#f-q").press_sequentially("ქავთარაძე", delay=20)
    await desk.locator("#f-q").press("Enter")
    await desk.wait_for_selector("#f-scan")
    assert "თამარ ქავთარაძე" in await desk.locator("#desk-member").inner_text()
    back = open_day(3)
    await desk.fill("#f-return_on", back.isoformat())
    for count, tag in enumerate(("SMG-0005", "SMG-0008"), start=1):
        await desk.locator("#f-scan").press_sequentially(tag, delay=10)  # a USB scanner types
        await desk.locator("#f-scan").press("Enter")
        await until(desk,
            f"document.querySelectorAll('#basket input[name=tag]').length === {count}")
        # the scan field keeps the focus, ready for the next label
        assert await desk.evaluate("document.activeElement.id") == "f-scan"
    await desk.locator("#f-scan").press_sequentially("SMG-0005", delay=10)
    await desk.locator("#f-scan").press("Enter")
    await desk.wait_for_selector("#e-scan")  # scanned twice: said at the scan field
    await desk.locator("#basket button.primary").click()
    await desk.wait_for_url("**/receipts/*")
    receipt = await desk.locator("main").inner_text()
    assert "SMG-0005" in receipt and "SMG-0008" in receipt and "ნაღდი" in receipt
    await desk.emulate_media(media="print")
    await desk.pdf(path=str(ARTIFACTS / "desk-receipt-ka.pdf"))
    await desk.emulate_media(media="screen")

    await desk.goto(live_server + "/desk/1")
    await until(desk, "window.htmx !== undefined")
    await desk.locator("#f-tag").press_sequentially("SMG-0005", delay=10)
    await desk.locator("#f-tag").press("Enter")
    await desk.wait_for_selector("#check-in [name=condition]")
    await desk.select_option("#check-in [name=condition]", "damaged")
    await desk.locator("#check-in [name=notes]").press_sequentially("ეკრანი გატეხილია", delay=10)
    await desk.fill("#check-in [name=damage_charge]", "5")
    await desk.locator("#check-in button.primary").click()
    await desk.wait_for_url("**/receipts/*")
    returned = await desk.locator("main").inner_text()
    assert "დაზიანებული" in returned and "ეკრანი გატეხილია" in returned
    await desk.screenshot(path=str(ARTIFACTS / "desk-check-in-ka.png"), full_page=True)
    await context.close()


async def tap_days(page, starts, ends) -> None:
    """The booking calendar: tap the pick-up day, then the return day (turning the months)."""
    for day in (starts, ends):
        while not await page.locator(f"#day-{day.isoformat()}").count():
            shown = await page.locator("#calendar-month").inner_text()
            await page.locator("#month-next").click()
            await until(page, "shown => document.querySelector('#calendar-month')?.innerText"
                              " !== shown", shown)
        await page.locator(f"#day-{day.isoformat()}").click()
        await page.locator(f"td.chosen > #day-{day.isoformat()}").wait_for()


async def _member_tries_to_book_the_megohmmeter(page, base: str) -> None:
    from datetime import timedelta

    await page.goto(base + "/")
    await page.locator("#q").press_sequentially("megohmmeter", delay=10)
    await until(page, "document.querySelectorAll('.tool-card').length === 1")
    await page.locator(".tool-card a[href*='/book?centre=1']").first.click()
    await page.wait_for_selector("table.calendar")
    day = today()
    tuesday = day + timedelta(days=(1 - day.weekday()) % 7 or 7)
    await tap_days(page, tuesday, tuesday + timedelta(days=1))
    await page.click("form[action$='/book'] button.primary")


async def test_a_session_certificate_unlocks_a_restricted_tool(live_server, browser):
    """Refused without the training; the coordinator schedules one, the member enrols, the
    desk marks attendance, and the same booking goes through."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    phone_context = await browser.new_context(viewport={"width": 390, "height": 844},
                                              locale="ka-GE")
    member = await phone_context.new_page()
    await _logs_in_and_opens(member, live_server, "/", login="555 00 00 12")
    await _member_tries_to_book_the_megohmmeter(member, live_server)
    await member.wait_for_selector(".form-errors")
    assert "სწავლება" in await member.locator(".form-errors").inner_text()  # "training"

    staff_context = await browser.new_context(locale="ka-GE")
    coordinator = await staff_context.new_page()
    await _logs_in_and_opens(coordinator, live_server, "/manage/sessions/new",
                            login="555 00 00 02")
    starts = now().astimezone(ZoneInfo("Asia/Tbilisi")) + timedelta(hours=1)
    if (starts + timedelta(minutes=45)).date() != starts.date():
        starts = (starts + timedelta(hours=12)).replace(hour=10)
    await coordinator.fill("[name=title_ka]", "ელექტროუსაფრთხოება დღეს")
    await coordinator.select_option("[name=skill]", label="ელექტროუსაფრთხოების საფუძვლები")
    await coordinator.select_option("[name=centre]", "1")
    await coordinator.fill("[name=day]", starts.date().isoformat())
    await coordinator.fill("[name=starts]", starts.strftime("%H:%M"))
    await coordinator.fill("[name=ends]", (starts + timedelta(minutes=45)).strftime("%H:%M"))
    await coordinator.fill("[name=capacity]", "6")
    await coordinator.click("form button.primary")
    sheet = coordinator.locator("a[href$='/attendance']")
    await sheet.wait_for()
    session_url = live_server + (await sheet.get_attribute("href")).removesuffix("/attendance")

    await member.goto(session_url)
    await member.click("form[action$='/enrol'] button")
    await member.wait_for_selector("text=ჩაწერილი ხართ")  # "you are enrolled"

    await coordinator.goto(session_url + "/attendance")
    await until(coordinator, "window.htmx !== undefined")
    await coordinator.locator("#attendance input[name=attended]").first.check()
    await until(coordinator,
        "document.querySelector('#attendance input[name=attended]').checked")
    await coordinator.wait_for_timeout(500)  # the tick is saved by htmx as it is clicked
    await coordinator.reload()
    assert await coordinator.locator("#attendance input[name=attended]").first.is_checked()
    await staff_context.close()

    await _member_tries_to_book_the_megohmmeter(member, live_server)
    await member.wait_for_url("**/me/bookings*")
    assert "სერტიფიკატები" in await member.locator("main").inner_text()
    await member.screenshot(path=str(ARTIFACTS / "certificate-booked-ka.png"), full_page=True)
    await phone_context.close()


async def test_the_coordinator_opens_the_donor_report_in_georgian_and_downloads_it(
        live_server, browser):
    """In Georgian: the donor report, its period changed by htmx (the URL follows), and the
    XLSX downloaded and opened."""
    from openpyxl import load_workbook

    context = await browser.new_context(locale="ka-GE", accept_downloads=True)
    page = await context.new_page()
    await _logs_in_and_opens(page, live_server, "/reports/donor", login="555 00 00 02")
    assert "დონორ" in await page.locator("h1").inner_text()  # "donor"
    subtitle = page.locator(".report-subtitle")
    month = await subtitle.inner_text()
    await page.select_option("#f-period", "year")
    await page.wait_for_url("**period=year**")
    await until(page,
        "text => document.querySelector('.report-subtitle').innerText !== text", arg=month)
    year = await subtitle.inner_text()
    assert year.startswith("20") and len(year.split(" ·")[0]) == 4  # "2026 · every centre"
    assert await page.locator("figure.chart").count() == 2  # the charts, empty or not
    assert await page.locator("button[data-print]").is_visible()  # printing needs the script
    async with page.expect_download() as info:
        await page.click("a[href*='format=xlsx']")
    download = await info.value
    path = ARTIFACTS / "donor-report-ka.xlsx"
    await download.save_as(path)
    book = load_workbook(path)
    assert len(book.sheetnames) >= 5
    assert any("\u10d0" <= ch <= "\u10ff" for ch in book.sheetnames[0])  # Georgian letters
    await page.screenshot(path=str(ARTIFACTS / "donor-report-ka.png"), full_page=True)
    await context.close()
