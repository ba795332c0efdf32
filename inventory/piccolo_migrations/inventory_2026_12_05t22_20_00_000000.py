"""Transfers between centres as a workflow (issue 23): a centre asks another for units of a
tool type (transfer_request); the sender dispatches units against it (transfer_item: in transit
until the receiver scans each in, when the unit's centre changes).

A unit in transit is a transfer_item row not received yet: at most one a unit (the partial
unique index, so that two dispatches of the same unit cannot both win). unit.status keeps its
four values: SQLite cannot change a CHECK without rebuilding a table that eight others point
at, and "in transit" is where a unit is, not what state it is in; the lending queries read
this table (bookings.lending.availability, the desk's basket)."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T22:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "transfers: requests between centres, units in transit"

FORWARDS = [
    """CREATE TABLE transfer_request (
        id {pk},
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE RESTRICT,
        sender INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        receiver INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 20),
        needed_by DATE,
        reason VARCHAR(300) NOT NULL DEFAULT '',
        status VARCHAR(10) NOT NULL DEFAULT 'requested'
            CHECK (status IN ('requested', 'dispatched', 'received', 'declined', 'cancelled')),
        requested_by INTEGER,
        requested_at TIMESTAMPTZ NOT NULL,
        dispatched_by INTEGER,
        dispatched_at TIMESTAMPTZ,
        received_at TIMESTAMPTZ,
        closed_by INTEGER,
        closed_at TIMESTAMPTZ,
        close_reason VARCHAR(300) NOT NULL DEFAULT '',
        CONSTRAINT transfer_request_two_centres CHECK (sender <> receiver),
        CONSTRAINT transfer_request_dispatched CHECK (
            (status IN ('dispatched', 'received')) = (dispatched_at IS NOT NULL)),
        CONSTRAINT transfer_request_received CHECK (
            (status = 'received') = (received_at IS NOT NULL)),
        CONSTRAINT transfer_request_closed CHECK (
            (status IN ('declined', 'cancelled'))
            = (closed_at IS NOT NULL AND close_reason <> ''))
    )""",
    "CREATE INDEX transfer_request_sender ON transfer_request (sender, status)",
    "CREATE INDEX transfer_request_receiver ON transfer_request (receiver, status)",
    """CREATE TABLE transfer_item (
        id {pk},
        transfer INTEGER NOT NULL REFERENCES transfer_request (id) ON DELETE RESTRICT,
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE RESTRICT,
        dispatched_by INTEGER,
        dispatched_at TIMESTAMPTZ NOT NULL,
        received_by INTEGER,
        received_at TIMESTAMPTZ,
        CONSTRAINT transfer_item_once UNIQUE (transfer, unit)
    )""",
    # a unit is in transit at most once: of two dispatches of it, one wins
    "CREATE UNIQUE INDEX transfer_item_in_transit ON transfer_item (unit) "
    "WHERE received_at IS NULL",
]
BACKWARDS = ["DROP TABLE transfer_item", "DROP TABLE transfer_request"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="inventory", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
