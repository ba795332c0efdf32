"""Several app hosts share one database: each periodic job (booking expiry, the reminders
sweep, the sender, backups) has a lease row, which the worker that runs it takes and gives back
(rental.kernel.leases), so the job runs once per interval across every worker of every host.
The row also says when the job last started and last finished its work."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T17:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_lease: periodic jobs run once per interval across hosts"

FORWARDS = [
    """CREATE TABLE job_lease (
        id {pk},
        name VARCHAR(100) NOT NULL UNIQUE,
        due_at TIMESTAMPTZ NOT NULL,
        held_until TIMESTAMPTZ,
        held_by VARCHAR(100) NOT NULL DEFAULT '',
        runs INTEGER NOT NULL DEFAULT 0 CHECK (runs >= 0),
        started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ
    )""",
]
BACKWARDS = ["DROP TABLE job_lease"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
