"""The list of municipalities (rental/data/municipalities.json) and the matching of free text
to it (rental.kernel.municipalities): pure, tables of cases."""

from __future__ import annotations

import importlib
import unicodedata

import pytest

from rental.kernel import municipalities
from rental.kernel.municipalities import BY_CODE, CODES, REGIONS, choices, name, recognise

MIGRATION = importlib.import_module(
    "rental.piccolo_migrations.rental_2026_12_05t13_10_00_000000")


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Kutaisi", "kutaisi"),
        ("kutaisi ", "kutaisi"),
        ("KUTAISI", "kutaisi"),
        ("ქუთაისი", "kutaisi"),
        ("ქ. ქუთაისი", "kutaisi"),
        ("Кутаиси", "kutaisi"),
        ("г. Кутаиси", "kutaisi"),
        ("Kutaisi city", "kutaisi"),
        ("სამგორი", "samgori"),
        ("Samgori", "samgori"),
        ("Samgori district", "samgori"),
        ("სამგორის რაიონი", "samgori"),
        ("Самгори район", "samgori"),
        ("Tbilisi, Samgori", "samgori"),
        ("თბილისი, ვაკის რაიონი", "vake"),
        ("Imereti, Vani", "vani"),
        ("  Rustavi  ", "rustavi"),
        ("Zestafoni", "zestaponi"),
        ("Tskhaltubo", "tskaltubo"),
        ("Dedoplis Tskaro", "dedoplistskaro"),
        ("Stepantsminda", "kazbegi"),
        ("Mtskheta", "mtskheta"),
        ("ozurgetis municipaliteti", None),  # a transliterated Georgian genitive: not guessed
        ("Tbilisi", None),  # which of its ten districts?
        ("თბილისი", None),
        ("Imereti", None),  # a region, not a municipality
        ("Foo", None),
        ("", None),
        ("   ", None),
        ("Gldani-Nadzaladevi", None),  # two districts: no guess
        ("Samgori 2", None),
    ],
)
def test_free_text_is_recognised_as_a_code(typed, code):
    assert recognise(typed) == code


def test_every_name_and_alias_recognises_its_own_municipality():
    for municipality in BY_CODE.values():
        for spelling in (municipality.name_ka, municipality.name_en, municipality.name_ru,
                         municipality.code, *municipality.aliases):
            assert recognise(spelling) == municipality.code, spelling


def test_the_list_is_whole_and_well_formed():
    assert [region.code for region in REGIONS][:1] == ["tbilisi"]
    assert [m.code for m in REGIONS[0].municipalities] == [
        "mtatsminda", "vake", "saburtalo", "krtsanisi", "isani", "samgori", "chugureti",
        "didube", "nadzaladevi", "gldani"]
    assert {"batumi", "kutaisi", "rustavi", "poti", "zugdidi", "gori", "telavi",
            "ozurgeti"} <= set(CODES)
    assert len(CODES) == len(set(CODES)) == 73
    for place in [*REGIONS, *BY_CODE.values()]:
        assert place.code.isascii() and place.code == place.code.lower() and place.code
        # Georgian names in Mkhedruli, Russian in Cyrillic, English in Latin letters
        assert all(unicodedata.name(ch).startswith("GEORGIAN LETTER")
                   for ch in place.name_ka if ch.isalpha()), place.name_ka
        assert all(unicodedata.name(ch).startswith("CYRILLIC")
                   for ch in place.name_ru if ch.isalpha()), place.name_ru
        assert place.name_en.isascii(), place.name_en


def test_the_migration_checks_the_codes_of_the_list():
    """A code added to the data file needs a migration that widens the database's check."""
    assert MIGRATION.CODES == CODES


@pytest.mark.parametrize(
    "code, locale, expected",
    [
        ("samgori", "ka", "სამგორი"), ("samgori", "en", "Samgori"), ("samgori", "ru", "Самгори"),
        ("kutaisi", "ka", "ქუთაისი"), ("vake", "ka", "ვაკე"), ("saburtalo", "ka", "საბურთალო"),
        ("batumi", "ka", "ბათუმი"), ("rustavi", "ka", "რუსთავი"), ("zugdidi", "ka", "ზუგდიდი"),
        ("gori", "ka", "გორი"), ("telavi", "ka", "თელავი"), ("ozurgeti", "ka", "ოზურგეთი"),
        ("kutaisi", "az", "ქუთაისი"),  # a language the list does not name: Georgian
        ("", "ka", ""), (None, "en", ""), ("nowhere", "en", "nowhere"),
    ],
)
def test_names_in_the_readers_language(code, locale, expected):
    assert name(code, locale) == expected


@pytest.mark.parametrize(
    "locale, region, first",
    [("ka", "თბილისი", ("gldani", "გლდანი")), ("en", "Tbilisi", ("chugureti", "Chugureti")),
     ("ru", "Тбилиси", ("vake", "Ваке"))],
)
def test_choices_are_grouped_by_region_and_sorted_by_name(locale, region, first):
    groups = choices(locale)
    assert [group for group, _places in groups] == [r.name(locale) for r in REGIONS]
    assert groups[0][0] == region and groups[0][1][0] == first
    assert sorted(code for _group, places in groups for code, _name in places) == sorted(CODES)


def test_codes_in_the_order_of_the_list_unknown_last():
    assert municipalities.ordered(["kutaisi", "zz", "gldani", "samgori"]) == [
        "samgori", "gldani", "kutaisi", "zz"]
