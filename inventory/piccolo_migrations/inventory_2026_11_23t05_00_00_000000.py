"""Core catalogue: centres, categories, skills, tool types and units."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "core catalogue schema"

FORWARDS = [
    """CREATE TABLE centre (
        id {pk},
        code VARCHAR(8) NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 8),
        name_ka VARCHAR(200) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(200) NOT NULL DEFAULT '',
        municipality VARCHAR(100) NOT NULL DEFAULT '',
        address_ka VARCHAR(300) NOT NULL DEFAULT '',
        address_en VARCHAR(300) NOT NULL DEFAULT '',
        phone VARCHAR(16) NOT NULL DEFAULT '',
        timezone VARCHAR(64) NOT NULL DEFAULT 'Asia/Tbilisi',
        opening_days INTEGER NOT NULL DEFAULT 63 CHECK (opening_days BETWEEN 0 AND 127),
        opens_at TIME NOT NULL DEFAULT '10:00:00',
        closes_at TIME NOT NULL DEFAULT '19:00:00',
        active BOOLEAN NOT NULL DEFAULT true,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        CHECK (closes_at > opens_at)
    )""",
    """CREATE TABLE category (
        id {pk},
        slug VARCHAR(40) NOT NULL UNIQUE CHECK (slug <> ''),
        name_ka VARCHAR(100) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(100) NOT NULL DEFAULT '',
        name_ru VARCHAR(100) NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE skill (
        id {pk},
        slug VARCHAR(40) NOT NULL UNIQUE CHECK (slug <> ''),
        name_ka VARCHAR(150) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(150) NOT NULL DEFAULT '',
        name_ru VARCHAR(150) NOT NULL DEFAULT '',
        validity_days INTEGER CHECK (validity_days > 0)
    )""",
    """CREATE TABLE tool_type (
        id {pk},
        slug VARCHAR(80) NOT NULL UNIQUE CHECK (slug <> ''),
        category INTEGER NOT NULL REFERENCES category (id) ON DELETE RESTRICT,
        name_ka VARCHAR(200) NOT NULL CHECK (trim(name_ka) <> ''),
        name_en VARCHAR(200) NOT NULL DEFAULT '',
        name_ru VARCHAR(200) NOT NULL DEFAULT '',
        description_ka TEXT NOT NULL DEFAULT '',
        description_en TEXT NOT NULL DEFAULT '',
        description_ru TEXT NOT NULL DEFAULT '',
        safety_notes_ka TEXT NOT NULL DEFAULT '',
        safety_notes_en TEXT NOT NULL DEFAULT '',
        daily_fee INTEGER NOT NULL CHECK (daily_fee >= 0),
        deposit INTEGER NOT NULL CHECK (deposit >= 0),
        max_loan_days INTEGER NOT NULL DEFAULT 7 CHECK (max_loan_days BETWEEN 1 AND 365),
        required_skill INTEGER REFERENCES skill (id) ON DELETE RESTRICT,
        inspection_interval_days INTEGER CHECK (inspection_interval_days > 0),
        photo VARCHAR(255) NOT NULL DEFAULT '',
        manual_url VARCHAR(500) NOT NULL DEFAULT '',
        search_text TEXT NOT NULL DEFAULT '',
        active BOOLEAN NOT NULL DEFAULT true,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX tool_type_category ON tool_type (category)",
    """CREATE TABLE unit (
        id {pk},
        tool_type INTEGER NOT NULL REFERENCES tool_type (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        asset_tag VARCHAR(20) NOT NULL UNIQUE CHECK (asset_tag <> ''),
        serial_number VARCHAR(100) NOT NULL DEFAULT '',
        condition VARCHAR(8) NOT NULL DEFAULT 'good'
            CHECK (condition IN ('new', 'good', 'fair', 'poor')),
        status VARCHAR(12) NOT NULL DEFAULT 'available'
            CHECK (status IN ('available', 'maintenance', 'retired', 'lost')),
        acquired_on DATE,
        cost INTEGER CHECK (cost >= 0),
        donor VARCHAR(200) NOT NULL DEFAULT '',
        last_inspected_on DATE,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX unit_type_centre_status ON unit (tool_type, centre, status)",
    "CREATE INDEX unit_centre ON unit (centre)",
]

BACKWARDS = [
    "DROP TABLE unit",
    "DROP TABLE tool_type",
    "DROP TABLE skill",
    "DROP TABLE category",
    "DROP TABLE centre",
]


async def forwards():
    return sql_migration(
        migration_id=ID,
        app_name="inventory",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
