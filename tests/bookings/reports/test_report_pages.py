"""Report pages: who sees which centres, the filters in the URL and their fragment, bad input
without a 500, and the CSV and XLSX exports with localized headings and small cells hidden."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from helpers import credentials, log_in, today
from openpyxl import load_workbook

from rental.accounts import create_staff_account
from rental.tables import Member

REPORT_PAGES = ("/reports", "/reports/usage", "/reports/condition", "/reports/money",
                "/reports/donor")


async def as_role(client, seeded, role: str, language: str = "en"):
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: language}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303
    return client


@pytest.mark.parametrize("path", REPORT_PAGES)
async def test_each_report_opens_for_a_coordinator_with_a_chart_and_a_table(client, seeded,
                                                                           path):
    await as_role(client, seeded, "coordinator")
    page = await client.get(path, params={"period": "year", "on": today().isoformat()})
    assert page.status_code == 200, page.text[:500]
    assert "report-table" in page.text and str(today().year) in page.text
    if path != "/reports":
        assert "<svg" in page.text  # every report has a chart
    assert 'href="/reports/' in page.text and "format=xlsx" in page.text


async def test_members_see_no_reports_and_visitors_are_asked_to_log_in(client, seeded):
    assert (await client.get("/reports/usage")).headers["location"].startswith("/login")
    await as_role(client, seeded, "member")
    for path in (*REPORT_PAGES, "/reports/donor/export?format=xlsx"):
        assert (await client.get(path)).status_code == 403, path


async def test_desk_staff_see_their_own_centre_only(client, seeded):
    await as_role(client, seeded, "staff")
    page = await client.get("/reports/usage")
    assert page.status_code == 200
    # the one centre they work at is chosen for them, and the other is not offered
    assert 'value="1" selected' in page.text and 'value="2"' not in page.text
    assert (await client.get("/reports/usage", params={"centre": "2"})).status_code == 403
    assert (await client.get("/reports/money/export",
                             params={"centre": "2", "format": "xlsx"})).status_code == 403


async def test_staff_of_two_centres_see_both_and_everyone_means_theirs(client, seeded):
    await create_staff_account(role="staff", phone="555 77 77 78", name="ორი ცენტრი",
                               email=None, centre_codes=["SMG", "KUT"],
                               password="two-centres-1", now=datetime(2026, 11, 23, tzinfo=UTC))
    assert (await log_in(client, "+995555777778", "two-centres-1")).status_code == 303
    page = await client.get("/reports")
    assert page.status_code == 200 and 'value="1"' in page.text and 'value="2"' in page.text


@pytest.mark.parametrize(("params", "message"), [
    ({"period": "dates", "from": "2026-11-30", "to": "2026-11-01"}, "The end is before the start."),
    ({"period": "dates", "from": "2010-01-01", "to": "2026-11-01"}, "Choose at most 10 years."),
    ({"period": "dates", "from": "2026-13-01", "to": "2026-11-01"},
     "Enter a date as YYYY-MM-DD."),
    ({"period": "month", "on": "yesterday"}, "Enter a date as YYYY-MM-DD."),
    ({"period": "fortnight"}, "Choose a month, a quarter, a year or dates."),
    ({"centre": "99"}, "There is no such centre."),
    ({"centre": "SMG"}, "There is no such centre."),
])
async def test_bad_filters_get_a_clear_message_next_to_the_field(client, seeded, params,
                                                                   message):
    await as_role(client, seeded, "coordinator")
    page = await client.get("/reports/donor", params=params)
    assert page.status_code == 400
    assert message in page.text and 'aria-invalid="true"' in page.text
    export = await client.get("/reports/donor/export", params={**params, "format": "csv"})
    assert export.status_code == 400


async def test_bad_filters_in_georgian_are_told_in_georgian(client, seeded):
    await as_role(client, seeded, "coordinator", "ka")
    page = await client.get("/reports/usage", params={"period": "dates", "from": "2026-11-30",
                                                      "to": "2026-11-01"})
    assert page.status_code == 400 and "The end is before the start." not in page.text


async def test_filters_answer_htmx_with_the_report_only_and_keep_the_url(client, seeded):
    await as_role(client, seeded, "coordinator")
    fragment = await client.get("/reports/money", params={"period": "quarter", "on": "2026-11"},
                                headers={"HX-Request": "true", "HX-Target": "report"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="report"' in fragment.text
    assert "hx-push-url" in fragment.text
    # the quarter is named and the links keep the filters
    assert "period=quarter" in fragment.text and "on=2026-10-01" in fragment.text


async def test_period_links_step_to_the_previous_and_next_period(client, seeded):
    await as_role(client, seeded, "coordinator")
    page = await client.get("/reports/usage", params={"period": "month", "on": "2026-01-15"})
    assert "on=2025-12-01" in page.text and "on=2026-02-01" in page.text


async def test_csv_export_has_localized_headings_and_hides_small_cells(client, seeded):
    from report_data import build_report_data

    await build_report_data()
    await as_role(client, seeded, "coordinator")
    params = {"period": "month", "on": "2026-11-01", "format": "csv", "table": "by_sex"}
    response = await client.get("/reports/donor/export", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Sex", "Members served"]
    people = [cell for row in rows[1:] for cell in row[1:]]
    assert "<5" in people
    assert not {"1", "2", "3", "4"} & set(people)  # no count of one to four people shows
    await Member.update({Member.language: "ka"}).where(Member.role == "coordinator")
    georgian = await client.get("/reports/donor/export", params=params)
    heading = next(csv.reader(io.StringIO(georgian.content.decode("utf-8-sig"))))
    assert heading[0] != "Sex" and heading[0]
    missing = await client.get("/reports/donor/export", params={**params, "table": "nope"})
    assert missing.status_code == 404


async def test_xlsx_export_has_a_sheet_per_table_with_money_as_numbers(client, seeded):
    from report_data import build_report_data

    await build_report_data()
    await as_role(client, seeded, "coordinator")
    response = await client.get("/reports/money/export",
                                params={"period": "month", "on": "2026-11-01", "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    sheet = book[book.sheetnames[0]]
    headings = [cell.value for cell in sheet[3]]
    assert headings[0] == "Centre" and "Rental fees (GEL)" in headings
    values = [row for row in sheet.iter_rows(min_row=4, values_only=True)]
    total = values[-1]
    assert total[0] == "Total"
    assert float(total[headings.index("Rental fees (GEL)")]) == 33.0


async def test_the_donor_report_prints_without_its_filters(client, seeded):
    await as_role(client, seeded, "coordinator")
    page = await client.get("/reports/donor")
    assert 'class="search-bar report-filters no-print"' in page.text
    assert "data-print" in page.text  # static/app.js prints it


@pytest.mark.parametrize("language", ["ka", "en"])
async def test_xlsx_sheets_have_short_names_that_fit_whole(client, seeded, language):
    """Every table's sheet is named by its short name in the reader's language (Excel keeps
    31 characters: a long Georgian title was cut in the middle of a word); the full title is
    still the sheet's first row."""
    from report_data import build_report_data

    from bookings.reports.rules import SHEET_LENGTH, SHEETS
    from rental.kernel import i18n

    await build_report_data()
    await as_role(client, seeded, "coordinator", language)
    token = i18n.current_locale.set(language)
    try:
        short = {i18n.plain_gettext(name) for name in SHEETS.values()}
    finally:
        i18n.current_locale.reset(token)
    for path in REPORT_PAGES:
        name = path.removeprefix("/reports").strip("/") or "network"
        response = await client.get(f"/reports/{name}/export", params={
            "period": "month", "on": "2026-11-01", "format": "xlsx"})
        assert response.status_code == 200, name
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames and set(book.sheetnames) <= short, (name, book.sheetnames)
        assert all(len(sheet) <= SHEET_LENGTH for sheet in book.sheetnames)
