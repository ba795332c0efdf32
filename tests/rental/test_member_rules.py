"""Member rules as tables of cases: no database."""

from __future__ import annotations

from datetime import date

import pytest

from rental.kernel.errors import DomainError
from rental.member_rules import (
    PERSONAL_FIELDS,
    Parsed,
    age_band,
    audit_view,
    concession_category_form,
    erased_values,
    may_erase,
    membership_state,
    parse_consents,
    parse_contact,
    parse_desk_fields,
    parse_password,
    renewed_until,
    takes_reset_codes,
)

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "status, ends_on, expected",
    [
        ("active", date(2026, 11, 23), "active"),  # the last day still counts
        ("active", date(2026, 11, 22), "expired"),
        ("pending", date(2026, 11, 22), "expired"),
        ("suspended", date(2026, 11, 22), "suspended"),  # a suspension says more
        ("suspended", date(2027, 1, 1), "suspended"),
    ],
)
def test_membership_state(status, ends_on, expected):
    assert membership_state(status, ends_on, TODAY) == expected


@pytest.mark.parametrize(
    "ends_on, days, expected",
    [
        (date(2027, 3, 1), 365, date(2028, 2, 29)),  # still running: add to its end (leap)
        (date(2026, 11, 23), 30, date(2026, 12, 23)),
        (date(2026, 1, 1), 30, date(2026, 12, 22)),  # expired: 30 days from today
    ],
)
def test_renewed_until(ends_on, days, expected):
    assert renewed_until(ends_on, days, TODAY) == expected


@pytest.mark.parametrize(
    "born, band",
    [
        (None, "unknown"),
        (date(2008, 11, 24), "under 18"),  # 18 tomorrow
        (date(2008, 11, 23), "18-24"),  # 18 today
        (date(2001, 11, 24), "18-24"),
        (date(2001, 11, 23), "25-34"),
        (date(1991, 11, 23), "35-49"),
        (date(1976, 11, 23), "50-64"),
        (date(1961, 11, 24), "50-64"),
        (date(1961, 11, 23), "65+"),
    ],
)
def test_age_band(born, band):
    assert age_band(born, TODAY) == band


def test_erased_values_keep_the_year_and_nothing_personal():
    values = erased_values(42, date(1986, 4, 12))
    assert values["birth_date"] == date(1986, 7, 1)
    assert values["phone"] == "+000000000000042" and len(values["phone"]) <= 16
    assert values["name"] == "#42" and values["email"] is None and values["status"] == "erased"
    assert {"sex", "municipality", "situation"}.isdisjoint(values)
    assert erased_values(7, None)["birth_date"] is None


def test_audit_view_hides_personal_fields():
    view = audit_view({"name": "ნინო", "phone": "+995555123456", "language": "ka",
                       "birth_date": date(1990, 1, 1), "municipality": "Tbilisi"})
    assert view == {"name": "(personal)", "phone": "(personal)", "language": "ka",
                    "birth_date": "(personal)", "municipality": "Tbilisi"}
    assert "password_hash" in PERSONAL_FIELDS


CONTACT = {"name": "  ნინო   ბერიძე ", "phone": "555 12 34 56", "email": " Nino@Example.GE ",
           "language": "en"}


def test_parse_contact_normalises():
    parsed = Parsed()
    parse_contact(CONTACT, parsed)
    assert not parsed.errors
    assert parsed.values == {"name": "ნინო ბერიძე", "phone": "+995555123456",
                             "email": "nino@example.ge", "language": "en"}


@pytest.mark.parametrize(
    "chosen, values",
    [
        ("", {}),  # optional on a member's own form: nothing chosen changes nothing
        ("kutaisi", {"municipality": "kutaisi", "municipality_text": ""}),
        (" samgori ", {"municipality": "samgori", "municipality_text": ""}),
    ],
)
def test_parse_contact_municipality_is_a_code_or_nothing(chosen, values):
    parsed = Parsed()
    parse_contact({**CONTACT, "municipality": chosen}, parsed)
    assert not parsed.errors
    assert {k: v for k, v in parsed.values.items() if k.startswith("municipality")} == values


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"phone": "abc"}, "phone"),
        ({"phone": "+1 555"}, "phone"), ({"email": "a@b"}, "email"),
        ({"email": "<a@b.ge>"}, "email"), ({"language": "de"}, "language"),
        ({"name": ["not", "a", "string"]}, "name"),
        ({"municipality": "Kutaisi"}, "municipality"), ({"municipality": "foo"}, "municipality"),
    ],
)
def test_parse_contact_errors(change, field):
    parsed = Parsed()
    parse_contact({**CONTACT, **change}, parsed)
    assert set(parsed.errors) == {field}


