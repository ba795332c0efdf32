"""Russian is the third language people read: a centre's name and address, a membership type,
a concession category and its funder get a Russian column. Empty means not translated yet: the
pages show the English (then the Georgian) instead."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T17:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "centre, membership_type, concession_category: names in Russian"

FORWARDS = [
    "ALTER TABLE centre ADD COLUMN name_ru VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE centre ADD COLUMN address_ru VARCHAR(300) NOT NULL DEFAULT ''",
    "ALTER TABLE membership_type ADD COLUMN name_ru VARCHAR(100) NOT NULL DEFAULT ''",
    "ALTER TABLE concession_category ADD COLUMN name_ru VARCHAR(100) NOT NULL DEFAULT ''",
    "ALTER TABLE concession_category ADD COLUMN funder_ru VARCHAR(200) NOT NULL DEFAULT ''",
]
BACKWARDS = [
    "ALTER TABLE concession_category DROP COLUMN funder_ru",
    "ALTER TABLE concession_category DROP COLUMN name_ru",
    "ALTER TABLE membership_type DROP COLUMN name_ru",
    "ALTER TABLE centre DROP COLUMN address_ru",
    "ALTER TABLE centre DROP COLUMN name_ru",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
