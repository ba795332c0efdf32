"""A tool type's estimated saving per loan, for the donor reports' household savings."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tool type: saving per loan"

FORWARDS = [
    "ALTER TABLE tool_type ADD COLUMN saving_per_loan INTEGER "
    "CHECK (saving_per_loan IS NULL OR saving_per_loan >= 0)",
]
BACKWARDS = ["ALTER TABLE tool_type DROP COLUMN saving_per_loan"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="inventory", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
