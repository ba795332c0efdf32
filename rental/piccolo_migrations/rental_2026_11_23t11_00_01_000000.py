"""Member search by any part of the name, phone or document number without reading every
member: trigram indexes on PostgreSQL (pg_trgm serves the same LIKE '%…%'), and on SQLite an
FTS5 trigram table over the same three columns, kept by triggers, that narrows the rows the
LIKEs then check (rental.members.search)."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T11:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "member: trigram search on name, phone and document number"

POSTGRES_FORWARDS = [
    # trusted since PostgreSQL 13: the database's owner may create it
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX member_name_trigram ON member USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX member_phone_trigram ON member USING gin (phone gin_trgm_ops)",
    "CREATE INDEX member_id_document_trigram ON member "
    "USING gin (id_document_number gin_trgm_ops)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX member_id_document_trigram",
    "DROP INDEX member_phone_trigram",
    "DROP INDEX member_name_trigram",
]
_COLUMNS = "name, phone, id_document_number"
SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE member_search USING fts5({_COLUMNS}, "
    "content='member', content_rowid='id', tokenize='trigram')",
    "INSERT INTO member_search (member_search) VALUES ('rebuild')",
    "CREATE TRIGGER member_search_insert AFTER INSERT ON member BEGIN "
    f"INSERT INTO member_search (rowid, {_COLUMNS}) "
    "VALUES (new.id, new.name, new.phone, new.id_document_number); END",
    "CREATE TRIGGER member_search_delete AFTER DELETE ON member BEGIN "
    f"INSERT INTO member_search (member_search, rowid, {_COLUMNS}) "
    "VALUES ('delete', old.id, old.name, old.phone, old.id_document_number); END",
    f"CREATE TRIGGER member_search_update AFTER UPDATE OF {_COLUMNS} ON member BEGIN "
    f"INSERT INTO member_search (member_search, rowid, {_COLUMNS}) "
    "VALUES ('delete', old.id, old.name, old.phone, old.id_document_number); "
    f"INSERT INTO member_search (rowid, {_COLUMNS}) "
    "VALUES (new.id, new.name, new.phone, new.id_document_number); END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER member_search_update",
    "DROP TRIGGER member_search_delete",
    "DROP TRIGGER member_search_insert",
    "DROP TABLE member_search",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=[], backwards=[],
                         postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS,
                         sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS)
