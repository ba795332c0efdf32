"""The units API (issue 22): the register (list, read, add), status, transfer, maintenance
tickets and inspections, with the pages' rules and messages; refusals change nothing; the desk
of another centre is refused; the token's scopes. Through the app with bearer tokens, on both
databases."""

from __future__ import annotations

from datetime import timedelta

import helpers
from helpers import credentials, log_in, now, today

from bookings.tables import Booking
from inventory.tables import (
    Inspection,
    MaintenanceTicket,
    ToolType,
    ToolTypePart,
    Unit,
    UnitEvent,
    UnitPart,
)
from rental.accounts import create_api_token, create_staff_account
from rental.tables import AuditLog, Centre, Member

STAFF = "+995555000003"  # Samgori's desk
COORDINATOR = "+995555000002"
KUT_STAFF = "+995555000099"
MEMBER = "+995555000012"


async def bearer(phone: str, scopes: list[str] | None = None) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


async def kutaisi_desk(scopes: list[str] | None = None) -> dict[str, str]:
    await create_staff_account(role="staff", phone=KUT_STAFF, name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=now())
    return await bearer(KUT_STAFF, scopes)


async def centres() -> dict[str, int]:
    return {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}


async def samgori_unit(*, inspected: bool = False) -> dict:
    """An available Samgori unit without bookings, of a tool type needing electrical safety
    inspections (`inspected`) or not."""
    booked = [row["unit"] for row in await Booking.select(Booking.unit)]
    interval = Unit.tool_type._.inspection_interval_days
    return await Unit.select().where(
        Unit.asset_tag.like("SMG-%") & (Unit.status == "available")
        & Unit.id.not_in([b for b in booked if b] or [-1])
        & (interval.is_not_null() if inspected else interval.is_null())
    ).order_by(Unit.id).first()


async def snapshot(unit_id: int) -> tuple:
    unit = await Unit.select().where(Unit.id == unit_id).first()
    return (unit, await UnitEvent.count().where(UnitEvent.unit == unit_id),
            await MaintenanceTicket.count(), await Inspection.count(), await AuditLog.count())


# --- the register ------------------------------------------------------------------------------


