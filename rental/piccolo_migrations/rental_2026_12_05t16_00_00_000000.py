"""Members are told by e-mail and SMS as well as on their page: the outbox records when a
message left and how many SMS segments it cost (a coordinator counts them per centre and
month); the sender claims a message by moving its next attempt forward (a lease: a sender that
dies mid-send leaves the message to be tried again), so the claim reads by status and next
attempt. A member may turn off reminders per channel and ask for SMS in Latin letters; a centre
sets how many weekly overdue reminders follow the one of day 7."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notification: sent_at, segments; member: reminder channels; centre: overdue limit"

FORWARDS = [
    "ALTER TABLE notification ADD COLUMN sent_at TIMESTAMPTZ",
    "ALTER TABLE notification ADD COLUMN segments INTEGER CHECK (segments IS NULL OR segments > 0)",
    "UPDATE notification SET sent_at = created_at WHERE status = 'sent'",
    "CREATE INDEX notification_due ON notification (status, next_attempt_at)",
    "CREATE INDEX notification_centre_created ON notification (centre, created_at)",
    "ALTER TABLE member ADD COLUMN sms_reminders BOOLEAN NOT NULL DEFAULT TRUE",
    "ALTER TABLE member ADD COLUMN email_reminders BOOLEAN NOT NULL DEFAULT TRUE",
    "ALTER TABLE member ADD COLUMN sms_latin BOOLEAN NOT NULL DEFAULT FALSE",
    "ALTER TABLE centre ADD COLUMN overdue_reminder_limit INTEGER NOT NULL DEFAULT 4"
    " CHECK (overdue_reminder_limit BETWEEN 0 AND 52)",
]
BACKWARDS = [
    "ALTER TABLE centre DROP COLUMN overdue_reminder_limit",
    "ALTER TABLE member DROP COLUMN sms_latin",
    "ALTER TABLE member DROP COLUMN email_reminders",
    "ALTER TABLE member DROP COLUMN sms_reminders",
    "DROP INDEX notification_centre_created",
    "DROP INDEX notification_due",
    "ALTER TABLE notification DROP COLUMN segments",
    "ALTER TABLE notification DROP COLUMN sent_at",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
