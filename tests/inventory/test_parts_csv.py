"""Kits in the catalogue's CSV file: one `part` row a part after its tool type (an Excel user
adds or removes a part as a row); checked like every row, imported with the tool types, and
exported again."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from helpers import credentials, csrf_token, demo_cast, log_in, now

from inventory import csvfiles, parts
from inventory.tables import ToolType, ToolTypePart

TODAY = date(2026, 11, 23)
KNOWN = csvfiles.Known(
    categories={"garden": 2}, skills={}, centres={"SMG": 1}, tool_types={"cordless-drill": 1},
    asset_tags=frozenset(), part_names={"cordless-drill": frozenset({"Charger", "დამტენი"})})
PART = {"record": "part", "tool_type": "cordless-drill", "name_ka": "ჩანთა", "name_en": "Case",
        "count": "1", "replacement_cost": "25"}


def plan_of(*rows: dict) -> csvfiles.Plan:
    sheet = csvfiles.read_csv(csvfiles.to_csv(csvfiles.CATALOGUE_COLUMNS, rows))
    return csvfiles.check_rows(sheet, KNOWN, TODAY)


@pytest.mark.parametrize(("change", "columns"), [
    ({}, set()),
    ({"count": "", "replacement_cost": ""}, set()),  # one, free
    ({"tool_type": "rose-pruner"}, {"tool_type"}),  # not in the catalogue nor the file
    ({"tool_type": ""}, {"tool_type"}),
    ({"name_en": "Charger"}, {"name_en"}),  # the tool type has it already
    ({"name_ka": ""}, {"name_ka"}),
    ({"count": "-1", "replacement_cost": "-5"}, {"count", "replacement_cost"}),
    ({"count": "two"}, {"count"}),
])
def test_a_part_row(change, columns):
    plan = plan_of({**PART, **change})
    assert set(plan.rows[0].errors) == columns
    if not columns:
        assert plan.parts[0].values["replacement_cost"] in (2500, 0)


def test_a_part_of_a_tool_type_in_the_same_file_and_a_part_twice():
    tool = {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
            "name_ka": "სეკატორი", "name_en": "Pruner", "daily_fee": "3", "deposit": "0",
            "max_loan_days": "7"}
    plan = plan_of(tool, {**PART, "tool_type": "rose-pruner"},
                   {**PART, "tool_type": "rose-pruner"})
    assert [set(row.errors) for row in plan.rows] == [set(), set(), {"name_ka", "name_en"}]


def test_an_unknown_record_names_the_three_kinds():
    plan = plan_of({**PART, "record": "kit"})
    assert set(plan.rows[0].errors) == {"record"}


async def test_parts_are_imported_with_their_tool_type_and_exported_again(client, seeded):
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    content = csvfiles.to_csv(csvfiles.CATALOGUE_COLUMNS, [
        {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
         "name_ka": "ვარდის სეკატორი", "name_en": "Rose pruner", "daily_fee": "3",
         "deposit": "50", "max_loan_days": "7"},
        {**PART, "tool_type": "rose-pruner", "position": "2"},
        {**PART, "tool_type": "rose-pruner", "name_ka": "პირი", "name_en": "Spare blade",
         "count": "2", "replacement_cost": "7.50", "position": "1"},
    ])
    token = await csrf_token(client, "/manage/import")
    preview = await client.post("/manage/import", data={"_csrf_token": token},
                                files={"file": ("kit.csv", content, "text/csv")})
    assert preview.status_code == 200 and await ToolTypePart.count() == 0  # a dry run
    done = await client.post("/manage/import/confirm", data={
        "_csrf_token": token, "content": base64.b64encode(content).decode()})
    assert done.status_code == 303, done.text
    tool = await ToolType.select(ToolType.id).where(ToolType.slug == "rose-pruner").first()
    page = await parts.parts_page(tool["id"])
    assert [(p["name_en"], p["count"], p["replacement_cost"]) for p in page["parts"]] == [
        ("Spare blade", 2, 750), ("Case", 1, 2500)]
    exported = (await client.get("/manage/export/tool-types.csv")).content
    rows = [row for _line, row in csvfiles.read_csv(exported).rows]
    at = [row["slug"] or row["name_en"] for row in rows]
    start = at.index("rose-pruner")
    assert at[start:start + 3] == ["rose-pruner", "Spare blade", "Case"]
    again = await client.post("/manage/import", data={"_csrf_token": token},
                              files={"file": ("again.csv", content, "text/csv")})
    assert again.status_code == 422  # create-only: the tool type and its parts are there


async def test_a_refused_file_imports_no_parts(client, seeded):
    cast = await demo_cast()
    drill = await ToolType.select(ToolType.id, ToolType.slug).first()
    await parts.add_part(drill["id"], {"name_ka": "დამტენი", "name_en": "Charger"},
                         actor=cast.coordinator, now=now())
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    content = csvfiles.to_csv(csvfiles.CATALOGUE_COLUMNS, [
        {**PART, "tool_type": drill["slug"]},
        {**PART, "tool_type": drill["slug"], "name_ka": "სხვა", "name_en": "Charger"}])
    token = await csrf_token(client, "/manage/import")
    refused = await client.post("/manage/import/confirm", data={
        "_csrf_token": token, "content": base64.b64encode(content).decode()})
    assert refused.status_code == 422
    assert await ToolTypePart.count() == 1
