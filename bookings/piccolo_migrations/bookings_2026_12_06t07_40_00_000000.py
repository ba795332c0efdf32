"""The catalogue's version on PostgreSQL (issue 21), after 2026-12-06T06:50: a TRUNCATE of a
watched table draws a new token too. Row triggers do not see a TRUNCATE; a statement trigger
does, and draws it at once (a TRUNCATE locks the whole table anyway). SQLite has no TRUNCATE,
and its DELETE without WHERE runs the row triggers when a table has any."""

from bookings.piccolo_migrations.bookings_2026_12_06t06_50_00_000000 import WATCHED
from rental.kernel.db import sql_migration

ID = "2026-12-06T07:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue_version: a TRUNCATE of a watched table draws a new token"

POSTGRES_FORWARDS = [
    f"""CREATE TRIGGER catalogue_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()""" for table in WATCHED
]
POSTGRES_BACKWARDS = [f"DROP TRIGGER catalogue_truncated ON {table}" for table in WATCHED]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=[], backwards=[], postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS)
