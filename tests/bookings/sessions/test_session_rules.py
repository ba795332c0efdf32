"""The pure rules of skills sessions as tables of cases: certificate expiry and validity, who a
session is for, weekly series over daylight-saving changes, and the session form. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.sessions.rules import (
    MAX_SERIES,
    audience_fits,
    certificate_expiry,
    certificate_valid,
    initials,
    manages,
    may_enrol,
    may_print,
    parse_session,
    places_free,
    summary_period,
    weekly,
)
from rental.kernel.identity import CurrentUser

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

D = date
TBILISI = "Asia/Tbilisi"  # UTC+4 all year
BERLIN = "Europe/Berlin"  # CET/CEST: clocks go forward on 2027-03-28 and back on 2027-10-31
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 12:00 in Tbilisi
SKILLS = {1, 2, 3}
CENTRES = {1, 2}


@pytest.fixture(autouse=True)
def fresh_database():
    """These rules never touch a database: nothing to reset (overrides conftest's fixture)."""
    return None


# --- certificates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issued, days, expires",
    [
        (D(2026, 11, 23), 730, D(2028, 11, 22)),  # two years over the 2028 leap day
        (D(2026, 11, 23), 1095, D(2029, 11, 22)),
        (D(2026, 11, 23), 365, D(2027, 11, 23)),
        (D(2028, 2, 29), 365, D(2029, 2, 28)),
        (D(2026, 11, 23), 0, D(2026, 11, 23)),  # valid on the day only
        (D(2026, 11, 23), None, None),  # a skill without a period: never expires
    ],
)
def test_certificate_expiry(issued, days, expires):
    assert certificate_expiry(issued, days) == expires


@pytest.mark.parametrize(
    "expires_on, revoked_at, today, valid",
    [
        (None, None, D(2099, 1, 1), True),  # no expiry
        (D(2026, 12, 1), None, D(2026, 11, 30), True),
        (D(2026, 12, 1), None, D(2026, 12, 1), True),  # still valid on its last day
        (D(2026, 12, 1), None, D(2026, 12, 2), False),
        (None, NOW, D(2026, 11, 23), False),  # revoked
        (D(2027, 12, 1), NOW, D(2026, 11, 23), False),  # revoked before it expired
    ],
)
def test_certificate_valid(expires_on, revoked_at, today, valid):
    assert certificate_valid({"expires_on": expires_on, "revoked_at": revoked_at}, today) is valid


@pytest.mark.parametrize(
    "audience, situation, age, fits",
    [
        ("everyone", "", None, True),
        ("everyone", "returning_migrant", 70, True),
        ("youth", "", 14, True),
        ("youth", "", 29, True),
        ("youth", "", 13, False),
        ("youth", "", 30, False),
        ("youth", "returning_migrant", None, False),  # no birth date: not known to be young
        ("returning_migrants", "returning_migrant", None, True),
        ("returning_migrants", "returning_migrant", 20, True),
        ("returning_migrants", "idp", 20, False),
        ("returning_migrants", "", None, False),
    ],
)
def test_audience_fits(audience, situation, age, fits):
    assert audience_fits(audience, situation, age) is fits


# --- weekly series ----------------------------------------------------------------------------


def local(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "first_day, zone, utc_hours",
    [
        # Berlin, spring forward on Sunday 28 March 2027: 10:00 CET is 09:00 UTC, CEST 08:00
        (D(2027, 3, 21), BERLIN, [9, 8, 8]),
        # and back on Sunday 31 October 2027
        (D(2027, 10, 24), BERLIN, [8, 9, 9]),
        # Tbilisi has no daylight-saving time: the same UTC hour every week
        (D(2027, 3, 21), TBILISI, [6, 6, 6]),
    ],
)
def test_weekly_keeps_the_wall_clock_hour_over_daylight_saving(first_day, zone, utc_hours):
    starts, ends = local(first_day, 10, 0, zone), local(first_day, 12, 30, zone)
    # the service passes aware datetimes in any zone: UTC here, as they come from the database
    series = weekly(starts.astimezone(UTC), ends.astimezone(UTC), 3, zone)
    assert len(series) == 3
    for n, (start, end) in enumerate(series):
        there = start.astimezone(ZoneInfo(zone))
        assert there.date() == first_day + timedelta(weeks=n)
        assert (there.hour, there.minute) == (10, 0)
        assert end.astimezone(ZoneInfo(zone)).time().isoformat() == "12:30:00"
        assert end - start == timedelta(hours=2, minutes=30)
        assert start.astimezone(UTC).hour == utc_hours[n]


@pytest.mark.parametrize("count", [1, 2, MAX_SERIES])
def test_weekly_gives_count_sessions_a_week_apart_starting_with_the_first(count):
    starts = local(D(2026, 12, 1), 18, 0, TBILISI)
    series = weekly(starts, starts + timedelta(hours=2), count, TBILISI)
    assert len(series) == count
    assert series[0] == (starts, starts + timedelta(hours=2))
    assert [b[0] - a[0] for a, b in zip(series, series[1:], strict=False)] == \
        [timedelta(weeks=1)] * (count - 1)


