"""The catalogue search in the database (SQLite, and PostgreSQL with TEST_DATABASE_URL): every
word form of the table in bench/search_forms.py finds its tool types in the demo seed and no
other, in the public catalogue and in the coordinators' list; odd queries answer too."""

from __future__ import annotations

from bench.search_forms import FORMS
from inventory import catalogue


async def slugs_found(query: str) -> set[str]:
    page = await catalogue.search_tool_types(query, per_page=100)
    assert page.total == len(page.items)
    return {item["slug"] for item in page.items}


async def test_every_form_finds_its_tools_and_no_other(seeded):
    wrong = {}
    for query, expected, about in FORMS:
        found = await slugs_found(query)
        if found != expected:
            wrong[query] = (about, sorted(expected - found), sorted(found - expected))
    assert wrong == {}


async def test_the_coordinators_list_finds_the_same_forms(seeded):
    page = await catalogue.all_tool_types("სახრახნისებით")
    assert {item["slug"] for item in page.items} == {"insulated-screwdriver-set",
                                                    "cordless-drill"}
    page = await catalogue.all_tool_types("ქამრით")
    assert [item["slug"] for item in page.items] == ["moving-straps"]


async def test_odd_queries_find_what_they_say(seeded):
    everything = await catalogue.search_tool_types("", per_page=100)
    for query in ("%", "_", "%_%", "\u0301", " \t "):  # nothing to search for: every tool
        assert (await catalogue.search_tool_types(query, per_page=100)).total \
            == everything.total, query
    for query in ("ის", "ებით", "a" * 5000, "ბ" * 5000, "x\u0301" * 300,
                  "ბურღი'; DROP TABLE tool_type; --"):
        assert await slugs_found(query) == set(), query
    assert await slugs_found("ბურღიdrill") == {"cordless-drill", "rotary-hammer-drill"}
    assert await slugs_found("%ბურღ_") == {"cordless-drill", "rotary-hammer-drill"}
