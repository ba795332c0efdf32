"""Russian fields of the catalogue (issue 19): the centre, tool type, category and skill forms
save and show the Russian texts and refuse over-long ones next to the field; a page read in
Russian shows them, and the English where the Russian is empty; the tool type CSV carries the
Russian columns, and a file written before them still imports."""

from __future__ import annotations

import base64

import pytest
from helpers import credentials, csrf_token, log_in

from inventory import csvfiles
from inventory.tables import Category, Skill, ToolType
from rental.tables import Centre

CENTRE = {
    "code": "bat", "name_ka": "ბათუმის ცენტრი", "name_en": "Batumi centre",
    "name_ru": "Батумский центр", "municipality": "batumi", "address_ka": "ბათუმი, რუსთაველის 1",
    "address_en": "1 Rustaveli Street, Batumi", "address_ru": "г. Батуми, ул. Руставели, 1",
    "phone": "0422 27 11 11", "timezone": "Asia/Tbilisi", "opens_at": "09:00",
    "closes_at": "18:00", "active": "1",
}
TOOL = {
    "slug": "wet-tile-saw", "category": "", "name_ka": "ფილის საჭრელი", "name_en": "Tile saw",
    "name_ru": "Плиткорез", "description_ka": "ფილის საჭრელად", "description_en": "Cuts tiles",
    "description_ru": "Режет плитку", "safety_notes_ka": "გაიკეთეთ სათვალე",
    "safety_notes_en": "Wear goggles", "safety_notes_ru": "Наденьте защитные очки",
    "daily_fee": "2.50", "deposit": "40", "max_loan_days": "5", "required_skill": "",
    "manual_url": "", "active": "1",
}


async def as_coordinator(client, seeded) -> None:
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303


async def post(client, path: str, data: dict):
    token = await csrf_token(client, "/")
    return await client.post(path, data={**data, "_csrf_token": token})


async def category_id(slug: str = "electrical") -> int:
    return (await Category.select(Category.id).where(Category.slug == slug).first())["id"]


# --- the forms -------------------------------------------------------------------------------


async def test_a_centre_is_named_and_addressed_in_russian(client, seeded):
    await as_coordinator(client, seeded)
    form = (await client.get("/manage/centres/new")).text
    assert 'name="name_ru"' in form and 'name="address_ru"' in form
    assert (await post(client, "/manage/centres/new", CENTRE)).status_code == 303
    centre = await Centre.select().where(Centre.code == "BAT").first()
    assert (centre["name_ru"], centre["address_ru"]) == (CENTRE["name_ru"], CENTRE["address_ru"])
    edit = (await client.get(f"/manage/centres/{centre['id']}/edit")).text
    assert f'value="{CENTRE["name_ru"]}"' in edit and f'value="{CENTRE["address_ru"]}"' in edit

    # Russian is optional: cleared, it is empty again (and shown in English)
    cleared = await post(client, f"/manage/centres/{centre['id']}/edit",
                         {**CENTRE, "name_ru": "", "address_ru": ""})
    assert cleared.status_code == 303
    centre = await Centre.select().where(Centre.code == "BAT").first()
    assert (centre["name_ru"], centre["address_ru"]) == ("", "")


@pytest.mark.parametrize("change, field", [
    ({"name_ru": "ц" * 201}, "name_ru"),
    ({"address_ru": "ц" * 301}, "address_ru"),
])
async def test_a_centre_with_too_long_russian_is_refused_next_to_the_field(
        client, seeded, change, field):
    await as_coordinator(client, seeded)
    smg = await Centre.select().where(Centre.code == "SMG").first()
    for path, data in (("/manage/centres/new", {**CENTRE, **change}),
                       (f"/manage/centres/{smg['id']}/edit", {**CENTRE, **change})):
        response = await post(client, path, data)
        assert response.status_code == 422, path
        assert f'id="e-{field}"' in response.text
    assert not await Centre.exists().where(Centre.code == "BAT")
    assert await Centre.select().where(Centre.code == "SMG").first() == smg


