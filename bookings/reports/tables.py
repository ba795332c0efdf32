"""The reports' own tables: summaries derived from the rows below, never edited by hand
(bookings/reports/summaries.py fills them; the migration says what each holds)."""

from piccolo.columns import BigInt, Integer, Timestamptz, Varchar
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
