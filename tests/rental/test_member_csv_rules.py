"""Members from and to a spreadsheet, as tables of cases: reading the file, each row by the
desk registration's rules, duplicates in the file and in the database, the export's rows. No
database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rental import member_csv_rules as rules
from rental.kernel import csvfile

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

TODAY = date(2026, 11, 23)
CENTRES = {"SMG": 1, "KUT": 2}
GOOD = {
    "name": "ნინო  ბერიძე", "phone": "555 12 34 56", "id_document_type": "",
    "id_document_number": "01 001 012 345", "birth_date": "1990-11-23", "sex": "female",
    "situation": "idp", "municipality": "Samgori", "home_centre": "smg", "email": "",
    "language": "", "notes": "",
}
HEADER = ",".join(rules.COLUMNS)


def csv_of(*rows: dict, header: str = HEADER, sep: str = ",") -> bytes:
    lines = [header.replace(",", sep)]
    lines += [sep.join(row.get(c, "") for c in header.split(",")) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_good_row_becomes_the_desk_forms_values():
    values, errors = rules.check_row(GOOD, CENTRES, today=TODAY)
    assert errors == {}
    assert values == {
        "name": "ნინო ბერიძე", "phone": "+995555123456", "email": None, "language": "ka",
        "municipality": "samgori", "municipality_text": "", "id_document_type": "personal_number",
        "id_document_number": "01001012345", "birth_date": date(1990, 11, 23), "sex": "female",
        "situation": "idp", "notes": "", "home_centre": 1,
    }


@pytest.mark.parametrize("change, column", [
    ({"name": " "}, "name"),
    ({"phone": "12"}, "phone"),
    ({"phone": ""}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"language": "de"}, "language"),
    ({"id_document_number": "123"}, "id_document_number"),  # a personal number has 11 digits
    ({"id_document_type": "passport", "id_document_number": "A1"}, "id_document_number"),
    ({"id_document_type": "driving_licence"}, "id_document_type"),
    ({"birth_date": "1990-13-01"}, "birth_date"),
    ({"birth_date": "2030-01-01"}, "birth_date"),  # in the future
    ({"birth_date": "1850-01-01"}, "birth_date"),
    ({"sex": "f"}, "sex"),
    ({"situation": "refugee"}, "situation"),
    ({"municipality": "Atlantis"}, "municipality"),
    ({"municipality": "Tbilisi"}, "municipality"),  # which district?
    ({"municipality": ""}, "municipality"),
    ({"home_centre": ""}, "home_centre"),
    ({"home_centre": "XYZ"}, "home_centre"),
])
def test_a_bad_field_is_an_error_on_its_column(change, column):
    _values, errors = rules.check_row({**GOOD, **change}, CENTRES, today=TODAY)
    assert set(errors) == {column}


@pytest.mark.parametrize("change, key, expected", [
    ({"municipality": "სამგორის რაიონი"}, "municipality", "samgori"),
    ({"municipality": "Кутаиси"}, "municipality", "kutaisi"),
    ({"municipality": "kutaisi"}, "municipality", "kutaisi"),  # the code itself
    ({"birth_date": "3.2.1985"}, "birth_date", date(1985, 2, 3)),  # Excel's day first
    ({"birth_date": "03/02/1985"}, "birth_date", date(1985, 2, 3)),
    ({"sex": "Male"}, "sex", "male"),
    ({"id_document_type": "Passport", "id_document_number": "ab 12345"},
     "id_document_number", "AB12345"),
    ({"language": "RU"}, "language", "ru"),
    ({"phone": "+995 599 00 11 22"}, "phone", "+995599001122"),
    ({"email": " Nino@Example.GE "}, "email", "nino@example.ge"),
    ({"home_centre": " kut "}, "home_centre", 2),
])
def test_what_a_spreadsheet_writes_is_read(change, key, expected):
    values, errors = rules.check_row({**GOOD, **change}, CENTRES, today=TODAY)
    assert errors == {} and values[key] == expected


@pytest.mark.parametrize("content, error", [
    (b"", "The first line must name the columns; these are missing: %(columns)s."),
    (csv_of(GOOD, header=HEADER.replace("phone", "telephone")),
     "Unknown columns: %(unknown)s. The columns are: %(columns)s."),
    (csv_of(GOOD, header=HEADER + ",colour"),
     "Unknown columns: %(unknown)s. The columns are: %(columns)s."),
    (csv_of(GOOD, header=HEADER.replace(",sex", "")),
     "The first line must name the columns; these are missing: %(columns)s."),
    (csv_of(GOOD, header=HEADER + ",name"), "A column is named twice on the first line."),
    (csv_of(header=HEADER), "The file has no rows to import."),
    ("name\n".encode("utf-16"), "Save the file as “CSV UTF-8” and choose it again."),
    (b"name\x00,phone\n", "This is not a CSV file."),
    (b"x" * (rules.MAX_BYTES + 1), "The file is too large: at most %(mb)s MB."),
])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(content, error):
    found = rules.read_csv(content).error
    assert (found[0] if isinstance(found, tuple) else found) == error


def test_too_many_rows():
    rows = [{**GOOD, "phone": f"5551{i:05d}"} for i in range(rules.MAX_ROWS + 1)]
    error = rules.read_csv(csv_of(*rows)).error
    assert error.n == rules.MAX_ROWS


@pytest.mark.parametrize("content", [
    csv_of(GOOD),
    b"\xef\xbb\xbf" + csv_of(GOOD),  # Excel's CSV UTF-8 begins with a byte-order mark
    csv_of(GOOD, sep=";"),  # Excel's CSV where the comma is the decimal sign
    csv_of(GOOD, sep="\t"),
    csv_of(GOOD, header="home_centre,municipality,situation,sex,birth_date,"
                        "id_document_number,phone,name"),  # any order, optional ones left out
])
def test_utf8_with_or_without_bom_comma_or_semicolon(content):
    sheet = rules.read_csv(content)
    assert sheet.error is None
    [(line, row)] = sheet.rows
    assert line == 2 and row["name"] == GOOD["name"]
    assert rules.check_rows(sheet, CENTRES, today=TODAY).ok


def test_blank_lines_are_skipped_and_lines_are_counted():
    content = csv_of(GOOD, {}, {**GOOD, "phone": "555 12 34 57", "id_document_number": ""})
    plan = rules.check_rows(rules.read_csv(content), CENTRES, today=TODAY)
    assert [r.line for r in plan.rows] == [2, 4]
    assert set(plan.rows[1].errors) == {"id_document_number"} and not plan.ok
    assert plan.rows_with_errors == 1


def test_duplicates_in_the_file_are_errors_on_the_later_row_naming_the_first():
    second = {**GOOD, "phone": "555123456", "id_document_number": "01001012346"}
    third = {**GOOD, "phone": "555 12 34 58", "email": "a@example.ge"}
    fourth = {**GOOD, "phone": "555 12 34 59", "id_document_number": "01001012347",
              "email": "A@example.ge"}
    plan = rules.check_rows(rules.read_csv(csv_of(GOOD, second, third, fourth)), CENTRES,
                            today=TODAY)
    assert plan.rows[0].errors == {}
    assert plan.rows[1].errors["phone"][1] == {"line": 2}  # the same number, written otherwise
    assert plan.rows[2].errors == {"id_document_number": (
        "This document is in the file twice (line %(line)s).", {"line": 2})}
    assert plan.rows[3].errors["email"][1] == {"line": 4}


def test_the_same_number_on_another_kind_of_document_is_not_a_duplicate():
    other = {**GOOD, "phone": "555 12 34 57", "id_document_type": "other"}
    assert rules.check_rows(rules.read_csv(csv_of(GOOD, other)), CENTRES, today=TODAY).ok


def test_what_the_database_has_is_marked_taken():
    plan = rules.check_rows(rules.read_csv(csv_of(
        GOOD, {**GOOD, "phone": "555 12 34 57", "id_document_number": "01001012346",
               "email": "x@example.ge"})), CENTRES, today=TODAY)
    assert rules.keys(plan) == ({"+995555123456", "+995555123457"}, {"x@example.ge"},
                                {("personal_number", "01001012345"),
                                 ("personal_number", "01001012346")})
    rules.mark_taken(plan, phones={"+995555123456"}, emails={"x@example.ge"},
                     documents={("personal_number", "01001012346")})
    assert set(plan.rows[0].errors) == {"phone"}
    assert set(plan.rows[1].errors) == {"email", "id_document_number"}


MEMBER = {
    "id": 42, "name": "=cmd", "phone": "+995555123456", "email": None,
    "id_document_type": "personal_number", "id_document_number": "01001012345",
    "birth_date": date(1990, 11, 24), "sex": "female", "situation": "idp",
    "municipality": "samgori", "language": "ka", "status": "active", "centre_code": "SMG",
    "timezone": "Asia/Tbilisi", "created_at": datetime(2026, 1, 31, 21, 0, tzinfo=UTC),
    "membership_status": "active", "ends_on": date(2026, 11, 22),
}


def test_the_donor_export_names_no_one():
    row = rules.export_row(MEMBER, kind="donor", today=TODAY)
    assert row == {"card_number": "M00042", "sex": "female", "age_band": "35-49",
                   "situation": "idp", "municipality": "samgori", "home_centre": "SMG",
                   "membership": "expired", "joined": "2026-02-01"}  # in Tbilisi's day
    assert set(row) == set(rules.DONOR_COLUMNS)


def test_the_personal_export_adds_the_person_and_guards_formulas():
    row = rules.export_row({**MEMBER, "membership_status": None}, kind="personal",
                           today=TODAY)
    assert set(row) == set(rules.PERSONAL_COLUMNS) and row["membership"] == "none"
    assert row["birth_date"] == "1990-11-24" and row["account_status"] == "active"
    text = rules.to_csv(rules.PERSONAL_COLUMNS, [row]).decode("utf-8")
    assert text.startswith("\ufeffcard_number,name,phone")
    assert "'=cmd" in text and "'+995555123456" in text
    assert csvfile.uncell("'+995555123456") == "+995555123456" and csvfile.uncell("'x") == "'x"
