"""Attempts at the forms a stranger or a new account can post (sign-up, password reset,
enrolment), per address and per phone or account, for rate limits that hold across workers."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T08:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "rate_event: attempts per address and per key, for rate limits"

FORWARDS = [
    """CREATE TABLE rate_event (
        id {pk},
        action VARCHAR(20) NOT NULL,
        key VARCHAR(254) NOT NULL,
        at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX rate_event_key ON rate_event (action, key, at)",
]
BACKWARDS = ["DROP TABLE rate_event"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
