"""How well the catalogue search finds a tool by the forms of its name people type:
`python -m bench.search_forms`.

FORMS is a table of real word forms (Georgian cases, plurals, postpositions, stems that lose a
vowel; English and Russian forms; queries that must find nothing) against the demo catalogue
(toollib/demo/data.py), each with every tool type it must find and no other. The old search (the
whole query as one `LIKE '%…%'`) and the new one (inventory.search_rules) run as SQLite LIKE over
the search text the seed stores, and the figures are printed beside their goals. The tests read
the same table (tests/inventory/test_search_forms_rules.py and test_search_forms.py).
"""

from __future__ import annotations

import sqlite3
import statistics
import time

from inventory.rules import search_text
from inventory.search_rules import query_terms, screen

SCREWDRIVERS = {"insulated-screwdriver-set", "cordless-drill"}
DRILLS = {"cordless-drill", "rotary-hammer-drill"}
PIPES = {"pipe-wrench", "pipe-cutter", "pipe-threader", "ppr-pipe-welder", "multilayer-press-tool"}
WRENCHES = {"pipe-wrench", "basin-wrench", "washing-machine-spanner-set"}
LADDERS = {"step-ladder", "extension-ladder"}
AUGERS = {"drain-snake", "toilet-auger"}
CARTS = {"appliance-dolly", "wheelbarrow"}
CUTTERS = {"tile-cutter", "pipe-cutter", "pipe-threader", "telescopic-tree-pruner"}

# (query, the tool types (slugs) it must find, what the row is about)
FORMS: list[tuple[str, set[str], str]] = [
    ("სახრახნისი", SCREWDRIVERS, "the issue: nominative finds the genitive plural"),
    ("ბურღი", DRILLS, "the issue: as many as 'drill'"),
    ("drill", DRILLS, "English, as many as 'ბურღი'"),
    ("სახრახნისები", SCREWDRIVERS, "plural"),
    ("სახრახნისების", SCREWDRIVERS, "genitive plural"),
    ("სახრახნისებით", SCREWDRIVERS, "instrumental plural"),
    ("სახრახნისით", SCREWDRIVERS, "instrumental"),
    ("სახრახნისის", SCREWDRIVERS, "genitive"),
    ("ᲡᲐᲮᲠᲐᲮᲜᲘᲡᲘ", SCREWDRIVERS, "Mtavruli capitals"),
    ("ბურღის", DRILLS, "genitive"),
    ("ბურღით", DRILLS, "instrumental"),
    ("ბურღს", DRILLS, "dative"),
    ("ბურღმა", DRILLS, "ergative"),
    ("ბურღები", DRILLS, "plural"),
    ("ბურღებისთვის", DRILLS, "plural with -ისთვის"),
    ("პერფორატორით", {"rotary-hammer-drill"}, "instrumental"),
    ("ქამარი", {"moving-straps"}, "a vowel lost in the name: ქამრები"),
    ("ქამრით", {"moving-straps"}, "a vowel lost in the query"),
    ("მაკრატელი", {"pruning-shears-set"}, "a vowel lost in the name: მაკრატლების"),
    ("მაკრატლით", {"pruning-shears-set"}, "a vowel lost in the query"),
    ("დამაგრძელებლით", {"extension-reel"}, "a vowel lost in the query: დამაგრძელებელი"),
    ("მოსაშორებლები", {"wallpaper-steamer"}, "a vowel lost in the query: მოსაშორებელი"),
    ("ფილა", {"tile-cutter"}, "-ა stem, the name has ფილის"),
    ("ფილები", {"tile-cutter"}, "-ა stem, plural"),
    ("კიბე", LADDERS, "-ე stem"),
    ("კიბით", LADDERS, "-ე stem loses its vowel"),
    ("კიბეები", LADDERS, "-ე stem, plural"),
    ("კიბეზე", LADDERS, "postposition -ზე"),
    ("მილი", PIPES, "a name word and compounds (მილსაჭრელი)"),
    ("მილში", PIPES, "postposition -ში"),
    ("მილებით", PIPES, "instrumental plural"),
    ("გასაღები", WRENCHES, "nominative, stem ends in -ებ"),
    ("გასაღებით", WRENCHES, "instrumental"),
    ("ტროსით", AUGERS, "instrumental"),
    ("ტროსებში", AUGERS, "plural with -ში"),
    ("მულტიმეტრით", {"digital-multimeter"}, "instrumental"),
    ("ნიჟარასთან", {"basin-wrench"}, "-ა stem, dative kept before -თან"),
    ("ტუმბოსთან", {"pressure-test-pump"}, "-ო stem, dative kept before -თან"),
    ("უნიტაზში", {"toilet-auger"}, "postposition -ში"),
    ("ტუმბოთი", {"pressure-test-pump"}, "-ო stem, instrumental -თი"),
    ("ურიკაზე", CARTS, "-ა stem with -ზე"),
    ("ურიკებით", CARTS, "-ა stem, instrumental plural"),
    ("კამერით", {"sewer-inspection-camera"}, "-ა stem, instrumental"),
    ("მტვერსასრუტით", {"wet-dry-vacuum"}, "instrumental"),
    ("საჭრელი", CUTTERS, "inside compounds: მილსაჭრელი, ტოტსაჭრელი"),
    ("საკრეჭი", {"hedge-trimmer", "lawn-mower"}, "inside a compound: ბუჩქსაკრეჭი"),
    ("წნევით", {"pressure-test-pump", "high-pressure-drain-jetter"}, "-ა stem, instrumental"),
    ("ძაბვა", {"non-contact-voltage-tester"}, "-ა stem, the name has ძაბვის"),
    ("ბარი", {"spade-and-rake-set"}, "short stem, the name has ბარისა"),
    ("ნაკრები სახრახნისების", {"insulated-screwdriver-set"}, "words in another order"),
    ("სახრახნისი ნაკრები", {"insulated-screwdriver-set"}, "every word must match"),
    ("ბურღი და ხერხი", set(), "a word no name has"),
    ("drills", DRILLS, "English plural"),
    ("drilling", DRILLS, "English -ing"),
    ("ladders", LADDERS, "English plural"),
    ("screwdrivers", {"insulated-screwdriver-set"}, "English plural"),
    ("wrenches", {"pipe-wrench", "basin-wrench"}, "English -es"),
    ("дрели", {"cordless-drill"}, "Russian genitive"),
    ("отвёртка", {"insulated-screwdriver-set"}, "Russian, the name has отвёрток"),
    ("ключи", WRENCHES, "Russian plural (ключ, ключей)"),
    ("drill ბურღი", DRILLS, "two scripts"),
    ("დენი", {"clamp-meter"}, "not inside სადენის (wire)"),
    ("ის", set(), "an ending alone finds nothing"),
    ("ები", set(), "the plural alone finds nothing"),
    ("ებისთვის", set(), "a postposition alone finds nothing"),
    ("ბურღი" * 20, set(), "a very long word"),
]


