"""Kits as pages: a coordinator keeps a tool type's parts list on its manage page (messages by
the fields, translated); staff set a unit's own counts on its page; the desk's basket lists
what goes out; the return list has a checklist per line (all ticked), a part left unticked
is charged and the receipt lists the parts out and back; the check-in API takes the missing
parts too. Plain form posts, on both databases."""

from __future__ import annotations

import html
import re

import pytest
from helpers import as_staff, credentials, csrf_token, demo_cast, free_tags, log_in, now, open_day

from bookings.tables import DeskReturnLine
from inventory import parts
from inventory.tables import MaintenanceTicket, ToolTypePart, Unit, UnitPart
from rental.accounts import create_api_token
from rental.tables import LedgerEntry, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

CHARGER = {"name_ka": "დამტენი", "name_en": "Charger", "name_ru": "Зарядное устройство",
           "count": "1", "replacement_cost": "45.00", "position": "1"}
BATTERY = {"name_ka": "აკუმულატორი", "name_en": "Battery", "name_ru": "Аккумулятор",
           "count": "2", "replacement_cost": "60", "position": "2"}


async def post(client, path: str, data: dict, page: str = "/desk/1", **kwargs):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


def value_of(page: str, element_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert found, f"no #{element_id}"
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def message(page: str, element_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(element_id)}"[^>]*>(.*?)</p>',
                      page, re.S)
    assert found, f"no message #{element_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


async def kit_unit() -> tuple[dict, dict[str, int]]:
    cast = await demo_cast()
    [tag] = await free_tags(1)
    unit = await Unit.select(Unit.id, Unit.tool_type, Unit.asset_tag).where(
        Unit.asset_tag == tag).first()
    ids = {part["name_en"]: await parts.add_part(unit["tool_type"], part,
                                                 actor=cast.coordinator, now=now())
           for part in (CHARGER, BATTERY)}
    return unit, ids


