"""The reports' own tables: summaries derived from the rows below, never edited by hand
(bookings/reports/summaries.py fills them, or the migration's triggers keep them; the migration
says what each holds)."""

from piccolo.columns import BigInt, Date, Integer, Timestamptz, Varchar
from piccolo.table import Table


class ReportLedgerMonth(Table):
    """The ledger's sums of one closed month on one time zone's calendar, per centre, staff
    member, kind, method, funder and concession."""

    zone = Varchar(length=64)
    month = Varchar(length=7)  # 'YYYY-MM'
    centre = Integer()
    created_by = Integer(null=True, default=None)
    kind = Varchar(length=16)
    method = Varchar(length=8)
    funder = Varchar(length=200)
    concession = Integer(null=True, default=None)
    amount = BigInt()
    entries = Integer()


class ReportLedgerBalance(Table):
    """A member's balance at a centre from the entries before the summary's first open month
    (`report_summary.ledger_covered`), per time zone."""

    zone = Varchar(length=64)
    centre = Integer()
    member = Integer()
    amount = BigInt()


class ReportSummary(Table):
    """Per time zone: the first month not summarised ('YYYY-MM', '' for none yet), the instant
    it begins, and the earliest instant of an entry written into a summarised month since (a
    trigger on ledger_entry sets it; the reports trust the summary only before it)."""

    zone = Varchar(length=64, unique=True)
    ledger_open = Varchar(length=7)
    ledger_covered = Timestamptz(null=True, default=None)
    ledger_stale_from = Timestamptz(null=True, default=None)


class ReportLoanMonth(Table):
    """The bookings' figures of one closed month, per scope (a centre, or 0 for every centre)
    and tool type (0 for every tool type): loans, cancellations and no-shows by their first
    day, loan-days by the day, returns and damaged returns by the day of the return."""

    month = Varchar(length=7)  # 'YYYY-MM'
    scope = Integer()
    tool_type = Integer()
    loans = Integer()
    loan_days = Integer()
    cancelled = Integer()
    no_shows = Integer()
    returns = Integer()
    damaged = Integer()


class ReportBorrowerMonth(Table):
    """The members with a loan in one closed month, per scope (a centre, or 0), level
    ('category' or 'all') and item (the category, or 0), counted by the month of their
    previous loan in the same scope and item ('' for none)."""

    month = Varchar(length=7)
    scope = Integer()
    level = Varchar(length=10)
    item = Integer()
    previous = Varchar(length=7)
    borrowers = Integer()


class ReportBorrowerLast(Table):
    """Per scope, level, item and member: the day of their last loan before the loan summary's
    first open month (`report_loan_summary.loans_covered`)."""

    scope = Integer()
    level = Varchar(length=10)
    item = Integer()
    member = Integer()
    last_day = Date()


class ReportLoanSummary(Table):
    """One row: the first month the loan summary does not hold ('' for none yet), its first
    day, and the first day of a booking changed since in a way that changes a summarised month
    (triggers on booking set it; the reports trust the summary only before its month)."""

    loans_open = Varchar(length=7)
    loans_covered = Date(null=True, default=None)
    loans_stale_from = Date(null=True, default=None)
    loans_longest = Integer(null=True, default=None)  # days of the longest loan back before it


class ReportFirstMembership(Table):
    """Per member with a membership: the day the first of them started (MIN(starts_on) over
    every membership, whatever its status), and the member's role and home centre as they are.
    Triggers on membership and member keep it so in the same transaction as each change: it is
    never rebuilt and never stale."""

    member = Integer(unique=True)
    first_day = Date()
    role = Varchar(length=12)
    centre = Integer(null=True, default=None)