async def test_a_tool_types_safety_notes_are_written_in_russian(client, seeded):
    await as_coordinator(client, seeded)
    form = (await client.get("/manage/tool-types/new")).text
    assert all(f'name="{name}"' in form for name in ("name_ru", "description_ru",
                                                     "safety_notes_ru"))
    response = await post(client, "/manage/tool-types/new",
                          {**TOOL, "category": await category_id()})
    assert response.status_code == 303
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert (tool["name_ru"], tool["description_ru"], tool["safety_notes_ru"]) == (
        "Плиткорез", "Режет плитку", "Наденьте защитные очки")
    edit = (await client.get(f"/manage/tool-types/{tool['id']}/edit")).text
    assert "Наденьте защитные очки</textarea>" in edit and "Режет плитку</textarea>" in edit


@pytest.mark.parametrize("change, field", [
    ({"name_ru": "ц" * 201}, "name_ru"),
    ({"description_ru": "ц" * 5001}, "description_ru"),
    ({"safety_notes_ru": "ц" * 5001}, "safety_notes_ru"),
])
async def test_a_tool_type_with_too_long_russian_is_refused_next_to_the_field(
        client, seeded, change, field):
    await as_coordinator(client, seeded)
    before = await ToolType.count()
    response = await post(client, "/manage/tool-types/new",
                          {**TOOL, "category": await category_id(), **change})
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await ToolType.count() == before


@pytest.mark.parametrize("kind, table, data, longest", [
    ("categories", Category, {"slug": "roofing", "name_ka": "სახურავი", "position": "7"}, 100),
    ("skills", Skill, {"slug": "roof-safety", "name_ka": "სახურავზე მუშაობა"}, 150),
])
async def test_categories_and_skills_are_named_in_russian(client, seeded, kind, table, data,
                                                          longest):
    await as_coordinator(client, seeded)
    assert 'name="name_ru"' in (await client.get(f"/manage/{kind}/new")).text
    too_long = await post(client, f"/manage/{kind}/new", {**data, "name_ru": "ц" * (longest + 1)})
    assert too_long.status_code == 422 and 'id="e-name_ru"' in too_long.text
    assert not await table.exists().where(table.slug == data["slug"])
    saved = await post(client, f"/manage/{kind}/new", {**data, "name_ru": "Кровля"})
    assert saved.status_code == 303
    row = await table.select().where(table.slug == data["slug"]).first()
    assert row["name_ru"] == "Кровля"
    assert 'value="Кровля"' in (await client.get(f"/manage/{kind}/{row['id']}/edit")).text


# --- read in Russian -------------------------------------------------------------------------


async def test_the_catalogue_in_russian_shows_russian_and_falls_back_to_english(client, seeded):
    drill = await ToolType.select().where(ToolType.slug == "cordless-drill").first()
    smg = await Centre.select().where(Centre.code == "SMG").first()
    assert drill["safety_notes_ru"] and smg["name_ru"] and smg["address_ru"]
    client.cookies.set("lang", "ru")

    page = (await client.get("/", params={"q": "drill"})).text
    for russian in (drill["name_ru"], drill["safety_notes_ru"], drill["description_ru"],
                    smg["name_ru"], smg["address_ru"]):
        assert russian in page
    assert drill["safety_notes_en"] not in page and smg["address_en"] not in page

    # not translated: the English is read instead (not the Georgian)
    await ToolType.update({ToolType.safety_notes_ru: ""}).where(ToolType.id == drill["id"])
    await Centre.update({Centre.name_ru: "", Centre.address_ru: ""}).where(
        Centre.id == smg["id"])
    page = (await client.get("/", params={"q": "drill"})).text
    assert drill["safety_notes_en"] in page and drill["safety_notes_ka"] not in page
    assert smg["name_en"] in page and smg["address_en"] in page
    assert smg["address_ka"] not in page


