"""CSV export of the catalogue and the unit register; CSV import of tool types and units with a
dry run, re-checked on confirming, written in one transaction."""

from __future__ import annotations

import base64
import re
import time
from datetime import date

import pytest
from helpers import credentials, csrf_token, log_in

from inventory import csvfiles
from inventory.tables import ToolType, Unit, UnitEvent
from rental.tables import AuditLog, Centre

TODAY = date(2026, 11, 23)
KNOWN = csvfiles.Known(
    categories={"electrical": 1, "garden": 2},
    skills={"power-tools": 1},
    centres={"SMG": 1, "KUT": 2},
    tool_types={"cordless-drill": 1},
    asset_tags=frozenset({"SMG-0001", "SMG-0002"}),
)
TOOL = {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
        "name_ka": "ვარდის სეკატორი", "name_en": "Rose pruner", "daily_fee": "3.00",
        "deposit": "50", "max_loan_days": "7"}
UNIT = {"record": "unit", "tool_type": "cordless-drill", "centre": "SMG", "asset_tag": "",
        "condition": "good", "cost": "120.50", "acquired_on": "2026-01-10", "donor": "UNDP"}


# --- the pure checks, as a table of cases ----------------------------------------------------


@pytest.mark.parametrize(
    "change, column",
    [
        ({}, None),
        ({"category": "Garden"}, None),  # short names in any case
        ({"required_skill": "power-tools", "inspection_interval_days": "180"}, None),
        ({"active": "0"}, None),
        ({"category": "kitchen"}, "category"),  # unknown category
        ({"category": ""}, "category"),
        ({"daily_fee": "-1"}, "daily_fee"),  # negative fee
        ({"deposit": "-0.50"}, "deposit"),
        ({"daily_fee": "three"}, "daily_fee"),  # bad number
        ({"daily_fee": "1.234"}, "daily_fee"),
        ({"max_loan_days": "7.5"}, "max_loan_days"),
        ({"max_loan_days": "0"}, "max_loan_days"),
        ({"inspection_interval_days": "x"}, "inspection_interval_days"),
        ({"name_ka": ""}, "name_ka"),  # missing Georgian name
        ({"name_ka": "  "}, "name_ka"),
        ({"slug": "cordless-drill"}, "slug"),  # in the database
        ({"slug": "Hedge Trimmer"}, "slug"),
        ({"required_skill": "welding"}, "required_skill"),
        ({"active": "maybe"}, "active"),
        ({"manual_url": "javascript:alert(1)"}, "manual_url"),
    ],
)
def test_check_tool_type(change, column):
    values, errors = csvfiles.check_tool_type({**TOOL, **change}, KNOWN)
    assert (list(errors) == [column]) if column else not errors, errors
    if not column:
        assert values["daily_fee"] == 300 and values["category"] == 2
        assert "rose pruner" in values["search_text"]


@pytest.mark.parametrize(
    "change, column",
    [
        ({}, None),
        ({"asset_tag": "smg-0042"}, None),
        ({"centre": "kut", "asset_tag": "KUT-0001"}, None),
        ({"tool_type": "rose-pruner"}, None),  # defined in the same file
        ({"condition": "", "cost": "", "acquired_on": "", "donor": ""}, None),
        ({"centre": "BAT"}, "centre"),  # unknown centre
        ({"centre": ""}, "centre"),
        ({"asset_tag": "SMG-0001"}, "asset_tag"),  # in the database
        ({"asset_tag": "KUT-0042"}, "asset_tag"),  # another centre's tag
        ({"asset_tag": "drill 7"}, "asset_tag"),
        ({"cost": "-5"}, "cost"),
        ({"cost": "12,5,0"}, "cost"),
        ({"tool_type": "chainsaw"}, "tool_type"),
        ({"condition": "broken"}, "condition"),
        ({"acquired_on": "2026-13-01"}, "acquired_on"),
        ({"acquired_on": "2099-01-01"}, "acquired_on"),
        ({"serial_number": "x" * 101}, "serial_number"),
    ],
)
def test_check_unit(change, column):
    values, errors = csvfiles.check_unit({**UNIT, **change}, KNOWN,
                                         file_tool_types={"rose-pruner"}, today=TODAY)
    assert (list(errors) == [column]) if column else not errors, errors
    if not column:
        assert values["centre"] in (1, 2)


