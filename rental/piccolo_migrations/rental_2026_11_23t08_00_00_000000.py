"""Money: the per-centre fee policy, receipts, and the append-only ledger.

A member's balance is the sum of their ledger entries (positive: they owe the centre). A
mistake is never edited: a coordinator adds an entry that reverses it, with a reason."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "fee policy, receipts and the ledger"

CHARGES = "'fee', 'deposit', 'late_fee', 'damage', 'replacement', 'refund'"
CREDITS = "'payment', 'waiver', 'deposit_return'"

FORWARDS = [
    """CREATE TABLE fee_policy (
        id {pk},
        centre INTEGER NOT NULL UNIQUE REFERENCES centre (id) ON DELETE CASCADE,
        late_fee_per_day INTEGER NOT NULL DEFAULT 100 CHECK (late_fee_per_day >= 0),
        late_grace_days INTEGER NOT NULL DEFAULT 1 CHECK (late_grace_days BETWEEN 0 AND 30),
        late_fee_cap INTEGER NOT NULL DEFAULT 3000 CHECK (late_fee_cap >= 0),
        balance_limit INTEGER NOT NULL DEFAULT 2000 CHECK (balance_limit >= 0),
        lost_after_days INTEGER NOT NULL DEFAULT 30 CHECK (lost_after_days BETWEEN 1 AND 365)
    )""",
    """CREATE TABLE receipt (
        id {pk},
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        kind VARCHAR(12) NOT NULL
            CHECK (kind IN ('check_out', 'check_in', 'payment', 'renewal', 'lost', 'reversal')),
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL
    )""",
    "CREATE INDEX receipt_member ON receipt (member)",
    f"""CREATE TABLE ledger_entry (
        id {{pk}},
        receipt INTEGER NOT NULL REFERENCES receipt (id) ON DELETE RESTRICT,
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE RESTRICT,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE RESTRICT,
        kind VARCHAR(16) NOT NULL CHECK (kind IN ({CHARGES}, {CREDITS})),
        amount INTEGER NOT NULL CHECK (amount <> 0),
        method VARCHAR(8) NOT NULL DEFAULT '' CHECK (method IN ('', 'cash', 'card')),
        reference VARCHAR(100) NOT NULL DEFAULT '',
        funder VARCHAR(200) NOT NULL DEFAULT '',
        reason VARCHAR(500) NOT NULL DEFAULT '',
        loan INTEGER,
        reverses INTEGER UNIQUE REFERENCES ledger_entry (id) ON DELETE RESTRICT,
        created_at TIMESTAMPTZ NOT NULL,
        created_by INTEGER REFERENCES member (id) ON DELETE SET NULL,
        -- charges add to what the member owes, credits take from it; a reversal flips the sign
        CHECK ((reverses IS NULL) = (CASE WHEN kind IN ({CHARGES}) THEN amount > 0
                                         ELSE amount < 0 END)),
        CHECK (reverses IS NULL OR reason <> ''),
        CHECK (kind NOT IN ('payment', 'refund') OR method <> ''),
        CHECK (method <> 'card' OR reference <> ''),
        CHECK (kind <> 'waiver' OR funder <> '' OR reason <> '')
    )""",
    "CREATE INDEX ledger_entry_member ON ledger_entry (member)",
    "CREATE INDEX ledger_entry_loan ON ledger_entry (loan)",
    "CREATE INDEX ledger_entry_centre_day ON ledger_entry (centre, created_at)",
    "CREATE INDEX ledger_entry_receipt ON ledger_entry (receipt)",
]
POSTGRES_FORWARDS = [
    """CREATE FUNCTION ledger_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger_entry is append-only';
    END $$""",
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_is_append_only()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER ledger_entry_append_only ON ledger_entry",
    "DROP FUNCTION ledger_entry_is_append_only()",
]
SQLITE_FORWARDS = [
    """CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END""",
    """CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END""",
]
BACKWARDS = ["DROP TABLE ledger_entry", "DROP TABLE receipt", "DROP TABLE fee_policy"]


async def forwards():
    return sql_migration(
        migration_id=ID, app_name="rental", description=DESCRIPTION, forwards=FORWARDS,
        backwards=BACKWARDS, postgres_forwards=POSTGRES_FORWARDS,
        postgres_backwards=POSTGRES_BACKWARDS, sqlite_forwards=SQLITE_FORWARDS,
    )
