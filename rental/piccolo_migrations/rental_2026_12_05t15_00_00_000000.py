"""The outbox of messages to members (rental.notifications): one row per message and channel,
its text written in the member's language when queued. The unique key (member, channel,
event_key) is what makes queueing an event twice, or from two workers at once, add one row."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notification: the outbox of messages to members (the page channel first)"

FORWARDS = [
    """CREATE TABLE notification (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        centre INTEGER REFERENCES centre (id) ON DELETE SET NULL,
        channel VARCHAR(8) NOT NULL DEFAULT 'page'
            CHECK (channel IN ('page', 'email', 'sms')),
        kind VARCHAR(40) NOT NULL,
        language VARCHAR(5) NOT NULL DEFAULT 'ka' CHECK (language IN ('ka', 'en', 'ru')),
        subject TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        event_key VARCHAR(200) NOT NULL CHECK (event_key <> ''),
        status VARCHAR(10) NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'sent', 'failed', 'suppressed')),
        created_at TIMESTAMPTZ NOT NULL,
        read_at TIMESTAMPTZ,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TIMESTAMPTZ,
        provider_id VARCHAR(100),
        error TEXT,
        CONSTRAINT notification_once UNIQUE (member, channel, event_key)
    )""",
    "CREATE INDEX notification_member_read ON notification (member, read_at)",
]
BACKWARDS = ["DROP TABLE notification"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
