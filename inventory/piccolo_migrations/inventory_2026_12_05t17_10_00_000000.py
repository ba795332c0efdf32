"""A tool type's safety notes in Russian, as its name and description already are. Empty means
not translated yet: the pages show the English (then the Georgian) instead."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tool type: safety notes in Russian"

FORWARDS = ["ALTER TABLE tool_type ADD COLUMN safety_notes_ru TEXT NOT NULL DEFAULT ''"]
BACKWARDS = ["ALTER TABLE tool_type DROP COLUMN safety_notes_ru"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="inventory", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
