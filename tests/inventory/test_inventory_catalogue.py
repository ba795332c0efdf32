"""Coordinators manage centres, categories, skills and tool types; nobody else may."""

from __future__ import annotations

import pytest
from helpers import credentials, csrf_token, log_in

from inventory.tables import Category, Skill, ToolType
from rental.tables import AuditLog, Centre

TOOL = {
    "slug": "wet-tile-saw", "category": "", "name_ka": "ფილის საჭრელი", "name_en": "Tile cutter",
    "name_ru": "Плиткорез мокрый", "description_ka": "ფილის საჭრელად", "daily_fee": "2.50",
    "deposit": "40", "max_loan_days": "5", "required_skill": "", "manual_url": "",
    "active": "1",
}
CENTRE = {
    "code": "bat", "name_ka": "ბათუმის ცენტრი", "name_en": "Batumi centre",
    "municipality": "batumi", "phone": "0422 27 11 11", "timezone": "Asia/Tbilisi",
    "opens_at": "09:00", "closes_at": "18:00", "active": "1",
}


async def as_role(client, seeded, role: str) -> None:
    phone, password = credentials(seeded, role)
    assert (await log_in(client, phone, password)).status_code == 303


async def post(client, path: str, data: dict | list):
    token = await csrf_token(client, "/")
    items = list(data.items()) if isinstance(data, dict) else data
    fields: dict[str, list[str]] = {}
    for key, value in [*items, ("_csrf_token", token)]:
        fields.setdefault(key, []).append(str(value))
    return await client.post(path, data=fields)


async def category_id(slug: str = "electrical") -> int:
    return (await Category.select(Category.id).where(Category.slug == slug).first())["id"]


PAGES = ["/manage/centres", "/manage/centres/new", "/manage/categories",
         "/manage/categories/new", "/manage/skills", "/manage/skills/new",
         "/manage/tool-types", "/manage/tool-types/new"]


@pytest.mark.parametrize("path", PAGES)
async def test_only_coordinators_manage_the_catalogue(client, seeded, path):
    anonymous = await client.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    for role, status in (("member", 403), ("staff", 403), ("coordinator", 200), ("admin", 200)):
        client.cookies.clear()
        await as_role(client, seeded, role)
        assert (await client.get(path)).status_code == status, role


async def test_staff_cannot_post_a_tool_type(client, seeded):
    await as_role(client, seeded, "staff")
    before = await ToolType.count()
    response = await post(client, "/manage/tool-types/new",
                          {**TOOL, "category": await category_id()})
    assert response.status_code == 403
    assert await ToolType.count() == before