def sheet(*rows: dict, columns=None) -> csvfiles.Sheet:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    return csvfiles.read_csv(csvfiles.to_csv(columns, rows))


def test_duplicates_within_the_file_are_errors_on_their_second_row():
    plan = csvfiles.check_rows(sheet(
        TOOL, {**TOOL, "name_ka": "სხვა"},
        {**UNIT, "asset_tag": "SMG-0042"}, {**UNIT, "asset_tag": "smg-0042"},
        {**UNIT, "tool_type": "rose-pruner"}, {"record": "box"},
    ), KNOWN, TODAY)
    assert [list(row.errors) for row in plan.rows] == [[], ["slug"], [], ["asset_tag"], [],
                                                       ["record"]]
    assert [row.line for row in plan.rows] == [2, 3, 4, 5, 6, 7]
    assert not plan.ok and plan.rows_with_errors == 3


@pytest.mark.parametrize(
    "content, rows, error",
    [
        (b"record,slug\r\ntool_type,a\r\n", 1, False),
        ("\ufeffrecord;slug;name_ka\nunit;a;ბ\n\n;;\n".encode(), 1, False),  # Excel, semicolons
        (b"record\tslug\ntool_type\ta\n", 1, False),
        ("record,slug\ntool_type,ბურღი\n".encode("utf-16"), 0, True),  # not UTF-8
        ("record,slug\ntool_type,Дрель".encode("cp1251"), 0, True),  # Windows Cyrillic
        (b"slug,name_ka\nx,y\n", 0, True),  # no record column
        (b"record,slug\n", 0, True),  # no rows
        (b"", 0, True),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 0, True),
    ],
)
def test_read_csv(content, rows, error):
    found = csvfiles.read_csv(content)
    assert len(found.rows) == rows and (found.error is not None) is error


def test_export_guards_formulas_and_import_takes_the_guard_off():
    content = csvfiles.to_csv(("record", "name_ka", "donor"),
                              [{"record": "tool_type", "name_ka": "=HYPERLINK(1)",
                                "donor": "-UNDP"}])
    assert content.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK(1)" in content.decode("utf-8-sig")
    ((_line, row),) = csvfiles.read_csv(content).rows
    assert row["name_ka"] == "=HYPERLINK(1)" and row["donor"] == "-UNDP"


def test_unread_columns_are_named():
    found = csvfiles.read_csv(b"record,slug,colour\ntool_type,a,red\n")
    assert found.ignored_columns == ("colour",)
    assert "colour" not in found.rows[0][1]


# --- export ----------------------------------------------------------------------------------


async def as_role(client, seeded, role: str) -> None:
    assert (await log_in(client, *credentials(seeded, role))).status_code == 303


async def test_coordinator_exports_the_catalogue_and_the_register(client, seeded):
    await as_role(client, seeded, "coordinator")
    tools = await client.get("/manage/export/tool-types.csv")
    assert tools.status_code == 200
    assert tools.headers["content-type"].startswith("text/csv")
    assert "attachment" in tools.headers["content-disposition"]
    assert tools.content.startswith(b"\xef\xbb\xbf")  # Excel reads Georgian as UTF-8
    text = tools.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(csvfiles.CATALOGUE_COLUMNS)  # with the parts
    assert "აკუმულატორიანი ბურღი-სახრახნისი" in text
    assert len(csvfiles.read_csv(tools.content).rows) == await ToolType.count()

    units = await client.get("/manage/export/units.csv")
    rows = csvfiles.read_csv(units.content).rows
    assert len(rows) == await Unit.count()
    assert {"SMG-0001", "KUT-0001"} <= {row["asset_tag"] for _line, row in rows}
    assert "tool_name_ka" in units.content.decode("utf-8-sig").splitlines()[0]


@pytest.mark.parametrize("path", ["/manage/export/tool-types.csv", "/manage/export/units.csv",
                                  "/manage/import"])
async def test_only_coordinators_import_and_export(client, seeded, path):
    await as_role(client, seeded, "staff")
    assert (await client.get(path)).status_code == 403


