"""Inventory's pure rules as tables of cases: money, numbers, dates, asset tags, lending,
inspections, the catalogue period filter and the form readers. No database."""

from __future__ import annotations

from datetime import date, time

import pytest

from bookings.catalogue.rules import parse_period
from inventory.forms import clean_centre, clean_phone, clean_tool_type, clean_url, parse_time
from inventory.rules import (
    asset_tag,
    asset_tag_number,
    inspection_state,
    is_lendable,
    normalise_asset_tag,
)
from rental.kernel.values import BadValue, money_input, parse_date, parse_int, parse_money

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

TODAY = date(2026, 11, 23)
NEGATIVE = "The amount cannot be negative."
NOT_GEL = "Enter an amount in GEL, e.g. 12.50."


@pytest.mark.parametrize(
    "text, tetri",
    [("12.50", 1250), ("12,50", 1250), ("12,5", 1250), ("12", 1200), ("0", 0), ("0.01", 1),
     (" 7 ", 700), ("1 000", 100000), ("3.", 300), (".5", 50), ("12.50 ₾", 1250),
     ("12.50GEL", 1250), ("1000000", 100_000_000), ("+4", 400), ("12.500", 1250)],
)
def test_parse_money(text, tetri):
    assert parse_money(text) == tetri


@pytest.mark.parametrize(
    "text, message",
    [("-1", NEGATIVE), ("-0.01", NEGATIVE), ("abc", NOT_GEL), ("1.2.3", NOT_GEL),
     ("1e3", NOT_GEL), ("nan", NOT_GEL), ("12.505", "Use at most two decimals (tetri)."),
     ("1000000.01", "This amount is too large."), ("9" * 30, NOT_GEL), ("", NOT_GEL)],
)
def test_parse_money_refuses(text, message):
    with pytest.raises(BadValue) as bad:
        parse_money(text)
    assert bad.value.message == message


def test_optional_money_may_be_empty():
    assert parse_money("  ", required=False) is None


@pytest.mark.parametrize("tetri, text", [(1250, "12.50"), (5, "0.05"), (0, "0.00"),
                                         (None, ""), (100_000, "1000.00")])
def test_money_input_round_trips(tetri, text):
    assert money_input(tetri) == text
    if tetri is not None:
        assert parse_money(text) == tetri


@pytest.mark.parametrize(
    "text, expected",
    [("5", 5), (" 365 ", 365), ("1", 1), ("0", BadValue), ("366", BadValue), ("7.5", BadValue),
     ("", BadValue), ("x", BadValue), ("1" * 20, BadValue)],
)
def test_parse_int(text, expected):
    if expected is BadValue:
        with pytest.raises(BadValue):
            parse_int(text, minimum=1, maximum=365)
    else:
        assert parse_int(text, minimum=1, maximum=365) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("2026-11-23", date(2026, 11, 23)), ("", BadValue), ("23.11.2026", BadValue),
     ("2026-02-30", BadValue), ("0001-01-01", BadValue)],
)
def test_parse_date(text, expected):
    if expected is BadValue:
        with pytest.raises(BadValue):
            parse_date(text)
    else:
        assert parse_date(text) == expected


@pytest.mark.parametrize(
    "code, number, tag",
    [("SMG", 42, "SMG-0042"), ("smg", 1, "SMG-0001"), ("KUT", 12345, "KUT-12345")],
)
def test_asset_tag(code, number, tag):
    assert asset_tag(code, number) == tag
    assert asset_tag_number(tag, code) == number


@pytest.mark.parametrize(
    "text, tag",
    [("SMG-0042", "SMG-0042"), ("smg-0042", "SMG-0042"), ("  SMG-0042\n", "SMG-0042"),
     ("SMG - 0042", "SMG-0042"), ("SMG0042", None), ("SMG-42", None), ("", None),
     ("სმგ-0042", None), ("%-0042", None), ("SMG-0042-1", None)],
)
def test_normalise_asset_tag(text, tag):
    assert normalise_asset_tag(text) == tag


def test_tag_number_of_another_centre_is_none():
    assert asset_tag_number("KUT-0001", "SMG") is None
    assert asset_tag_number("garbage", "SMG") is None


@pytest.mark.parametrize(
    "status, inspected, interval, result, lendable",
    [
        ("available", None, None, None, True),
        ("available", None, 180, None, False),  # never inspected
        ("available", date(2026, 10, 1), 180, "pass", True),
        ("available", date(2026, 10, 1), 180, "fail", False),  # failed latest inspection
        ("available", None, None, "fail", False),
        ("available", date(2025, 11, 23), 365, "pass", False),  # due today
        ("available", date(2025, 11, 24), 365, "pass", True),
        ("maintenance", None, None, None, False),
        ("retired", None, None, None, False),
        ("lost", None, None, None, False),
    ],
)
def test_is_lendable(status, inspected, interval, result, lendable):
    assert is_lendable(status, inspected, interval, TODAY, result) is lendable


