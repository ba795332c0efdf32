"""Receipts read the same for ever (issue 17): each says what it did to each loan at its moment
(lent until a day, renewed until a day, back in a condition, lost), never the loan's state now;
its amounts are words with positive figures (paid, refunded, waived, deposit taken, deposit
returned); its totals are the ledger's (charged, paid, still owing after it), and a deposit held
for tools still out says it comes back with them."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from helpers import SMG, Cast, as_staff, demo_cast, now, open_day, today

from bookings.lending import desk
from bookings.tables import Booking
from inventory.tables import Category, ToolType, Unit
from rental import ledger
from rental.kernel import i18n
from rental.tables import LedgerEntry

pytestmark = pytest.mark.usefixtures("desk_open")

_numbers = itertools.count(9401)


@pytest.fixture
async def cast(seeded) -> Cast:
    return await demo_cast()


async def tool(*, daily_fee: int = 200, deposit: int = 1000) -> str:
    """A new tool type (no skill, no inspection) with one unit at Samgori: its tag."""
    number = next(_numbers)
    category = await Category.select(Category.id).first()
    rows = await ToolType.insert(ToolType(
        slug=f"receipt-test-{number}", category=category["id"], name_ka="სატესტო",
        name_en=f"Receipt test {number}", daily_fee=daily_fee, deposit=deposit,
        max_loan_days=14, created_at=now(), search_text="receipt test",
    )).returning(ToolType.id)
    tag = f"SMG-{number}"
    await Unit.insert(Unit(tool_type=rows[0]["id"], centre=SMG, asset_tag=tag, created_at=now()))
    return tag


async def check_out(cast: Cast, member: int, tags: list[str], return_on: date, *,
                    amount: int | None = None) -> int:
    """Everything due is paid unless `amount` says otherwise (the rest left owing)."""
    payment = {"method": "cash", "amount": amount}
    if amount is None:
        payment["amount"] = (await desk.basket_view(member, SMG, tags, return_on, today())).due
    else:
        payment.update(leave_owing=True, owing_reason="Pays the rest on Friday")
    return await desk.check_out(
        member_id=member, centre_id=SMG, tags=tags, return_on=return_on, payment=payment,
        override_reason="", actor=cast.staff, today=today(), now=now())


async def check_in(cast: Cast, tag: str, *, days_later: int, condition: str = "fine",
                   damage: int = 0) -> int:
    return await desk.check_in(
        tag=tag, centre_ids=frozenset({SMG}), condition=condition,
        notes="The handle is cracked" if damage else "", damage_charge=damage, photo="",
        actor=cast.staff, today=today() + timedelta(days=days_later),
        now=now() + timedelta(days=days_later))


async def renew(cast: Cast, tag: str, new_ends_on: date, *, days_later: int) -> int:
    loan = await Booking.select(Booking.id).where(
        (Booking.unit.asset_tag == tag) & (Booking.status == "out")).first()
    return await desk.renew(loan["id"], new_ends_on, member_id=None,
                            centre_ids=frozenset({SMG}), actor_id=cast.staff.id,
                            today=today() + timedelta(days=days_later),
                            now=now() + timedelta(days=days_later))


async def entries_of(receipt: int) -> list[dict]:
    return await LedgerEntry.select().where(LedgerEntry.receipt == receipt).order_by(
        LedgerEntry.id)


async def owed_after(member: int, receipt: int) -> int:
    """The member's balance counting the receipts up to this one (ids follow time)."""
    rows = await LedgerEntry.select(LedgerEntry.amount).where(
        (LedgerEntry.member == member) & (LedgerEntry.receipt <= receipt))
    return sum(row["amount"] for row in rows)


def in_english(function, *args):
    token = i18n.current_locale.set("en")
    try:
        return function(*args)
    finally:
        i18n.current_locale.reset(token)


def money(tetri: int) -> str:
    return re.sub(r"\s+", " ", in_english(i18n.format_money, tetri))


def day(value: date) -> str:
    return in_english(i18n.format_date, value)


def text_of(html: str) -> str:
    """The page's words, tags and runs of white space gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&").strip()


def section(html: str, heading_id: str) -> str:
    """The text of a receipt's part, from its heading to the end of its table."""
    start = html.rindex("<", 0, html.index(f'id="{heading_id}"'))
    return text_of(html[start:html.index("</table>", start)])


def signed(text: str) -> re.Match | None:
    """An amount with a sign in front (a tag's hyphen, as in SMG-9401, is not one)."""
    return re.search(r"(?<![A-Za-z])[-−‒–]\s*(GEL|₾|\d)", text)


def moments(view: dict) -> list[tuple]:
    return [(loan["asset_tag"], loan["moment"]["what"], loan["moment"]["ends_on"],
             loan["moment"]["condition"]) for loan in view["loans"]]


