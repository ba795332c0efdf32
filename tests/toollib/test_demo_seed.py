"""The demo seed: what it creates, and that a second run changes nothing."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from conftest import RUN_DIR
from helpers import now, today

from inventory.rules import is_lendable
from inventory.tables import Category, ToolType, Unit
from rental.tables import Centre, Member, StaffCentre
from toollib.demo.seed import seed_demo


async def counts() -> dict[str, int]:
    return {
        table._meta.tablename: await table.count()
        for table in (Centre, Category, ToolType, Unit, Member, StaffCentre)
    }


async def test_seed_creates_the_demo_network(seeded):
    assert await Centre.exists().where(Centre.code == "SMG")
    assert await Centre.count() == 2
    slugs = {row["slug"] for row in await Category.select(Category.slug)}
    assert slugs == {"electrical", "plumbing", "sewage", "appliances", "building", "garden"}
    tools = await ToolType.select()
    assert len(tools) >= 30
    assert all(t["name_ka"] and t["name_en"] and t["description_ka"] for t in tools)
    assert all(t["daily_fee"] >= 0 and isinstance(t["daily_fee"], int) for t in tools)
    roles = {row["role"] for row in await Member.select(Member.role)}
    assert roles == {"admin", "coordinator", "staff", "member"}
    assert await StaffCentre.count() == 1


@pytest.mark.calendar
async def test_seed_has_a_unit_in_maintenance_and_one_overdue_for_inspection(seeded):
    assert await Unit.count().where(Unit.status == "maintenance") == 1
    rows = await Unit.select(
        Unit.status, Unit.last_inspected_on,
        Unit.tool_type.inspection_interval_days.as_alias("interval"),
    ).where(Unit.tool_type.inspection_interval_days.is_not_null())
    overdue = [
        r for r in rows
        if r["status"] == "available"
        and not is_lendable(r["status"], r["last_inspected_on"], r["interval"], today())
    ]
    assert len(overdue) == 1


@pytest.mark.calendar
async def test_seed_twice_changes_nothing(seeded):
    before = await counts()
    again = await seed_demo(
        now=now() + timedelta(days=1), today=today() + timedelta(days=1),
        var_dir=RUN_DIR / "seed",
    )
    assert not again.changed
    assert await counts() == before
    assert again.credentials == seeded.credentials  # the same demo logins are printed again


async def test_demo_credentials_file_is_private(seeded):
    mode = (RUN_DIR / "seed" / "demo-credentials.txt").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
