"""A concession's funder is a name people read in several languages: funder_ka (the old
column, renamed: the text written so far) and funder_en (a copy of it until a coordinator
writes the English). The ledger keeps the funder a waiver was written for as it was written
(its rows are never edited); pages show it in the reader's language by the category's names."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "concession_category: the funder in Georgian and in English"

FORWARDS = [
    "ALTER TABLE concession_category RENAME COLUMN funder TO funder_ka",
    "ALTER TABLE concession_category ADD COLUMN funder_en VARCHAR(200) NOT NULL DEFAULT ''",
    "UPDATE concession_category SET funder_en = funder_ka",
]
BACKWARDS = [
    "ALTER TABLE concession_category DROP COLUMN funder_en",
    "ALTER TABLE concession_category RENAME COLUMN funder_ka TO funder",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
