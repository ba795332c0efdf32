"""Unit history, maintenance tickets, inspections and the per-centre asset-tag sequence."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit history, maintenance tickets, inspections, asset-tag sequence"

FORWARDS = [
    # The last number handed out for this centre's asset tags (SMG-0042); the unit service
    # increments it inside its write transaction, and UNIQUE (unit.asset_tag) is the guarantee.
    "ALTER TABLE centre ADD COLUMN asset_seq INTEGER NOT NULL DEFAULT 0 CHECK (asset_seq >= 0)",
    "ALTER TABLE unit ADD COLUMN status_reason VARCHAR(300) NOT NULL DEFAULT ''",
    # the result of the latest inspection: a failed one keeps the unit from being lent
    """ALTER TABLE unit ADD COLUMN last_inspection_result VARCHAR(4)
        CHECK (last_inspection_result IN ('pass', 'fail'))""",
    """CREATE TABLE unit_event (
        id {pk},
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        actor INTEGER,
        kind VARCHAR(20) NOT NULL CHECK (kind IN ('created', 'status', 'transfer',
            'ticket_opened', 'ticket_resolved', 'inspection')),
        from_value VARCHAR(40) NOT NULL DEFAULT '',
        to_value VARCHAR(40) NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX unit_event_unit_at ON unit_event (unit, at)",
    """CREATE TABLE maintenance_ticket (
        id {pk},
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        opened_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        opened_by INTEGER,
        description TEXT NOT NULL CHECK (trim(description) <> ''),
        photo VARCHAR(255) NOT NULL DEFAULT '',
        work_notes TEXT NOT NULL DEFAULT '',
        parts_cost INTEGER NOT NULL DEFAULT 0 CHECK (parts_cost >= 0),
        outcome VARCHAR(14) CHECK (outcome IN ('repaired', 'beyond_repair')),
        resolved_at TIMESTAMPTZ,
        resolved_by INTEGER,
        CHECK ((outcome IS NULL) = (resolved_at IS NULL))
    )""",
    # at most one open ticket per unit
    """CREATE UNIQUE INDEX maintenance_ticket_one_open ON maintenance_ticket (unit)
        WHERE resolved_at IS NULL""",
    "CREATE INDEX maintenance_ticket_unit ON maintenance_ticket (unit, opened_at)",
    """CREATE TABLE inspection (
        id {pk},
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        inspected_on DATE NOT NULL,
        inspector VARCHAR(200) NOT NULL CHECK (trim(inspector) <> ''),
        result VARCHAR(4) NOT NULL CHECK (result IN ('pass', 'fail')),
        notes TEXT NOT NULL DEFAULT '',
        recorded_by INTEGER,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX inspection_unit_on ON inspection (unit, inspected_on)",
]

BACKWARDS = [
    "DROP TABLE inspection",
    "DROP TABLE maintenance_ticket",
    "DROP TABLE unit_event",
    "ALTER TABLE unit DROP COLUMN last_inspection_result",
    "ALTER TABLE unit DROP COLUMN status_reason",
    "ALTER TABLE centre DROP COLUMN asset_seq",
]


async def forwards():
    return sql_migration(
        migration_id=ID,
        app_name="inventory",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
