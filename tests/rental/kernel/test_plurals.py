"""A count and its noun agree in every language: Russian has three forms (1 инструмент,
2 инструмента, 5 инструментов), English two, Georgian one; every counted message is a plural
entry of the catalogs, written by ngettext (templates) or a Plural (services)."""

from __future__ import annotations

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from rental.kernel import i18n
from rental.kernel.i18n import LOCALE_DIR, Plural, in_locale
from rental.kernel.settings import LANGUAGES
from rental.kernel.web import make_environment

pytestmark = pytest.mark.no_database  # reads the catalogs, not the database


def catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


# Georgian nouns do not change after a number (1 დღე, 5 დღე): one form, as its catalog says
# (Babel would start a new one with two, the same words twice).
FORMS = {"ka": 1, "en": 2, "ru": 3}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_counts_as_its_language_does(language):
    found = catalog(language)
    assert found.num_plurals == FORMS[language]
    if language != "ka":
        assert found.plural_expr == get_plural(language).plural_expr


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_entry_has_all_its_forms(language):
    """An empty form is not a fallback to English: gettext shows it, empty."""
    found = catalog(language)
    plurals = [m for m in found if m.id and isinstance(m.id, tuple)]
    assert plurals
    wrong = [m.id[0] for m in plurals
             if len(m.string) != found.num_plurals or not all(s.strip() for s in m.string)]
    assert not wrong, f"{language}: {len(wrong)} plural entries lack forms: {wrong[:10]}"


DAYS_LATE = ("%(num)s day late", "%(num)s days late")
OPEN_BOOKINGS = ("You have %(num)s open booking, the most your membership allows.",
                 "You have %(num)s open bookings, the most your membership allows.")
LONGEST_LOAN = ("This tool can be borrowed for at most %(num)s day.",
                "This tool can be borrowed for at most %(num)s days.")
WAIT = ("Too many failed attempts. Wait %(num)s minute and try again.",
        "Too many failed attempts. Wait %(num)s minutes and try again.")
PLACES = ("%(num)s place free", "%(num)s places free")
RENEWED = ("This loan has been renewed %(num)s time, the most the centre allows.",
           "This loan has been renewed %(num)s times, the most the centre allows.")


def russian(one: str, few: str, many: str) -> dict[int, str]:
    """1 and 21 take the first form, 2 the second, 5 and 11 the third."""
    return {1: one % 1, 2: few % 2, 5: many % 5, 11: many % 11, 21: one % 21}


@pytest.mark.parametrize(
    ("message", "ru", "en"),
    [
        pytest.param(DAYS_LATE, russian("%s день просрочки", "%s дня просрочки",
                                        "%s дней просрочки"),
                     {1: "1 day late", 2: "2 days late"}, id="days-late"),
        pytest.param(OPEN_BOOKINGS, russian(
            "У вас %s активная бронь — это максимум для вашего членства.",
            "У вас %s активные брони — это максимум для вашего членства.",
            "У вас %s активных броней — это максимум для вашего членства."),
            {1: "You have 1 open booking, the most your membership allows.",
             2: "You have 2 open bookings, the most your membership allows."}, id="bookings"),
        pytest.param(LONGEST_LOAN, russian(
            "Этот инструмент можно взять не более чем на %s день.",
            "Этот инструмент можно взять не более чем на %s дня.",
            "Этот инструмент можно взять не более чем на %s дней."),
            {1: "This tool can be borrowed for at most 1 day.",
             2: "This tool can be borrowed for at most 2 days."}, id="longest-loan"),
        pytest.param(WAIT, russian(
            "Слишком много неудачных попыток. Подождите %s минуту и попробуйте ещё раз.",
            "Слишком много неудачных попыток. Подождите %s минуты и попробуйте ещё раз.",
            "Слишком много неудачных попыток. Подождите %s минут и попробуйте ещё раз."),
            {1: "Too many failed attempts. Wait 1 minute and try again.",
             2: "Too many failed attempts. Wait 2 minutes and try again."}, id="minutes"),
        pytest.param(PLACES, russian("Свободно %s место", "Свободно %s места", "Свободно %s мест"),
                     {1: "1 place free", 2: "2 places free"}, id="places"),
        pytest.param(RENEWED, russian(
            "Эту выдачу уже продлевали %s раз — это максимум для центра.",
            "Эту выдачу уже продлевали %s раза — это максимум для центра.",
            "Эту выдачу уже продлевали %s раз — это максимум для центра."),
            {1: "This loan has been renewed 1 time, the most the centre allows.",
             2: "This loan has been renewed 2 times, the most the centre allows."}, id="times"),
    ],
)
def test_a_count_takes_the_form_of_its_number(message, ru, en):
    """A service's Plural, a form's error and a template's ngettext write the same words."""
    env = make_environment(debug=False)
    shown = env.from_string("{{ ngettext(singular, plural, n) }}")
    as_error = env.from_string(
        '{% from "_ui/forms.html" import error_text %}{{ error_text(error) }}')
    for language, expected in (("ru", ru), ("en", en)):
        with in_locale(language):
            for n, text in expected.items():
                plural = Plural(*message, n)
                assert i18n.message_text(plural) == text, (language, n)
                assert shown.render(singular=message[0], plural=message[1], n=n) == text
                assert as_error.render(error=plural) == text


def test_a_plural_keeps_its_other_values_and_its_id():
    message = Plural("We sent a code to %(phone)s: type it here. It works for %(num)s minute.",
                     "We sent a code to %(phone)s: type it here. It works for %(num)s minutes.",
                     1, {"phone": "+995 555 12 34 56"})
    with in_locale("en"):
        assert i18n.message_text(message) == (
            "We sent a code to +995 555 12 34 56: type it here. It works for 1 minute.")
    assert i18n.message_id(message) == message.singular
    assert i18n.message_id(("Overdue tools: %(count)s.", {"count": 2})) == (
        "Overdue tools: %(count)s.")
    assert i18n.message_id("There is no membership.") == "There is no membership."