# --- the issue: a check-out receipt reprinted after the tool came back --------------------------


async def test_a_check_out_receipt_still_says_the_tool_went_out_after_it_came_back(
        client, seeded, cast):
    tag = await tool(daily_fee=200, deposit=1000)
    back_by = open_day(3)
    out = await check_out(cast, cast.member, [tag], back_by)
    back = await check_in(cast, tag, days_later=1, condition="damaged", damage=300)
    assert (await Booking.select(Booking.status).where(Booking.in_receipt == back).first()
            )["status"] == "returned"
    await as_staff(client, seeded)
    page = await client.get(f"/receipts/{out}", params={"lang": "en"})
    assert page.status_code == 200
    tools = section(page.text, "h-tools")
    assert tag in tools and f"Lent until {day(back_by)}" in tools
    assert "Returned" not in text_of(page.text) and "Damaged" not in text_of(page.text)
    fee, deposit = 200 * (back_by - today()).days, 1000
    amounts, sums = section(page.text, "h-amounts"), section(page.text, "h-totals")
    assert not signed(amounts + sums), amounts  # no signs: words
    for words, amount in ((f"Rental fee · {tag}", fee), (f"Deposit taken · {tag}", deposit),
                          ("Paid · Cash", fee + deposit)):
        assert f"{words} {money(amount)}" in amounts, (words, amounts)
    assert "Refunded" not in amounts and "Deposit returned" not in amounts
    assert sums == " ".join([
        "Total", "Charged", money(fee + deposit), "Paid", money(fee + deposit),
        "Still owing after this receipt", money(0),
        "Deposit to be returned when the tools come back", money(deposit)])
    # the check-in's own receipt says what came back and where the deposit went
    page = await client.get(f"/receipts/{back}", params={"lang": "en"})
    tools, amounts = section(page.text, "h-tools"), section(page.text, "h-amounts")
    sums = section(page.text, "h-totals")
    assert "Returned · Damaged" in tools and "Lent until" not in tools
    assert not signed(amounts + sums), amounts
    for words, amount in ((f"Damage · {tag} The handle is cracked", 300),
                          (f"Deposit returned · {tag}", deposit),
                          (f"Refunded · {tag} · Cash", deposit - 300)):
        assert f"{words} {money(amount)}" in amounts, (words, amounts)
    assert sums == " ".join([
        "Total", "Charged", money(300), "Deposit returned", money(deposit), "Refunded",
        money(deposit - 300), "Still owing after this receipt", money(0)])


async def test_the_receipt_in_georgian_has_no_minus_signs(client, seeded, cast):
    tag = await tool(daily_fee=150, deposit=2000)
    out = await check_out(cast, cast.member, [tag], open_day(2))
    back = await check_in(cast, tag, days_later=1)
    await as_staff(client, seeded)
    for receipt in (out, back):
        page = await client.get(f"/receipts/{receipt}", params={"lang": "ka"})
        assert page.status_code == 200 and 'lang="ka"' in page.text
        amounts = section(page.text, "h-amounts") + section(page.text, "h-totals")
        assert not signed(amounts), amounts
        assert "დაბრუნებულია" not in section(page.text, "h-tools") or receipt == back


# --- what a receipt did to its loans, for ever -------------------------------------------------


async def test_every_receipt_keeps_what_it_did_to_the_loan_at_its_moment(cast):
    tag = await tool(daily_fee=200, deposit=1000)
    first_end = open_day(2)
    later_end = open_day(2, since=first_end)
    out = await check_out(cast, cast.member, [tag], first_end)
    then = {out: await desk.receipt_view(out)}
    renewal = await renew(cast, tag, later_end, days_later=1)
    then[renewal] = await desk.receipt_view(renewal)
    back = await check_in(cast, tag, days_later=2, condition="needs_cleaning")
    then[back] = await desk.receipt_view(back)
    assert moments(then[out]) == [(tag, "out", first_end, None)]
    assert moments(then[renewal]) == [(tag, "renewed", later_end, None)]
    assert moments(then[back]) == [(tag, "returned", None, "needs_cleaning")]
    for receipt, view in then.items():  # read again after everything: the same receipt
        again = await desk.receipt_view(receipt)
        assert moments(again) == moments(view) and again["totals"] == view["totals"]
        assert again["lines"] == view["lines"]


async def test_a_renewal_of_a_free_tool_names_the_tool_it_renewed(cast):
    tag = await tool(daily_fee=0, deposit=0)
    first_end = open_day(2)
    later_end = open_day(2, since=first_end)
    out = await check_out(cast, cast.member, [tag], first_end)
    renewal = await renew(cast, tag, later_end, days_later=1)
    assert await entries_of(renewal) == []  # nothing charged: no ledger line names the loan
    assert moments(await desk.receipt_view(renewal)) == [(tag, "renewed", later_end, None)]
    assert moments(await desk.receipt_view(out)) == [(tag, "out", first_end, None)]