async def test_a_coordinator_adds_changes_and_removes_parts(client, seeded):
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    [tag] = await free_tags(1)
    tool = (await Unit.select(Unit.tool_type).where(Unit.asset_tag == tag).first())["tool_type"]
    address = f"/manage/tool-types/{tool}/parts"
    edit = await client.get(f"/manage/tool-types/{tool}/edit")
    assert f'href="{address}"' in edit.text
    page = await client.get(address)
    assert page.status_code == 200 and 'id="f-new-name_ka"' in page.text
    bad = await post(client, address, {"name_ka": "", "name_en": "Case", "count": "-1",
                                       "replacement_cost": "abc"}, page=address,
                     headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert message(bad.text, "e-new-name_ka") and message(bad.text, "e-new-count")
    assert message(bad.text, "e-new-replacement_cost")
    assert value_of(bad.text, "f-new-name_en") == "Case"  # as typed
    assert await ToolTypePart.count() == 0
    added = await post(client, address, CHARGER, page=address)
    assert added.status_code == 303
    [part] = await ToolTypePart.select(ToolTypePart.id, ToolTypePart.replacement_cost)
    assert part["replacement_cost"] == 4500
    twice = await post(client, address, {**CHARGER, "name_ka": "სხვა"}, page=address)
    assert twice.status_code == 422 and message(twice.text, "e-new-name_en")
    changed = await post(client, f"{address}/{part['id']}/edit", {**CHARGER, "count": "2"},
                         page=address)
    assert changed.status_code == 303
    refused = await post(client, f"{address}/{part['id']}/edit", {**CHARGER, "count": "x"},
                         page=address)
    assert refused.status_code == 422 and message(refused.text, f"e-p{part['id']}-count")
    gone = await post(client, f"{address}/{part['id']}/delete", {}, page=address)
    assert gone.status_code == 303 and await ToolTypePart.count() == 0
    missing = await post(client, f"{address}/999999/delete", {}, page=address)
    assert missing.status_code == 404


async def test_desk_staff_may_not_edit_a_parts_list(client, seeded):
    await as_staff(client, seeded)
    unit, _ids = await kit_unit()
    page = await client.get(f"/manage/tool-types/{unit['tool_type']}/parts")
    assert page.status_code == 403


async def test_staff_set_a_units_own_counts_on_its_page(client, seeded):
    await as_staff(client, seeded)
    unit, ids = await kit_unit()
    address = f"/units/{unit['id']}"
    page = await client.get(address)
    assert f'name="count.{ids["Battery"]}"' in page.text
    bad = await post(client, f"{address}/parts", {f"count.{ids['Battery']}": "-1"},
                     page=address)
    assert bad.status_code == 422 and message(bad.text, f"e-count.{ids['Battery']}")
    assert await UnitPart.count() == 0
    done = await post(client, f"{address}/parts", {f"count.{ids['Battery']}": "1"},
                      page=address)
    assert done.status_code == 303
    [own] = await UnitPart.select(UnitPart.quantity)
    assert own["quantity"] == 1
    assert value_of((await client.get(address)).text, f"f-count.{ids['Battery']}") == "1"


async def test_the_desk_lists_parts_out_ticks_them_back_and_charges_one_missing(client, seeded):
    member = await as_staff(client, seeded)
    unit, ids = await kit_unit()
    tag = unit["asset_tag"]
    basket = await post(client, "/desk/1/basket", {"member": member, "scan": tag,
                                                   "return_on": open_day(2).isoformat()})
    assert "2 × აკუმულატორი" in basket.text and "1 × დამტენი" in basket.text
    amount = value_of(basket.text, "f-amount")
    out = await post(client, "/desk/1/check-out", {"member": member, "tag": [tag],
                                                   "method": "cash", "amount": amount})
    assert out.status_code == 303
    receipt = await client.get(out.headers["location"])
    assert "2 × აკუმულატორი" in receipt.text
    listed = await post(client, "/desk/1/returns", {"tag": tag})
    back_key = f"back.{{}}.{ids['Battery']}"
    [loan] = [row["booking"] for row in await DeskReturnLine.select(DeskReturnLine.booking)]
    assert re.search(rf'name="{re.escape(back_key.format(loan))}" value="yes" checked',
                     listed.text)  # all back unless unticked
    checklist = {f"part.{loan}": [str(ids["Charger"]), str(ids["Battery"])],
                 f"out.{loan}.{ids['Charger']}": "1", f"out.{loan}.{ids['Battery']}": "2",
                 f"back.{loan}.{ids['Charger']}": "yes"}  # the batteries unticked
    too_many = await post(client, "/desk/1/returns/finish", {
        "line": [loan], "condition": ["fine"], "notes": [""], "damage_charge": [""],
        **checklist, f"missing.{loan}.{ids['Battery']}": "5"})
    assert too_many.status_code == 422 and message(too_many.text, f"e-parts-{loan}")
    assert await MaintenanceTicket.count() == 0
    done = await post(client, "/desk/1/returns/finish", {
        "line": [loan], "condition": ["fine"], "notes": [""], "damage_charge": [""],
        **checklist, f"missing.{loan}.{ids['Battery']}": "1"})
    assert done.status_code == 303, done.text
    receipt_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert await LedgerEntry.count().where((LedgerEntry.receipt == receipt_id)
                                           & (LedgerEntry.kind == "replacement")) == 1
    shown = await client.get(done.headers["location"], headers={"Accept-Language": "en"})
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    # the receipt speaks the member's Georgian
    assert "აკუმულატორი: დაბრუნდა 1 2-დან" in text and "დამტენი: დაბრუნდა 1 1-დან" in text
    assert await MaintenanceTicket.count().where(MaintenanceTicket.unit == unit["id"]) == 1


async def test_the_check_in_api_takes_the_missing_parts(client, seeded):
    unit, ids = await kit_unit()
    _id, token = await create_api_token("+995555000003", "test", now=now())
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    member = await as_staff(client, seeded)
    basket = await post(client, "/desk/1/basket", {"member": member, "scan": unit["asset_tag"],
                                                   "return_on": open_day(2).isoformat()})
    await post(client, "/desk/1/check-out", {"member": member, "tag": [unit["asset_tag"]],
                                             "method": "cash",
                                             "amount": value_of(basket.text, "f-amount")})
    receipts = await Receipt.count()
    bad = await client.post("/api/v1/loans/check-in", headers=auth, json={
        "asset_tag": unit["asset_tag"], "condition": "fine",
        "missing_parts": [{"part_id": ids["Battery"], "count": 3}]})
    assert bad.status_code == 422 and bad.json()["errors"]
    assert await Receipt.count() == receipts
    back = await client.post("/api/v1/loans/check-in", headers=auth, json={
        "asset_tag": unit["asset_tag"], "condition": "fine",
        "missing_parts": [{"part_id": ids["Charger"], "count": 1}],
        "parts_waiver_reason": "Broken in use, not the member's fault"})
    assert back.status_code == 201, back.text
    kinds = sorted(row["kind"] for row in await LedgerEntry.select(LedgerEntry.kind).where(
        LedgerEntry.receipt == back.json()["receipt_id"]))
    assert "replacement" in kinds and "waiver" in kinds
