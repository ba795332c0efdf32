"""API tokens: for scripts and other systems; stored as SHA-256, revocable."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T07:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "api tokens"

FORWARDS = [
    """CREATE TABLE api_token (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        token_hash VARCHAR(64) NOT NULL UNIQUE,
        label VARCHAR(100) NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
    )""",
    "CREATE INDEX api_token_member ON api_token (member)",
]
BACKWARDS = ["DROP TABLE api_token"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
