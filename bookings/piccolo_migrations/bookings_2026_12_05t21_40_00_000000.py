"""The reports' loan summary (issue 21): the figures of the bookings per closed month, so that
a report over years reads a few thousand rows instead of every booking
(bookings/reports/loan_summaries.py).

- report_loan_month: per month, scope (a centre, or 0 for every centre) and tool type: loans
  and cancellations and no-shows by the month of their first day, loan-days by the month each
  day falls in, returns and damaged returns by the month of their return.
- report_borrower_month: per month, scope, level ('category' or 'all') and item (the category,
  or 0): the members with a loan that month, counted by the month of their previous loan in the
  same scope and item ('' for none), so that the distinct borrowers of whole months a..b are a
  sum (the rows of a..b whose previous month is before a).
- report_borrower_last: per scope, level, item and member, the day of their last loan before
  the first month not summarised: a borrower of that month is new to a period that ends just
  before it when their last loan was before the period began (one lookup, not their history).
- report_loan_summary: one row: the first month not summarised ('' for none yet), its first
  day (loans_covered) and, set by the triggers below, the first day of a booking changed in a
  way that changes a summarised month (loans_stale_from): the reports read the summary only
  before it, and the next build starts there. The desk changes a summarised month only when a
  loan or reservation of a closed month changes late (a pick-up or a no-show marked days later,
  a restore, an import); a tool type moved to another category makes the whole summary stale.
  loans_longest: the most days a loan back before loans_covered lasted, so that a report finds
  the loans still out on a day before it by their first day, not by every later return.
- booking (ended_on), the loans not back yet, and booking (tool_type, starts_on): the loans
  still counting on a day, and the borrowers of a few tool types, without reading every
  booking."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T21:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports: loan figures per closed month"

LOAN = "('out', 'returned', 'lost')"


def _changed(covered: str, distinct: str) -> str:
    """Whether a booking's update changes what it adds to the months before `covered`: what
    its first day counts (its kind, member, tool type, centre, day and its loan-days up to
    `covered`) and what its return counts."""
    def by_start(row: str) -> list[str]:
        kind = f"CASE WHEN {row}.status IN {LOAN} THEN 'loan' ELSE {row}.status END"
        end = (f"CASE WHEN {row}.ended_on IS NULL OR {row}.ended_on > {covered} "
               f"THEN {covered} ELSE {row}.ended_on END")
        return [f"CASE WHEN {row}.starts_on < {covered} THEN {x} END" for x in (
            kind, f"{row}.member", f"{row}.tool_type", f"{row}.centre", f"{row}.starts_on",
            end)]

    def by_return(row: str) -> list[str]:
        return [f"CASE WHEN {row}.ended_on < {covered} THEN {x} END" for x in (
            f"{row}.status", f"{row}.return_condition", f"{row}.tool_type", f"{row}.centre",
            f"{row}.ended_on")]

    pairs = zip(by_start("OLD") + by_return("OLD"), by_start("NEW") + by_return("NEW"),
                strict=True)
    return " OR ".join(f"({old}) {distinct} ({new})" for old, new in pairs)


FORWARDS = [
    """CREATE TABLE report_loan_month (
        id {pk},
        month VARCHAR(7) NOT NULL,
        scope INTEGER NOT NULL,
        tool_type INTEGER NOT NULL,
        loans INTEGER NOT NULL,
        loan_days INTEGER NOT NULL,
        cancelled INTEGER NOT NULL,
        no_shows INTEGER NOT NULL,
        returns INTEGER NOT NULL,
        damaged INTEGER NOT NULL
    )""",
    "CREATE INDEX report_loan_month_scope ON report_loan_month (scope, month)",
    # the rows of every tool type (0) of each centre
    "CREATE INDEX report_loan_month_totals ON report_loan_month (tool_type, month)",
    """CREATE TABLE report_borrower_month (
        id {pk},
        month VARCHAR(7) NOT NULL,
        scope INTEGER NOT NULL,
        level VARCHAR(10) NOT NULL,
        item INTEGER NOT NULL,
        previous VARCHAR(7) NOT NULL,
        borrowers INTEGER NOT NULL CHECK (borrowers > 0)
    )""",
    "CREATE INDEX report_borrower_month_scope ON report_borrower_month (scope, level, month)",
    """CREATE TABLE report_borrower_last (
        id {pk},
        scope INTEGER NOT NULL,
        level VARCHAR(10) NOT NULL,
        item INTEGER NOT NULL,
        member INTEGER NOT NULL,
        last_day DATE NOT NULL
    )""",
    "CREATE UNIQUE INDEX report_borrower_last_key ON report_borrower_last "
    "(member, scope, level, item)",
    """CREATE TABLE report_loan_summary (
        id {pk},
        loans_open VARCHAR(7) NOT NULL,
        loans_covered DATE,
        loans_stale_from DATE,
        loans_longest INTEGER
    )""",
    # no row until the first build writes one: a migrated, never used database holds no data
    # (a restore into it needs no --replace)
    # not the loans still out: they have their own index, and SQLite would take this one
    "CREATE INDEX booking_ended_on ON booking (ended_on) WHERE ended_on IS NOT NULL",
    "CREATE INDEX booking_tool_type_starts ON booking (tool_type, starts_on)",
    # the loans not back yet (a few hundred): each part-month a report reads raw counts them
    "CREATE INDEX booking_loans_not_back ON booking (status, starts_on) WHERE ended_on IS NULL",
]
# inserts: one statement-level trigger, so that a bulk load (COPY) pays once
POSTGRES_FORWARDS = [
    """CREATE FUNCTION report_loans_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_loan_summary r SET loans_stale_from = LEAST(
        COALESCE(r.loans_stale_from, 'infinity'::date),
        (SELECT MIN(n.starts_on) FROM written n WHERE n.starts_on < r.loans_covered))
      WHERE EXISTS (SELECT 1 FROM written n WHERE n.starts_on < r.loans_covered);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_loans_inserted AFTER INSERT ON booking
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION report_loans_inserted()""",
    f"""CREATE FUNCTION report_loans_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE covered date;
    BEGIN
      SELECT r.loans_covered INTO covered FROM report_loan_summary r;
      IF covered IS NULL THEN RETURN NULL; END IF;
      IF TG_OP = 'DELETE' THEN
        IF OLD.starts_on < covered THEN
          UPDATE report_loan_summary SET loans_stale_from = LEAST(
            COALESCE(loans_stale_from, OLD.starts_on), OLD.starts_on);
        END IF;
      ELSIF {_changed("covered", "IS DISTINCT FROM")} THEN
        UPDATE report_loan_summary SET loans_stale_from = LEAST(
          COALESCE(loans_stale_from, 'infinity'::date), OLD.starts_on, NEW.starts_on);
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_loans_changed AFTER UPDATE OF status, starts_on, ended_on, member,
      tool_type, centre, return_condition ON booking FOR EACH ROW
    EXECUTE FUNCTION report_loans_changed()""",
    """CREATE TRIGGER report_loans_deleted AFTER DELETE ON booking FOR EACH ROW
    EXECUTE FUNCTION report_loans_changed()""",
    """CREATE FUNCTION report_loans_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_loan_summary SET loans_stale_from = '0001-01-01'
      WHERE loans_covered IS NOT NULL;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_loans_regrouped AFTER UPDATE OF category ON tool_type
    FOR EACH ROW WHEN (OLD.category IS DISTINCT FROM NEW.category)
    EXECUTE FUNCTION report_loans_regrouped()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER report_loans_regrouped ON tool_type",
    "DROP FUNCTION report_loans_regrouped()",
    "DROP TRIGGER report_loans_deleted ON booking",
    "DROP TRIGGER report_loans_changed ON booking",
    "DROP FUNCTION report_loans_changed()",
    "DROP TRIGGER report_loans_inserted ON booking",
    "DROP FUNCTION report_loans_inserted()",
]
_COVERED = "(SELECT loans_covered FROM report_loan_summary)"
SQLITE_FORWARDS = [
    f"""CREATE TRIGGER report_loans_inserted AFTER INSERT ON booking
    WHEN NEW.starts_on < {_COVERED}
    BEGIN
      UPDATE report_loan_summary SET loans_stale_from = CASE
        WHEN loans_stale_from IS NULL OR NEW.starts_on < loans_stale_from
        THEN NEW.starts_on ELSE loans_stale_from END;
    END""",
    f"""CREATE TRIGGER report_loans_changed AFTER UPDATE OF status, starts_on, ended_on, member,
      tool_type, centre, return_condition ON booking
    WHEN min(OLD.starts_on, NEW.starts_on) < {_COVERED}
      AND ({_changed(_COVERED, "IS NOT")})
    BEGIN
      UPDATE report_loan_summary SET loans_stale_from = CASE
        WHEN loans_stale_from IS NULL OR min(OLD.starts_on, NEW.starts_on) < loans_stale_from
        THEN min(OLD.starts_on, NEW.starts_on) ELSE loans_stale_from END;
    END""",
    f"""CREATE TRIGGER report_loans_deleted AFTER DELETE ON booking
    WHEN OLD.starts_on < {_COVERED}
    BEGIN
      UPDATE report_loan_summary SET loans_stale_from = CASE
        WHEN loans_stale_from IS NULL OR OLD.starts_on < loans_stale_from
        THEN OLD.starts_on ELSE loans_stale_from END;
    END""",
    """CREATE TRIGGER report_loans_regrouped AFTER UPDATE OF category ON tool_type
    WHEN OLD.category IS NOT NEW.category
    BEGIN
      UPDATE report_loan_summary SET loans_stale_from = '0001-01-01'
      WHERE loans_covered IS NOT NULL;
    END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER report_loans_regrouped",
    "DROP TRIGGER report_loans_deleted",
    "DROP TRIGGER report_loans_changed",
    "DROP TRIGGER report_loans_inserted",
]
BACKWARDS = [
    "DROP INDEX booking_loans_not_back",
    "DROP INDEX booking_tool_type_starts",
    "DROP INDEX booking_ended_on",
    "DROP TABLE report_loan_summary",
    "DROP TABLE report_borrower_last",
    "DROP TABLE report_borrower_month",
    "DROP TABLE report_loan_month",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS,
                         postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS,
                         sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS)
