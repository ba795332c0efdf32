"""Money services: the fee policy per centre, receipts, the append-only ledger, payments,
reversals and the daily cash-up.

A member's balance is the sum of their entries: charges (fee, deposit, late fee, damage,
replacement, refund) are positive, credits (payment, waiver, deposit returned) negative. Rows
are never edited (database triggers refuse it); a coordinator corrects a mistake with an entry
of the same kind and the opposite sign that names the one it reverses.

The `post_*` helpers run inside the caller's transaction (the desk's check-out posts its
charges with the loans it creates); the other public functions own one transaction each."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from rental import audit
from rental.fees import payment_problem
from rental.kernel.db import read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.tables import (
    DEFAULT_FEE_POLICY,
    Centre,
    ConcessionCategory,
    FeePolicy,
    LedgerEntry,
    Member,
    Receipt,
)

FEE_POLICY_LIMITS = {"late_fee_per_day": (0, 100_000), "late_grace_days": (0, 30),
                     "late_fee_cap": (0, 1_000_000), "balance_limit": (0, 1_000_000),
                     "lost_after_days": (1, 365)}
MONEY_FIELDS = ("late_fee_per_day", "late_fee_cap", "balance_limit")


class MoneyError(DomainError):
    """A charge, payment or reversal refused."""


# --- fee policy -----------------------------------------------------------------------------


async def fee_policy(centre_id: int) -> dict[str, int]:
    row = await FeePolicy.select().where(FeePolicy.centre == centre_id).first()
    return {k: (row or DEFAULT_FEE_POLICY)[k] for k in DEFAULT_FEE_POLICY}


async def fee_policies() -> dict[int, dict[str, int]]:
    """Every centre's fee policy that differs from the defaults, by centre id."""
    return {row["centre"]: row for row in await FeePolicy.select()}


async def write_fee_policy(centre_id: int, values: dict[str, int]) -> dict[str, int]:
    """Inside the caller's transaction; returns the values before."""
    before = await fee_policy(centre_id)
    if await FeePolicy.exists().where(FeePolicy.centre == centre_id):
        await FeePolicy.update(values).where(FeePolicy.centre == centre_id)
    else:
        await FeePolicy.insert(FeePolicy(centre=centre_id, **values))
    return before


# --- posting (inside the caller's transaction) -----------------------------------------------


async def open_receipt(member_id: int, centre_id: int, kind: str, *, actor_id: int | None,
                       now: datetime) -> int:
    rows = await Receipt.insert(Receipt(member=member_id, centre=centre_id, kind=kind,
                                        created_at=now, created_by=actor_id)
                                ).returning(Receipt.id)
    return rows[0]["id"]


async def post(receipt_id: int, member_id: int, centre_id: int, kind: str, amount: int, *,
               now: datetime, actor_id: int | None, loan: int | None = None,
               **fields: Any) -> int | None:
    """One entry; a zero amount writes nothing (a free loan has no fee line)."""
    if amount == 0:
        return None
    rows = await LedgerEntry.insert(LedgerEntry(
        receipt=receipt_id, member=member_id, centre=centre_id, kind=kind, amount=amount,
        loan=loan, created_at=now, created_by=actor_id, **fields,
    )).returning(LedgerEntry.id)
    await audit.record(f"ledger.{kind}", "ledger_entry", rows[0]["id"], now=now,
                       actor_id=actor_id, centre_id=centre_id,
                       after={"member": member_id, "amount": amount, "loan": loan,
                              **{k: v for k, v in fields.items() if k != "reference"}})
    return rows[0]["id"]


async def balance(member_id: int) -> int:
    """What the member owes, in tetri (negative: the centre owes them)."""
    row = await LedgerEntry.select(Sum(LedgerEntry.amount).as_alias("total")).where(
        LedgerEntry.member == member_id).first()
    return int(row["total"] or 0) if row else 0


async def balance_now(member_id: int) -> int:
    """`balance` in its own read, for a record that shows it beside another service's data."""
    async with read_transaction():
        return await balance(member_id)


async def post_payment(receipt_id: int, member_id: int, centre_id: int, payment: dict[str, Any],
                       *, owed: int, may_waive: bool, now: datetime, actor_id: int) -> None:
    """A payment or a coordinator's waiver of part of what is owed, checked against it.
    `payment`: method (cash, card, waiver), amount, reference, reason."""
    postings = Postings(receipt_id, member_id, centre_id, now=now, actor_id=actor_id)
    add_payment(postings, payment, owed=owed, may_waive=may_waive)
    await postings.write()


