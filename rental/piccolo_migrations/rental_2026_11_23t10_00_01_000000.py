"""A waiver names the concession category it applied, so the money and donor reports can show
what each category cost its funder. Earlier waivers keep only their funder. Two indexes serve
the money report: entries by time, and balances per member."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger entry: concession category of a waiver"

FORWARDS = [
    "ALTER TABLE ledger_entry ADD COLUMN concession INTEGER "
    "REFERENCES concession_category (id) ON DELETE RESTRICT",
    "CREATE INDEX ledger_entry_created_at ON ledger_entry (created_at)",
    # the balances owed now, summed per member from the index alone
    "CREATE INDEX ledger_entry_member_balance ON ledger_entry (member, centre, amount)",
]
BACKWARDS = [
    "DROP INDEX ledger_entry_member_balance",
    "DROP INDEX ledger_entry_created_at",
    "ALTER TABLE ledger_entry DROP COLUMN concession",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
