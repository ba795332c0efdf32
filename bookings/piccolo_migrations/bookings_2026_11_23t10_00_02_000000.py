"""A loan remembers the centre's calendar day it ended (returned or declared lost), so the
usage reports count loan-days with date arithmetic that both engines share.

Loans that ended before this migration get the day of their return in their centre's time
zone: PostgreSQL converts in SQL; SQLite has no time-zone database, so Python does it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from piccolo.querystring import QueryString

from rental.kernel.db import engine, is_postgres, sql_migration

ID = "2026-11-23T10:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking: the day a loan ended"

FORWARDS = [
    "ALTER TABLE booking ADD COLUMN ended_on DATE",
    "CREATE INDEX booking_starts_on ON booking (starts_on)",
]
BACKWARDS = [
    "DROP INDEX booking_starts_on",
    "ALTER TABLE booking DROP COLUMN ended_on",
]
POSTGRES_FORWARDS = [
    """UPDATE booking SET ended_on = (COALESCE(returned_at, lost_at) AT TIME ZONE c.timezone)::date
       FROM centre c WHERE c.id = booking.centre AND booking.status IN ('returned', 'lost')""",
]


async def _backfill_sqlite() -> None:
    db = engine()
    rows = await db.run_querystring(QueryString(
        "SELECT booking.id, COALESCE(returned_at, lost_at) AS ended_at, centre.timezone "
        "FROM booking JOIN centre ON centre.id = booking.centre "
        "WHERE booking.status IN ('returned', 'lost')"))
    for row in rows:
        ended_at = row["ended_at"]
        if isinstance(ended_at, str):
            ended_at = datetime.fromisoformat(ended_at)
        day = ended_at.astimezone(ZoneInfo(row["timezone"])).date()
        await db.run_querystring(QueryString(
            "UPDATE booking SET ended_on = {} WHERE id = {}", day.isoformat(), row["id"]))


async def forwards():
    manager = sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                            forwards=FORWARDS, backwards=BACKWARDS,
                            postgres_forwards=POSTGRES_FORWARDS)

    async def backfill() -> None:
        if not is_postgres():
            await _backfill_sqlite()

    manager.add_raw(backfill)
    return manager