async def test_coordinator_creates_and_edits_a_tool_type(client, seeded):
    await as_role(client, seeded, "coordinator")
    response = await post(client, "/manage/tool-types/new",
                          {**TOOL, "category": await category_id(), "needs_inspection": "1",
                           "inspection_interval_days": "180"})
    assert response.status_code == 303, response.text[response.text.find("field-error"):][:200]
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert (tool["daily_fee"], tool["deposit"], tool["max_loan_days"]) == (250, 4000, 5)
    assert tool["inspection_interval_days"] == 180
    assert "tile cutter" in tool["search_text"] and "плиткорез" in tool["search_text"]
    assert "wet-tile-saw" in tool["search_text"]
    assert await AuditLog.count().where(AuditLog.action == "tool_type.create") == 1
    # the public search finds it by any name
    assert "ფილის საჭრელი" in (await client.get("/", params={"q": "мокрый"})).text

    form = await client.get(f"/manage/tool-types/{tool['id']}/edit")
    assert 'value="2.50"' in form.text
    edited = await post(client, f"/manage/tool-types/{tool['id']}/edit",
                        {**TOOL, "category": await category_id(), "daily_fee": "3",
                         "name_en": "Tile saw"})
    assert edited.status_code == 303
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert tool["daily_fee"] == 300 and tool["inspection_interval_days"] is None
    assert "tile saw" in tool["search_text"]
    assert await AuditLog.count().where(AuditLog.action == "tool_type.update") == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name_ka": "  "}, "name_ka"),
        ({"daily_fee": "-1"}, "daily_fee"),
        ({"deposit": "ten"}, "deposit"),
        ({"daily_fee": "1.999"}, "daily_fee"),
        ({"daily_fee": "99999999999"}, "daily_fee"),
        ({"max_loan_days": "0"}, "max_loan_days"),
        ({"max_loan_days": "366"}, "max_loan_days"),
        ({"max_loan_days": "7.5"}, "max_loan_days"),
        ({"category": "999999"}, "category"),
        ({"category": ""}, "category"),
        ({"required_skill": "999999"}, "required_skill"),
        ({"needs_inspection": "1", "inspection_interval_days": "0"},
         "inspection_interval_days"),
        ({"needs_inspection": "1", "inspection_interval_days": ""}, "inspection_interval_days"),
        ({"slug": "Tile Cutter!"}, "slug"),
        ({"slug": "cordless-drill"}, "slug"),
        ({"name_en": "x" * 201}, "name_en"),
        ({"description_en": "x" * 5001}, "description_en"),
        ({"manual_url": "javascript:alert(1)"}, "manual_url"),
    ],
)
async def test_bad_tool_type_is_refused_next_to_the_field(client, seeded, change, field):
    await as_role(client, seeded, "coordinator")
    before = await ToolType.count()
    data = {**TOOL, "category": await category_id(), **change}
    response = await post(client, "/manage/tool-types/new", data)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await ToolType.count() == before


async def test_unknown_tool_type_is_404(client, seeded):
    await as_role(client, seeded, "coordinator")
    assert (await client.get("/manage/tool-types/999999/edit")).status_code == 404
    response = await post(client, "/manage/tool-types/999999/edit", TOOL)
    assert response.status_code == 404


async def test_tool_type_list_searches_and_has_a_fragment(client, seeded):
    await as_role(client, seeded, "coordinator")
    full = await client.get("/manage/tool-types", params={"q": "drill"})
    assert "აკუმულატორიანი ბურღი-სახრახნისი" in full.text
    fragment = await client.get("/manage/tool-types", params={"q": "drill"},
                                headers={"HX-Request": "true", "HX-Target": "tool_type_list"})
    assert fragment.text.lstrip().startswith('<section id="tool_type_list"')


async def test_coordinator_creates_and_edits_a_centre(client, seeded):
    await as_role(client, seeded, "coordinator")
    form = (await client.get("/manage/centres/new")).text
    assert '<optgroup label="აჭარა">' in form  # the municipalities by region, in Georgian
    assert '<option value="batumi">ბათუმი</option>' in form
    response = await post(client, "/manage/centres/new",
                          [*CENTRE.items(), ("opening_days", "0"), ("opening_days", "2")])
    assert response.status_code == 303
    centre = await Centre.select().where(Centre.code == "BAT").first()
    assert centre["phone"] == "+995422271111" and centre["opening_days"] == 0b101
    assert centre["asset_seq"] == 0
    assert (centre["municipality"], centre["municipality_text"]) == ("batumi", "")
    edit = await post(client, f"/manage/centres/{centre['id']}/edit",
                      [*CENTRE.items(), ("name_en", "Batumi"), ("opening_days", "6")])
    assert edit.status_code == 303
    centre = await Centre.select().where(Centre.code == "BAT").first()
    assert centre["opening_days"] == 0b1000000