async def test_an_export_imports_nothing_new_and_says_why(client, seeded):
    """Import is create-only: the file that was exported is refused row by row."""
    await as_role(client, seeded, "coordinator")
    exported = (await client.get("/manage/export/units.csv")).content
    response = await upload(client, exported)
    assert response.status_code == 422
    assert response.text.count('class="row-error"') == await Unit.count()


# --- import ----------------------------------------------------------------------------------


async def upload(client, content: bytes, name: str = "import.csv"):
    token = await csrf_token(client, "/manage/import")
    return await client.post("/manage/import", data={"_csrf_token": token},
                             files={"file": (name, content, "text/csv")})


async def confirm(client, content: bytes):
    token = await csrf_token(client, "/manage/import")
    return await client.post("/manage/import/confirm", data={
        "_csrf_token": token, "content": base64.b64encode(content).decode()})


def hidden_content(page: str) -> bytes:
    match = re.search(r'name="content" value="([^"]*)"', page)
    assert match, "no confirm form"
    return base64.b64decode(match.group(1))


async def counts() -> tuple[int, ...]:
    return (await ToolType.count(), await Unit.count(), await UnitEvent.count(),
            await AuditLog.count())


GOOD_FILE = csvfiles.to_csv(
    ("record", "slug", "category", "name_ka", "name_en", "daily_fee", "deposit",
     "max_loan_days", "tool_type", "centre", "asset_tag", "serial_number", "cost"),
    [
        {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
         "name_ka": "ვარდის სეკატორი", "name_en": "Rose pruner", "daily_fee": "3",
         "deposit": "50", "max_loan_days": "7"},
        {"record": "unit", "tool_type": "rose-pruner", "centre": "SMG", "serial_number": "H1"},
        {"record": "unit", "tool_type": "rose-pruner", "centre": "SMG", "serial_number": "H2"},
        {"record": "unit", "tool_type": "cordless-drill", "centre": "KUT",
         "asset_tag": "KUT-0900", "cost": "99.90"},
    ],
)


async def test_import_previews_every_row_then_writes_on_confirming(client, seeded):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    preview = await upload(client, GOOD_FILE)
    assert preview.status_code == 200
    assert preview.text.count("<tr>") >= 4 and "ვარდის სეკატორი" in preview.text
    assert await counts() == before  # a dry run
    assert hidden_content(preview.text) == GOOD_FILE

    done = await confirm(client, GOOD_FILE)
    assert done.status_code == 303
    assert done.headers["location"] == "/manage/import?imported_tool_types=1&imported_units=3"
    tool = await ToolType.select().where(ToolType.slug == "rose-pruner").first()
    assert tool["daily_fee"] == 300 and tool["active"]
    smg = [r["asset_tag"] for r in await Unit.select(Unit.asset_tag).where(
        Unit.tool_type == tool["id"]).order_by(Unit.id)]
    highest = max(int(r["asset_tag"][4:]) for r in await Unit.select(Unit.asset_tag).where(
        Unit.asset_tag.like("SMG-%")) if r["asset_tag"] not in smg)
    assert smg == [f"SMG-{highest + 1:04d}", f"SMG-{highest + 2:04d}"]
    kut = await Unit.select().where(Unit.asset_tag == "KUT-0900").first()
    assert kut["cost"] == 9990 and kut["status"] == "available"
    tool_types, units, events, audits = await counts()
    assert (tool_types, units, events) == (before[0] + 1, before[1] + 3, before[2] + 3)
    # batched: one entry for the tool types, one per centre for the units
    assert audits - before[3] == 3
    assert await AuditLog.count().where(AuditLog.action == "unit.import") == 2
    page = await client.get(done.headers["location"])
    assert "3" in page.text and 'class="flash-success card"' in page.text
    # the next unit added by hand follows the imported ones
    centre = await Centre.select().where(Centre.code == "KUT").first()
    assert centre["asset_seq"] >= 900