DESK = {"id_document_type": "personal_number", "id_document_number": "010 0101 2345",
        "birth_date": "1990-05-17", "sex": "prefer_not", "municipality": "rustavi",
        "situation": "other", "notes": ""}


def test_parse_desk_fields_normalises():
    parsed = Parsed()
    parse_desk_fields(DESK, parsed, today=TODAY)
    assert not parsed.errors
    assert parsed.values["id_document_number"] == "01001012345"
    assert parsed.values["birth_date"] == date(1990, 5, 17)
    assert parsed.values["municipality"] == "rustavi"
    assert parsed.values["municipality_text"] == ""  # a code chosen: no unrecognised text


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id_document_number": "0100101234"}, "id_document_number"),
        ({"id_document_number": "010010123456"}, "id_document_number"),
        ({"id_document_type": "passport", "id_document_number": "AB1"}, "id_document_number"),
        ({"id_document_type": "other", "id_document_number": ""}, "id_document_number"),
        ({"id_document_type": ""}, "id_document_type"),
        ({"birth_date": "2026-11-24"}, "birth_date"),
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"birth_date": "1990-02-30"}, "birth_date"),
        ({"sex": "x"}, "sex"),
        ({"situation": ""}, "situation"),
        ({"municipality": "   "}, "municipality"),
        ({"municipality": "Rustavi"}, "municipality"),  # a name, not a code of the list
        ({"municipality": "tbilisi"}, "municipality"),  # a city of districts, not a code
        ({"municipality": ["rustavi"]}, "municipality"),
        ({"notes": "n" * 2001}, "notes"),
    ],
)
def test_parse_desk_fields_errors(change, field):
    parsed = Parsed()
    parse_desk_fields({**DESK, **change}, parsed, today=TODAY)
    assert set(parsed.errors) == {field}


def test_passport_numbers_are_upper_cased():
    parsed = Parsed()
    parse_desk_fields({**DESK, "id_document_type": "passport", "id_document_number": "ab 12345"},
                      parsed, today=TODAY)
    assert parsed.values["id_document_number"] == "AB12345"


@pytest.mark.parametrize(
    "password, again, field",
    [("short", "short", "password"), ("x" * 1025, "x" * 1025, "password"),
     ("long enough", "different", "password_again"), ("long enough", "long enough", None)],
)
def test_parse_password(password, again, field):
    parsed = Parsed()
    parse_password({"password": password, "password_again": again}, parsed)
    assert set(parsed.errors) == ({field} if field else set())


def test_consents_must_both_be_given():
    parsed = Parsed()
    parse_consents({"agree_rental": "yes"}, parsed)
    assert set(parsed.errors) == {"agree_data"}


@pytest.mark.parametrize(("viewer", "role", "reset", "erase"), [
    ("staff", "member", True, False),
    ("coordinator", "member", True, False),
    ("admin", "member", True, True),
    ("admin", "staff", False, False),  # staff accounts are not erased or reset at the desk
    ("admin", "coordinator", False, False),
])
def test_reset_codes_and_erasure_are_for_members(viewer, role, reset, erase):
    member = {"role": role}
    assert takes_reset_codes(member) is reset
    assert may_erase(viewer, member) is erase


CONCESSION = {"slug": "large-family", "name_ka": "მრავალშვილიანი ოჯახი", "name_en": "Large family",
              "discount_percent": "30"}


@pytest.mark.parametrize(
    "funder_ka, funder_en, expected",
    [
        pytest.param(" მერია ", "City hall", ("მერია", "City hall"), id="both-trimmed"),
        pytest.param("მერია", "", ("მერია", ""), id="georgian-only"),
        pytest.param("", "", ("", ""), id="nobody-pays"),
        pytest.param("", "City hall", "funder_ka", id="english-without-georgian"),
        pytest.param("მ" * 201, "", "funder_ka", id="georgian-too-long"),
        pytest.param("მერია", "x" * 201, "funder_en", id="english-too-long"),
    ],
)
def test_a_concessions_funder_is_named_in_georgian_and_english(funder_ka, funder_en, expected):
    form = {**CONCESSION, "funder_ka": funder_ka, "funder_en": funder_en}
    if isinstance(expected, str):
        with pytest.raises(DomainError) as refused:
            concession_category_form(form)
        assert set(refused.value.errors) == {expected}
    else:
        values = concession_category_form(form)
        assert (values["funder_ka"], values["funder_en"]) == expected
