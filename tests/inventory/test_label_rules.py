"""Label stock (inventory/label_rules.py): the table of stocks, what each holds, that its labels
and their codes fit, how labels fall into pages, and the stylesheet that places them. Pure."""

from __future__ import annotations

import re

import pytest

from inventory.label_rules import DEFAULT, STOCKS, fits, pages, stock, stylesheet

# key: (labels a page, page size, label size), as the stock's packet says
TABLE = {
    "a4-3x8": (24, (210, 297), (70, 37)),
    "a4-4x10": (40, (210, 297), (48.5, 25.4)),
    "thermal-50x25": (1, (50, 25), (50, 25)),
}


def test_the_table_is_the_stock_on_sale():
    assert {key: (s.per_page, s.page, s.label) for key, s in STOCKS.items()} == TABLE


@pytest.mark.parametrize("key", TABLE)
def test_every_stock_fits_its_page_and_its_codes_fit_its_labels(key):
    chosen = STOCKS[key]
    assert fits(chosen) == []
    left, top = chosen.margins
    assert left >= 0 and top >= 0
    assert left * 2 + chosen.columns * chosen.label[0] == pytest.approx(chosen.page[0])
    assert top * 2 + chosen.rows * chosen.label[1] == pytest.approx(chosen.page[1])


def test_a_stock_that_does_not_fit_is_told():
    from dataclasses import replace

    a4 = STOCKS["a4-3x8"]
    assert "larger than the page" in fits(replace(a4, columns=4))[0]
    assert "taller than the label" in fits(replace(a4, qr=30))[0]
    assert any("too small" in p for p in fits(replace(a4, qr=8, bars=20)))


def test_the_default_is_the_sheet_printed_before_there_was_a_choice():
    assert DEFAULT == "a4-3x8" and stock(DEFAULT) is STOCKS["a4-3x8"]
    assert stock("a5-2x4") is None and stock("") is None


@pytest.mark.parametrize(("count", "key", "sizes"), [
    (0, "a4-3x8", []),
    (1, "a4-3x8", [1]),
    (24, "a4-3x8", [24]),
    (25, "a4-3x8", [24, 1]),
    (85, "a4-4x10", [40, 40, 5]),
    (3, "thermal-50x25", [1, 1, 1]),
])
def test_labels_fall_into_pages_of_the_stock(count, key, sizes):
    split = pages(count, STOCKS[key])
    assert [len(page) for page in split] == sizes
    assert [i for page in split for i in page] == list(range(count))


def test_the_stylesheet_gives_every_stock_its_page_and_its_grid():
    css = stylesheet()
    assert "style=" not in css
    for key, s in STOCKS.items():
        page = re.search(rf"@page {key} {{ size: ([\d.]+)mm ([\d.]+)mm; margin: 0; }}", css)
        assert page and (float(page[1]), float(page[2])) == s.page
        assert f".stock-{key} .label {{ width: {s.label[0]:g}mm; height: {s.label[1]:g}mm;" in css
        assert f"page: {key};" in css
        assert f"grid-template-columns: repeat({s.columns}, {s.label[0]:g}mm)" in css
        assert f"grid-template-rows: repeat({s.rows}, {s.label[1]:g}mm)" in css

