"""Kits: a tool type's parts list (a drill goes out with a charger, two batteries, a case) and
a unit's own count of a part where it differs from its type's (one battery only; 0: the unit
lacks it). The counts and costs can never be negative and a tool type names a part once."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tool type parts and a unit's own part counts"

FORWARDS = [
    """CREATE TABLE tool_type_part (
        id {pk},
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE CASCADE,
        name_ka VARCHAR(100) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(100) NOT NULL CHECK (trim(name_en) <> ''),
        name_ru VARCHAR(100) NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 0),
        replacement_cost INTEGER NOT NULL DEFAULT 0 CHECK (replacement_cost >= 0),
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE UNIQUE INDEX tool_type_part_name_ka ON tool_type_part (tool_type, name_ka)",
    "CREATE UNIQUE INDEX tool_type_part_name_en ON tool_type_part (tool_type, name_en)",
    """CREATE TABLE unit_part (
        id {pk},
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE CASCADE,
        part INTEGER NOT NULL REFERENCES tool_type_part (id) ON DELETE CASCADE,
        quantity INTEGER NOT NULL CHECK (quantity >= 0)
    )""",
    "CREATE UNIQUE INDEX unit_part_once ON unit_part (unit, part)",
    "CREATE INDEX unit_part_part ON unit_part (part)",
]
BACKWARDS = ["DROP TABLE unit_part", "DROP TABLE tool_type_part"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="inventory", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