async def test_a_file_with_errors_lists_them_and_writes_nothing(client, seeded):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    bad = csvfiles.to_csv(
        ("record", "slug", "category", "name_ka", "daily_fee", "deposit", "max_loan_days",
         "tool_type", "centre", "asset_tag"),
        [
            {"record": "tool_type", "slug": "a-saw", "category": "kitchen", "name_ka": "ხერხი",
             "daily_fee": "1", "deposit": "1", "max_loan_days": "3"},
            {"record": "tool_type", "slug": "b-saw", "category": "garden", "name_ka": "",
             "daily_fee": "-2", "deposit": "x", "max_loan_days": "3"},
            {"record": "unit", "tool_type": "cordless-drill", "centre": "BAT"},
            {"record": "unit", "tool_type": "cordless-drill", "centre": "SMG",
             "asset_tag": "SMG-0001"},
            {"record": "unit", "tool_type": "cordless-drill", "centre": "SMG"},
        ],
    )
    response = await upload(client, bad)
    assert response.status_code == 422
    assert response.text.count('class="row-error"') == 4
    for column in ("category", "name_ka", "daily_fee", "deposit", "centre", "asset_tag"):
        assert f"<code>{column}</code>" in response.text
    assert 'name="content"' not in response.text  # nothing to confirm
    # confirming it anyway (a forged form) checks again and writes nothing
    forged = await confirm(client, bad)
    assert forged.status_code == 422
    assert await counts() == before


@pytest.mark.parametrize(
    "content",
    [b"", b"not base64!", base64.b64encode(b"record,slug\n")],
)
async def test_confirming_garbage_writes_nothing(client, seeded, content):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    token = await csrf_token(client, "/manage/import")
    response = await client.post("/manage/import/confirm",
                                 data={"_csrf_token": token, "content": content.decode()})
    assert response.status_code == 422 and 'id="e-file"' in response.text
    assert await counts() == before


async def test_the_confirm_step_checks_the_database_again(client, seeded):
    """Valid at the preview; the same tag added by hand before confirming: nothing written."""
    await as_role(client, seeded, "coordinator")
    assert (await upload(client, GOOD_FILE)).status_code == 200
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    kut = await Centre.select(Centre.id).where(Centre.code == "KUT").first()
    await Unit.insert(Unit(tool_type=drill["id"], centre=kut["id"], asset_tag="KUT-0900",
                           status="available"))
    before = await counts()
    response = await confirm(client, GOOD_FILE)
    assert response.status_code == 422 and 'class="row-error"' in response.text
    assert await counts() == before


async def test_upload_without_a_file_or_not_a_csv(client, seeded):
    await as_role(client, seeded, "coordinator")
    token = await csrf_token(client, "/manage/import")
    empty = await client.post("/manage/import", data={"_csrf_token": token},
                              files={"file": ("", b"", "application/octet-stream")})
    assert empty.status_code == 422 and 'id="e-file"' in empty.text
    image = await upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "photo.csv")
    assert image.status_code == 422 and 'id="e-file"' in image.text
    huge = await upload(client, b"record,slug\n" + b"tool_type,x\n" * 700_000)
    assert huge.status_code in (413, 422)


async def test_two_thousand_rows_import_in_one_go(client, seeded):
    await as_role(client, seeded, "coordinator")
    rows = []
    for n in range(200):
        rows.append({"record": "tool_type", "slug": f"bulk-tool-{n}", "category": "building",
                     "name_ka": f"ხელსაწყო {n}", "name_en": f"Tool {n}", "daily_fee": "1.50",
                     "deposit": "20", "max_loan_days": "7"})
        for m in range(9):
            rows.append({"record": "unit", "tool_type": f"bulk-tool-{n}",
                         "centre": "SMG" if m % 2 else "KUT", "serial_number": f"S{n}-{m}",
                         "cost": "10"})
    content = csvfiles.to_csv(
        ("record", "slug", "category", "name_ka", "name_en", "daily_fee", "deposit",
         "max_loan_days", "tool_type", "centre", "serial_number", "cost"), rows)
    before = await counts()
    started = time.perf_counter()
    preview = await upload(client, content)
    checked = time.perf_counter()
    done = await confirm(client, hidden_content(preview.text))
    finished = time.perf_counter()
    assert preview.status_code == 200 and done.status_code == 303
    print(f"\n2,000 rows: dry run {checked - started:.2f} s, import {finished - checked:.2f} s")
    tool_types, units, events, audits = await counts()
    assert (tool_types - before[0], units - before[1], events - before[2]) == (200, 1800, 1800)
    assert audits - before[3] == 3
    tags = [r["asset_tag"] for r in await Unit.select(Unit.asset_tag)]
    assert len(tags) == len(set(tags))
