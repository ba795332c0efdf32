"""Russian as people in Georgia read it: money with the lari sign, dates and weekdays by
Babel's ru locale, and a text not written in Russian read in English, then Georgian."""

from __future__ import annotations

from datetime import date

import pytest

from rental.kernel import i18n
from rental.kernel.i18n import in_locale, localized

pytestmark = pytest.mark.no_database

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("tetri", "ru"),
    [
        pytest.param(0, f"0,00{NBSP}₾", id="zero"),
        pytest.param(500, f"5,00{NBSP}₾", id="five"),
        pytest.param(1250, f"12,50{NBSP}₾", id="twelve-fifty"),
        pytest.param(100000, f"1{NBSP}000,00{NBSP}₾", id="thousand"),
        pytest.param(-1250, f"-12,50{NBSP}₾", id="negative"),
    ],
)
def test_money_in_russian_has_the_lari_sign(tetri, ru):
    with in_locale("ru"):
        assert i18n.format_money(tetri) == ru


def test_a_day_and_the_weekdays_in_russian():
    with in_locale("ru"):
        assert i18n.format_date(date(2026, 12, 5)) == "5 дек. 2026\u202fг."
        assert i18n.format_weekdays(0b0111111) == "пн–сб"


@pytest.mark.parametrize(
    ("record", "locale", "shown"),
    [
        pytest.param({"name_ka": "ბურღი", "name_en": "Drill", "name_ru": "Дрель"}, "ru", "Дрель",
                     id="ru-written"),
        pytest.param({"name_ka": "ბურღი", "name_en": "Drill", "name_ru": ""}, "ru", "Drill",
                     id="ru-empty-reads-english"),
        pytest.param({"name_ka": "ბურღი", "name_en": "", "name_ru": ""}, "ru", "ბურღი",
                     id="ru-and-en-empty-read-georgian"),
        pytest.param({"name_ka": "ბურღი", "name_en": "", "name_ru": "Дрель"}, "en", "ბურღი",
                     id="en-empty-reads-georgian"),
        pytest.param({"name_ka": "ბურღი", "name_en": "Drill"}, "ka", "ბურღი", id="ka"),
    ],
)
def test_a_text_not_written_in_the_readers_language(record, locale, shown):
    with in_locale(locale):
        assert localized(record, "name") == shown
