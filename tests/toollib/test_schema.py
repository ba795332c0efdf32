"""Migrations: forwards and backwards on both databases; the constraints they add hold;
the Piccolo table classes agree with the schema the migrations create."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import DB, ON_POSTGRES, migrate_all, user_tables
from piccolo.conf.apps import Finder
from piccolo.querystring import QueryString

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def db_columns(table: str) -> set[str]:
    if ON_POSTGRES:
        rows = await DB.run_ddl(
            "SELECT column_name AS name FROM information_schema.columns "
            f"WHERE table_schema = 'public' AND table_name = '{table}'"
        )
    else:
        rows = await DB.run_ddl(f"PRAGMA table_info('{table}')")
    return {row["name"] for row in rows}


async def test_table_classes_match_the_migrated_schema():
    tables = Finder().get_table_classes()
    assert {t._meta.tablename for t in tables} >= {
        "centre", "category", "skill", "tool_type", "unit", "member", "booking",
    }
    for table in tables:
        declared = {column._meta.db_column_name for column in table._meta.columns}
        assert declared == await db_columns(table._meta.tablename), table._meta.tablename


@pytest.mark.xdist_group("migrations")
async def test_migrations_run_backwards_and_forwards_again():
    from piccolo.apps.migrations.commands.backwards import run_backwards

    result = await run_backwards(app_name="all", migration_id="all", auto_agree=True)
    assert result.success
    for table in user_tables():
        assert not await db_columns(table), f"{table} survived the backwards migration"
    await migrate_all()
    assert await db_columns("booking")


async def _insert(row) -> int:
    return (await type(row).insert(row).returning(type(row).id))[0]["id"]


async def _catalogue() -> dict[str, int]:
    from inventory.tables import Category, ToolType, Unit
    from rental.tables import Centre, Member

    centre = await _insert(Centre(code="TST", name_ka="ცენტრი", created_at=NOW))
    category = await _insert(Category(slug="c", name_ka="კ"))
    tool = await _insert(
        ToolType(slug="t", category=category, name_ka="ხ", daily_fee=100, deposit=0,
                 created_at=NOW)
    )
    unit = await _insert(Unit(tool_type=tool, centre=centre, asset_tag="TST-0001",
                              created_at=NOW))
    member = await _insert(Member(name="ა", phone="+995555123456", created_at=NOW,
                                  updated_at=NOW))
    return {"centre": centre, "category": category, "tool": tool, "unit": unit, "member": member}


def booking(ids, starts: date, ends: date, status: str = "reserved"):
    from bookings.tables import Booking

    return Booking(
        member=ids["member"], tool_type=ids["tool"], unit=ids["unit"], centre=ids["centre"],
        starts_on=starts, ends_on=ends, status=status, created_at=NOW,
        checked_out_at=NOW if status in ("out", "returned") else None,
        returned_at=NOW if status == "returned" else None,
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no exclusion constraints; the "
                    "booking service guards it there (bookings issue)")
async def test_postgres_refuses_overlapping_active_bookings_of_a_unit():
    import asyncpg

    from bookings.tables import Booking

    ids = await _catalogue()
    await Booking.insert(booking(ids, date(2026, 12, 1), date(2026, 12, 3)))
    with pytest.raises(asyncpg.exceptions.ExclusionViolationError):
        await Booking.insert(booking(ids, date(2026, 12, 3), date(2026, 12, 5), "out"))
    # a cancelled booking does not hold the unit, and the next day is free
    await Booking.insert(booking(ids, date(2026, 12, 2), date(2026, 12, 2), "cancelled"))
    await Booking.insert(booking(ids, date(2026, 12, 4), date(2026, 12, 6)))
    assert await Booking.count() == 3


async def test_a_unit_is_never_out_on_two_loans_whatever_their_dates():
    """An overdue loan is still out: its dates are past, the unique index still holds."""
    from bookings.tables import Booking

    ids = await _catalogue()
    await Booking.insert(booking(ids, date(2026, 11, 1), date(2026, 11, 3), "out"))
    with pytest.raises(Exception, match="(?i)unique|booking_one_open_loan"):
        await Booking.insert(booking(ids, date(2026, 12, 1), date(2026, 12, 3), "out"))
    await Booking.insert(booking(ids, date(2026, 12, 1), date(2026, 12, 3), "returned"))
    assert await Booking.count() == 2


async def test_ledger_entries_are_never_changed_and_keep_their_sign():
    from rental.tables import LedgerEntry, Receipt

    ids = await _catalogue()
    receipt = (await Receipt.insert(Receipt(member=ids["member"], centre=ids["centre"],
                                            kind="payment", created_at=NOW)
                                    ).returning(Receipt.id))[0]["id"]
    entry = LedgerEntry(receipt=receipt, member=ids["member"], centre=ids["centre"],
                        kind="payment", amount=-500, method="cash", created_at=NOW)
    await LedgerEntry.insert(entry)
    for wrong in ({"amount": 500}, {"method": ""}, {"kind": "gift"}, {"amount": 0},
                  {"method": "card"}):
        with pytest.raises(Exception):  # noqa: B017 - each engine names it differently
            await LedgerEntry.insert(LedgerEntry(**{**entry.to_dict(), "id": None, **wrong}))
    with pytest.raises(Exception, match="append-only"):
        await LedgerEntry.update({LedgerEntry.amount: -400}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await LedgerEntry.delete(force=True)
    assert [row["amount"] for row in await LedgerEntry.select()] == [-500]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tool_type SET daily_fee = -1",
        "UPDATE tool_type SET name_ka = '  '",
        "UPDATE unit SET status = 'borrowed'",
        "UPDATE member SET phone = '555123456'",
        "UPDATE member SET role = 'owner'",
        "INSERT INTO booking (member, tool_type, unit, centre, starts_on, ends_on, status) "
        "SELECT member.id, tool_type.id, unit.id, centre.id, '2026-12-05', '2026-12-01', "
        "'reserved' FROM member, tool_type, unit, centre",
        "INSERT INTO booking (member, tool_type, unit, centre, starts_on, ends_on, status) "
        "SELECT member.id, tool_type.id, unit.id, centre.id, '2026-12-01', '2026-12-01', "
        "'out' FROM member, tool_type, unit, centre",
    ],
    ids=["negative-fee", "blank-name", "unknown-status", "not-e164", "unknown-role",
         "ends-before-start", "out-without-checkout-time"],
)
async def test_check_constraints_refuse_bad_rows(statement):
    await _catalogue()
    with pytest.raises(Exception) as failure:
        await DB.run_ddl(statement)
    assert "constraint" in str(failure.value).lower() or "check" in str(failure.value).lower()


async def test_duplicate_email_is_refused_case_insensitively():
    from rental.tables import Member

    await Member.insert(Member(name="ა", phone="+995555123456", email="a@example.ge",
                               created_at=NOW, updated_at=NOW))
    with pytest.raises(Exception, match="(?i)unique"):
        await Member.insert(Member(name="ბ", phone="+995555123457", email="A@Example.ge",
                                   created_at=NOW, updated_at=NOW))


async def test_audit_log_is_append_only():
    from rental import audit

    await audit.record("test", "member", None, now=NOW)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            await DB.run_ddl(statement)


async def test_sqlite_gets_the_statistics_its_planner_needs(seeded):
    from rental.kernel.db import refresh_statistics

    await refresh_statistics()  # after migrate and at each start of the server
    if ON_POSTGRES:
        return  # autovacuum keeps PostgreSQL's statistics
    rows = await DB.run_querystring(QueryString(
        "SELECT DISTINCT tbl FROM sqlite_stat1 WHERE tbl IN ('unit', 'tool_type', 'member')"))
    assert {row["tbl"] for row in rows} == {"unit", "tool_type", "member"}
