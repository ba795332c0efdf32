"""Kits at the desk, against the database: a tool type's parts list and a unit's own counts
(inventory.parts), what goes out at check-out (the receipt keeps it), the checklist at
check-in: a part not back is charged at its replacement cost, may be waived with a reason,
opens a maintenance ticket and lowers the unit's count; bad input writes nothing.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
from helpers import SMG, demo_cast, free_tags, now, open_day, today

from bookings.lending import desk
from bookings.lending.desk import DeskError
from bookings.tables import Booking
from inventory import kits, parts
from inventory.services import Invalid, NotAllowed
from inventory.tables import MaintenanceTicket, ToolTypePart, Unit, UnitPart
from rental.kernel.identity import CurrentUser
from rental.tables import AuditLog, LedgerEntry, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

CHARGER = {"name_ka": "დამტენი", "name_en": "Charger", "name_ru": "Зарядное устройство",
           "count": "1", "replacement_cost": "45.00", "position": "1"}
BATTERY = {"name_ka": "აკუმულატორი", "name_en": "Battery", "name_ru": "Аккумулятор",
           "count": "2", "replacement_cost": "60", "position": "2"}


@pytest.fixture
async def cast(seeded):
    return await demo_cast()


async def kit_unit(cast) -> tuple[dict, dict[str, int]]:
    """A free unit whose tool type has a charger and two batteries."""
    [tag] = await free_tags(1)
    unit = await Unit.select(Unit.id, Unit.tool_type, Unit.asset_tag).where(
        Unit.asset_tag == tag).first()
    ids = {}
    for part in (CHARGER, BATTERY):
        ids[part["name_en"]] = await parts.add_part(unit["tool_type"], part,
                                                    actor=cast.coordinator, now=now())
    return unit, ids


async def lend(cast, tag: str) -> int:
    basket = await desk.basket_view(cast.member, SMG, [tag], open_day(2), today())
    return await desk.check_out(
        member_id=cast.member, centre_id=SMG, tags=[tag], return_on=open_day(2),
        payment={"method": "cash", "amount": basket.due}, override_reason="the test lends on",
        actor=cast.staff, today=today(), now=now())


async def written() -> tuple[int, ...]:
    return (await Receipt.count(), await LedgerEntry.count(), await MaintenanceTicket.count(),
            await UnitPart.count(), await Booking.count().where(Booking.status == "out"))


# --- the list and a unit's counts ---------------------------------------------------------


async def test_a_coordinator_keeps_a_tool_types_parts_list(cast):
    unit, ids = await kit_unit(cast)
    page = await parts.parts_page(unit["tool_type"])
    assert [(p["name_en"], p["count"], p["replacement_cost"]) for p in page["parts"]] == [
        ("Charger", 1, 4500), ("Battery", 2, 6000)]
    await parts.change_part(unit["tool_type"], ids["Battery"], {**BATTERY, "count": "3"},
                            actor=cast.coordinator, now=now())
    with pytest.raises(Invalid) as refused:  # the same name twice in one tool type
        await parts.add_part(unit["tool_type"], {**CHARGER, "name_ka": "სხვა"},
                             actor=cast.coordinator, now=now())
    assert set(refused.value.errors) == {"name_en"}
    with pytest.raises(Invalid) as refused:
        await parts.add_part(unit["tool_type"], {"name_ka": "", "count": "-2"},
                             actor=cast.coordinator, now=now())
    assert {"name_ka", "name_en", "count"} <= set(refused.value.errors)
    await parts.remove_part(unit["tool_type"], ids["Charger"], actor=cast.coordinator,
                            now=now())
    left = (await kits.unit_parts([unit["id"]]))[unit["id"]]
    assert [(p["name_en"], p["count"]) for p in left] == [("Battery", 3)]
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action).where(
        AuditLog.entity == "tool_type_part").order_by(AuditLog.id)]
    assert actions == ["tool_type_part.create"] * 2 + ["tool_type_part.update",
                                                       "tool_type_part.delete"]


async def test_the_database_refuses_negative_counts_and_costs_and_a_name_twice(cast):
    unit, ids = await kit_unit(cast)
    for bad in ({"quantity": -1}, {"replacement_cost": -1}):
        with pytest.raises(Exception):  # noqa: B017 - either engine's check violation
            await ToolTypePart.insert(ToolTypePart(
                tool_type=unit["tool_type"], name_ka="ა", name_en="a", name_ru="", position=0,
                **{"quantity": 1, "replacement_cost": 0, **bad}))
    with pytest.raises(Exception):  # noqa: B017
        await ToolTypePart.insert(ToolTypePart(
            tool_type=unit["tool_type"], name_ka="დამტენი", name_en="Other", name_ru="",
            quantity=1, replacement_cost=0, position=0))
    with pytest.raises(Exception):  # noqa: B017
        await UnitPart.insert(UnitPart(unit=unit["id"], part=ids["Charger"], quantity=-1))


async def test_staff_set_a_units_own_counts(cast):
    unit, ids = await kit_unit(cast)
    await parts.set_unit_counts(unit["id"], {f"count.{ids['Battery']}": "1",
                                             f"count.{ids['Charger']}": ""},
                                actor=cast.staff, now=now())
    mine = (await kits.unit_parts([unit["id"]]))[unit["id"]]
    assert [(p["name_en"], p["count"], p["type_count"]) for p in mine] == [
        ("Charger", 1, 1), ("Battery", 1, 2)]
    with pytest.raises(Invalid):
        await parts.set_unit_counts(unit["id"], {f"count.{ids['Battery']}": "-1"},
                                    actor=cast.staff, now=now())
    elsewhere = CurrentUser(cast.staff.id, "x", "staff", "active", "ka", frozenset({999}))
    with pytest.raises(NotAllowed):
        await parts.set_unit_counts(unit["id"], {f"count.{ids['Battery']}": "0"},
                                    actor=elsewhere, now=now())
    await parts.set_unit_counts(unit["id"], {f"count.{ids['Battery']}": "2"},
                                actor=cast.staff, now=now())  # as the type's again
    assert await UnitPart.count() == 0


# --- the desk -----------------------------------------------------------------------------


async def test_check_out_lists_what_goes_out_and_the_receipt_keeps_it(cast):
    unit, ids = await kit_unit(cast)
    await parts.set_unit_counts(unit["id"], {f"count.{ids['Battery']}": "1"},
                                actor=cast.staff, now=now())
    page = await desk.change_basket(SMG, user=cast.staff, member_id=cast.member,
                                    today=today(), now=now(), scan=unit["asset_tag"])
    assert [(p["name_en"], p["count"]) for p in page["kits"][unit["id"]]] == [
        ("Charger", 1), ("Battery", 1)]
    receipt = await lend(cast, unit["asset_tag"])
    # the list changes afterwards: the receipt still says what went out
    await parts.change_part(unit["tool_type"], ids["Charger"], {**CHARGER, "name_en": "Dock"},
                            actor=cast.coordinator, now=now())
    view = await desk.receipt_view(receipt)
    assert [(p["name_en"], p["count"]) for p in view["loans"][0]["moment"]["parts"]] == [
        ("Charger", 1), ("Battery", 1)]


async def test_a_part_not_back_is_charged_opens_a_ticket_and_lowers_the_count(cast):
    unit, ids = await kit_unit(cast)
    await lend(cast, unit["asset_tag"])
    receipt = await desk.check_in(
        tag=unit["asset_tag"], centre_ids=frozenset({SMG}), condition="fine", notes="",
        damage_charge=0, photo="", actor=cast.staff, today=today(), now=now(),
        missing={ids["Battery"]: 1})
    [line] = await LedgerEntry.select().where((LedgerEntry.receipt == receipt)
                                              & (LedgerEntry.kind == "replacement"))
    assert line["amount"] == 6000 and "Battery" in line["reason"]
    ticket = await MaintenanceTicket.select().where(MaintenanceTicket.unit == unit["id"]).first()
    assert ticket["resolved_at"] is None and "Battery / აკუმულატორი × 1" in ticket["description"]
    assert (await Unit.select(Unit.status).where(Unit.id == unit["id"]).first())["status"] == (
        "maintenance")
    mine = (await kits.unit_parts([unit["id"]]))[unit["id"]]
    assert [(p["name_en"], p["count"]) for p in mine] == [("Charger", 1), ("Battery", 1)]
    loan = await Booking.select(Booking.return_condition).where(
        Booking.in_receipt == receipt).first()
    assert loan["return_condition"] == "missing_parts"  # what the checklist says
    view = await desk.receipt_view(receipt)
    assert [(p["name_en"], p["out"], p["back"]) for p in view["loans"][0]["moment"]["parts"]] == [
        ("Charger", 1, 1), ("Battery", 2, 1)]


async def test_staff_waive_the_charge_for_missing_parts_with_a_reason(cast):
    unit, ids = await kit_unit(cast)
    await lend(cast, unit["asset_tag"])
    desk_user = cast.staff
    await desk.change_returns(SMG, user=desk_user, today=today(), now=now(),
                              tag=unit["asset_tag"])
    [loan] = await Booking.select(Booking.id).where(Booking.status == "out")
    receipt = await desk.finish_returns(SMG, returned={loan["id"]: desk.Returned(
        "fine", missing={ids["Charger"]: 1}, waive_reason="  the charger broke in use ")},
        actor=desk_user, today=today(), now=now())
    lines = {row["kind"]: row for row in await LedgerEntry.select().where(
        LedgerEntry.receipt == receipt)}
    assert lines["replacement"]["amount"] == 4500
    assert lines["waiver"]["amount"] == -4500
    assert lines["waiver"]["reason"] == "the charger broke in use"
    waived = await AuditLog.select(AuditLog.after).where(
        AuditLog.action == "loan.parts_waived").output(load_json=True).first()
    assert waived["after"]["amount"] == 4500
    assert await MaintenanceTicket.count().where(MaintenanceTicket.unit == unit["id"]) == 1


async def test_missing_parts_that_cannot_be_write_nothing(cast):
    unit, ids = await kit_unit(cast)
    await lend(cast, unit["asset_tag"])
    before = await written()
    for missing in ({ids["Battery"]: 3}, {ids["Charger"]: -1}, {999_999: 1}):
        with pytest.raises(DeskError) as refused:
            await desk.check_in(
                tag=unit["asset_tag"], centre_ids=frozenset({SMG}), condition="fine",
                notes="", damage_charge=0, photo="", actor=cast.staff, today=today(),
                now=now(), missing=missing)
        assert refused.value.kind == "invalid"
        assert [key.split(".")[0] for key in refused.value.errors] == ["parts"]
    assert await written() == before


async def test_all_back_charges_nothing_and_leaves_the_unit_lendable(cast):
    unit, ids = await kit_unit(cast)
    await lend(cast, unit["asset_tag"])
    receipt = await desk.check_in(
        tag=unit["asset_tag"], centre_ids=frozenset({SMG}), condition="fine", notes="",
        damage_charge=0, photo="", actor=cast.staff, today=today(), now=now(), missing={})
    assert await LedgerEntry.count().where((LedgerEntry.receipt == receipt)
                                           & (LedgerEntry.kind == "replacement")) == 0
    assert await MaintenanceTicket.count() == 0 and await UnitPart.count() == 0
    view = await desk.receipt_view(receipt)
    assert [(p["out"], p["back"]) for p in view["loans"][0]["moment"]["parts"]] == [
        (1, 1), (2, 2)]
