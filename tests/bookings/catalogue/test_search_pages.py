"""The public catalogue's search by any form of a tool's name (the page, its results fragment and
the JSON API), and odd queries answered with a page, never an error."""

from __future__ import annotations

SCREWDRIVER_SET = "დიელექტრიკული სახრახნისების ნაკრები (1000 ვ)"
CORDLESS_DRILL = "აკუმულატორიანი ბურღი-სახრახნისი"
ROTARY_HAMMER = "პერფორატორი (დარტყმითი ბურღი, SDS-plus)"


async def test_the_nominative_finds_the_plural_in_a_name(client, seeded):
    page = await client.get("/", params={"q": "სახრახნისი"})
    assert page.status_code == 200
    assert SCREWDRIVER_SET in page.text and CORDLESS_DRILL in page.text
    results = await client.get("/", params={"q": "სახრახნისებით"},
                               headers={"HX-Request": "true", "HX-Target": "results"})
    assert results.text.lstrip().startswith('<section id="results"')
    assert SCREWDRIVER_SET in results.text and CORDLESS_DRILL in results.text


async def test_burghi_finds_what_drill_finds(client, seeded):
    english = await client.get("/api/v1/tool-types", params={"q": "drill"})
    georgian = await client.get("/api/v1/tool-types", params={"q": "ბურღებით"})
    assert english.status_code == georgian.status_code == 200
    slugs = {item["slug"] for item in georgian.json()["items"]}
    assert slugs == {item["slug"] for item in english.json()["items"]}
    assert slugs == {"cordless-drill", "rotary-hammer-drill"}
    page = await client.get("/", params={"q": "ბურღი"})
    assert CORDLESS_DRILL in page.text and ROTARY_HAMMER in page.text


ODD = ["%", "_", "%%", "ᲡᲐᲮᲠᲐᲮᲜᲘᲡᲘ", "\u0301", "ბ\u0301ურღი", "ბურღიdrill", "дрель ბურღი drill",
       "x" * 100, "ბ" * 100, "'; --", "<script>"]


async def test_odd_queries_answer_and_an_ending_alone_finds_nothing(client, seeded):
    for query in ODD:
        assert (await client.get("/", params={"q": query})).status_code == 200, query
        assert (await client.get("/api/v1/tool-types", params={"q": query})).status_code \
            == 200, query
    for query in ("ის", "ებით", "ებისთვის"):
        page = await client.get("/", params={"q": query})
        assert page.status_code == 200
        assert 'class="tool-card"' not in page.text, query
