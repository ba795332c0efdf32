"""Inventory services on the database: race-safe asset tags, one open ticket per unit, and the
audit entry written inside the same transaction as the change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from inventory import services
from inventory.tables import MaintenanceTicket, ToolType, Unit, UnitEvent
from rental import audit
from rental.tables import AuditLog, Centre

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Actor:
    id: int | None = None
    centres: frozenset[int] | None = None  # None: every centre

    def can_act_for(self, centre_id: int) -> bool:
        return self.centres is None or centre_id in self.centres


async def unit_values(code: str = "SMG") -> dict:
    centre = await Centre.select(Centre.id).where(Centre.code == code).first()
    tool = await ToolType.select(ToolType.id).first()
    return {"tool_type": tool["id"], "centre": centre["id"], "serial_number": "",
            "condition": "good", "acquired_on": None, "cost": None, "donor": ""}


async def test_concurrent_adds_get_distinct_consecutive_tags(seeded):
    values = await unit_values()
    results = await asyncio.gather(*[
        services.add_unit(values, actor=Actor(), now=NOW, audit=audit.record) for _ in range(6)
    ])
    tags = sorted(tag for _id, tag in results)
    numbers = [int(tag[4:]) for tag in tags]
    assert len(set(tags)) == 6
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    centre = await Centre.select(Centre.asset_seq).where(Centre.code == "SMG").first()
    assert centre["asset_seq"] == numbers[-1]


async def test_a_fresh_centre_starts_at_one(seeded):
    await Centre.insert(Centre(code="NEW", name_ka="ახალი", created_at=NOW))
    values = await unit_values("NEW")
    _id, tag = await services.add_unit(values, actor=Actor(), now=NOW, audit=audit.record)
    assert tag == "NEW-0001"


async def test_staff_of_another_centre_is_not_allowed(seeded):
    values = await unit_values()
    with pytest.raises(services.NotAllowed):
        await services.add_unit(values, actor=Actor(centres=frozenset({-1})), now=NOW,
                                audit=audit.record)


async def test_a_failing_audit_write_undoes_the_change(seeded):
    unit = await Unit.select(Unit.id, Unit.status).where(Unit.status == "available").first()

    async def broken_audit(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    with pytest.raises(RuntimeError):
        await services.change_unit_status(unit["id"], "lost", "", actor=Actor(), now=NOW,
                                          audit=broken_audit)
    after = await Unit.select(Unit.status).where(Unit.id == unit["id"]).first()
    assert after["status"] == "available"
    assert await UnitEvent.count() == 0 and await AuditLog.count().where(
        AuditLog.action == "unit.status") == 0


async def test_only_one_of_two_concurrent_tickets_opens(seeded):
    unit = await Unit.select(Unit.id).where(Unit.status == "available").first()
    results = await asyncio.gather(
        *[services.open_ticket(unit["id"], f"fault {n}", actor=Actor(), now=NOW,
                               audit=audit.record) for n in range(2)],
        return_exceptions=True,
    )
    assert sum(isinstance(r, int) for r in results) == 1
    assert await MaintenanceTicket.count() == 1


async def test_the_database_allows_one_open_ticket_per_unit(seeded):
    unit = await Unit.select(Unit.id).first()
    await MaintenanceTicket.insert(MaintenanceTicket(unit=unit["id"], opened_at=NOW,
                                                     description="a"))
    with pytest.raises(Exception, match="(?i)unique"):
        await MaintenanceTicket.insert(MaintenanceTicket(unit=unit["id"], opened_at=NOW,
                                                         description="b"))
    # a resolved ticket does not count
    await MaintenanceTicket.update({MaintenanceTicket.resolved_at: NOW,
                                    MaintenanceTicket.outcome: "repaired"}).where(
        MaintenanceTicket.unit == unit["id"])
    await MaintenanceTicket.insert(MaintenanceTicket(unit=unit["id"], opened_at=NOW,
                                                     description="c"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE maintenance_ticket SET parts_cost = -1",
        "UPDATE maintenance_ticket SET outcome = 'repaired'",  # resolved needs a time too
        "UPDATE maintenance_ticket SET outcome = 'burnt', resolved_at = current_timestamp",
        "UPDATE unit SET last_inspection_result = 'meh'",
        "UPDATE centre SET asset_seq = -1",
    ],
)
async def test_check_constraints_of_the_new_tables(seeded, statement):
    from conftest import DB

    unit = await Unit.select(Unit.id).first()
    await MaintenanceTicket.insert(MaintenanceTicket(unit=unit["id"], opened_at=NOW,
                                                     description="a"))
    with pytest.raises(Exception) as failure:
        await DB.run_ddl(statement)
    assert "constraint" in str(failure.value).lower() or "check" in str(failure.value).lower()