def add_payment(postings: Postings, payment: dict[str, Any], *, owed: int,
                may_waive: bool) -> None:
    """`post_payment` onto an action's postings (written with its other lines)."""
    amount = payment.get("amount", 0)
    if amount == 0 and owed <= 0:
        return
    problem = payment_problem(amount, owed)
    if problem:
        raise MoneyError("invalid", {"amount": problem})
    method = payment.get("method")
    if method == "waiver":
        if not may_waive:
            raise MoneyError("forbidden", {"method": N_("Only a coordinator can waive a fee.")})
        if not payment.get("reason"):
            raise MoneyError("invalid", {"reason": N_("Write why the fee is waived.")})
        postings.post("waiver", -amount, reason=payment["reason"], funder="")
        postings.audit("ledger.waiver_by_coordinator", "receipt", postings.receipt_id,
                       after={"amount": amount, "reason": payment["reason"]})
        return
    if method not in ("cash", "card"):
        raise MoneyError("invalid", {"method": N_("Choose how the member pays.")})
    if method == "card" and not payment.get("reference"):
        raise MoneyError("invalid", {"reference": N_(
            "Enter the card terminal's slip number.")})
    postings.post("payment", -amount, method=method, reference=payment.get("reference", ""))


class Postings:
    """The ledger lines of one receipt and the audit rows of its action, kept in order and
    written at the action's end in one statement each (the audit row of a line names the line's
    id), so a basket of ten costs the statements of a basket of one. Inside the caller's
    transaction; what is not yet written is in `total`."""

    def __init__(self, receipt_id: int, member_id: int, centre_id: int, *, now: datetime,
                 actor_id: int | None) -> None:
        self.receipt_id, self.member_id, self.centre_id = receipt_id, member_id, centre_id
        self.now, self.actor_id = now, actor_id
        self.lines: list[LedgerEntry] = []
        self.audit_rows: list[Any] = []
        self._line_rows: list[tuple[Any, int]] = []  # a line's audit row, the line's index

    @property
    def total(self) -> int:
        """What the lines not yet written add to the member's balance."""
        return sum(line.amount for line in self.lines)

    def post(self, kind: str, amount: int, *, loan: int | None = None, **fields: Any) -> None:
        """One entry, as `post` writes it; a zero amount writes nothing."""
        if amount == 0:
            return
        self.lines.append(LedgerEntry(
            receipt=self.receipt_id, member=self.member_id, centre=self.centre_id, kind=kind,
            amount=amount, loan=loan, created_at=self.now, created_by=self.actor_id, **fields))
        row = audit.entry(f"ledger.{kind}", "ledger_entry", None, now=self.now,
                          actor_id=self.actor_id, centre_id=self.centre_id,
                          after={"member": self.member_id, "amount": amount, "loan": loan,
                                 **{k: v for k, v in fields.items() if k != "reference"}})
        self.audit_rows.append(row)
        self._line_rows.append((row, len(self.lines) - 1))

    def audit(self, action: str, entity: str, entity_id: int | None, *,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
              ) -> None:
        """An audit row of the action, in its place among the lines' rows."""
        self.audit_rows.append(audit.entry(action, entity, entity_id, now=self.now,
                                           actor_id=self.actor_id, centre_id=self.centre_id,
                                           before=before, after=after))

    async def write(self) -> None:
        if self.lines:
            rows = await LedgerEntry.insert(*self.lines).returning(LedgerEntry.id)
            # one statement numbers its rows in the order of its VALUES
            ids = sorted(row["id"] for row in rows)
            for row, index in self._line_rows:
                row.entity_id = ids[index]
        await audit.record_many(self.audit_rows)
        self.lines, self.audit_rows, self._line_rows = [], [], []


# --- services -------------------------------------------------------------------------------


