"""Which texts are missing in which language, as a table of cases. No database."""

from __future__ import annotations

import pytest

from bookings.reports.translation_rules import untranslated

pytestmark = pytest.mark.no_database

LANGUAGES = ("ka", "en", "ru")


def row(**texts) -> dict:
    return {"id": 1, "name_ka": "ბურღი", "name_en": "Drill", "name_ru": "Дрель",
            "address_ka": "", "address_en": "", "address_ru": "", **texts}


@pytest.mark.parametrize(
    "texts, missing",
    [
        ({}, {"en": [], "ru": []}),  # everything written
        ({"name_ru": ""}, {"en": [], "ru": ["name"]}),
        ({"name_ru": "   "}, {"en": [], "ru": ["name"]}),  # blank is not written
        ({"name_ru": None}, {"en": [], "ru": ["name"]}),
        ({"name_en": "", "name_ru": ""}, {"en": ["name"], "ru": ["name"]}),
        ({"name_ka": "", "name_ru": ""}, {"en": [], "ru": []}),  # no Georgian: nothing to say
        ({"address_ka": "ქუთაისი"}, {"en": ["address"], "ru": ["address"]}),
        ({"address_ka": "ქუთაისი", "address_en": "Kutaisi", "name_ru": ""},
         {"en": [], "ru": ["name", "address"]}),  # the fields in their order
    ],
)
def test_a_text_is_missing_where_the_georgian_is_written_and_the_language_is_not(texts, missing):
    found = untranslated([row(**texts)], ("name", "address"), LANGUAGES)
    assert {language: [field for _row, field in pairs] for language, pairs in found.items()} \
        == missing


def test_every_language_after_the_first_is_listed_and_the_rows_keep_their_order():
    rows = [row(id=1, name_ru=""), row(id=2), row(id=3, name_ru="")]
    found = untranslated(rows, ("name",), ("ka", "en", "ru", "az"))
    assert list(found) == ["en", "ru", "az"]
    assert [r["id"] for r, _field in found["ru"]] == [1, 3]
    assert [r["id"] for r, _field in found["az"]] == [1, 2, 3]  # no Azerbaijani column yet
    assert untranslated([], ("name",), LANGUAGES) == {"en": [], "ru": []}