def test_weekly_keeps_a_session_that_ends_after_midnight_on_the_next_day():
    starts = local(D(2026, 12, 4), 22, 0, TBILISI)
    series = weekly(starts, starts + timedelta(hours=3), 2, TBILISI)
    assert series[1][1].astimezone(ZoneInfo(TBILISI)) == local(D(2026, 12, 12), 1, 0, TBILISI)


# --- the session form -------------------------------------------------------------------------


def form(**over) -> dict:
    return {"centre": "1", "skill": "2", "title_ka": "ელექტროუსაფრთხოება",
            "title_en": "Electrical safety", "description_ka": "", "description_en": "",
            "room": "Hall 2", "instructor": "Nino", "audience": "everyone", "language": "ka",
            "capacity": "12", "day": "2026-12-01", "starts": "10:00", "ends": "12:00",
            "weeks": "", **over}


def parse(enrolled: int = 0, now: datetime = NOW, zone: str = TBILISI, **over):
    return parse_session(form(**over), timezone=zone, now=now, skills=SKILLS, centres=CENTRES,
                         enrolled=enrolled)


def test_parse_session_reads_a_good_form_in_the_centres_zone():
    values, errors = parse(title_ka="  ელექტრო   უსაფრთხოება ", description_en="  Bring gloves.\n")
    assert errors == {}
    assert values["starts_at"] == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 10:00 in Tbilisi
    assert values["ends_at"] == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert (values["centre"], values["skill"], values["capacity"], values["weeks"]) == \
        (1, 2, 12, 1)
    assert values["title_ka"] == "ელექტრო უსაფრთხოება"  # spaces collapsed
    assert values["description_en"] == "Bring gloves."
    assert (values["audience"], values["language"], values["room"]) == ("everyone", "ka",
                                                                        "Hall 2")


@pytest.mark.parametrize(
    "over, expected",
    [
        ({"skill": ""}, {"skill": None}),  # a session that teaches no skill
        ({"weeks": "26"}, {"weeks": MAX_SERIES}),
        ({"weeks": " 4 "}, {"weeks": 4}),
        ({"capacity": "500"}, {"capacity": 500}),
        ({"capacity": "1"}, {"capacity": 1}),
        ({"audience": "youth", "language": "ru"}, {"audience": "youth", "language": "ru"}),
        ({"title_en": ""}, {"title_en": ""}),  # only the Georgian title is required
        ({"title_ka": "x" * 300}, {"title_ka": "x" * 200}),
        ({}, {"title_ru": "", "description_ru": ""}),  # the Russian is optional
        ({"title_ru": "  Электро   безопасность ", "description_ru": " Возьмите перчатки.\n"},
         {"title_ru": "Электро безопасность", "description_ru": "Возьмите перчатки."}),
        ({"title_ru": "я" * 300, "description_ru": "д" * 6000},
         {"title_ru": "я" * 200, "description_ru": "д" * 5000}),  # the English limits
        ({"title_ru": ["x"], "description_ru": 7}, {"title_ru": "", "description_ru": ""}),
        ({"day": "2026-11-23", "starts": "12:00", "ends": "13:00"},  # starts right now
         {"starts_at": NOW}),
    ],
)
def test_parse_session_accepts(over, expected):
    values, errors = parse(**over)
    assert errors == {}
    for key, value in expected.items():
        assert values[key] == value


@pytest.mark.parametrize(
    "over, enrolled, fields",
    [
        ({"capacity": "5"}, 6, {"capacity"}),  # fewer places than members enrolled
        ({"capacity": "6"}, 6, set()),  # exactly as many is fine
        ({"capacity": "0"}, 0, {"capacity"}),
        ({"capacity": "501"}, 0, {"capacity"}),
        ({"capacity": "-3"}, 0, {"capacity"}),
        ({"capacity": "ten"}, 0, {"capacity"}),
        ({"capacity": ""}, 0, {"capacity"}),
        ({"ends": "09:00"}, 0, {"ends"}),  # ends before it starts
        ({"ends": "10:00"}, 0, {"ends"}),  # or when it starts
        ({"day": "2026-11-22"}, 0, {"day"}),  # yesterday
        ({"day": "2026-11-23", "starts": "11:59", "ends": "13:00"}, 0, {"day"}),  # a minute ago
        ({"day": "2020-01-01", "ends": "09:00"}, 0, {"ends"}),  # one message at a time
        ({"day": ""}, 0, {"day"}),
        ({"day": "2026-02-30"}, 0, {"day"}),
        ({"day": "1.12.2026"}, 0, {"day"}),
        ({"starts": "25:00"}, 0, {"starts"}),
        ({"starts": "", "ends": ""}, 0, {"starts", "ends"}),
        ({"centre": "3"}, 0, {"centre"}),  # unknown centre
        ({"centre": ""}, 0, {"centre"}),
        ({"centre": "SMG"}, 0, {"centre"}),
        ({"skill": "99"}, 0, {"skill"}),  # unknown skill
        ({"skill": "power-tools"}, 0, {"skill"}),
        ({"weeks": "0"}, 0, {"weeks"}),
        ({"weeks": "27"}, 0, {"weeks"}),  # more than half a year
        ({"weeks": "-1"}, 0, {"weeks"}),
        ({"weeks": "two"}, 0, {"weeks"}),
        ({"title_ka": ""}, 0, {"title_ka"}),  # the Georgian title is required
        ({"title_ka": "   "}, 0, {"title_ka"}),
        ({"title_ka": None}, 0, {"title_ka"}),
        ({"audience": "seniors"}, 0, {"audience"}),
        ({"audience": ""}, 0, {"audience"}),
        ({"language": "de"}, 0, {"language"}),
        ({"capacity": "0", "weeks": "99", "title_ka": "", "centre": "7"}, 0,
         {"capacity", "weeks", "title_ka", "centre"}),  # every problem at once
    ],
)
def test_parse_session_refuses(over, enrolled, fields):
    _values, errors = parse(enrolled=enrolled, **over)
    assert set(errors) == fields