async def take_payment(member_id: int, centre_id: int, payment: dict[str, Any], *,
                       may_waive: bool, actor_id: int, now: datetime) -> int:
    """Settle some of what a member owes at the desk; returns the receipt."""
    async with write_transaction():
        if not await Member.exists().where(Member.id == member_id):
            raise MoneyError("not_found", {"form": N_("There is no such member.")})
        owed = await balance(member_id)
        if owed <= 0:
            raise MoneyError("invalid", {"amount": N_("Nothing is owed.")})
        receipt = await open_receipt(member_id, centre_id, "payment", actor_id=actor_id, now=now)
        # owed > 0, so post_payment refuses an amount of zero or less too
        await post_payment(receipt, member_id, centre_id, payment, owed=owed,
                           may_waive=may_waive, now=now, actor_id=actor_id)
    return receipt


async def reverse(entry_id: int, reason: str, *, actor_id: int, now: datetime) -> int:
    """A coordinator corrects a mistake: the same kind, the opposite sign, with a reason."""
    reason = reason.strip()
    async with write_transaction():
        entry = await LedgerEntry.select().where(LedgerEntry.id == entry_id).first()
        if entry is None:
            raise MoneyError("not_found", {"form": N_("There is no such entry.")})
        if not reason:
            raise MoneyError("invalid", {"reason": N_("Write why the entry is reversed.")})
        if entry["reverses"] is not None or await LedgerEntry.exists().where(
                LedgerEntry.reverses == entry_id):
            raise MoneyError("invalid", {"form": N_(
                "This entry is a reversal or has been reversed already.")})
        receipt = await open_receipt(entry["member"], entry["centre"], "reversal",
                                     actor_id=actor_id, now=now)
        rows = await LedgerEntry.insert(LedgerEntry(
            receipt=receipt, member=entry["member"], centre=entry["centre"], kind=entry["kind"],
            amount=-entry["amount"], method=entry["method"], reference=entry["reference"],
            funder=entry["funder"], reason=reason[:500], loan=entry["loan"], reverses=entry_id,
            created_at=now, created_by=actor_id,
        )).returning(LedgerEntry.id)
        await audit.record("ledger.reversal", "ledger_entry", rows[0]["id"], now=now,
                           actor_id=actor_id, centre_id=entry["centre"],
                           before={"entry": entry_id, "amount": entry["amount"]},
                           after={"amount": -entry["amount"], "reason": reason[:500]})
    return receipt


def _entry_columns() -> list[Any]:
    return [
        LedgerEntry.all_columns(),
        LedgerEntry.created_by.name.as_alias("staff_name"),
        LedgerEntry.centre.code.as_alias("centre_code"),
    ]


async def member_ledger(member_id: int) -> dict[str, Any]:
    """Every entry of a member, newest first, with which are reversed, and the balance."""
    async with read_transaction():
        entries = await LedgerEntry.select(*_entry_columns()).where(
            LedgerEntry.member == member_id).order_by(LedgerEntry.id, ascending=False)
    reversed_ids = {e["reverses"] for e in entries if e["reverses"] is not None}
    for entry in entries:
        entry["reversed"] = entry["id"] in reversed_ids
    return {"entries": entries, "balance": sum(e["amount"] for e in entries)}


@functools.cache  # a joined, aliased column costs Piccolo deep copies to build: build it once
def _receipt_columns() -> tuple[Any, ...]:
    return (
        *Receipt.all_columns(),
        Receipt.member.name.as_alias("member_name"),
        Receipt.member.phone.as_alias("member_phone"),
        Receipt.member.language.as_alias("member_language"),
        Receipt.centre.name_ka.as_alias("centre_name_ka"),
        Receipt.centre.name_en.as_alias("centre_name_en"),
        Receipt.centre.name_ru.as_alias("centre_name_ru"),
        Receipt.centre.address_ka.as_alias("centre_address_ka"),
        Receipt.centre.address_en.as_alias("centre_address_en"),
        Receipt.centre.address_ru.as_alias("centre_address_ru"),
        Receipt.centre.phone.as_alias("centre_phone"),
        Receipt.centre.timezone.as_alias("timezone"),
        Receipt.created_by.name.as_alias("staff_name"),
    )


