"""Skills sessions, enrolments (with the waitlist) and certificates.

A session never takes more members than its places: `enrolled` counts them and a CHECK keeps it
at or below `capacity`; the enrolment service moves it with one conditional UPDATE in the same
transaction as the enrolment row, so two requests for the last place cannot both win."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "skills sessions, enrolments and certificates"

FORWARDS = [
    """CREATE TABLE skill_session (
        id {pk},
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        skill INTEGER REFERENCES skill (id) ON DELETE RESTRICT,
        title_ka VARCHAR(200) NOT NULL CHECK (trim(title_ka) <> ''),
        title_en VARCHAR(200) NOT NULL DEFAULT '',
        description_ka TEXT NOT NULL DEFAULT '',
        description_en TEXT NOT NULL DEFAULT '',
        room VARCHAR(100) NOT NULL DEFAULT '',
        instructor VARCHAR(200) NOT NULL DEFAULT '',
        starts_at TIMESTAMPTZ NOT NULL,
        ends_at TIMESTAMPTZ NOT NULL,
        capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
        enrolled INTEGER NOT NULL DEFAULT 0 CHECK (enrolled >= 0),
        audience VARCHAR(20) NOT NULL DEFAULT 'everyone'
            CHECK (audience IN ('everyone', 'youth', 'returning_migrants')),
        language VARCHAR(5) NOT NULL DEFAULT 'ka' CHECK (language IN ('ka', 'en', 'ru')),
        series INTEGER,
        status VARCHAR(10) NOT NULL DEFAULT 'scheduled'
            CHECK (status IN ('scheduled', 'cancelled')),
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        CHECK (ends_at > starts_at),
        CHECK (enrolled <= capacity)
    )""",
    "CREATE INDEX skill_session_centre_starts ON skill_session (centre, starts_at)",
    "CREATE INDEX skill_session_skill_starts ON skill_session (skill, starts_at)",
    """CREATE TABLE enrolment (
        id {pk},
        session INTEGER NOT NULL REFERENCES skill_session (id) ON DELETE RESTRICT,
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        status VARCHAR(10) NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'cancelled')),
        attended BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        CHECK (status = 'enrolled' OR NOT attended)
    )""",
    # a member is in a session (or its waitlist) once
    """CREATE UNIQUE INDEX enrolment_once ON enrolment (session, member)
        WHERE status <> 'cancelled'""",
    "CREATE INDEX enrolment_member ON enrolment (member)",
    """CREATE TABLE certificate (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        skill INTEGER NOT NULL REFERENCES skill (id) ON DELETE RESTRICT,
        issued_on DATE NOT NULL,
        expires_on DATE,
        session INTEGER REFERENCES skill_session (id) ON DELETE RESTRICT,
        code VARCHAR(32) NOT NULL UNIQUE,
        reason VARCHAR(500) NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        revoked_at TIMESTAMPTZ,
        revoked_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        revoke_reason VARCHAR(500) NOT NULL DEFAULT '',
        CHECK (expires_on IS NULL OR expires_on >= issued_on),
        CHECK (session IS NOT NULL OR reason <> ''),
        CHECK (revoked_at IS NULL OR revoke_reason <> '')
    )""",
    "CREATE INDEX certificate_member_skill ON certificate (member, skill)",
    # one certificate a member from one session
    "CREATE UNIQUE INDEX certificate_once_a_session ON certificate (member, session)",
]
BACKWARDS = ["DROP TABLE certificate", "DROP TABLE enrolment", "DROP TABLE skill_session"]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
