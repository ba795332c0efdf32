"""The migrations that gave the organisation's and the catalogue's names a Russian column
(inventory 2026-12-05T17:10:00, rental 17:10:01): the rows there were get '' (not translated:
read in English, then Georgian), and going back takes the columns away. On both databases."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, time

import pytest
from conftest import DB, ON_POSTGRES, migrate_all
from piccolo.querystring import QueryString

# Piccolo forgets a migration by its id alone, whatever its app: every app's id is its own
MIGRATION_IDS = {"inventory": "2026-12-05T17:10:00:000000",
                 "rental": "2026-12-05T17:10:01:000000"}
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RUSSIAN = {  # table -> the columns the migrations add
    "centre": {"name_ru", "address_ru"},
    "membership_type": {"name_ru"},
    "concession_category": {"name_ru", "funder_ru"},
    "tool_type": {"safety_notes_ru"},
}


async def columns(table: str) -> set[str]:
    if ON_POSTGRES:
        rows = await DB.run_querystring(QueryString(
            "SELECT column_name AS name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = {}", table))
    else:
        rows = await DB.run_querystring(QueryString(f"PRAGMA table_info('{table}')"))
    return {row["name"] for row in rows}


# bookings' migrations from then on reach into the tables these go back over (booking.transfer
# and its triggers name inventory's transfer_request): they go back first
LATER_BOOKINGS = {"bookings": "2026-12-05T18:30:00:000000"}


async def _back_to_before_russian() -> None:
    from piccolo.apps.migrations.commands.backwards import run_backwards

    for app, migration_id in {**LATER_BOOKINGS, **MIGRATION_IDS}.items():
        with contextlib.redirect_stdout(io.StringIO()):
            result = await run_backwards(app_name=app, migration_id=migration_id,
                                         auto_agree=True)
        assert result.success, result.message


async def _rows(sql: str) -> list[dict]:
    return await DB.run_querystring(QueryString(sql))


async def _insert_rows_written_before() -> None:
    for sql, *values in (
        ("INSERT INTO centre (code, name_ka, name_en, address_ka, address_en, opens_at, "
         "closes_at, created_at) VALUES ('BAT', 'ბათუმი', 'Batumi', 'რუსთაველის 1', "
         "'1 Rustaveli St', {}, {}, {})", time(10), time(18), NOW),
        ("INSERT INTO membership_type (slug, name_ka, name_en, validity_days, max_tools_out, "
         "max_open_bookings) VALUES ('standard', 'სტანდარტული', 'Standard', 365, 2, 3)",),
        ("INSERT INTO concession_category (slug, name_ka, name_en, discount_percent, "
         "funder_ka, funder_en) VALUES ('idp', 'დევნილი', 'IDP', 50, 'მერია', 'City hall')",),
        ("INSERT INTO category (slug, name_ka) VALUES ('garden', 'ბაღი')",),
        ("INSERT INTO tool_type (slug, category, name_ka, safety_notes_ka, safety_notes_en, "
         "daily_fee, deposit, created_at) SELECT 'rake', id, 'ფოცხი', 'ფრთხილად', 'Careful', "
         "100, 0, {} FROM category WHERE slug = 'garden'", NOW),
    ):
        await DB.run_querystring(QueryString(sql, *values))


@pytest.mark.xdist_group("migrations")
async def test_the_rows_there_were_are_not_translated_yet_and_back_takes_the_columns_away():
    await _back_to_before_russian()
    try:
        for table, added in RUSSIAN.items():
            assert not added & await columns(table), table
        await _insert_rows_written_before()
    finally:
        await migrate_all()

    for table, added in RUSSIAN.items():
        assert added <= await columns(table), table
        [row] = await _rows(f"SELECT {', '.join(sorted(added))} FROM {table}")
        assert set(row.values()) == {""}, table
    # their siblings are as they were written
    [tool] = await _rows("SELECT safety_notes_ka, safety_notes_en FROM tool_type")
    assert (tool["safety_notes_ka"], tool["safety_notes_en"]) == ("ფრთხილად", "Careful")

    await _back_to_before_russian()
    try:
        for table, added in RUSSIAN.items():
            assert not added & await columns(table), table
        [centre] = await _rows("SELECT name_en, address_en FROM centre")
        assert (centre["name_en"], centre["address_en"]) == ("Batumi", "1 Rustaveli St")
    finally:
        await migrate_all()


async def test_a_new_row_is_not_translated_until_someone_writes_the_russian():
    """The column's default: a row inserted without Russian gets '', not NULL."""
    await _insert_rows_written_before()
    for table, added in RUSSIAN.items():
        [row] = await _rows(f"SELECT {', '.join(sorted(added))} FROM {table}")
        assert set(row.values()) == {""}, table