async def receipt_entries(receipt_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """A receipt with its member and centre, and its entries (call inside a read)."""
    receipt = await Receipt.select(*_receipt_columns()).where(Receipt.id == receipt_id).first()
    if receipt is None:
        return None
    entries = await LedgerEntry.select().where(LedgerEntry.receipt == receipt_id).order_by(
        LedgerEntry.id)
    # a concession's funder is named in each language; a receipt without one needs no names
    named = any(entry["funder"] not in (None, "", "-") for entry in entries)
    names = await funder_names() if named else {}
    for entry in entries:
        entry.update(funder_in_languages(entry["funder"], names))
    return receipt, entries


async def balance_after(member_id: int, receipt_id: int) -> int:
    """What the member owed just after this receipt: their entries on it and on every receipt
    before it (ids follow time; the ledger is append-only, so this never changes)."""
    row = await LedgerEntry.select(Sum(LedgerEntry.amount).as_alias("total")).where(
        (LedgerEntry.member == member_id) & (LedgerEntry.receipt <= receipt_id)).first()
    return int((row or {}).get("total") or 0)


async def deposits_held_after(loan_ids: list[int], receipt_id: int) -> int:
    """The deposits these loans held just after this receipt."""
    if not loan_ids:
        return 0
    row = await LedgerEntry.select(Sum(LedgerEntry.amount).as_alias("total")).where(
        LedgerEntry.loan.is_in(sorted(loan_ids))
        & LedgerEntry.kind.is_in(["deposit", "deposit_return"])
        & (LedgerEntry.receipt <= receipt_id)).first()
    return int((row or {}).get("total") or 0)


# A receipt says what each entry was in words, its amount always positive: the words carry the
# direction (a charge adds to what the member owes; paid, waived and a returned deposit take
# from it; refunded is money handed back). A correction names the line it undoes.
RECEIPT_WORDS = {
    "fee": N_("Rental fee"),
    "deposit": N_("Deposit taken"),
    "late_fee": N_("Late fee"),
    "damage": N_("Damage"),
    "replacement": N_("Replacement"),
    "payment": N_("Paid"),
    "waiver": N_("Waived"),
    "deposit_return": N_("Deposit returned"),
    "refund": N_("Refunded"),
}
CHARGE_KINDS = ("fee", "late_fee", "damage", "replacement", "deposit")


async def funder_names() -> dict[str, dict[str, str]]:
    """The concession funders' names in each language, by the name a waiver's row recorded
    (its Georgian name; before the names had languages, the one name): a ledger row keeps
    what was written, pages show it in the reader's language (call inside a read)."""
    names: dict[str, dict[str, str]] = {}
    for row in await ConcessionCategory.select(
            ConcessionCategory.funder_ka, ConcessionCategory.funder_en,
            ConcessionCategory.funder_ru).order_by(
            ConcessionCategory.id):
        for recorded in (row["funder_en"], row["funder_ka"]):
            if recorded:
                names[recorded] = row
    return names


def funder_in_languages(recorded: str | None, names: dict[str, dict[str, str]]
                        ) -> dict[str, str]:
    """A waiver's recorded funder as `funder_ka`/`_en`/`_ru` (for `localized(x, "funder")`);
    nobody ('' or '-', a coordinator's waiver) is blanks, an unknown name stays itself."""
    if not recorded or recorded == "-":
        return {"funder_ka": "", "funder_en": "", "funder_ru": ""}
    known = names.get(recorded, {})
    return {"funder_ka": known.get("funder_ka") or recorded,
            "funder_en": known.get("funder_en") or "",
            "funder_ru": known.get("funder_ru") or ""}


def receipt_lines(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A receipt's entries as its lines: the words (a message id), the amount without its sign,
    and what else the line says (method, slip, funder, reason; `reverses`: a correction)."""
    return [{"word": RECEIPT_WORDS.get(entry["kind"], entry["kind"]),
             "amount": abs(entry["amount"]), "reverses": entry["reverses"],
             "method": entry["method"], "reference": entry["reference"],
             "funder": entry["funder"], "reason": entry["reason"], "loan": entry["loan"],
             # the funder in the reader's language: localized(line, "funder")
             **funder_in_languages(entry["funder"], {}),
             **{key: entry[key] for key in ("funder_ka", "funder_en", "funder_ru")
                if key in entry}}
            for entry in entries]


def receipt_totals(entries: list[dict[str, Any]], *, owed_after: int,
                   deposit_held: int) -> list[dict[str, Any]]:
    """A receipt's totals as rows of words (a message id), a key and a positive amount: what was
    owed from before, charged, waived, paid, the deposit returned, refunded (each when there is
    any; corrections are lines, not totals), what is still owed after it (always) or the
    credit left, and the deposit held for tools still out."""
    owed_before = owed_after - sum(entry["amount"] for entry in entries)
    plain = [entry for entry in entries if entry["reverses"] is None]

    def total(*kinds: str) -> int:
        return sum(entry["amount"] for entry in plain if entry["kind"] in kinds)

    rows = [
        ("before", N_("Owed from before"), owed_before),
        ("credit_before", N_("Credit from before"), -owed_before),
        ("charged", N_("Charged"), total(*CHARGE_KINDS)),
        ("waived", N_("Waived"), -total("waiver")),
        ("paid", N_("Paid"), -total("payment")),
        ("deposit_returned", N_("Deposit returned"), -total("deposit_return")),
        ("refunded", N_("Refunded"), total("refund")),
    ]
    found = [{"key": key, "word": word, "amount": amount} for key, word, amount in rows
             if amount > 0]
    if owed_after >= 0:
        found.append({"key": "owing", "word": N_("Still owing after this receipt"),
                      "amount": owed_after})
    else:
        found.append({"key": "credit", "word": N_("In credit after this receipt"),
                      "amount": -owed_after})
    if deposit_held > 0:
        found.append({"key": "deposit_held",
                      "word": N_("Deposit to be returned when the tools come back"),
                      "amount": deposit_held})
    return found


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """A calendar day at the centre, as the UTC instants it starts and ends."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


async def cash_up(centre_id: int, day: date) -> dict[str, Any] | None:
    """One centre's day by staff member: cash and card taken, refunds paid out, deposits
    taken and returned, waivers by funder; and the deposits the centre holds now."""
    async with read_transaction():
        centre = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                     Centre.name_ru, Centre.timezone
                                     ).where(Centre.id == centre_id).first()
        if centre is None:
            return None
        start, end = local_day_bounds(day, centre["timezone"])
        rows = await LedgerEntry.select(
            LedgerEntry.created_by, LedgerEntry.created_by.name.as_alias("staff_name"),
            LedgerEntry.kind, LedgerEntry.method, LedgerEntry.funder,
            Sum(LedgerEntry.amount).as_alias("total"),
        ).where(
            (LedgerEntry.centre == centre_id) & (LedgerEntry.created_at >= start)
            & (LedgerEntry.created_at < end)
        ).group_by(LedgerEntry.created_by, LedgerEntry.created_by.name, LedgerEntry.kind,
                   LedgerEntry.method, LedgerEntry.funder)
        held = await LedgerEntry.select(Sum(LedgerEntry.amount).as_alias("total")).where(
            (LedgerEntry.centre == centre_id)
            & LedgerEntry.kind.is_in(["deposit", "deposit_return"])).first()
        names = await funder_names()
    return {"centre": centre, "day": day, **summarise_cash(rows),
            "deposits_held": int((held or {}).get("total") or 0),
            # the waivers' funders (as summarise_cash keys them) in each language
            "funders": {row["funder"] or "": funder_in_languages(row["funder"], names)
                        for row in rows if row["kind"] == "waiver"}}


def summarise_cash(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per staff member and in total, from sums by (staff, kind, method, funder)."""
    def blank() -> dict[str, Any]:
        return {"cash": 0, "card": 0, "refunds": 0, "deposits_taken": 0,
                "deposits_returned": 0, "waivers": {}}

    staff: dict[int | None, dict[str, Any]] = {}
    total = blank()
    for row in rows:
        amount = int(row["total"] or 0)
        for bucket in (staff.setdefault(row["created_by"], {**blank(),
                                                          "name": row["staff_name"] or ""}),
                       total):
            kind = row["kind"]
            if kind == "payment":
                bucket[row["method"]] -= amount
            elif kind == "refund":
                bucket["refunds"] += amount
            elif kind == "deposit":
                bucket["deposits_taken"] += amount
            elif kind == "deposit_return":
                bucket["deposits_returned"] -= amount
            elif kind == "waiver":
                funder = row["funder"] or ""
                bucket["waivers"][funder] = bucket["waivers"].get(funder, 0) - amount
    for bucket in (*staff.values(), total):
        bucket["net_cash"] = bucket["cash"] - bucket["refunds"]
    return {"staff": sorted(staff.values(), key=lambda s: s["name"]), "total": total}
