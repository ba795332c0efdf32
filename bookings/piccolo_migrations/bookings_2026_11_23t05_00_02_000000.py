"""Bookings, with the no-double-booking invariant in the database."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T05:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "bookings"

FORWARDS = [
    """CREATE TABLE booking (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE RESTRICT,
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        starts_on DATE NOT NULL,
        ends_on DATE NOT NULL,
        status VARCHAR(10) NOT NULL DEFAULT 'reserved'
            CHECK (status IN ('reserved', 'out', 'returned', 'cancelled', 'no_show')),
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        checked_out_at TIMESTAMPTZ,
        returned_at TIMESTAMPTZ,
        CHECK (ends_on >= starts_on),
        CHECK (status <> 'out' OR checked_out_at IS NOT NULL),
        CHECK (status <> 'returned' OR returned_at IS NOT NULL)
    )""",
    # availability reads a unit's active periods; a member's page reads their bookings
    "CREATE INDEX booking_unit_period ON booking (unit, starts_on, ends_on)",
    "CREATE INDEX booking_member_status ON booking (member, status)",
    "CREATE INDEX booking_centre_starts ON booking (centre, starts_on)",
]

# PostgreSQL: a unit is never in two active bookings whose dates overlap (both ends included).
# SQLite has no exclusion constraint: the booking service checks and inserts inside one
# BEGIN IMMEDIATE transaction instead (see inventory/db.py).
POSTGRES_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE booking ADD CONSTRAINT booking_unit_no_overlap
        EXCLUDE USING gist (unit WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
        WHERE (status IN ('reserved', 'out'))""",
]
POSTGRES_BACKWARDS = ["ALTER TABLE booking DROP CONSTRAINT booking_unit_no_overlap"]

BACKWARDS = ["DROP TABLE booking"]


async def forwards():
    return sql_migration(
        migration_id=ID,
        app_name="bookings",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
        postgres_forwards=POSTGRES_FORWARDS,
        postgres_backwards=POSTGRES_BACKWARDS,
    )