@pytest.mark.parametrize(
    "inspected, interval, result, state",
    [
        (None, None, None, None),
        (None, 180, None, "overdue"),
        (date(2026, 1, 1), 180, "pass", "overdue"),
        (date(2026, 6, 1), 180, "pass", "due_soon"),  # due 2026-11-28
        (date(2026, 6, 10), 180, "pass", "due_soon"),  # due 2026-12-07, the 14th day
        (date(2026, 6, 11), 180, "pass", "ok"),
        (date(2026, 11, 1), 180, "fail", "failed"),
    ],
)
def test_inspection_state(inspected, interval, result, state):
    assert inspection_state(inspected, interval, result, TODAY) == state


@pytest.mark.parametrize(
    "starts, ends, expected",
    [
        ("", "", None),
        ("2026-11-23", "2026-11-23", (TODAY, TODAY)),
        ("2026-11-24", "2026-11-30", (date(2026, 11, 24), date(2026, 11, 30))),
        ("2026-11-24", "", "Enter both dates: from and to."),
        ("", "2026-11-24", "Enter both dates: from and to."),
        ("2026-11-30", "2026-11-24", "The end date is before the start date."),
        ("2026-11-22", "2026-11-24", "The dates are in the past."),
        ("2026-11-23", "2027-11-23", "Choose a period of at most a year."),
        ("soon", "later", "Enter the dates as YYYY-MM-DD."),
    ],
)
def test_parse_period(starts, ends, expected):
    if isinstance(expected, str):
        with pytest.raises(BadValue) as bad:
            parse_period(starts, ends, TODAY)
        assert bad.value.message == expected
    else:
        assert parse_period(starts, ends, TODAY) == expected


@pytest.mark.parametrize(
    "text, phone",
    [("032 247 08 15", "+995322470815"), ("+995 32 247 08 15", "+995322470815"),
     ("(032) 247-08-15", "+995322470815"), ("", ""), ("555 12 34 56", "+995555123456")],
)
def test_clean_phone(text, phone):
    assert clean_phone(text) == phone


@pytest.mark.parametrize("text", ["call me", "12", "+" + "1" * 20])
def test_clean_phone_refuses(text):
    with pytest.raises(BadValue):
        clean_phone(text)


@pytest.mark.parametrize(
    "text, ok",
    [("", True), ("https://example.ge/manual.pdf", True), ("http://a.ge/x", True),
     ("/media/" + "0a" * 16 + ".pdf", True), ("/media/abc.pdf", False),
     ("/media/../secret_key", False), ("/etc/passwd", False),
     ("javascript:alert(1)", False), ("example.ge", False),
     ("https://" + "a" * 500 + ".ge", False)],
)
def test_clean_url(text, ok):
    if ok:
        assert clean_url(text) == text
    else:
        with pytest.raises(BadValue):
            clean_url(text)


def test_parse_time():
    assert parse_time("09:30") == time(9, 30)
    with pytest.raises(BadValue):
        parse_time("9.30am")


def test_clean_centre_reads_days_and_hours():
    values, errors = clean_centre(
        {"code": "bat", "name_ka": " ბათუმი ", "opens_at": "09:00", "closes_at": "18:00",
         "timezone": "", "active": "1"},
        ["0", "4", "x", "4"], new=True,
    )
    assert not errors
    assert values["code"] == "BAT" and values["name_ka"] == "ბათუმი"
    assert values["opening_days"] == 0b10001 and values["timezone"] == "Asia/Tbilisi"
    assert values["active"] is True


def test_clean_centre_refuses_a_weekday_out_of_range():
    _values, errors = clean_centre({"code": "BAT", "name_ka": "ბ", "opens_at": "09:00",
                                    "closes_at": "18:00"}, ["9"], new=True)
    assert errors == {"opening_days": "Choose one of the options."}


def test_clean_tool_type_without_inspection_ignores_the_interval():
    values, errors = clean_tool_type(
        {"slug": "saw", "category": "1", "name_ka": "ხერხი", "daily_fee": "1",
         "deposit": "0", "max_loan_days": "3", "inspection_interval_days": "abc"},
        categories={1}, skills=set(),
    )
    assert not errors
    assert values["inspection_interval_days"] is None and values["required_skill"] is None
    assert values["search_text"] == "ხერხი saw"


def test_non_text_form_values_are_treated_as_empty():
    _values, errors = clean_tool_type({"slug": object(), "name_ka": 5}, categories=set(),
                                      skills=set())
    assert errors["slug"] == "This field is required."
    assert errors["name_ka"] == "This field is required."
