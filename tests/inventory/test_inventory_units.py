"""Units: adding with a generated asset tag, status changes, transfers, maintenance tickets,
inspections, the tag lookup, and who may do what (staff only at their own centres)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import helpers
import pytest
from helpers import credentials, csrf_token, log_in

from bookings.tables import Booking
from inventory.tables import Inspection, MaintenanceTicket, ToolType, Unit, UnitEvent
from rental.tables import AuditLog, Centre, Member

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
KUT_STAFF = ("+995555000099", "kutaisi-desk-1")


async def as_role(client, seeded, role: str) -> None:
    if role == "kut_staff":
        from rental.accounts import create_staff_account

        await create_staff_account(role="staff", phone=KUT_STAFF[0], name="ქუთაისის დესკი",
                                   email=None, centre_codes=["KUT"], password=KUT_STAFF[1],
                                   now=NOW)
        phone, password = KUT_STAFF
    else:
        phone, password = credentials(seeded, role)
    response = await log_in(client, phone, password)
    assert response.status_code == 303


async def post(client, path: str, data: dict, **kwargs):
    token = await csrf_token(client, "/")
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


async def smg_unit(tag: str = "SMG-0001") -> dict:
    return await Unit.select().where(Unit.asset_tag == tag).first()


async def ids() -> dict[str, int]:
    centres = {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    return {**centres, "drill": drill["id"]}


async def inspected_unit() -> dict:
    """An available Samgori unit of a tool type that needs electrical safety inspections."""
    return await Unit.select(Unit.id, Unit.asset_tag, Unit.centre).where(
        Unit.tool_type.inspection_interval_days.is_not_null()
        & (Unit.asset_tag.like("SMG-%")) & (Unit.status == "available")
    ).order_by(Unit.id).first()


# --- adding units ----------------------------------------------------------------------------


async def test_staff_adds_a_unit_at_their_centre_with_the_next_tag(client, seeded):
    await as_role(client, seeded, "staff")
    known = await ids()
    before = await Unit.count()
    page = await client.get("/units/new")
    assert page.status_code == 200 and 'name="serial_number"' in page.text
    response = await post(client, "/units/new", {
        "tool_type": known["drill"], "centre": known["SMG"], "serial_number": "X-1",
        "condition": "new", "acquired_on": "2026-01-05", "cost": "249.90", "donor": "UNDP",
    })
    assert response.status_code == 303
    unit = await Unit.select().where(Unit.serial_number == "X-1").first()
    assert response.headers["location"] == f"/units/{unit['id']}"
    highest = max(int(r["asset_tag"][4:]) for r in await Unit.select(Unit.asset_tag).where(
        Unit.asset_tag.like("SMG-%")) if r["asset_tag"] != unit["asset_tag"])
    assert unit["asset_tag"] == f"SMG-{highest + 1:04d}"
    assert unit["cost"] == 24990 and unit["status"] == "available"
    assert await Unit.count() == before + 1
    assert await AuditLog.count().where(AuditLog.action == "unit.create") == 1
    # the next one follows without looking at the other tags again
    second = await post(client, "/units/new", {"tool_type": known["drill"],
                                               "centre": known["SMG"], "condition": "good"})
    assert second.status_code == 303
    tags = [r["asset_tag"] for r in await Unit.select(Unit.asset_tag).order_by(Unit.id)]
    assert tags[-1] == f"SMG-{highest + 2:04d}"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"cost": "-5"}, "cost"),
        ({"cost": "abc"}, "cost"),
        ({"cost": "1.234"}, "cost"),
        ({"tool_type": "999999"}, "tool_type"),
        ({"tool_type": "x"}, "tool_type"),
        ({"condition": "broken"}, "condition"),
        ({"acquired_on": "2026-13-01"}, "acquired_on"),
        ({"acquired_on": "2099-01-01"}, "acquired_on"),
        ({"serial_number": "x" * 101}, "serial_number"),
    ],
)
async def test_bad_unit_input_is_shown_next_to_the_field_and_nothing_is_written(
    client, seeded, data, field
):
    await as_role(client, seeded, "staff")
    known = await ids()
    before = await Unit.count()
    values = {"tool_type": known["drill"], "centre": known["SMG"], "condition": "good", **data}
    response = await post(client, "/units/new", values)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await Unit.count() == before


async def test_staff_cannot_add_a_unit_at_another_centre(client, seeded):
    await as_role(client, seeded, "staff")
    known = await ids()
    before = await Unit.count()
    response = await post(client, "/units/new", {"tool_type": known["drill"],
                                                 "centre": known["KUT"], "condition": "good"})
    assert response.status_code == 422  # another centre is not among their choices
    assert 'id="e-centre"' in response.text
    assert await Unit.count() == before


async def test_coordinator_adds_units_at_any_centre(client, seeded):
    await as_role(client, seeded, "coordinator")
    known = await ids()
    response = await post(client, "/units/new", {"tool_type": known["drill"],
                                                 "centre": known["KUT"], "condition": "good"})
    assert response.status_code == 303


# --- who may see and act ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/units", "/units/new", "/inspections/due",
                                  "/units/lookup?code=SMG-0001"])
async def test_anonymous_is_sent_to_log_in_and_members_are_refused(client, seeded, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    await as_role(client, seeded, "member")
    assert (await client.get(path)).status_code == 403


async def test_member_cannot_change_a_unit(client, seeded):
    await as_role(client, seeded, "member")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status",
                          {"status": "lost", "reason": ""})
    assert response.status_code == 403
    assert (await smg_unit())["status"] == "available"


@pytest.mark.parametrize(
    "action, data",
    [
        ("status", {"status": "lost", "reason": "gone"}),
        ("transfer", {"centre": "2"}),
        ("tickets", {"description": "broken"}),
    ],
)
async def test_staff_of_another_centre_gets_403_and_nothing_changes(
    client, seeded, action, data
):
    await as_role(client, seeded, "kut_staff")
    unit = await smg_unit()
    page = await client.get(f"/units/{unit['id']}")
    assert page.status_code == 403  # nor reads another centre's unit
    assert unit["asset_tag"] not in page.text
    response = await post(client, f"/units/{unit['id']}/{action}", data)
    assert response.status_code == 403
    assert await smg_unit() == unit
    assert await UnitEvent.count() == 0


async def test_unknown_unit_is_404(client, seeded):
    await as_role(client, seeded, "staff")
    assert (await client.get("/units/999999")).status_code == 404
    response = await post(client, "/units/999999/status", {"status": "lost"})
    assert response.status_code == 404
    response = await post(client, "/tickets/999999/resolve", {"outcome": "repaired"})
    assert response.status_code == 404


# --- status and transfer ---------------------------------------------------------------------


async def test_status_change_is_recorded_in_history_and_audit_log(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status",
                          {"status": "retired", "reason": "  worn   out "})
    assert response.status_code == 303
    after = await smg_unit()
    assert after["status"] == "retired" and after["status_reason"] == "worn out"
    event = await UnitEvent.select().where(UnitEvent.unit == unit["id"]).first()
    assert (event["kind"], event["from_value"], event["to_value"]) == (
        "status", "available", "retired")
    entry = await AuditLog.select().where(AuditLog.action == "unit.status").first()
    assert entry["entity_id"] == unit["id"] and entry["actor"] is not None
    page = await client.get(f"/units/{unit['id']}")
    assert "worn out" in page.text


async def test_retiring_needs_a_reason(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status", {"status": "retired"})
    assert response.status_code == 422
    assert 'id="e-reason"' in response.text
    assert (await smg_unit())["status"] == "available"


async def test_unknown_status_is_refused(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status", {"status": "borrowed"})
    assert response.status_code == 422
    assert 'id="e-status"' in response.text


async def test_transfer_moves_the_unit_and_keeps_its_tag(client, seeded):
    await as_role(client, seeded, "staff")
    known = await ids()
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/transfer", {"centre": known["KUT"]})
    assert response.status_code == 303
    moved = await smg_unit()
    assert moved["centre"] == known["KUT"] and moved["asset_tag"] == "SMG-0001"
    assert await AuditLog.count().where(AuditLog.action == "unit.transfer") == 1
    # now at Kutaisi, the Samgori desk can no longer act on it
    again = await post(client, f"/units/{unit['id']}/transfer", {"centre": known["SMG"]})
    assert again.status_code == 403


@pytest.mark.parametrize("status", ["reserved", "out"])
async def test_a_reserved_or_lent_unit_is_not_transferred(client, seeded, status):
    """The booking names Samgori: its unit stays there until the booking ends or is cancelled."""
    await as_role(client, seeded, "staff")
    known = await ids()
    unit = await smg_unit()
    member = await Member.select(Member.id).where(Member.role == "member").first()
    day = helpers.open_day(1)
    await Booking.insert(Booking(member=member["id"], tool_type=unit["tool_type"],
                                 unit=unit["id"], centre=unit["centre"], starts_on=day,
                                 ends_on=day, status=status, created_at=NOW,
                                 checked_out_at=NOW if status == "out" else None))
    response = await post(client, f"/units/{unit['id']}/transfer", {"centre": known["KUT"]})
    assert response.status_code == 422
    assert 'id="e-centre"' in response.text and "დაჯავშნილია ან გატანილია" in response.text
    assert await smg_unit() == unit
    assert await AuditLog.count().where(AuditLog.action == "unit.transfer") == 0
    # once the booking is over, the unit moves
    await Booking.update({Booking.status: "cancelled" if status == "reserved" else "returned",
                          Booking.returned_at: NOW}, force=True)
    moved = await post(client, f"/units/{unit['id']}/transfer", {"centre": known["KUT"]})
    assert moved.status_code == 303 and (await smg_unit())["centre"] == known["KUT"]


async def test_the_database_keeps_a_booked_unit_at_the_bookings_centre(seeded):
    known = await ids()
    unit = await smg_unit()
    member = await Member.select(Member.id).where(Member.role == "member").first()
    booking = {"member": member["id"], "tool_type": unit["tool_type"], "unit": unit["id"],
               "starts_on": helpers.today(), "ends_on": helpers.today(), "created_at": NOW,
               "checked_out_at": NOW}
    with pytest.raises(Exception, match="booking_unit_at_its_centre"):  # booked elsewhere
        await Booking.insert(Booking(centre=known["KUT"], status="reserved", **booking))
    await Booking.insert(Booking(centre=known["KUT"], status="returned", returned_at=NOW,
                                 **booking))  # history
    await Booking.insert(Booking(centre=known["SMG"], status="out", **booking))
    with pytest.raises(Exception, match="booking_unit_at_its_centre"):  # moved while out
        await Unit.update({Unit.centre: known["KUT"]}).where(Unit.id == unit["id"])
    with pytest.raises(Exception, match="booking_unit_at_its_centre"):  # re-pointed elsewhere
        await Booking.update({Booking.centre: known["KUT"]}).where(Booking.status == "out")
    assert (await smg_unit())["centre"] == known["SMG"]


async def test_a_transfer_and_a_booking_at_once_never_split_unit_and_booking(seeded):
    """A coordinator moves the last unit while a member books it: one of them wins, and the
    booking's unit is at the booking's centre."""
    from bookings.lending import reservations
    from inventory import services
    from rental.audit import record

    cast = await helpers.demo_cast()
    known = await ids()
    category = await ToolType.select(ToolType.category).first()
    for attempt in range(6):
        tool = await ToolType.insert(ToolType(
            slug=f"race-{attempt}", category=category["category"], name_ka="რბოლა",
            name_en=f"Race {attempt}", daily_fee=100, deposit=0, max_loan_days=7,
            created_at=NOW, search_text="race")).returning(ToolType.id)
        unit = await Unit.insert(Unit(tool_type=tool[0]["id"], centre=known["SMG"],
                                      asset_tag=f"SMG-77{attempt:02d}", created_at=NOW)
                                 ).returning(Unit.id)
        day = helpers.open_day(2)
        results = await asyncio.gather(
            reservations.book(member_id=cast.member, tool_type_id=tool[0]["id"],
                              centre_id=known["SMG"], starts_on=day, ends_on=day,
                              actor_id=cast.member, today=helpers.today(), now=helpers.now()),
            services.transfer_unit(unit[0]["id"], known["KUT"], actor=cast.coordinator,
                                   now=helpers.now(), audit=record),
            return_exceptions=True)
        assert sum(not isinstance(r, BaseException) for r in results) >= 1, results
        assert all(isinstance(r, (reservations.BookingError, services.Refused))
                   for r in results if isinstance(r, BaseException)), results
        placed = await Unit.select(Unit.centre).where(Unit.id == unit[0]["id"]).first()
        for booking in await Booking.select().where(Booking.unit == unit[0]["id"]):
            assert booking["centre"] == placed["centre"]


@pytest.mark.parametrize("centre", ["", "abc", "999999", "same"])
async def test_transfer_to_a_bad_centre_is_refused(client, seeded, centre):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    if centre == "same":
        centre = str(unit["centre"])
    response = await post(client, f"/units/{unit['id']}/transfer", {"centre": centre})
    assert response.status_code == 422
    assert 'id="e-centre"' in response.text
    assert await smg_unit() == unit


# --- maintenance tickets ---------------------------------------------------------------------


async def test_ticket_takes_the_unit_out_and_repair_brings_it_back(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/tickets",
                          {"description": "Chuck wobbles"})
    assert response.status_code == 303
    assert (await smg_unit())["status"] == "maintenance"
    ticket = await MaintenanceTicket.select().where(MaintenanceTicket.unit == unit["id"]).first()
    assert ticket["resolved_at"] is None

    second = await post(client, f"/units/{unit['id']}/tickets", {"description": "again"})
    assert second.status_code == 422
    assert await MaintenanceTicket.count() == 1
    blocked = await post(client, f"/units/{unit['id']}/status", {"status": "available"})
    assert blocked.status_code == 422  # resolve the ticket first

    page = await client.get(f"/units/{unit['id']}")
    assert f'action="/tickets/{ticket["id"]}/resolve"' in page.text
    done = await post(client, f"/tickets/{ticket['id']}/resolve",
                      {"work_notes": "new chuck", "parts_cost": "12,50", "outcome": "repaired"})
    assert done.status_code == 303
    assert (await smg_unit())["status"] == "available"
    resolved = await MaintenanceTicket.select().where(MaintenanceTicket.id == ticket["id"]).first()
    assert resolved["parts_cost"] == 1250 and resolved["outcome"] == "repaired"
    assert resolved["resolved_by"] is not None
    kinds = {r["kind"] for r in await UnitEvent.select(UnitEvent.kind)}
    assert kinds == {"ticket_opened", "ticket_resolved"}
    assert await AuditLog.count().where(AuditLog.action.like("ticket.%")) == 2
    again = await post(client, f"/tickets/{ticket['id']}/resolve", {"outcome": "repaired"})
    assert again.status_code == 422


async def test_beyond_repair_retires_the_unit(client, seeded):
    await as_role(client, seeded, "coordinator")
    unit = await smg_unit()
    await post(client, f"/units/{unit['id']}/tickets", {"description": "motor burnt"})
    ticket = await MaintenanceTicket.select().first()
    response = await post(client, f"/tickets/{ticket['id']}/resolve",
                          {"work_notes": "", "parts_cost": "", "outcome": "beyond_repair"})
    assert response.status_code == 303
    assert (await smg_unit())["status"] == "retired"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"parts_cost": "-1", "outcome": "repaired"}, "parts_cost"),
        ({"parts_cost": "ten", "outcome": "repaired"}, "parts_cost"),
        ({"parts_cost": "1", "outcome": "fixed"}, "outcome"),
        ({"work_notes": "x" * 5001, "outcome": "repaired"}, "work_notes"),
    ],
)
async def test_bad_resolution_is_refused_and_the_ticket_stays_open(client, seeded, data, field):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    await post(client, f"/units/{unit['id']}/tickets", {"description": "broken"})
    ticket = await MaintenanceTicket.select().first()
    response = await post(client, f"/tickets/{ticket['id']}/resolve", data)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert (await MaintenanceTicket.select().first())["resolved_at"] is None
    assert (await smg_unit())["status"] == "maintenance"


async def test_empty_fault_description_is_refused(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/tickets", {"description": "  "})
    assert response.status_code == 422 and 'id="e-description"' in response.text
    assert await MaintenanceTicket.count() == 0


async def test_staff_of_another_centre_cannot_resolve_a_ticket(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    await post(client, f"/units/{unit['id']}/tickets", {"description": "broken"})
    ticket = await MaintenanceTicket.select().first()
    client.cookies.clear()
    await as_role(client, seeded, "kut_staff")
    response = await post(client, f"/tickets/{ticket['id']}/resolve", {"outcome": "repaired"})
    assert response.status_code == 403
    assert (await MaintenanceTicket.select().first())["resolved_at"] is None


# --- inspections -----------------------------------------------------------------------------


async def test_inspection_records_and_a_failed_one_stops_lending(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await inspected_unit()
    today = helpers.today()
    response = await post(client, f"/units/{unit['id']}/inspections", {
        "inspected_on": today.isoformat(), "inspector": "G. Electric", "result": "fail",
        "notes": "frayed cord",
    })
    assert response.status_code == 303
    row = await Unit.select().where(Unit.id == unit["id"]).first()
    assert row["last_inspected_on"] == today and row["last_inspection_result"] == "fail"
    assert await Inspection.count() == 1
    assert await AuditLog.count().where(AuditLog.action == "unit.inspection") == 1
    due = await client.get("/inspections/due")
    assert unit["asset_tag"] in due.text
    passed = await post(client, f"/units/{unit['id']}/inspections", {
        "inspected_on": today.isoformat(), "inspector": "G. Electric", "result": "pass"})
    assert passed.status_code == 303
    row = await Unit.select().where(Unit.id == unit["id"]).first()
    assert row["last_inspection_result"] == "pass"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"inspected_on": "yesterday"}, "inspected_on"),
        ({"inspected_on": "2099-01-01"}, "inspected_on"),
        ({"inspector": ""}, "inspector"),
        ({"result": "maybe"}, "result"),
    ],
)
async def test_bad_inspection_is_refused(client, seeded, data, field):
    await as_role(client, seeded, "staff")
    unit = await inspected_unit()
    values = {"inspected_on": "2026-11-20", "inspector": "G", "result": "pass", **data}
    response = await post(client, f"/units/{unit['id']}/inspections", values)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await Inspection.count() == 0


async def test_inspection_of_a_tool_that_needs_none_is_refused(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()  # a drill: no inspections
    response = await post(client, f"/units/{unit['id']}/inspections",
                          {"inspected_on": "2026-11-20", "inspector": "G", "result": "pass"})
    assert response.status_code == 422
    assert await Inspection.count() == 0


async def test_inspections_due_lists_the_overdue_demo_unit_by_centre(client, seeded):
    await as_role(client, seeded, "staff")
    overdue = await Unit.select(Unit.asset_tag).where(  # the seed inspected it 400 days ago
        Unit.last_inspected_on == helpers.today() - timedelta(days=400)).first()
    page = await client.get("/inspections/due")
    assert page.status_code == 200
    assert overdue["asset_tag"] in page.text
    assert "KUT-" not in page.text  # Samgori desk sees its own centre only


# --- lookup and pages ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["SMG-0001", "smg-0001", "  SMG-0001 \t", "SMG- 0001"])
async def test_lookup_resolves_a_scanned_or_typed_tag(client, seeded, code):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await client.get("/units/lookup", params={"code": code})
    assert response.status_code == 303
    assert response.headers["location"] == f"/units/{unit['id']}"


@pytest.mark.parametrize("code", ["SMG-9999", "nonsense", "%", "x" * 100])
async def test_lookup_of_an_unknown_tag_is_a_clear_404(client, seeded, code):
    await as_role(client, seeded, "staff")
    response = await client.get("/units/lookup", params={"code": code})
    assert response.status_code == 404
    assert '<div class="form-errors" role="alert">' in response.text  # says which tag is unknown
    assert 'id="code"' in response.text  # and offers to try again


async def test_unit_page_full_and_fragments(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    await post(client, f"/units/{unit['id']}/status", {"status": "lost", "reason": "stolen"})
    full = await client.get(f"/units/{unit['id']}")
    assert full.text.lstrip().startswith("<!doctype html>")
    assert "SMG-0001" in full.text and "stolen" in full.text
    history = await client.get(f"/units/{unit['id']}",
                               headers={"HX-Request": "true", "HX-Target": "unit_history"})
    assert history.text.lstrip().startswith('<section id="unit_history"')
    assert "stolen" in history.text
    main = await client.get(f"/units/{unit['id']}",
                            headers={"HX-Request": "true", "HX-Target": "main"})
    assert '<main id="main">' in main.text and "<header" not in main.text


async def test_unit_register_lists_filters_and_paginates(client, seeded):
    await as_role(client, seeded, "staff")
    known = await ids()
    page = await client.get("/units")
    assert page.status_code == 200 and "SMG-0001" in page.text
    kut = await client.get("/units", params={"centre": known["KUT"]})
    assert "KUT-0001" in kut.text and "SMG-0001" not in kut.text
    fragment = await client.get("/units", params={"q": "smg-0001"},
                                headers={"HX-Request": "true", "HX-Target": "unit_list"})
    assert fragment.text.lstrip().startswith('<section id="unit_list"')
    assert fragment.text.count('href="/units/') == 1
    maintenance = await client.get("/units", params={"status": "maintenance"})
    assert maintenance.text.count('href="/units/') >= 1
    assert (await client.get("/units", params={"page": 9999})).status_code == 200
    assert (await client.get("/units", params={"centre": "abc"})).status_code == 400


async def test_the_unit_register_finds_a_tool_by_any_form_of_its_georgian_name(client, seeded):
    """As the catalogue does (inventory/search_rules.py): a plural in the instrumental case."""
    await as_role(client, seeded, "staff")
    screwdrivers = await Unit.select(Unit.asset_tag).where(
        Unit.tool_type.slug == "insulated-screwdriver-set")
    assert screwdrivers
    found = await client.get("/units", params={"q": "სახრახნისებით"})
    assert found.status_code == 200
    assert all(unit["asset_tag"] in found.text for unit in screwdrivers)
    ladders = await Unit.select(Unit.asset_tag).where(Unit.tool_type.slug == "step-ladder")
    assert ladders and not any(f">{unit['asset_tag']}<" in found.text for unit in ladders)
    ending_alone = await client.get("/units", params={"q": "ებით"},
                                    headers={"HX-Request": "true", "HX-Target": "unit_list"})
    assert ending_alone.status_code == 200 and 'href="/units/' not in ending_alone.text


# --- labels ----------------------------------------------------------------------------------


async def test_label_sheet_for_chosen_units_has_qr_tag_and_georgian_name(client, seeded):
    await as_role(client, seeded, "staff")
    first, second = await Unit.select(Unit.id, Unit.asset_tag).order_by(Unit.id).limit(2)
    response = await client.get("/labels", params={"unit": [first["id"], second["id"]]})
    assert response.status_code == 200
    assert response.text.count('class="label"') == 2
    assert response.text.count("<svg") == 4  # a QR code and a Code 128 barcode each
    assert first["asset_tag"] in response.text and second["asset_tag"] in response.text
    assert "აკუმულატორიანი ბურღი-სახრახნისი" in response.text


async def test_label_sheet_for_a_whole_tool_type(client, seeded):
    await as_role(client, seeded, "staff")
    known = await ids()
    count = await Unit.count().where(Unit.tool_type == known["drill"])
    response = await client.get("/labels", params={"tool_type": known["drill"]})
    assert response.text.count('class="label"') == count
    smg = await client.get("/labels", params={"tool_type": known["drill"],
                                              "centre": known["SMG"]})
    assert "KUT-" not in smg.text


async def test_qr_code_holds_the_asset_tag():
    from rental.kernel.qr import qr_svg

    svg = qr_svg("SMG-0042")
    assert svg.startswith("<svg") and "<script" not in svg


async def test_labels_refuse_bad_ids_and_members(client, seeded):
    await as_role(client, seeded, "staff")
    assert (await client.get("/labels", params={"unit": "abc"})).status_code == 400
    empty = await client.get("/labels")
    assert empty.status_code == 200 and 'class="label"' not in empty.text
    client.cookies.clear()
    await as_role(client, seeded, "member")
    assert (await client.get("/labels")).status_code == 403


# --- success messages ------------------------------------------------------------------------


def flash_of(response, settings):
    """The (level, message) a response's flash cookie carries. Litestar quotes a cookie value
    holding '=' (base64 padding), so the quotes are taken off first."""
    from rental.kernel.web import FLASH_COOKIE, read_flash

    for header in response.headers.get_list("set-cookie"):
        name, _sep, rest = header.partition("=")
        if name == FLASH_COOKIE:
            return read_flash(settings, rest.split(";")[0].strip('"'))
    return None


async def test_successful_actions_set_a_success_message(client, seeded, settings):
    await as_role(client, seeded, "staff")
    client.cookies.set("lang", "en")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status",
                          {"status": "lost", "reason": "not returned"})
    assert response.status_code == 303
    assert flash_of(response, settings)[0] == "success"
    # a refused action sets no message
    refused = await post(client, f"/units/{unit['id']}/status", {"status": "lost"})
    assert refused.status_code == 422 and flash_of(refused, settings) is None


async def test_the_success_message_is_shown_on_the_next_page(client, seeded):
    await as_role(client, seeded, "staff")
    unit = await smg_unit()
    response = await post(client, f"/units/{unit['id']}/status",
                          {"status": "lost", "reason": "not returned"})
    page = await client.get(response.headers["location"])
    assert 'class="flash-success"' in page.text