async def test_the_register_is_listed_filtered_and_paged(client, seeded):
    desk = await bearer(STAFF)
    known = await centres()
    listed = await client.get("/api/v1/units", headers=desk)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == await Unit.count() and len(body["items"]) == min(50, body["total"])
    item = body["items"][0]
    row = await Unit.select().where(Unit.id == item["id"]).first()
    assert item["asset_tag"] == row["asset_tag"] and item["centre"]["id"] == row["centre"]
    assert item["tool_type"]["id"] == row["tool_type"] and item["tool_type"]["name_ka"]
    if row["cost"] is not None:
        assert item["cost"]["tetri"] == item["cost_tetri"] == row["cost"]
    # filters: the centre, the status, the tool type, a tag
    kutaisi = (await client.get("/api/v1/units", headers=desk,
                                params={"centre": known["KUT"], "per_page": 100})).json()
    assert kutaisi["items"] and {i["centre"]["id"] for i in kutaisi["items"]} == {known["KUT"]}
    assert kutaisi["total"] == await Unit.count().where(Unit.centre == known["KUT"])
    unit = await samgori_unit()
    tagged = (await client.get("/api/v1/units", headers=desk,
                               params={"q": unit["asset_tag"].lower()})).json()
    assert [i["id"] for i in tagged["items"]] == [unit["id"]]
    of_type = (await client.get("/api/v1/units", headers=desk, params={
        "tool_type": unit["tool_type"], "status": "available", "per_page": 100})).json()
    assert unit["id"] in [i["id"] for i in of_type["items"]]
    assert {(i["tool_type"]["id"], i["status"]) for i in of_type["items"]} == {
        (unit["tool_type"], "available")}
    lost = (await client.get("/api/v1/units", headers=desk, params={"status": "lost"})).json()
    assert all(i["status"] == "lost" for i in lost["items"])
    # pages: the next one's address, and past the last one the last one
    first = (await client.get("/api/v1/units", headers=desk, params={"per_page": 2})).json()
    assert first["next"] == "/api/v1/units?per_page=2&page=2" and len(first["items"]) == 2
    assert first["pages"] == -(-first["total"] // 2)
    # what cannot be read is a 400 in the one body
    wrong = await client.get("/api/v1/units", headers=desk, params={"status": "broken"})
    assert wrong.status_code == 400 and set(wrong.json()) == {"status", "errors"}
    assert (await client.get("/api/v1/units", headers=desk, params={"per_page": 101})
            ).status_code == 400
    assert (await client.get("/api/v1/units", headers=desk, params={"centre": "x"})
            ).status_code == 400


async def test_a_unit_is_read_with_its_history_and_an_etag(client, seeded):
    desk = await bearer(STAFF)
    unit = await samgori_unit()
    read = await client.get(f"/api/v1/units/{unit['id']}", headers=desk)
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["asset_tag"] == unit["asset_tag"] and body["status"] == "available"
    assert body["tickets"] == [] and body["inspections"] == []
    assert len(body["history"]) == await UnitEvent.count().where(UnitEvent.unit == unit["id"])
    assert body["inspection_state"] is None and body["inspection_interval_days"] is None
    tag = read.headers["etag"]
    unchanged = await client.get(f"/api/v1/units/{unit['id']}",
                                 headers={**desk, "If-None-Match": tag})
    assert unchanged.status_code == 304
    # another centre's desk: 403; a coordinator reads every centre's; none: 404
    kutaisi = await client.get(f"/api/v1/units/{unit['id']}", headers=await kutaisi_desk())
    assert kutaisi.status_code == 403
    assert kutaisi.json() == {"status": 403,
                              "errors": {"form": "You do not have access to this page."}}
    coordinator = await client.get(f"/api/v1/units/{unit['id']}",
                                   headers=await bearer(COORDINATOR))
    assert coordinator.status_code == 200 and coordinator.json()["id"] == unit["id"]
    missing = await client.get("/api/v1/units/999999", headers=desk)
    assert missing.status_code == 404
    assert missing.json() == {"status": 404,
                              "errors": {"form": "There is no page at this address."}}
    assert (await client.get(f"/api/v1/units/{unit['id']}")).status_code == 401
    member = await client.get(f"/api/v1/units/{unit['id']}", headers=await bearer(MEMBER))
    assert member.status_code == 403


async def test_a_unit_is_read_with_its_parts_which_check_in_names(client, seeded):
    """The parts list with this unit's own counts: the ids the check-in API's missing_parts
    names."""
    unit = await samgori_unit()
    charger, battery = [row["id"] for row in await ToolTypePart.insert(
        ToolTypePart(tool_type=unit["tool_type"], name_ka="დამტენი", name_en="Charger",
                     name_ru="Зарядное устройство", quantity=1, replacement_cost=3500,
                     position=1),
        ToolTypePart(tool_type=unit["tool_type"], name_ka="აკუმულატორი", name_en="Battery",
                     name_ru="Аккумулятор", quantity=2, replacement_cost=6000, position=2),
    ).returning(ToolTypePart.id)]
    await UnitPart.insert(UnitPart(unit=unit["id"], part=battery, quantity=1))
    body = (await client.get(f"/api/v1/units/{unit['id']}", headers=await bearer(STAFF))).json()
    assert [(p["part"]["id"], p["part"]["name_en"], p["count"], p["type_count"],
             p["replacement_cost_tetri"]) for p in body["parts"]] == [
        (charger, "Charger", 1, 1, 3500), (battery, "Battery", 1, 2, 6000)]
    assert body["parts"][1]["replacement_cost"]["tetri"] == 6000


# --- adding a unit -----------------------------------------------------------------------------


async def test_the_desk_adds_a_unit_at_its_own_centre_with_the_next_tag(client, seeded):
    desk = await bearer(STAFF)
    known = await centres()
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    before = await Unit.count()
    new = {"tool_type": drill["id"], "centre": known["SMG"], "condition": "new",
           "serial_number": "API-1", "acquired_on": (today() - timedelta(days=3)).isoformat(),
           "cost_tetri": 24990, "donor": "UNDP"}
    added = await client.post("/api/v1/units", headers=desk, json=new)
    assert added.status_code == 201, added.text
    body = added.json()
    unit = await Unit.select().where(Unit.serial_number == "API-1").first()
    assert body["id"] == unit["id"] and body["asset_tag"] == unit["asset_tag"]
    assert unit["asset_tag"].startswith("SMG-") and unit["cost"] == 24990
    assert body["cost"] == {"tetri": 24990, "text": body["cost"]["text"]} and body["cost"]["text"]
    assert body["condition"] == "new" and body["history"][0]["kind"] == "created"
    assert await Unit.count() == before + 1
    assert await AuditLog.count().where(AuditLog.action == "unit.create") == 1
    # refusals: the page form's messages, by its fields, and nothing is added
    refusals = [
        ({**new, "centre": known["KUT"]}, {"centre": "Choose one of the options."}),
        ({**new, "tool_type": 999999}, {"tool_type": "Choose one of the options."}),
        ({**new, "condition": "shiny"}, {"condition": "Choose one of the options."}),
        ({**new, "acquired_on": (today() + timedelta(days=1)).isoformat()},
         {"acquired_on": "This date is in the future."}),
        ({**new, "serial_number": "x" * 101}, {"serial_number": "Use at most 100 characters."}),
    ]
    for body, errors in refusals:
        refused = await client.post("/api/v1/units", headers=desk, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json() == {"status": 422, "errors": errors}
    for body in ({**new, "cost_tetri": -1}, {**new, "cost_tetri": 10**9},
                 {**new, "acquired_on": "9999-01-01"}, {**new, "tool_type": "drill"},
                 {"centre": known["SMG"]}):
        unreadable = await client.post("/api/v1/units", headers=desk, json=body)
        assert unreadable.status_code == 400, (body, unreadable.text)
    assert await Unit.count() == before + 1


# --- status and transfer -----------------------------------------------------------------------


async def test_a_status_changes_as_on_the_page(client, seeded):
    desk = await bearer(STAFF)
    unit = await samgori_unit()
    path = f"/api/v1/units/{unit['id']}/status"
    before = await snapshot(unit["id"])
    for body, errors in (
        ({"status": "retired"}, {"reason": "Say why the unit is retired."}),
        ({"status": "broken"}, {"status": "Choose one of the options."}),
        ({"status": "available"}, {"status": "The unit already has this status."}),
    ):
        refused = await client.post(path, headers=desk, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"status": 422, "errors": errors}
    assert (await client.post(path, headers=desk, json={"reason": "x"})).status_code == 400
    assert await snapshot(unit["id"]) == before
    retired = await client.post(path, headers=desk, json={"status": "retired",
                                                          "reason": "  cracked   housing "})
    assert retired.status_code == 200, retired.text
    assert (retired.json()["status"], retired.json()["status_reason"]) == (
        "retired", "cracked housing")
    assert retired.json()["history"][0]["kind"] == "status"
    row = await Unit.select().where(Unit.id == unit["id"]).first()
    assert (row["status"], row["status_reason"]) == ("retired", "cracked housing")
    assert await AuditLog.count().where(AuditLog.action == "unit.status") == 1


async def test_a_unit_moves_to_another_centre(client, seeded):
    desk = await bearer(STAFF)
    known = await centres()
    unit = await samgori_unit()
    path = f"/api/v1/units/{unit['id']}/transfer"
    before = await snapshot(unit["id"])
    for centre, message in ((known["SMG"], "The unit is at this centre already."),
                            (999999, "Choose one of the options.")):
        refused = await client.post(path, headers=desk, json={"centre": centre})
        assert refused.status_code == 422
        assert refused.json() == {"status": 422, "errors": {"centre": message}}
    assert (await client.post(path, headers=desk, json={"centre": 0})).status_code == 400
    assert await snapshot(unit["id"]) == before
    moved = await client.post(path, headers=desk, json={"centre": known["KUT"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["centre"]["id"] == known["KUT"] and moved.json()["id"] == unit["id"]
    assert (await Unit.select(Unit.centre).where(Unit.id == unit["id"]).first())[
        "centre"] == known["KUT"]
    # its page is the new centre's desk's now
    assert (await client.get(f"/api/v1/units/{unit['id']}", headers=desk)).status_code == 403
    kutaisi = await kutaisi_desk()
    assert (await client.get(f"/api/v1/units/{unit['id']}", headers=kutaisi)).status_code == 200
    back = await client.post(path, headers=desk, json={"centre": known["SMG"]})
    assert back.status_code == 403


async def test_a_reserved_unit_stays_at_its_centre(client, seeded):
    """The booking names Samgori: its unit stays there (the page's rule and message)."""
    known = await centres()
    unit = await samgori_unit()
    member = await Member.select(Member.id).where(Member.phone == MEMBER).first()
    day = helpers.open_day(1)
    await Booking.insert(Booking(member=member["id"], tool_type=unit["tool_type"],
                                 unit=unit["id"], centre=unit["centre"], starts_on=day,
                                 ends_on=day, status="reserved", created_at=now()))
    coordinator = await bearer(COORDINATOR)
    before = await snapshot(unit["id"])
    refused = await client.post(f"/api/v1/units/{unit['id']}/transfer",
                                headers=coordinator, json={"centre": known["KUT"]})
    assert refused.status_code == 422, refused.text
    assert refused.json() == {"status": 422, "errors": {"centre": (
        "This unit is reserved or out on loan at its centre: transfer it when its bookings "
        "have ended, or after they are cancelled.")}}
    assert await snapshot(unit["id"]) == before


# --- maintenance tickets -----------------------------------------------------------------------


async def test_a_ticket_is_opened_and_resolved_as_on_the_page(client, seeded):
    desk = await bearer(STAFF)
    unit = await samgori_unit()
    tickets = f"/api/v1/units/{unit['id']}/tickets"
    before = await snapshot(unit["id"])
    empty = await client.post(tickets, headers=desk, json={"description": "   "})
    assert empty.status_code == 422
    assert empty.json() == {"status": 422, "errors": {"description": "Describe what is wrong."}}
    assert (await client.post(tickets, headers=desk, json={})).status_code == 400
    assert await snapshot(unit["id"]) == before
    opened = await client.post(tickets, headers=desk,
                               json={"description": "The chuck slips under load."})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert ticket["status"] == "open" and ticket["unit_id"] == unit["id"]
    assert ticket["description"] == "The chuck slips under load." and ticket["photo_url"] is None
    assert ticket["parts_cost"]["tetri"] == 0
    assert (await Unit.select(Unit.status).where(Unit.id == unit["id"]).first())[
        "status"] == "maintenance"
    again = await client.post(tickets, headers=desk, json={"description": "Another fault."})
    assert again.status_code == 422
    assert again.json()["errors"] == {"form": "This unit has an open maintenance ticket already."}
    retire = await client.post(f"/api/v1/units/{unit['id']}/status", headers=desk,
                               json={"status": "retired", "reason": "old"})
    assert retire.status_code == 422
    assert retire.json()["errors"] == {
        "status": "This unit has an open maintenance ticket: resolve it first."}
    shown = (await client.get(f"/api/v1/units/{unit['id']}", headers=desk)).json()
    assert [t["id"] for t in shown["tickets"]] == [ticket["id"]]
    # resolving: the outcome is required; a ticket of another unit is not there
    resolve = f"/api/v1/units/{unit['id']}/tickets/{ticket['id']}/resolve"
    during = await snapshot(unit["id"])
    bad = await client.post(resolve, headers=desk, json={"outcome": "fixed"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"outcome": "Choose one of the options."}
    other = await Unit.select(Unit.id).where(
        Unit.asset_tag.like("SMG-%") & (Unit.id != unit["id"])).first()
    elsewhere = await client.post(
        f"/api/v1/units/{other['id']}/tickets/{ticket['id']}/resolve", headers=desk,
        json={"outcome": "repaired"})
    assert elsewhere.status_code == 404
    assert (await client.post(resolve, headers=desk, json={
        "outcome": "repaired", "parts_cost_tetri": -5})).status_code == 400
    assert await snapshot(unit["id"]) == during
    done = await client.post(resolve, headers=desk, json={
        "outcome": "repaired", "work_notes": "New chuck fitted.", "parts_cost_tetri": 1850})
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["outcome"], body["parts_cost_tetri"]) == (
        "resolved", "repaired", 1850)
    assert body["parts_cost"]["tetri"] == 1850 and body["resolved_at"]
    assert (await Unit.select(Unit.status).where(Unit.id == unit["id"]).first())[
        "status"] == "available"
    twice = await client.post(resolve, headers=desk, json={"outcome": "repaired"})
    assert twice.status_code == 422
    assert twice.json()["errors"] == {"form": "This ticket is resolved already."}
    missing = await client.post(f"/api/v1/units/{unit['id']}/tickets/999999/resolve",
                                headers=desk, json={"outcome": "repaired"})
    assert missing.status_code == 404


async def test_beyond_repair_retires_the_unit(client, seeded):
    coordinator = await bearer(COORDINATOR)
    unit = await samgori_unit()
    opened = await client.post(f"/api/v1/units/{unit['id']}/tickets", headers=coordinator,
                               json={"description": "Burnt motor."})
    assert opened.status_code == 201, opened.text
    done = await client.post(
        f"/api/v1/units/{unit['id']}/tickets/{opened.json()['id']}/resolve",
        headers=coordinator, json={"outcome": "beyond_repair"})
    assert done.status_code == 200 and done.json()["outcome"] == "beyond_repair"
    row = await Unit.select().where(Unit.id == unit["id"]).first()
    assert (row["status"], row["status_reason"]) == ("retired", "beyond repair")
    gone = await client.post(f"/api/v1/units/{unit['id']}/tickets", headers=coordinator,
                             json={"description": "Still burnt."})
    assert gone.status_code == 422
    assert gone.json()["errors"] == {"form": "A retired or lost unit cannot be repaired."}


# --- inspections -------------------------------------------------------------------------------


async def test_an_inspection_is_recorded_as_on_the_page(client, seeded):
    desk = await bearer(STAFF)
    unit = await samgori_unit(inspected=True)
    path = f"/api/v1/units/{unit['id']}/inspections"
    before = await snapshot(unit["id"])
    day = today().isoformat()
    for body, errors in (
        ({"inspected_on": (today() + timedelta(days=1)).isoformat(), "inspector": "ნინო",
          "result": "pass"}, {"inspected_on": "This date is in the future."}),
        ({"inspected_on": day, "inspector": "  ", "result": "maybe"},
         {"inspector": "This field is required.", "result": "Choose one of the options."}),
    ):
        refused = await client.post(path, headers=desk, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"status": 422, "errors": errors}
    assert (await client.post(path, headers=desk, json={
        "inspected_on": "yesterday", "inspector": "ნინო", "result": "pass"})).status_code == 400
    plain = await samgori_unit()
    needless = await client.post(f"/api/v1/units/{plain['id']}/inspections", headers=desk,
                                 json={"inspected_on": day, "inspector": "ნინო",
                                       "result": "pass"})
    assert needless.status_code == 422
    assert needless.json()["errors"] == {
        "form": "This tool type does not need electrical safety inspections."}
    assert await snapshot(unit["id"]) == before
    recorded = await client.post(path, headers=desk, json={
        "inspected_on": day, "inspector": "ნინო ბერიძე", "result": "fail", "notes": "frayed"})
    assert recorded.status_code == 201, recorded.text
    assert {k: recorded.json()[k] for k in ("unit_id", "inspected_on", "inspector", "result",
                                             "notes")} == {
        "unit_id": unit["id"], "inspected_on": day, "inspector": "ნინო ბერიძე",
        "result": "fail", "notes": "frayed"}
    shown = (await client.get(f"/api/v1/units/{unit['id']}", headers=desk)).json()
    assert (shown["last_inspected_on"], shown["last_inspection_result"],
            shown["inspection_state"]) == (day, "fail", "failed")
    due = (await client.get("/api/v1/inspections/due", headers=desk,
                            params={"per_page": 100})).json()
    assert unit["id"] in [i["id"] for i in due["items"]]


async def test_the_due_list_is_the_desks_centres(client, seeded):
    known = await centres()
    desk, coordinator = await bearer(STAFF), await bearer(COORDINATOR)
    everywhere = (await client.get("/api/v1/inspections/due", headers=coordinator,
                                   params={"per_page": 100, "within_days": 366})).json()
    assert everywhere["items"], "the seed has units needing inspections"
    mine = (await client.get("/api/v1/inspections/due", headers=desk,
                             params={"per_page": 100, "within_days": 366})).json()
    assert {i["centre"]["id"] for i in mine["items"]} <= {known["SMG"]}
    assert [i["id"] for i in mine["items"]] == [
        i["id"] for i in everywhere["items"] if i["centre"]["id"] == known["SMG"]]
    for item in everywhere["items"]:
        assert item["inspection_state"] in ("failed", "overdue", "due_soon")
    now_only = (await client.get("/api/v1/inspections/due", headers=coordinator,
                                 params={"within_days": 0, "per_page": 100})).json()
    assert now_only["total"] <= everywhere["total"]
    assert all(i["inspection_state"] in ("failed", "overdue") for i in now_only["items"])
    paged = (await client.get("/api/v1/inspections/due", headers=coordinator,
                              params={"per_page": 1, "within_days": 366})).json()
    assert paged["total"] == everywhere["total"] and len(paged["items"]) == 1
    if paged["total"] > 1:
        assert paged["next"] == "/api/v1/inspections/due?per_page=1&within_days=366&page=2"
    kut = await client.get("/api/v1/inspections/due", headers=desk,
                           params={"centre": known["KUT"]})
    assert kut.status_code == 403
    ours = (await client.get("/api/v1/inspections/due", headers=coordinator, params={
        "centre": known["KUT"], "within_days": 366, "per_page": 100})).json()
    assert {i["centre"]["id"] for i in ours["items"]} <= {known["KUT"]}
    assert (await client.get("/api/v1/inspections/due", headers=desk,
                             params={"within_days": 400})).status_code == 400


# --- who may -----------------------------------------------------------------------------------


async def test_another_centres_desk_is_refused_and_nothing_changes(client, seeded):
    kutaisi = await kutaisi_desk()
    known = await centres()
    unit = await samgori_unit(inspected=True)
    ticket = await client.post(f"/api/v1/units/{unit['id']}/tickets",
                               headers=await bearer(STAFF), json={"description": "Sparks."})
    assert ticket.status_code == 201
    before = await snapshot(unit["id"])
    base = f"/api/v1/units/{unit['id']}"
    for path, body in (
        (f"{base}/status", {"status": "lost", "reason": "gone"}),
        (f"{base}/transfer", {"centre": known["KUT"]}),
        (f"{base}/tickets", {"description": "Sparks again."}),
        (f"{base}/tickets/{ticket.json()['id']}/resolve", {"outcome": "repaired"}),
        (f"{base}/inspections", {"inspected_on": today().isoformat(), "inspector": "x",
                                 "result": "pass"}),
        (f"{base}/status", {"nonsense": True}),  # refused before the body is read
    ):
        refused = await client.post(path, headers=kutaisi, json=body)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json() == {"status": 403,
                                  "errors": {"form": "You do not have access to this page."}}
    assert await snapshot(unit["id"]) == before


async def test_writes_need_the_desk_scope_reads_the_read_scope(client, seeded):
    unit = await samgori_unit()
    read_only = await bearer(STAFF, ["read"])
    before = await snapshot(unit["id"])
    refused = await client.post(f"/api/v1/units/{unit['id']}/tickets", headers=read_only,
                                json={"description": "Sparks."})
    assert refused.status_code == 403
    assert refused.json()["errors"] == {"form": "This API token lacks the “desk” scope."}
    assert await snapshot(unit["id"]) == before
    assert (await client.get(f"/api/v1/units/{unit['id']}", headers=read_only)
            ).status_code == 200
    desk_only = await bearer(STAFF, ["desk"])
    assert (await client.get("/api/v1/units", headers=desk_only)).status_code == 403
    assert (await client.get("/api/v1/inspections/due", headers=desk_only)).status_code == 403
    opened = await client.post(f"/api/v1/units/{unit['id']}/tickets", headers=desk_only,
                               json={"description": "Sparks."})
    assert opened.status_code == 201
    member = await client.post(f"/api/v1/units/{unit['id']}/status",
                               headers=await bearer(MEMBER), json={"status": "lost"})
    assert member.status_code == 403
    anonymous = await client.post(f"/api/v1/units/{unit['id']}/status",
                                  json={"status": "lost"})
    assert anonymous.status_code == 401
    assert (await client.get("/api/v1/inspections/due")).status_code == 401
    assert (await Unit.select(Unit.status).where(Unit.id == unit["id"]).first())[
        "status"] == "maintenance"


async def test_the_page_and_the_api_list_the_same_units(client, seeded):
    known = await centres()
    api = (await client.get("/api/v1/units", headers=await bearer(STAFF), params={
        "centre": known["KUT"], "status": "available"})).json()
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    page = await client.get("/units", params={"centre": known["KUT"], "status": "available"})
    assert page.status_code == 200
    assert api["items"] and all(item["asset_tag"] in page.text for item in api["items"])
    georgian = await client.post("/api/v1/units/999999/status", json={"status": "lost"},
                                 headers={**await bearer(STAFF), "Accept-Language": "ka"})
    assert georgian.status_code == 404 and georgian.json()["errors"]["form"] != (
        "There is no page at this address.")