async def test_the_catalogue_api_gives_the_russian_texts(client, seeded):
    drill = await ToolType.select().where(ToolType.slug == "cordless-drill").first()
    body = (await client.get(f"/api/v1/tool-types/{drill['id']}")).json()
    assert body["safety_notes_ru"] == drill["safety_notes_ru"]
    assert {place["centre"]: place["name_ru"] for place in body["free"]} == {
        row["code"]: row["name_ru"] for row in await Centre.select(Centre.code, Centre.name_ru)
        if row["code"] in {place["centre"] for place in body["free"]}}


# --- CSV -------------------------------------------------------------------------------------

RUSSIAN_COLUMNS = ("name_ru", "description_ru", "safety_notes_ru")


def test_the_tool_type_file_has_every_russian_column():
    assert set(RUSSIAN_COLUMNS) <= set(csvfiles.TOOL_TYPE_COLUMNS)
    assert set(RUSSIAN_COLUMNS) <= csvfiles.TEXT_COLUMNS  # guarded against formulas too


async def upload_and_confirm(client, content: bytes):
    token = await csrf_token(client, "/manage/import")
    preview = await client.post("/manage/import", data={"_csrf_token": token},
                                files={"file": ("import.csv", content, "text/csv")})
    assert preview.status_code == 200, preview.text[preview.text.find("row-error"):][:300]
    token = await csrf_token(client, "/manage/import")
    return await client.post("/manage/import/confirm", data={
        "_csrf_token": token, "content": base64.b64encode(content).decode()})


async def test_an_exported_tool_type_imports_again_with_its_russian(client, seeded):
    await as_coordinator(client, seeded)
    exported = (await client.get("/manage/export/tool-types.csv")).content
    rows = {row["slug"]: row for _line, row in csvfiles.read_csv(exported).rows}
    drill = rows["cordless-drill"]
    assert drill["safety_notes_ru"] and drill["description_ru"] and drill["name_ru"]

    copy = {**drill, "slug": "cordless-drill-2", "safety_notes_ru": "=не формула"}
    done = await upload_and_confirm(client, csvfiles.to_csv(csvfiles.TOOL_TYPE_COLUMNS, [copy]))
    assert done.status_code == 303
    saved = await ToolType.select().where(ToolType.slug == "cordless-drill-2").first()
    assert {column: saved[column] for column in RUSSIAN_COLUMNS} == {
        "name_ru": drill["name_ru"], "description_ru": drill["description_ru"],
        "safety_notes_ru": "=не формула"}


async def test_a_file_written_before_the_russian_columns_still_imports(client, seeded):
    await as_coordinator(client, seeded)
    old_columns = [c for c in csvfiles.TOOL_TYPE_COLUMNS if not c.endswith("_ru")]
    row = {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
           "name_ka": "ვარდის სეკატორი", "name_en": "Rose pruner",
           "safety_notes_ka": "ხელთათმანით", "safety_notes_en": "Wear gloves",
           "daily_fee": "3", "deposit": "50", "max_loan_days": "7", "active": "1"}
    done = await upload_and_confirm(client, csvfiles.to_csv(old_columns, [row]))
    assert done.status_code == 303
    saved = await ToolType.select().where(ToolType.slug == "rose-pruner").first()
    assert saved["safety_notes_en"] == "Wear gloves"
    assert [saved[column] for column in RUSSIAN_COLUMNS] == ["", "", ""]


@pytest.mark.parametrize("change, column", [
    ({"safety_notes_ru": "ц" * 5001}, "safety_notes_ru"),
    ({"name_ru": "ц" * 201}, "name_ru"),
    ({"safety_notes_ru": "Наденьте перчатки"}, None),
])
def test_check_tool_type_reads_the_russian_columns(change, column):
    known = csvfiles.Known(categories={"garden": 1}, skills={}, centres={}, tool_types={},
                           asset_tags=frozenset())
    row = {"record": "tool_type", "slug": "rose-pruner", "category": "garden",
           "name_ka": "ვარდის სეკატორი", "daily_fee": "3", "deposit": "50",
           "max_loan_days": "7", **change}
    values, errors = csvfiles.check_tool_type(row, known)
    assert list(errors) == ([column] if column else [])
    if column is None:
        assert values["safety_notes_ru"] == "Наденьте перчатки"