def catalogue() -> dict[str, str]:
    """Slug -> search text of every demo tool type, as the seed stores it."""
    from toollib.demo import data

    return {t["slug"]: search_text(t["name_ka"], t["name_en"], t["name_ru"])
            for t in data.TOOL_TYPES}


def connect(texts: dict[str, str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE tool_type (slug TEXT, search_text TEXT)")
    db.executemany("INSERT INTO tool_type VALUES (?, ?)", texts.items())
    return db


def old_pattern(query: str) -> str | None:
    """The search before word forms (until 2026-12-05): the whole query as one substring."""
    cleaned = " ".join(query.lower().replace("%", " ").replace("_", " ").split())[:100].strip()
    return f"%{cleaned}%" if cleaned else None


def old_search(db: sqlite3.Connection, query: str) -> set[str]:
    pattern = old_pattern(query)
    if pattern is None:
        return {row[0] for row in db.execute("SELECT slug FROM tool_type")}
    return {row[0] for row in db.execute(
        "SELECT slug FROM tool_type WHERE search_text LIKE ?", (pattern,))}


def new_search(db: sqlite3.Connection, query: str) -> set[str]:
    """As inventory.catalogue asks: per word, its screen first, then any of its patterns."""
    where, values = [], []
    for term in query_terms(query):
        either = "(" + " OR ".join("search_text LIKE ?" for _ in term) + ")"
        first = screen(term)
        where.append(f"(search_text LIKE ? AND {either})" if first else either)
        values += [first, *term] if first else term
    sql = "SELECT slug FROM tool_type WHERE " + (" AND ".join(where) or "1 = 1")
    return {row[0] for row in db.execute(sql, values)}


def score(search, db: sqlite3.Connection) -> tuple[int, int, int, list[str]]:
    """Rows answered exactly, tools missed, tools found that should not be, and the misses."""
    exact = missed = false = 0
    notes = []
    for query, expected, _about in FORMS:
        found = search(db, query)
        missed += len(expected - found)
        false += len(found - expected)
        if found == expected:
            exact += 1
        else:
            notes.append(f"  {query[:30]}: missed {sorted(expected - found)}, "
                         f"extra {sorted(found - expected)}")
    return exact, missed, false, notes


def timings(searches, db: sqlite3.Connection, rounds: int = 9) -> dict[str, float]:
    """Median milliseconds of one search over the table's queries, the searches taking turns
    so that a busy machine slows them alike."""
    took: dict[str, list[float]] = {name: [] for name in searches}
    for _ in range(rounds):
        for name, search in searches.items():
            for query, _expected, _about in FORMS:
                started = time.perf_counter()
                search(db, query)
                took[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in took.items()}


def main() -> None:
    texts = catalogue()
    db = connect(texts)
    expected_tools = sum(len(expected) for _q, expected, _a in FORMS)
    print(f"{len(FORMS)} queries, {expected_tools} tool types to find, "
          f"{len(texts)} demo tool types")
    for name, search in (("old", old_search), ("new", new_search)):
        exact, missed, false, notes = score(search, db)
        print(f"{name}: rows answered exactly {exact}/{len(FORMS)} (goal: all); "
              f"tools found {expected_tools - missed}/{expected_tools} (goal: all); "
              f"false hits {false} (goal: 0)")
        print("\n".join(notes))
    # the national data set's size: every demo name 2,000 times over with a model code
    big = connect({f"{slug}-{n}": f"{text} {n % 7} pro x-{n}"
                   for n in range(2000 // len(texts) + 1) for slug, text in texts.items()})
    rows = big.execute("SELECT count(*) FROM tool_type").fetchone()[0]
    for name, took in timings({"old": old_search, "new": new_search}, big).items():
        print(f"{name}: median {took:.2f} ms a query over {rows} rows "
              "(SQLite in memory, no index either way)")


if __name__ == "__main__":
    main()
