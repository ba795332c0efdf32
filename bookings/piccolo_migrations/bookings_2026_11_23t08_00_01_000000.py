"""Loans at the desk: a booking can be lost; it remembers its renewals, its receipts and how it
came back; a centre limits renewals.

SQLite cannot change a CHECK constraint in place, so it rebuilds the booking table (the
documented create-copy-drop-rename procedure); PostgreSQL alters it."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T08:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "loans: lost, renewals, receipts, return condition"

OLD_STATUSES = "'reserved', 'out', 'returned', 'cancelled', 'no_show'"
NEW_STATUSES = OLD_STATUSES + ", 'lost'"
CONDITIONS = "'fine', 'needs_cleaning', 'damaged', 'missing_parts'"
OLD_COLUMNS = ("id, member, tool_type, unit, centre, starts_on, ends_on, status, created_at, "
               "created_by, checked_out_at, returned_at")
INDEXES = [
    "CREATE INDEX booking_unit_period ON booking (unit, starts_on, ends_on)",
    "CREATE INDEX booking_member_status ON booking (member, status)",
    "CREATE INDEX booking_centre_starts ON booking (centre, starts_on)",
]
NEW_COLUMNS = """,
        renewals INTEGER NOT NULL DEFAULT 0 CHECK (renewals >= 0),
        out_receipt INTEGER REFERENCES receipt (id) ON DELETE RESTRICT,
        in_receipt INTEGER REFERENCES receipt (id) ON DELETE RESTRICT,
        return_condition VARCHAR(16) CHECK (return_condition IN ({conditions})),
        return_notes TEXT NOT NULL DEFAULT '',
        return_ticket INTEGER REFERENCES maintenance_ticket (id) ON DELETE SET NULL,
        lost_at TIMESTAMPTZ,
        CHECK (status <> 'lost' OR lost_at IS NOT NULL)"""


def _table(name: str, statuses: str, extra: str = "") -> str:
    columns = [line for line in extra.split(",\n") if line.strip()]
    checks = "".join(",\n" + line for line in columns if line.strip().startswith("CHECK"))
    extra = "".join(",\n" + line for line in columns if not line.strip().startswith("CHECK"))
    return f"""CREATE TABLE {name} (
        id {{pk}},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE RESTRICT,
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        starts_on DATE NOT NULL,
        ends_on DATE NOT NULL,
        status VARCHAR(10) NOT NULL DEFAULT 'reserved' CHECK (status IN ({statuses})),
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        checked_out_at TIMESTAMPTZ,
        returned_at TIMESTAMPTZ{extra},
        CHECK (ends_on >= starts_on),
        CHECK (status <> 'out' OR checked_out_at IS NOT NULL),
        CHECK (status <> 'returned' OR returned_at IS NOT NULL){checks}
    )"""


def _rebuild(statuses: str, extra: str, columns: str) -> list[str]:
    return [
        _table("booking_new", statuses, extra),
        f"INSERT INTO booking_new ({columns}) SELECT {columns} FROM booking",
        "DROP TABLE booking",
        "ALTER TABLE booking_new RENAME TO booking",
        *INDEXES,
    ]


# One open loan per unit, whatever its dates: an overdue loan is still out.
ONE_OPEN_LOAN = "CREATE UNIQUE INDEX booking_one_open_loan ON booking (unit) WHERE status = 'out'"

FORWARDS = [
    "ALTER TABLE booking_policy ADD COLUMN max_renewals INTEGER NOT NULL DEFAULT 2 "
    "CHECK (max_renewals BETWEEN 0 AND 10)",
]
BACKWARDS = ["ALTER TABLE booking_policy DROP COLUMN max_renewals"]

SQLITE_FORWARDS = [*_rebuild(NEW_STATUSES, NEW_COLUMNS.replace("{conditions}", CONDITIONS),
                            OLD_COLUMNS), ONE_OPEN_LOAN]
# lost loans go back as returned ones: the old constraint has no other place for them
SQLITE_BACKWARDS = [
    "DROP TABLE IF EXISTS booking_new",
    "UPDATE booking SET status = 'returned', returned_at = COALESCE(returned_at, lost_at) "
    "WHERE status = 'lost'",
    *_rebuild(OLD_STATUSES, "", OLD_COLUMNS),
]

POSTGRES_FORWARDS = [
    "ALTER TABLE booking DROP CONSTRAINT booking_status_check",
    f"ALTER TABLE booking ADD CONSTRAINT booking_status_check CHECK (status IN ({NEW_STATUSES}))",
    *[f"ALTER TABLE booking ADD COLUMN {line.strip().rstrip(',')}"
      for line in NEW_COLUMNS.replace("{conditions}", CONDITIONS).strip(",\n").split(",\n")
      if not line.strip().startswith("CHECK")],
    "ALTER TABLE booking ADD CONSTRAINT booking_lost_has_time "
    "CHECK (status <> 'lost' OR lost_at IS NOT NULL)",
    ONE_OPEN_LOAN,
]
POSTGRES_BACKWARDS = [
    "DROP INDEX booking_one_open_loan",
    "UPDATE booking SET status = 'returned', returned_at = COALESCE(returned_at, lost_at) "
    "WHERE status = 'lost'",
    "ALTER TABLE booking DROP CONSTRAINT booking_lost_has_time",
    *[f"ALTER TABLE booking DROP COLUMN {name}" for name in (
        "renewals", "out_receipt", "in_receipt", "return_condition", "return_notes",
        "return_ticket", "lost_at")],
    "ALTER TABLE booking DROP CONSTRAINT booking_status_check",
    f"ALTER TABLE booking ADD CONSTRAINT booking_status_check CHECK (status IN ({OLD_STATUSES}))",
]


async def forwards():
    return sql_migration(
        migration_id=ID, app_name="bookings", description=DESCRIPTION, forwards=FORWARDS,
        backwards=BACKWARDS, postgres_forwards=POSTGRES_FORWARDS,
        postgres_backwards=POSTGRES_BACKWARDS, sqlite_forwards=SQLITE_FORWARDS,
        sqlite_backwards=SQLITE_BACKWARDS,
    )
