"""The catalogue search's rules (inventory.search_rules) as tables of cases: the stems of real
Georgian, English and Russian word forms, the vowels a stem loses, the LIKE patterns a query
becomes, and the table of word forms (bench/search_forms.py) against the demo catalogue's names.
No database: `matches` decides as LIKE does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.search_forms import FORMS, catalogue
from inventory.search_rules import (
    MAX_WORDS,
    like_patterns,
    matches,
    query_terms,
    screen,
    stem,
    variants,
    words,
)

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out


@pytest.mark.parametrize(
    ("word", "kind", "expected"),
    [
        pytest.param("სახრახნისი", "georgian", "სახრახნის", id="nominative"),
        pytest.param("სახრახნისის", "georgian", "სახრახნის", id="genitive"),
        pytest.param("სახრახნისით", "georgian", "სახრახნის", id="instrumental"),
        pytest.param("სახრახნისს", "georgian", "სახრახნის", id="dative"),
        pytest.param("სახრახნისები", "georgian", "სახრახნის", id="plural"),
        pytest.param("სახრახნისების", "georgian", "სახრახნის", id="genitive-plural"),
        pytest.param("სახრახნისებით", "georgian", "სახრახნის", id="instrumental-plural"),
        pytest.param("სახრახნისებისთვის", "georgian", "სახრახნის", id="plural-for"),
        pytest.param("ბურღმა", "georgian", "ბურღ", id="ergative"),
        pytest.param("ბურღში", "georgian", "ბურღ", id="in"),
        pytest.param("ბურღზე", "georgian", "ბურღ", id="on"),
        pytest.param("ბურღთან", "georgian", "ბურღ", id="at"),
        pytest.param("ბურღიდან", "georgian", "ბურღ", id="from"),
        pytest.param("ბურღამდე", "georgian", "ბურღ", id="up-to"),
        pytest.param("ბურღად", "georgian", "ბურღ", id="adverbial"),
        pytest.param("ბურღო", "georgian", "ბურღ", id="vocative"),
        pytest.param("ბურღიც", "georgian", "ბურღ", id="particle-too"),
        pytest.param("ნიჟარასთან", "georgian", "ნიჟარ", id="vowel-stem-dative-at"),
        pytest.param("ნიჟარასავით", "georgian", "ნიჟარ", id="vowel-stem-like"),
        pytest.param("ბარისა", "georgian", "ბარ", id="genitive-emphatic"),
        pytest.param("ფილა", "georgian", "ფილ", id="a-stem"),
        pytest.param("ფილის", "georgian", "ფილ", id="a-stem-genitive"),
        pytest.param("კიბე", "georgian", "კიბ", id="e-stem"),
        pytest.param("კიბეზე", "georgian", "კიბ", id="e-stem-on"),
        pytest.param("კიბით", "georgian", "კიბ", id="e-stem-truncated"),
        pytest.param("ტუმბოთი", "georgian", "ტუმბ", id="o-stem-instrumental"),
        pytest.param("ტუმბოს", "georgian", "ტუმბ", id="o-stem-dative"),
        pytest.param("ქამრები", "georgian", "ქამრ", id="syncopated-plural"),
        pytest.param("ნიჩბით", "georgian", "ნიჩბ", id="syncopated-instrumental"),
        pytest.param("გასაღებს", "georgian", "გასაღ", id="stem-in-eb-taken-as-plural"),
        pytest.param("ბარი", "georgian", "ბარ", id="three-letters-kept"),
        pytest.param("ბარს", "georgian", "ბარ", id="three-letters-dative"),
        pytest.param("ხის", "georgian", "ხის", id="too-short-to-strip"),
        pytest.param("ის", "georgian", "ის", id="ending-alone-kept"),
        pytest.param("drills", "latin", "drill", id="english-plural"),
        pytest.param("drilling", "latin", "drill", id="english-ing"),
        pytest.param("grinders", "latin", "grind", id="english-ers"),
        pytest.param("wrenches", "latin", "wrench", id="english-es"),
        pytest.param("glass", "latin", "glass", id="english-double-s-kept"),
        pytest.param("saw", "latin", "saw", id="english-short"),
        pytest.param("дрелью", "cyrillic", "дрел", id="russian-instrumental"),
        pytest.param("ключи", "cyrillic", "ключ", id="russian-plural"),
        pytest.param("лестницами", "cyrillic", "лестниц", id="russian-plural-instrumental"),
        pytest.param("1000", "digit", "1000", id="number"),
    ],
)
def test_stem(word, kind, expected):
    assert stem(word, kind) == expected


@pytest.mark.parametrize(
    ("bare", "kind", "expected"),
    [
        pytest.param("ქამარ", "georgian", ("ქამარ", "ქამრ"), id="vowel-squeezed-out"),
        pytest.param("მაკრატელ", "georgian", ("მაკრატელ", "მაკრატლ"), id="e-squeezed-out"),
        pytest.param("ნიჩბ", "georgian", ("ნიჩბ", "ნიჩაბ", "ნიჩებ"), id="vowel-put-back"),
        pytest.param("ტროს", "georgian", ("ტროს",), id="o-never-lost"),
        pytest.param("ბარ", "georgian", ("ბარ",), id="too-short-to-lose-a-vowel"),
        pytest.param("კიბე", "georgian", ("კიბე",), id="ends-in-a-vowel"),
        pytest.param("отвёртк", "cyrillic", ("отвёртк", "отвёрток", "отвёртек", "отвёртёк"),
                     id="russian-fleeting-vowel"),
        pytest.param("drill", "latin", ("drill",), id="english-none"),
    ],
)
def test_variants(bare, kind, expected):
    assert variants(bare, kind) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ᲑᲣᲠᲦᲘ-სახრახნისი", [("georgian", "ბურღი"), ("georgian", "სახრახნისი")],
                     id="mtavruli-and-hyphen"),
        pytest.param("drillბურღი", [("latin", "drill"), ("georgian", "ბურღი")],
                     id="scripts-split"),
        pytest.param("(1000 ვ)", [("digit", "1000"), ("georgian", "ვ")], id="digits"),
        pytest.param("50%_off", [("digit", "50"), ("latin", "off")], id="wildcards-split"),
        pytest.param("\u0301", [], id="lone-combining-mark"),
        pytest.param("и\u0306", [("cyrillic", "й")], id="combining-composed"),
        pytest.param("", [], id="empty"),
    ],
)
def test_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("%", [], id="percent"),
        pytest.param("_", [], id="underscore"),
        pytest.param(" %_ ", [], id="wildcards-only"),
        pytest.param("\u0301\u0301", [], id="combining-only"),
        pytest.param("სახრახნისი", [("%სახრახნის%",)], id="long-stem-inside-words"),
        pytest.param("ბარი", [like_patterns("ბარ", inside=False)], id="short-stem-begins-a-word"),
        pytest.param("ის", [like_patterns("ის", inside=False)], id="ending-alone-begins-a-word"),
        pytest.param("ებისთვის", [like_patterns("ებისთვის", inside=False)],
                     id="long-ending-alone-begins-a-word"),
        pytest.param("drill Drills", [("%drill%",)], id="same-stem-once"),
        pytest.param("ბურღი და", [("%ბურღ%", "%ბურაღ%", "%ბურეღ%")], id="stop-word-left-out"),
        pytest.param("და", [like_patterns("და", inside=False)], id="stop-word-alone-kept"),
    ],
)
def test_query_terms(query, expected):
    assert query_terms(query) == expected


def test_query_terms_never_hold_a_wildcard_typed():
    for query in ("50%", "a_b", "%%%ბურღი%%%", "_" * 300, "ბურღი\\%"):
        for term in query_terms(query):
            for pattern in term:  # %form%, form% or %<word break>form%: letters and digits
                assert pattern.strip("%").lstrip(" -(/,").isalnum(), pattern


@given(st.text(max_size=300))
def test_any_text_is_a_query(query):
    terms = query_terms(query)
    assert len(terms) <= MAX_WORDS
    for term in terms:
        for pattern in term:
            assert pattern.strip("%").lstrip(" -(/,").isalnum(), pattern
    matches(query, "აკუმულატორიანი ბურღი-სახრახნისი cordless drill-driver")


def test_query_terms_are_bounded():
    query = " ".join(f"სიტყვა{n}" for n in range(100)) + "x" * 10_000
    assert len(query_terms(query)) <= MAX_WORDS


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param(("%ბურღ%", "%ბურაღ%", "%ბურეღ%"), "%ბურ%", id="shared-beginning"),
        pytest.param(like_patterns("ბარ", inside=False), "%ბარ%", id="word-start-patterns"),
        pytest.param(("%ქამარ%", "%ქამრ%"), "%ქამ%", id="vowel-lost"),
        pytest.param(("%drill%",), None, id="one-pattern-needs-none"),
        pytest.param(("%აბ%", "%ბა%"), None, id="nothing-shared"),
    ],
)
def test_screen(term, expected):
    assert screen(term) == expected


def test_a_screen_lets_through_every_text_its_term_matches():
    for query, _expected, _about in FORMS:
        for term in query_terms(query):
            first = screen(term)
            for text in CATALOGUE.values():
                if first and any(matches_pattern(pattern, text) for pattern in term):
                    assert matches_pattern(first, text), (query, text)


def matches_pattern(pattern: str, text: str) -> bool:
    core = pattern.strip("%")
    return text.startswith(core) if not pattern.startswith("%") else core in text


def test_word_breaks_begin_words():
    assert matches("ბარი", "ბარისა და ფოცხის ნაკრები")
    assert matches("სტრიპერი", "სადენის მოსახსნელი (სტრიპერი)")
    assert matches("ბურღი", "აკუმულატორიანი ბურღი-სახრახნისი")
    assert not matches("ბარი", "საბარგო ურიკა")  # a short stem inside a word: no


CATALOGUE = catalogue()


@pytest.mark.parametrize(("query", "expected", "about"), FORMS, ids=[row[0][:24] for row in FORMS])
def test_forms_find_their_tools_and_no_other(query, expected, about):
    found = {slug for slug, text in CATALOGUE.items() if matches(query, text)}
    assert found == expected, about
