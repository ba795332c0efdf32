"""The reports' ledger summary (issue 21): the ledger's sums per closed month, centre, staff
member, kind, method, funder and concession, cut on one time zone's calendar, so that a report
over years reads a few thousand rows instead of every entry (bookings/reports/summaries.py).

- report_ledger_month: derived rows, rebuilt from ledger_entry (append-only) whenever they
  could be stale; no foreign keys, since they are figures, not references.
- report_ledger_balance: each member's balance at each centre from the entries before the
  summary's first open month (for "balances owed now").
- report_summary: per time zone, the first month not summarised yet (ledger_open), the instant
  it begins (ledger_covered) and, set by a trigger on ledger_entry, the earliest instant of an
  entry written into a summarised month after it was summarised (ledger_stale_from): the
  reports read the summary only before it, and the next report rebuilds from there. The desk
  never writes into a past month; a restore or an import might."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports: ledger sums per closed month, balances before it"

FORWARDS = [
    """CREATE TABLE report_ledger_month (
        id {pk},
        zone VARCHAR(64) NOT NULL,
        month VARCHAR(7) NOT NULL,
        centre INTEGER NOT NULL,
        created_by INTEGER,
        kind VARCHAR(16) NOT NULL,
        method VARCHAR(8) NOT NULL,
        funder VARCHAR(200) NOT NULL,
        concession INTEGER,
        amount BIGINT NOT NULL,
        entries INTEGER NOT NULL CHECK (entries > 0)
    )""",
    "CREATE INDEX report_ledger_month_zone ON report_ledger_month (zone, month, centre)",
    """CREATE TABLE report_ledger_balance (
        id {pk},
        zone VARCHAR(64) NOT NULL,
        centre INTEGER NOT NULL,
        member INTEGER NOT NULL,
        amount BIGINT NOT NULL,
        CONSTRAINT report_ledger_balance_once UNIQUE (zone, centre, member)
    )""",
    """CREATE TABLE report_summary (
        id {pk},
        zone VARCHAR(64) NOT NULL UNIQUE,
        ledger_open VARCHAR(7) NOT NULL,
        ledger_covered TIMESTAMPTZ,
        ledger_stale_from TIMESTAMPTZ
    )""",
]
# one statement-level trigger: a bulk load (COPY) pays once, not once a row
POSTGRES_FORWARDS = [
    """CREATE FUNCTION report_summary_ledger_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_summary r SET ledger_stale_from = LEAST(
        COALESCE(r.ledger_stale_from, 'infinity'::timestamptz),
        (SELECT MIN(n.created_at) FROM written n WHERE n.created_at < r.ledger_covered))
      WHERE EXISTS (SELECT 1 FROM written n WHERE n.created_at < r.ledger_covered);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_summary_ledger_stale AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION report_summary_ledger_stale()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER report_summary_ledger_stale ON ledger_entry",
    "DROP FUNCTION report_summary_ledger_stale()",
]
SQLITE_FORWARDS = [
    """CREATE TRIGGER report_summary_ledger_stale AFTER INSERT ON ledger_entry
    WHEN NEW.created_at < (SELECT MAX(ledger_covered) FROM report_summary)
    BEGIN
      UPDATE report_summary SET ledger_stale_from = CASE
        WHEN ledger_stale_from IS NULL OR NEW.created_at < ledger_stale_from
        THEN NEW.created_at ELSE ledger_stale_from END
      WHERE NEW.created_at < ledger_covered;
    END""",
]
SQLITE_BACKWARDS = ["DROP TRIGGER report_summary_ledger_stale"]
BACKWARDS = [
    "DROP TABLE report_summary",
    "DROP TABLE report_ledger_balance",
    "DROP TABLE report_ledger_month",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS,
                         postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS,
                         sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS)
