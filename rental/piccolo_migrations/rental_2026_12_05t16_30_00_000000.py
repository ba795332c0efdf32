"""A phone is confirmed at sign-up, when SMS is configured: a six-digit code is sent to it and
typed back. Only a keyed hash of the code is kept; the rows also count how many codes a phone
and an address asked for in the last hour, and how many wrong tries a code has had."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "phone_code: codes that confirm a phone at sign-up"

FORWARDS = [
    """CREATE TABLE phone_code (
        id {pk},
        phone VARCHAR(16) NOT NULL,
        code_hash VARCHAR(64) NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 5),
        requested_from VARCHAR(64) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        confirmed_at TIMESTAMPTZ,
        CHECK (expires_at > created_at),
        CHECK (confirmed_at IS NULL OR confirmed_at >= created_at)
    )""",
    "CREATE INDEX phone_code_phone ON phone_code (phone, created_at)",
    "CREATE INDEX phone_code_requested_from ON phone_code (requested_from, created_at)",
]
BACKWARDS = ["DROP TABLE phone_code"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
