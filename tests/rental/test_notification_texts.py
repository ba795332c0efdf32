"""Every kind of message renders in every language with nothing missing, and its SMS fits in
two segments with the longest names of the demo network (rental.notification_texts, read
through the catalogs as the app reads them). No database."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from rental.kernel.i18n import Day, Names, TimeOfDay, in_locale
from rental.kernel.settings import LANGUAGES
from rental.notification_texts import KINDS, SMS_SEGMENTS, Money, render, render_sms
from rental.sms_rules import is_gsm7, segments
from toollib.demo.data import CENTRES, MEMBERSHIP_TYPES, SKILLS, TOOL_TYPES
from toollib.demo.sessions import DEMO_SESSIONS

pytestmark = pytest.mark.no_database  # texts and catalogs only

LEFTOVER = re.compile(r"%\(\w+\)|%\w")


def longest(records: list[dict], field: str = "name") -> Names:
    """The record whose name is longest in some language, as the value a message gets."""
    return Names.of(max(records, key=lambda r: max(len(r[f"{field}_ka"]), len(r[f"{field}_en"]))),
                    field)


def longest_per_language(names: list[Names]) -> Names:
    """The longest Georgian name and the longest English one (from different records)."""
    return Names(ka=max((n.ka for n in names), key=len), en=max((n.en for n in names), key=len))


TOOL = longest_per_language([Names.of(row, "name") for row in TOOL_TYPES])
SESSION = longest_per_language([Names.of(row[-1], "title") for row in DEMO_SESSIONS])
SKILL = longest_per_language([Names.of(row, "name") for row in SKILLS])
MEMBERSHIP = longest_per_language([Names.of(row, "name") for row in MEMBERSHIP_TYPES])
_CENTRE = max(CENTRES, key=lambda row: len(row["name_ka"]) + len(row["name_en"]))
CENTRE = {"name_ka": max((c["name_ka"] for c in CENTRES), key=len),
          "name_en": max((c["name_en"] for c in CENTRES), key=len),
          "phone": _CENTRE["phone"], "timezone": _CENTRE["timezone"],
          "opening_days": sum(1 << day for day in _CENTRE["opening_days"]),
          "opens_at": time.fromisoformat(_CENTRE["opens"]),
          "closes_at": time.fromisoformat(_CENTRE["closes"])}
LONG_DAY = Day(date(2026, 9, 28))  # 'Sep 28, 2026', '28 სექ. 2026': as long as a day gets
AFTERNOON = TimeOfDay(datetime(2026, 9, 28, 12, 30, tzinfo=ZoneInfo("Asia/Tbilisi")),
                      "Asia/Tbilisi")  # '12:30 PM'
VALUES = {
    "tool": TOOL, "starts": LONG_DAY, "ends": LONG_DAY, "until_day": LONG_DAY,
    "until_time": AFTERNOON, "fee": Money(3000), "charge": Money(250_000),
    "session": SESSION, "day": LONG_DAY, "time": AFTERNOON, "skill": SKILL, "until": LONG_DAY,
    "membership": MEMBERSHIP,
}
# What each kind is queued with (the events and the sweep pass these; 'fee' is optional)
PARAMS = {
    "booking_confirmed": ("tool", "starts", "ends"),
    "waitlist_offer": ("tool", "starts", "ends", "until_day", "until_time"),
    "no_show": ("tool", "starts", "ends"),
    "booking_not_sent": ("tool", "starts", "ends"),
    "pickup_tomorrow": ("tool", "starts", "ends"),
    "due_tomorrow": ("tool", "starts", "ends"),
    "overdue": ("tool", "starts", "ends", "fee"),
    "declared_lost": ("tool", "ends", "charge"),
    "session_enrolled": ("session", "day", "time"),
    "session_tomorrow": ("session", "day", "time"),
    "session_changed": ("session", "day", "time"),
    "session_cancelled": ("session", "day", "time"),
    "session_promoted": ("session", "day", "time"),
    "certificate_issued": ("skill", "until"),
    "certificate_issued_no_expiry": ("skill",),
    "certificate_expiring": ("skill", "until"),
    "membership_expiring": ("membership", "until"),
}
CASES = [(kind, language) for kind in KINDS for language in LANGUAGES]


def params_of(kind: str) -> dict:
    return {key: VALUES[key] for key in PARAMS[kind]}


def test_every_kind_is_listed_here():
    assert set(PARAMS) == set(KINDS)


@pytest.mark.parametrize("kind, language", CASES)
def test_subject_and_body_render_whole(kind, language):
    subject, body = render(kind, params_of(kind), CENTRE, language)
    for text in (subject, body):
        assert text.strip() and not LEFTOVER.search(text), text
    with in_locale(language):
        assert str(Names.of(CENTRE, "name")) in body  # which centre
    assert "+995 32 247 08 15" in body  # its phone, with its hours (CENTRE_LINE)


@pytest.mark.parametrize("kind, language", CASES)
def test_sms_fits_in_two_segments_with_the_longest_names(kind, language):
    params = params_of(kind)
    for latin in (False, True):
        text = render_sms(kind, params, CENTRE, language, latin=latin)
        assert text.strip() and not LEFTOVER.search(text), text
        assert segments(text) <= SMS_SEGMENTS, (len(text), text)
        assert CENTRE["phone"] in text
        if latin or language == "en":  # English and Latin letters go as GSM-7, the cheap way
            assert is_gsm7(text), text
    with in_locale(language):
        text = render_sms(kind, params, CENTRE, language)
        for key, value in params.items():  # no name the SMS tells was cut to make it fit
            if isinstance(value, Names) and f"%({key})s" in KINDS[kind].sms:
                assert str(value) in text, (key, text)
        short = str(Names.of(CENTRE, "name")).split()[0]
        assert short in text  # the centre, at least by the first word of its name


def test_the_centres_full_name_when_it_fits():
    text = render_sms("due_tomorrow", {"tool": Names("ბურღი", "Drill")}, CENTRE, "en")
    assert text == ("Return tomorrow: Drill. Samgori Multifunctional Service Centre, "
                    "+995322470815")


def test_the_late_fee_is_told_by_sms_when_there_is_one():
    text = render_sms("overdue", {"tool": Names("ბურღი", "Drill"), "ends": LONG_DAY,
                                  "fee": Money(300)}, CENTRE, "en")
    assert text == ("Overdue since Sep 28, 2026: Drill. Late fee so far: GEL 3.00. Samgori "
                    "Multifunctional Service Centre, +995322470815")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_name_longer_than_any_is_cut_to_fit(language):
    tool = Names("ხელსაწყო " * 25, "A tool with a very long name " * 12)
    for kind in ("overdue", "declared_lost", "waitlist_offer"):
        params = {**params_of(kind), "tool": tool}
        text = render_sms(kind, params, CENTRE, language)
        assert segments(text) <= SMS_SEGMENTS and "..." in text and CENTRE["phone"] in text


def test_without_a_centre_the_sms_says_what_happened_only():
    text = render_sms("certificate_issued_no_expiry", {"skill": SKILL}, None, "en")
    assert text == "Certificate issued: Electrical safety basics."


def test_the_centre_is_named_short_before_the_late_fee_is_left_out():
    params = {"tool": Names("ციფრული მულტიმეტრი", "Digital multimeter"), "ends": LONG_DAY,
              "fee": Money(3000)}
    text = render_sms("overdue", params, CENTRE, "ka")
    assert "30,00" in text and segments(text) <= SMS_SEGMENTS
