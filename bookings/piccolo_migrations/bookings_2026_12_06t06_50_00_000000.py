"""The catalogue's version (issue 21): one row whose token changes, in the same transaction,
whenever anything the public catalogue shows changes, so that a worker may keep what it read
and rendered for as long as the token stays the same (bookings.catalogue.services).

- catalogue_version: a single row (id 1) and its token, a random 64-bit number: random rather
  than counted, so that a database restored from a backup, or a test's snapshot, never shows
  a token that once stood for other rows.
- Triggers on what the catalogue reads (centres, categories, skills, tool types, units and
  their transfers, bookings) draw a new token on every row inserted, updated or deleted.
  PostgreSQL draws it at COMMIT (a deferred constraint trigger, once a transaction): the
  token's row lock is then the last lock a writer takes, held for no longer than its commit,
  so two writers cannot deadlock on it. SQLite's writers queue for the whole file anyway."""

from rental.kernel.db import sql_migration

ID = "2026-12-06T06:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue_version: a token that changes whenever the catalogue's rows do"

WATCHED = ("centre", "category", "skill", "tool_type", "unit", "transfer_request",
           "transfer_item", "booking")

FORWARDS = [
    """CREATE TABLE catalogue_version (
        id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        token BIGINT NOT NULL
    )""",
]
BACKWARDS = ["DROP TABLE catalogue_version"]

POSTGRES_FORWARDS = [
    "INSERT INTO catalogue_version (id, token) "
    "VALUES (1, floor(random() * 9007199254740991)::bigint)",
    # toollib.catalogue_changed: set for the rest of the transaction once the token is drawn
    """CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('toollib.catalogue_changed', true) IS DISTINCT FROM '1' THEN
        PERFORM set_config('toollib.catalogue_changed', '1', true);
        UPDATE catalogue_version SET token = floor(random() * 9007199254740991)::bigint;
      END IF;
      RETURN NULL;
    END $$""",
    *(f"""CREATE CONSTRAINT TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalogue_changed()"""
      for table in WATCHED),
]
POSTGRES_BACKWARDS = [
    *(f"DROP TRIGGER catalogue_changed ON {table}" for table in WATCHED),
    "DROP FUNCTION catalogue_changed()",
]
SQLITE_FORWARDS = [
    "INSERT INTO catalogue_version (id, token) VALUES (1, random())",
    *(f"""CREATE TRIGGER catalogue_changed_{table}_{event.lower()} AFTER {event} ON {table}
    BEGIN
      UPDATE catalogue_version SET token = random();
    END""" for table in WATCHED for event in ("INSERT", "UPDATE", "DELETE")),
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER catalogue_changed_{table}_{event.lower()}"
    for table in WATCHED for event in ("INSERT", "UPDATE", "DELETE")
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS,
                         postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS,
                         sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS)
