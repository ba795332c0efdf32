"""The label page (/labels): the stock chosen from the table, each label's asset tag as a QR
code and a Code 128 barcode that read back as the tag, a stock that does not exist refused
with a message, and the stylesheet that places the labels on the stock."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers import credentials, log_in
from scanning import draw_bars, read

from inventory.label_rules import STOCKS
from inventory.tables import ToolType, Unit
from rental.kernel.barcodes import code128_svg


async def as_staff(client, seeded) -> None:
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303


async def drill_units() -> tuple[int, list[dict]]:
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    units = await Unit.select(Unit.id, Unit.asset_tag).where(
        Unit.tool_type == drill["id"]).order_by(Unit.id)
    return drill["id"], units


def barcodes_of(html: str) -> list[str]:
    return re.findall(r'<div class="label-barcode">(<svg.*?</svg>)</div>', html)


@pytest.mark.parametrize("tag", ["SMG-0001", "KUT-0042", "AB-0000000001", "M00042"])
def test_the_code_128_barcode_reads_back_as_its_text(tag):
    svg = code128_svg(tag)
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
    assert read(*draw_bars(svg)) == {("Code 128", tag)}


async def test_the_default_stock_is_the_a4_sheet_of_24(client, seeded):
    await as_staff(client, seeded)
    first, second = (await drill_units())[1][:2]
    page = await client.get("/labels", params={"unit": [first["id"], second["id"]]})
    assert page.status_code == 200
    assert 'class="label-sheet stock-a4-3x8"' in page.text
    assert '<option value="a4-3x8" selected>' in page.text
    assert page.text.count('class="label-page"') == 1
    # the chosen units go along when another stock is chosen
    for unit in (first, second):
        assert f'<input type="hidden" name="unit" value="{unit["id"]}">' in page.text
    bars = barcodes_of(page.text)
    assert [read(*draw_bars(svg)) for svg in bars] == [
        {("Code 128", first["asset_tag"])}, {("Code 128", second["asset_tag"])}]


@pytest.mark.parametrize("key", list(STOCKS))
async def test_every_stock_puts_its_number_of_labels_on_a_page(client, seeded, key):
    await as_staff(client, seeded)
    drill, units = await drill_units()
    page = await client.get("/labels", params={"tool_type": drill, "stock": key})
    assert page.status_code == 200
    assert f'class="label-sheet stock-{key}"' in page.text
    assert f'<option value="{key}" selected>' in page.text
    assert f'<input type="hidden" name="tool_type" value="{drill}">' in page.text
    per_page = STOCKS[key].per_page
    assert page.text.count('class="label-page"') == -(-len(units) // per_page)
    assert page.text.count('class="label"') == len(units)
    assert len(barcodes_of(page.text)) == len(units)
    assert '<link rel="stylesheet" href="/labels/stock.css">' in page.text


@pytest.mark.parametrize("bad", ["a5", "A4-3X8", "<script>", "x" * 40])
async def test_a_stock_that_does_not_exist_is_refused_with_a_message(client, seeded, bad):
    await as_staff(client, seeded)  # who reads Georgian
    drill, _units = await drill_units()
    page = await client.get("/labels", params={"tool_type": drill, "stock": bad})
    assert page.status_code == 422
    assert "ეტიკეტების ასეთი ფორმატი არ არსებობს: აირჩიეთ სიიდან." in unescape(page.text)
    assert "<script>" not in page.text.split("<main", 1)[1]


async def test_a_stock_name_too_long_is_refused_before_anything_else(client, seeded):
    await as_staff(client, seeded)
    page = await client.get("/labels", params={"stock": "x" * 41})
    assert page.status_code == 400


async def test_the_stock_stylesheet_is_served_to_staff_only(client, seeded):
    assert (await client.get("/labels/stock.css")).status_code in (302, 303, 401)
    await as_staff(client, seeded)
    css = await client.get("/labels/stock.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for key in STOCKS:
        assert f"@page {key} " in css.text
