"""Members: identity and statistics fields, consents, memberships, concessions, reset codes."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T06:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "members, memberships and concessions"

FORWARDS = [
    "ALTER TABLE member ADD COLUMN id_document_type VARCHAR(16) NOT NULL DEFAULT '' "
    "CHECK (id_document_type IN ('', 'personal_number', 'passport', 'other'))",
    "ALTER TABLE member ADD COLUMN id_document_number VARCHAR(40) NOT NULL DEFAULT ''",
    "ALTER TABLE member ADD COLUMN birth_date DATE",
    "ALTER TABLE member ADD COLUMN sex VARCHAR(12) NOT NULL DEFAULT '' "
    "CHECK (sex IN ('', 'female', 'male', 'prefer_not'))",
    "ALTER TABLE member ADD COLUMN municipality VARCHAR(100) NOT NULL DEFAULT ''",
    "ALTER TABLE member ADD COLUMN situation VARCHAR(20) NOT NULL DEFAULT '' "
    "CHECK (situation IN ('', 'returning_migrant', 'idp', 'local_resident', 'other'))",
    "ALTER TABLE member ADD COLUMN notes TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE member ADD COLUMN verified_at TIMESTAMPTZ",
    "ALTER TABLE member ADD COLUMN verified_by INTEGER REFERENCES member (id) ON DELETE SET NULL",
    "ALTER TABLE member ADD COLUMN erased_at TIMESTAMPTZ",
    # one person, one account: an identity document is registered once
    "CREATE UNIQUE INDEX member_id_document ON member (id_document_type, id_document_number) "
    "WHERE id_document_number <> ''",
    "CREATE INDEX member_name ON member (lower(name))",
    """CREATE TABLE member_consent (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        kind VARCHAR(20) NOT NULL CHECK (kind IN ('rental_agreement', 'data_processing')),
        version VARCHAR(20) NOT NULL CHECK (version <> ''),
        given_at TIMESTAMPTZ NOT NULL,
        UNIQUE (member, kind, version)
    )""",
    """CREATE TABLE membership_type (
        id {pk},
        slug VARCHAR(40) NOT NULL UNIQUE CHECK (slug <> ''),
        name_ka VARCHAR(100) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(100) NOT NULL DEFAULT '',
        validity_days INTEGER NOT NULL CHECK (validity_days BETWEEN 1 AND 3660),
        max_tools_out INTEGER NOT NULL CHECK (max_tools_out >= 0),
        max_open_bookings INTEGER NOT NULL CHECK (max_open_bookings >= 0),
        active BOOLEAN NOT NULL DEFAULT true
    )""",
    """CREATE TABLE membership (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        membership_type INTEGER NOT NULL REFERENCES membership_type (id) ON DELETE RESTRICT,
        starts_on DATE NOT NULL,
        ends_on DATE NOT NULL,
        status VARCHAR(10) NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
        suspended_reason VARCHAR(500) NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        CHECK (ends_on >= starts_on),
        CHECK (status <> 'suspended' OR trim(suspended_reason) <> '')
    )""",
    # a member has one current membership; renewals extend it, history stays as closed rows
    "CREATE UNIQUE INDEX membership_current ON membership (member) WHERE status <> 'closed'",
    """CREATE TABLE concession_category (
        id {pk},
        slug VARCHAR(40) NOT NULL UNIQUE CHECK (slug <> ''),
        name_ka VARCHAR(100) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(100) NOT NULL DEFAULT '',
        discount_percent INTEGER NOT NULL CHECK (discount_percent BETWEEN 0 AND 100),
        funder VARCHAR(200) NOT NULL DEFAULT '',
        active BOOLEAN NOT NULL DEFAULT true
    )""",
    """CREATE TABLE member_concession (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        category INTEGER NOT NULL REFERENCES concession_category (id) ON DELETE RESTRICT,
        proof VARCHAR(200) NOT NULL CHECK (trim(proof) <> ''),
        expires_on DATE NOT NULL,
        granted_at TIMESTAMPTZ NOT NULL,
        granted_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        revoked_at TIMESTAMPTZ
    )""",
    "CREATE UNIQUE INDEX member_concession_current ON member_concession (member) "
    "WHERE revoked_at IS NULL",
    """CREATE TABLE password_reset_code (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        code_hash VARCHAR(64) NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        used_at TIMESTAMPTZ,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL
    )""",
]

BACKWARDS = [
    "DROP TABLE password_reset_code",
    "DROP TABLE member_concession",
    "DROP TABLE concession_category",
    "DROP TABLE membership",
    "DROP TABLE membership_type",
    "DROP TABLE member_consent",
    "DROP INDEX member_name",
    "DROP INDEX member_id_document",
    "ALTER TABLE member DROP COLUMN erased_at",
    "ALTER TABLE member DROP COLUMN verified_by",
    "ALTER TABLE member DROP COLUMN verified_at",
    "ALTER TABLE member DROP COLUMN notes",
    "ALTER TABLE member DROP COLUMN situation",
    "ALTER TABLE member DROP COLUMN municipality",
    "ALTER TABLE member DROP COLUMN sex",
    "ALTER TABLE member DROP COLUMN birth_date",
    "ALTER TABLE member DROP COLUMN id_document_number",
    "ALTER TABLE member DROP COLUMN id_document_type",
]


async def forwards():
    return sql_migration(
        migration_id=ID,
        app_name="rental",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
