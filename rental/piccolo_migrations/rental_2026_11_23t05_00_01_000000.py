"""Accounts, staff centres, login sessions, login failures and the audit log."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T05:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "accounts and audit log"

FORWARDS = [
    """CREATE TABLE member (
        id {pk},
        name VARCHAR(200) NOT NULL CHECK (trim(name) <> ''),
        phone VARCHAR(16) NOT NULL UNIQUE CHECK (phone LIKE '+%' AND length(phone) BETWEEN 8 AND 16),
        email VARCHAR(254),
        password_hash VARCHAR(255) NOT NULL DEFAULT '',
        role VARCHAR(12) NOT NULL DEFAULT 'member'
            CHECK (role IN ('member', 'staff', 'coordinator', 'admin')),
        status VARCHAR(10) NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'active', 'suspended', 'erased')),
        language VARCHAR(5) NOT NULL DEFAULT 'ka' CHECK (language IN ('ka', 'en', 'ru')),
        home_centre INTEGER REFERENCES centre (id) ON DELETE RESTRICT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    # e-mail is optional, but two accounts never share one (case-insensitively)
    "CREATE UNIQUE INDEX member_email ON member (lower(email)) WHERE email IS NOT NULL",
    """CREATE TABLE staff_centre (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE CASCADE,
        UNIQUE (member, centre)
    )""",
    """CREATE TABLE user_session (
        id {pk},
        token_hash VARCHAR(64) NOT NULL UNIQUE,
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        expires_at TIMESTAMPTZ NOT NULL,
        ip VARCHAR(64) NOT NULL DEFAULT '',
        user_agent VARCHAR(300) NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX user_session_member ON user_session (member)",
    """CREATE TABLE login_failure (
        id {pk},
        login VARCHAR(254) NOT NULL,
        ip VARCHAR(64) NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX login_failure_login ON login_failure (login, at)",
    "CREATE INDEX login_failure_ip ON login_failure (ip, at)",
    """CREATE TABLE audit_log (
        id {pk},
        at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        actor INTEGER REFERENCES member (id) ON DELETE SET NULL,
        action VARCHAR(64) NOT NULL,
        entity VARCHAR(32) NOT NULL,
        entity_id INTEGER,
        centre INTEGER REFERENCES centre (id) ON DELETE SET NULL,
        before JSON,
        after JSON
    )""",
    "CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)",
]

# The audit log is append-only: the database refuses to change or remove its rows.
POSTGRES_FORWARDS = [
    """CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
    END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "DROP FUNCTION audit_log_is_append_only()",
]
SQLITE_FORWARDS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]

BACKWARDS = [
    "DROP TABLE audit_log",
    "DROP TABLE login_failure",
    "DROP TABLE user_session",
    "DROP TABLE staff_centre",
    "DROP TABLE member",
]


async def forwards():
    return sql_migration(
        migration_id=ID,
        app_name="rental",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
        postgres_forwards=POSTGRES_FORWARDS,
        postgres_backwards=POSTGRES_BACKWARDS,
        sqlite_forwards=SQLITE_FORWARDS,
    )