async def test_a_lost_tool_receipt_says_lost_and_the_check_out_still_says_out(cast):
    tag = await tool(daily_fee=100, deposit=500)
    first_end = open_day(2)
    out = await check_out(cast, cast.member, [tag], first_end)
    loan = await Booking.select(Booking.id).where(Booking.out_receipt == out).first()
    policy = await ledger.fee_policy(SMG)
    late = policy["lost_after_days"] + (first_end - today()).days
    lost = await desk.declare_lost(loan["id"], replacement=5000, centre_ids=frozenset({SMG}),
                                   actor=cast.staff, today=today() + timedelta(days=late),
                                   now=now() + timedelta(days=late))
    assert moments(await desk.receipt_view(lost)) == [(tag, "lost", None, None)]
    assert moments(await desk.receipt_view(out)) == [(tag, "out", first_end, None)]


async def test_a_loan_written_without_its_audit_rows_falls_back_on_its_links(cast):
    """History imported from elsewhere (the benchmark's generator) has receipts and loans but
    no audit rows: the receipt reads the loan's own links to it."""
    tag = await tool()
    unit = await Unit.select(Unit.id, Unit.tool_type).where(Unit.asset_tag == tag).first()
    earlier = now() - timedelta(days=20)
    out = await ledger.open_receipt(cast.member, SMG, "check_out", actor_id=None, now=earlier)
    back = await ledger.open_receipt(cast.member, SMG, "check_in", actor_id=None,
                                     now=earlier + timedelta(days=3))
    await Booking.insert(Booking(
        member=cast.member, tool_type=unit["tool_type"], unit=unit["id"], centre=SMG,
        starts_on=today() - timedelta(days=20), ends_on=today() - timedelta(days=17),
        status="returned", created_at=earlier, checked_out_at=earlier, out_receipt=out,
        in_receipt=back, return_condition="fine", returned_at=earlier + timedelta(days=3)))
    assert moments(await desk.receipt_view(out)) == [
        (tag, "out", today() - timedelta(days=17), None)]
    assert moments(await desk.receipt_view(back)) == [(tag, "returned", None, "fine")]


# --- the amounts: words, positive figures, and the ledger's totals ------------------------------


def totals(view: dict) -> dict[str, int]:
    return {row["key"]: row["amount"] for row in view["totals"]}


async def test_the_totals_are_the_ledgers_and_every_amount_is_positive(cast):
    """A part payment at check-out, a late return with damage beyond the deposit, a payment of
    what is owed, and a coordinator's correction: each receipt's totals from its entries."""
    tag = await tool(daily_fee=300, deposit=1000)
    first_end = open_day(2)
    due = (await desk.basket_view(cast.member, SMG, [tag], first_end, today())).due
    out = await check_out(cast, cast.member, [tag], first_end, amount=due - 400)
    late = (first_end - today()).days + 2
    back = await check_in(cast, tag, days_later=late, condition="damaged", damage=2500)
    owed = await ledger.balance(cast.member)
    paid = await ledger.take_payment(cast.member, SMG, {"method": "cash", "amount": owed},
                                     may_waive=False, actor_id=cast.staff.id,
                                     now=now() + timedelta(days=late))
    payment = (await entries_of(paid))[0]
    fixed = await ledger.reverse(payment["id"], "typed twice", actor_id=cast.coordinator.id,
                                 now=now() + timedelta(days=late + 1))
    charges = ("fee", "late_fee", "damage", "replacement", "deposit")
    for receipt in (out, back, paid, fixed):
        view = await desk.receipt_view(receipt)
        rows = await entries_of(receipt)
        assert [line["amount"] for line in view["lines"]] == [abs(e["amount"]) for e in rows]
        assert all(row["amount"] > 0 or row["key"] == "owing" for row in view["totals"])
        plain = [e for e in rows if e["reverses"] is None]
        after = await owed_after(cast.member, receipt)
        before = after - sum(e["amount"] for e in rows)
        expected = {
            "before": before, "charged": sum(e["amount"] for e in plain if e["kind"] in charges),
            "waived": -sum(e["amount"] for e in plain if e["kind"] == "waiver"),
            "paid": -sum(e["amount"] for e in plain if e["kind"] == "payment"),
            "deposit_returned": -sum(e["amount"] for e in plain
                                     if e["kind"] == "deposit_return"),
            "refunded": sum(e["amount"] for e in plain if e["kind"] == "refund"),
            "owing": after, "deposit_held": 0}
        expected = {k: v for k, v in expected.items() if v or k == "owing"}
        if receipt == out:
            expected["deposit_held"] = 1000
        if after < 0:
            expected["credit"] = -expected.pop("owing")
        assert totals(view) == expected, receipt
    assert totals(await desk.receipt_view(out))["owing"] == 400
    assert totals(await desk.receipt_view(paid)) == {"before": owed, "paid": owed, "owing": 0}
    words = [(line["word"], line["reverses"] is not None) for line in
             (await desk.receipt_view(fixed))["lines"]]
    assert words == [("Paid", True)]
    assert totals(await desk.receipt_view(fixed)) == {"owing": owed}  # the payment undone


