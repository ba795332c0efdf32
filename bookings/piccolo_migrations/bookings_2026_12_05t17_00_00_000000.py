"""A session's title and description in Russian, the interface's third language (issue 19).
Empty until written: an empty Russian text is shown in English, then Georgian, and listed in
the coordinator's report of missing translations."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "skill_session: title_ru, description_ru"

FORWARDS = [
    "ALTER TABLE skill_session ADD COLUMN title_ru VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE skill_session ADD COLUMN description_ru TEXT NOT NULL DEFAULT ''",
]
BACKWARDS = [
    "ALTER TABLE skill_session DROP COLUMN description_ru",
    "ALTER TABLE skill_session DROP COLUMN title_ru",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
