"""Per-centre booking policy and the waitlist."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T07:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking policy and waitlist"

FORWARDS = [
    """CREATE TABLE booking_policy (
        id {pk},
        centre INTEGER NOT NULL UNIQUE REFERENCES centre (id) ON DELETE CASCADE,
        horizon_days INTEGER NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 0 AND 365),
        no_show_grace_hours INTEGER NOT NULL DEFAULT 2
            CHECK (no_show_grace_hours BETWEEN 0 AND 72),
        offer_hold_hours INTEGER NOT NULL DEFAULT 24 CHECK (offer_hold_hours BETWEEN 1 AND 168)
    )""",
    """CREATE TABLE waitlist_entry (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        starts_on DATE NOT NULL,
        ends_on DATE NOT NULL,
        status VARCHAR(10) NOT NULL DEFAULT 'waiting'
            CHECK (status IN ('waiting', 'offered', 'booked', 'expired', 'cancelled')),
        created_at TIMESTAMPTZ NOT NULL,
        offered_at TIMESTAMPTZ,
        offer_expires_at TIMESTAMPTZ,
        CHECK (ends_on >= starts_on),
        CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL)
    )""",
    # a member waits once for the same tool type, centre and dates
    "CREATE UNIQUE INDEX waitlist_once ON waitlist_entry (member, tool_type, centre, starts_on, "
    "ends_on) WHERE status IN ('waiting', 'offered')",
    "CREATE INDEX waitlist_line ON waitlist_entry (tool_type, centre, status, created_at)",
]
BACKWARDS = ["DROP TABLE waitlist_entry", "DROP TABLE booking_policy"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