async def test_a_concession_receipt_says_waived_and_who_covers_it(client, seeded, cast):
    tag = await tool(daily_fee=150, deposit=3000)
    back_by = open_day(2)
    out = await check_out(cast, cast.migrant, [tag], back_by)
    fee = 150 * (back_by - today()).days
    await as_staff(client, seeded)
    page = await client.get(f"/receipts/{out}", params={"lang": "en"})
    amounts, sums = section(page.text, "h-amounts"), section(page.text, "h-totals")
    for words, amount in ((f"Rental fee · {tag}", fee),
                          (f"Waived · {tag} Covered by IOM Development Fund", fee),
                          (f"Deposit taken · {tag}", 3000), ("Paid · Cash", 3000)):
        assert f"{words} {money(amount)}" in amounts, (words, amounts)
    assert sums == " ".join([
        "Total", "Charged", money(fee + 3000), "Waived", money(fee), "Paid", money(3000),
        "Still owing after this receipt", money(0),
        "Deposit to be returned when the tools come back", money(3000)])
    assert not signed(amounts + sums), amounts


async def test_a_correction_says_what_it_reversed_without_a_sign(client, seeded, cast):
    tag = await tool(daily_fee=200, deposit=0)
    out = await check_out(cast, cast.member, [tag], open_day(2))
    fee = next(e for e in await entries_of(out) if e["kind"] == "fee")
    fixed = await ledger.reverse(fee["id"], "A free day for the festival",
                                 actor_id=cast.coordinator.id, now=now())
    await as_staff(client, seeded)
    page = await client.get(f"/receipts/{fixed}", params={"lang": "en"})
    assert page.status_code == 200
    tools, amounts = section(page.text, "h-tools"), section(page.text, "h-amounts")
    assert tag in tools and "Lent until" not in tools and "Returned" not in tools
    assert (f"Reversed: Rental fee · {tag} A free day for the festival {money(fee['amount'])}"
            in amounts), amounts
    sums = section(page.text, "h-totals")
    assert sums == f"Total In credit after this receipt {money(fee['amount'])}"
    assert not signed(amounts + sums)


def test_receipt_lines_and_totals_are_words_with_positive_amounts():
    """The pure part, a table of cases: kind and sign in, words and a positive amount out."""
    def entry(kind: str, amount: int, reverses: int | None = None) -> dict:
        return {"kind": kind, "amount": amount, "reverses": reverses, "method": "",
                "reference": "", "funder": "", "reason": "", "loan": None}

    cases = [
        (entry("fee", 1000), "Rental fee", 1000),
        (entry("deposit", 500), "Deposit taken", 500),
        (entry("late_fee", 200), "Late fee", 200),
        (entry("damage", 300), "Damage", 300),
        (entry("replacement", 9000), "Replacement", 9000),
        (entry("payment", -1500), "Paid", 1500),
        (entry("waiver", -250), "Waived", 250),
        (entry("deposit_return", -500), "Deposit returned", 500),
        (entry("refund", 300), "Refunded", 300),
        (entry("payment", 1500, reverses=7), "Paid", 1500),
        (entry("fee", -1000, reverses=8), "Rental fee", 1000),
    ]
    lines = ledger.receipt_lines([case[0] for case in cases])
    assert [(line["word"], line["amount"]) for line in lines] == [c[1:] for c in cases]
    assert [line["reverses"] for line in lines][-2:] == [7, 8]
    rows = ledger.receipt_totals([entry("fee", 1000), entry("deposit", 500),
                                  entry("payment", -1200)], owed_after=700, deposit_held=500)
    assert [(row["key"], row["amount"]) for row in rows] == [
        ("before", 400), ("charged", 1500), ("paid", 1200), ("owing", 700),
        ("deposit_held", 500)]
    rows = ledger.receipt_totals([entry("fee", -1000, reverses=3)], owed_after=-1000,
                                 deposit_held=0)
    assert [(row["key"], row["amount"]) for row in rows] == [("credit", 1000)]