def test_parse_session_capacity_message_names_the_enrolled_count():
    _values, errors = parse(enrolled=9, capacity="4")
    message = errors["capacity"]
    assert "enrolled already" in message.plural and message.n == 9
    _values, errors = parse(capacity="0")
    assert errors["capacity"][1] == {"low": 1, "high": 500}
    _values, errors = parse(weeks="27")
    assert errors["weeks"][1] == {"low": 1, "high": MAX_SERIES}


def test_parse_session_reads_times_in_the_zone_it_is_given():
    values, errors = parse(zone=BERLIN, day="2027-07-01")
    assert errors == {}
    assert values["starts_at"] == datetime(2027, 7, 1, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    values, _errors = parse(zone=BERLIN, day="2027-01-14")
    assert values["starts_at"] == datetime(2027, 1, 14, 9, 0, tzinfo=UTC)  # CET, UTC+1


def test_parse_session_past_check_uses_the_instant_not_the_local_date():
    # 09:00 in Tbilisi is 05:00 UTC: before NOW (08:00 UTC) although the date is today
    _values, errors = parse(day="2026-11-23", starts="09:00", ends="10:00")
    assert set(errors) == {"day"}
    _values, errors = parse(day="2026-11-23", starts="13:00", ends="14:00")
    assert errors == {}


# --- facts the session pages show -------------------------------------------------------------


def someone(role: str, user_id: int = 5) -> CurrentUser:
    return CurrentUser(id=user_id, name="N", role=role, status="active", language="ka",
                       centre_ids=frozenset({1}) if role == "staff" else frozenset())


@pytest.mark.parametrize(("capacity", "enrolled", "free"), [
    (10, 0, 10), (10, 9, 1), (10, 10, 0), (3, 5, 0),  # over after a capacity cut: none free
])
def test_places_free(capacity, enrolled, free):
    assert places_free({"capacity": capacity, "enrolled": enrolled}) == free


@pytest.mark.parametrize(("role", "manages_sessions"), [
    (None, False), ("member", False), ("staff", False), ("coordinator", True), ("admin", True),
])
def test_only_coordinators_and_admins_manage_sessions(role, manages_sessions):
    assert manages(someone(role) if role else None) is manages_sessions


@pytest.mark.parametrize(("status", "enrols"), [
    ("active", True), ("pending", False), ("suspended", True),
])
def test_a_pending_member_may_not_enrol(status, enrols):
    assert may_enrol(status) is enrols


@pytest.mark.parametrize(("holder", "role", "prints"), [
    (5, "member", True), (6, "member", False), (6, "staff", True), (6, "coordinator", True),
])
def test_a_certificate_is_printed_by_its_holder_or_the_staff(holder, role, prints):
    assert may_print({"member": holder}, someone(role, user_id=5)) is prints


@pytest.mark.parametrize(("name", "shown"), [
    ("Nino Beridze", "N. B."), ("ნინო  ბერიძე", "ნ. ბ."), ("Levan", "L."),
])
def test_the_public_check_shows_initials_only(name, shown):
    assert initials(name) == shown


@pytest.mark.parametrize(("starts", "ends", "period", "error"), [
    pytest.param(None, None, (date(2026, 11, 1), date(2026, 11, 23)), None, id="month-so-far"),
    pytest.param(date(2026, 1, 5), date(2026, 2, 5), (date(2026, 1, 5), date(2026, 2, 5)),
                 None, id="chosen"),
    pytest.param(date(2026, 3, 1), date(2026, 2, 1), (date(2026, 3, 1), date(2026, 3, 1)),
                 "The end is before the start.", id="end-before-start"),
    pytest.param(date(2024, 1, 1), date(2026, 1, 1), (date(2024, 1, 1), date(2025, 1, 1)),
                 "Choose at most a year.", id="cut-to-366-days"),
])
def test_summary_period(starts, ends, period, error):
    first, last, errors = summary_period(starts, ends, date(2026, 11, 23))
    assert (first, last) == period
    assert errors.get("to") == error
