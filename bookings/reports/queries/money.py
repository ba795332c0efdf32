"""The money report: fees charged, collected and waived (by concession category and funder),
late fees, damage and replacement charges, by centre and by staff member; deposits held and
balances owed now. Ledger sums, so a reversal nets out its entry."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from bookings.reports import summaries
from bookings.reports.queries import figures
from bookings.reports.queries.common import (
    Scope,
    centres,
    fetch,
    number,
    period_values,
)
from bookings.reports.rules import Chart, Column, Figure, Period, Table, months
from rental import ledger
from rental.kernel.db import read_transaction
from rental.kernel.i18n import N_
from rental.ledger import funder_in_languages

CHARGE_KINDS = ("fee", "late_fee", "damage", "replacement")

# {ledger}: summaries.LEDGER over the period and the one before; a group of no entries is
# a month's days before the cut taken from it, not a row of the period
LEDGER_SUMS = """
    SELECT e.current, e.centre, e.created_by, m.name AS staff, e.kind, e.method, e.funder,
      e.concession, k.name_ka AS concession_ka, k.name_en AS concession_en,
      k.name_ru AS concession_ru, SUM(e.amount) AS amount
    FROM ({ledger}) e
      LEFT JOIN member m ON m.id = e.created_by
      LEFT JOIN concession_category k ON k.id = e.concession
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    HAVING SUM(e.entries) > 0"""

# {ledger}: summaries.LEDGER over the period and the one before
BY_MONTH = """
    SELECT e.month,
      SUM(CASE WHEN e.kind IN $charges THEN e.amount ELSE 0 END) AS charged,
      -SUM(CASE WHEN e.kind IN ('payment', 'refund') THEN e.amount ELSE 0 END)
        AS collected
    FROM ({ledger}) e WHERE e.current = 1
    GROUP BY 1"""

# {ledger}: summaries.LEDGER_EVER
DEPOSITS_HELD = """
    SELECT SUM(CASE WHEN e.kind IN ('deposit', 'deposit_return') THEN e.amount ELSE 0
                    END) AS deposits
    FROM ({ledger}) e"""

# {balances}: summaries.BALANCES
BALANCES_OWED = """
    SELECT COUNT(*) AS members, SUM(balance) AS owed FROM (
      SELECT e.member, SUM(e.amount) AS balance FROM ({balances}) e
      GROUP BY e.member) balances
    WHERE balance > 0"""


async def money(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Fees charged, collected and waived (by concession category and funder), late fees,
    damage and replacement charges, per centre and per staff member; deposits held and
    balances owed now. Ledger sums, so a reversal nets out its entry."""
    v = period_values(scope, period, today)
    async with read_transaction():
        known = await summaries.state(scope.timezone)
        entries, entry_values = await summaries.ledger(scope, v["q0"], v["p1"], v["p0"], today,
                                                       known)
        ever, ever_values = await summaries.ledger_ever(scope, today, known)
        owing, owing_values = await summaries.balances(scope, known)
        v.update({**entry_values, **ever_values, **owing_values,
                  "charges": list(CHARGE_KINDS)})
        sums = await fetch(LEDGER_SUMS, scope, v, ledger=entries)
        trend = await fetch(BY_MONTH, scope, v, ledger=entries)
        now = await fetch(DEPOSITS_HELD, scope, v, ledger=ever)
        owed = await fetch(BALANCES_OWED, scope, v, balances=owing)
        names = {row["id"]: row for row in await centres()}
        taken = figures.total(await figures.collected(scope, v))
        funders = await ledger.funder_names()

    def total(rows: list[dict[str, Any]], *kinds: str, method: str | None = None) -> int:
        return sum(number(r["amount"]) for r in rows if r["kind"] in kinds
                   and (method is None or r["method"] == method))

    def amounts(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {
            "fees": total(rows, "fee"), "late_fees": total(rows, "late_fee"),
            "damage": total(rows, "damage"), "replacement": total(rows, "replacement"),
            "waived": -total(rows, "waiver"),
            "cash": -total(rows, "payment", method="cash") - total(rows, "refund",
                                                                    method="cash"),
            "card": -total(rows, "payment", method="card") - total(rows, "refund",
                                                                    method="card"),
            "collected": -total(rows, "payment") - total(rows, "refund"),
            "deposits_taken": total(rows, "deposit"),
            "deposits_returned": -total(rows, "deposit_return"),
        }

    current = [r for r in sums if number(r["current"])]
    this, before = amounts(current), amounts([r for r in sums if not number(r["current"])])
    held = number(now[0]["deposits"]) if now else 0
    owing = owed[0] if owed else {}
    headline = [
        Figure("fees", N_("Rental fees charged"), this["fees"], before["fees"], "money"),
        Figure("collected", N_("Collected"), taken.current, taken.previous, "money"),
        Figure("waived", N_("Waived"), this["waived"], before["waived"], "money"),
        Figure("late_fees", N_("Late fees"), this["late_fees"], before["late_fees"], "money"),
        Figure("damage", N_("Damage charges"), this["damage"] + this["replacement"],
               before["damage"] + before["replacement"], "money"),
        Figure("deposits_held", N_("Deposits held now"), held, None, "money"),
        Figure("owed", N_("Balances owed now"), number(owing.get("owed")), None, "money"),
        Figure("members_owing", N_("Members owing now"), number(owing.get("members")), None,
               "people"),
    ]
    money_columns = [Column(key, heading, "money") for key, heading in (
        ("fees", N_("Rental fees")), ("late_fees", N_("Late fees")),
        ("damage", N_("Damage")), ("replacement", N_("Replacement")),
        ("waived", N_("Waived")), ("cash", N_("Cash")), ("card", N_("Card")),
        ("collected", N_("Collected")), ("deposits_taken", N_("Deposits taken")),
        ("deposits_returned", N_("Deposits returned")))]

    def grouped(key: str, label: Any) -> list[dict[str, Any]]:
        groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in current:
            groups[row[key]].append(row)
        return [{**label(k, rows), **amounts(rows)} for k, rows in groups.items()]

    by_centre = sorted(grouped("centre", lambda k, rows: {
        "name_ka": names.get(k, {}).get("name_ka", ""),
        "name_en": names.get(k, {}).get("name_en", ""),
        "name_ru": names.get(k, {}).get("name_ru", "")}), key=lambda r: r["name_en"])
    by_staff = sorted(grouped("created_by", lambda k, rows: {
        "staff": rows[0]["staff"] or "—"}), key=lambda r: r["staff"])
    waivers: dict[tuple[Any, str], int] = defaultdict(int)
    for row in current:
        if row["kind"] == "waiver":
            waivers[(row["concession"], row["funder"])] -= number(row["amount"])
    labels = {(r["concession"], r["funder"]): r for r in current if r["kind"] == "waiver"}
    waiver_rows = sorted(({
        "name_ka": labels[key]["concession_ka"] or "", "name_en":
        labels[key]["concession_en"] or "", "name_ru": labels[key]["concession_ru"] or "",
        "concession": key[0],
        "funder": "" if key[1] == "-" else key[1], **funder_in_languages(key[1], funders),
        "amount": amount}
        for key, amount in waivers.items() if amount),
        key=lambda r: (r["concession"] is None, r["name_en"], r["funder"]))
    for row in waiver_rows:
        if row["concession"] is None:
            row["name_ka"] = row["name_en"] = row["name_ru"] = ""
            row["fallback"] = "waived_by_coordinator" if not row["funder"] else "no_category"
    tables = [
        Table("by_centre", N_("By centre"),
              [Column("name", N_("Centre"), "name"), *money_columns], by_centre,
              total={"name": N_("Total"), **this}),
        Table("by_staff", N_("By staff member"),
              [Column("staff", N_("Staff member"), "text"), *money_columns], by_staff),
        Table("waivers", N_("Waivers by concession category and funder"),
              [Column("name", N_("Concession category"), "name"),
               Column("funder", N_("Funder"), "localized"),
               Column("amount", N_("Waived"), "money")],
              waiver_rows, total={"name": N_("Total"), "amount": this["waived"]}),
    ]
    seen = {row["month"]: row for row in trend}
    charts = [
        Chart(N_("Collected by month"),
              [(label, number(seen.get(label, {}).get("collected"))) for label, _, _ in
               months(period)], "money"),
        Chart(N_("Charged by month"),
              [(label, number(seen.get(label, {}).get("charged"))) for label, _, _ in
               months(period)], "money"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}