@pytest.mark.parametrize(
    "change, field",
    [
        ({"code": "SMG"}, "code"),
        ({"code": "b"}, "code"),
        ({"code": "ბათ"}, "code"),
        ({"name_ka": ""}, "name_ka"),
        ({"phone": "call me"}, "phone"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"opens_at": "25:00"}, "opens_at"),
        ({"closes_at": "08:00"}, "closes_at"),
        ({"address_ka": "x" * 301}, "address_ka"),
        ({"municipality": "Batumi"}, "municipality"),  # a name, not a code of the list
    ],
)
async def test_bad_centre_is_refused(client, seeded, change, field):
    await as_role(client, seeded, "coordinator")
    before = await Centre.count()
    response = await post(client, "/manage/centres/new", {**CENTRE, **change})
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await Centre.count() == before


async def test_categories_and_skills(client, seeded):
    await as_role(client, seeded, "coordinator")
    response = await post(client, "/manage/categories/new",
                          {"slug": "roofing", "name_ka": "სახურავი", "position": "7"})
    assert response.status_code == 303
    assert await Category.exists().where(Category.slug == "roofing")
    taken = await post(client, "/manage/categories/new",
                       {"slug": "roofing", "name_ka": "სახურავი"})
    assert taken.status_code == 422 and 'id="e-slug"' in taken.text
    bad_position = await post(client, "/manage/categories/new",
                              {"slug": "x", "name_ka": "x", "position": "-3"})
    assert bad_position.status_code == 422 and 'id="e-position"' in bad_position.text

    skill = await post(client, "/manage/skills/new",
                       {"slug": "roof-safety", "name_ka": "სახურავზე მუშაობა",
                        "validity_days": "365"})
    assert skill.status_code == 303
    row = await Skill.select().where(Skill.slug == "roof-safety").first()
    assert row["validity_days"] == 365
    edit = await post(client, f"/manage/skills/{row['id']}/edit",
                      {"slug": "roof-safety", "name_ka": "სახურავი", "validity_days": ""})
    assert edit.status_code == 303
    row = await Skill.select().where(Skill.slug == "roof-safety").first()
    assert row["validity_days"] is None and row["name_ka"] == "სახურავი"
    bad = await post(client, "/manage/skills/new",
                     {"slug": "s", "name_ka": "", "validity_days": "0"})
    assert bad.status_code == 422
    assert 'id="e-name_ka"' in bad.text and 'id="e-validity_days"' in bad.text
    assert (await client.get("/manage/skills/999999/edit")).status_code == 404
    assert (await client.get("/manage/categories/999999/edit")).status_code == 404


async def test_saving_sets_a_success_message(client, seeded, settings):
    from test_inventory_units import flash_of

    await as_role(client, seeded, "coordinator")
    response = await post(client, "/manage/categories/new",
                          {"slug": "roofing", "name_ka": "სახურავი", "position": "7"})
    assert response.status_code == 303
    assert flash_of(response, settings)[0] == "success"
    bad = await post(client, "/manage/categories/new", {"slug": "roofing", "name_ka": ""})
    assert bad.status_code == 422 and flash_of(bad, settings) is None


async def test_a_tool_type_records_the_household_saving_per_loan(client, seeded):
    """The donor report's savings: optional, in GEL, never negative or text."""
    await as_role(client, seeded, "coordinator")
    tool = {**TOOL, "category": await category_id(), "saving_per_loan": "45,50"}
    assert (await post(client, "/manage/tool-types/new", tool)).status_code == 303
    saved = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert saved["saving_per_loan"] == 4550
    form = await client.get(f"/manage/tool-types/{saved['id']}/edit")
    assert 'value="45.50"' in form.text
    for bad in ("lots", "-3"):
        refused = await post(client, f"/manage/tool-types/{saved['id']}/edit",
                             {**tool, "saving_per_loan": bad})
        assert refused.status_code == 422 and 'id="e-saving_per_loan"' in refused.text
    cleared = await post(client, f"/manage/tool-types/{saved['id']}/edit",
                         {**tool, "saving_per_loan": ""})
    assert cleared.status_code == 303
    assert (await ToolType.select(ToolType.saving_per_loan).where(
        ToolType.id == saved["id"]).first())["saving_per_loan"] is None
