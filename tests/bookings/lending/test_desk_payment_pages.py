"""The desk's check-out payment and its scan fields (issue 17, items 1 and 2): the amount is
what is due now after every scan, a short payment needs the explicit choice to leave the rest
owing (with a reason, within the centre's limit), and after any verdict the scan field is empty
and has the focus, the refused tag named in its message; with and without htmx."""

from __future__ import annotations

import html
import re

import pytest
from helpers import as_staff, credentials, csrf_token, free_tags, now, open_day, today

from bookings.lending import desk
from bookings.lending.rules import check_out_payment_problems
from bookings.tables import Booking
from rental import ledger
from rental.kernel.db import write_transaction
from rental.kernel.values import money_input
from rental.tables import AuditLog, LedgerEntry, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

HTMX_BASKET = {"HX-Request": "true", "HX-Target": "basket"}
HTMX_CHECK_IN = {"HX-Request": "true", "HX-Target": "check-in"}
DUE_NOW = "%(amount)s ₾ is due now: take all of it, or leave the rest owing and write why."


# --- the rule, as a table of cases (no database) ----------------------------------------------


@pytest.mark.no_database
@pytest.mark.parametrize(
    "amount, due, leave_owing, reason, limit, problems",
    [
        (5900, 5900, False, "", 2000, {}),  # all of it
        (5900, 5900, True, "", 2000, {}),  # the choice changes nothing when all is paid
        (0, 0, False, "", 2000, {}),  # nothing due, nothing paid
        (2700, 5900, False, "", 2000,  # the stale amount of the issue: refused
         {"amount": (DUE_NOW, {"amount": "59.00"})}),
        (0, 5900, False, "", 2000, {"amount": (DUE_NOW, {"amount": "59.00"})}),
        (4000, 5900, True, "Pays on Friday", 2000, {}),  # 19 ₾ left owing, within 20
        (3900, 5900, True, "Pays on Friday", 2000, {}),  # exactly the limit
        (3899, 5900, True, "Pays on Friday", 2000, {"amount": (
            "At most %(limit)s ₾ may be left owing: take at least %(amount)s ₾.",
            {"limit": "20.00", "amount": "39.00"})}),
        (0, 1500, True, "Pays on Friday", 2000, {}),  # all of it owing, within the limit
        (4000, 5900, True, "  ", 2000, {"owing_reason": "Write why the rest is left owing."}),
        (0, 5900, True, "", 2000, {
            "owing_reason": "Write why the rest is left owing.",
            "amount": ("At most %(limit)s ₾ may be left owing: take at least %(amount)s ₾.",
                       {"limit": "20.00", "amount": "39.00"})}),
        (5901, 5900, False, "", 2000, {"amount": (
            "That is more than is due now: %(amount)s ₾.", {"amount": "59.00"})}),
        (1, 0, True, "x", 2000, {"amount": (
            "That is more than is due now: %(amount)s ₾.", {"amount": "0.00"})}),
        (-1, 5900, True, "x", 2000, {"amount": "Enter an amount of zero or more."}),
    ],
    ids=["all", "all-with-the-choice", "nothing-due", "stale-short", "nothing-paid",
         "owing-within", "owing-at-the-limit", "owing-over", "all-owing-within", "no-reason",
         "no-reason-and-over", "more-than-due", "more-than-nothing", "negative"],
)
def test_what_a_check_out_payment_may_be(amount, due, leave_owing, reason, limit, problems):
    assert check_out_payment_problems(amount, due, leave_owing=leave_owing, owing_reason=reason,
                                      balance_limit=limit) == problems


# --- helpers ------------------------------------------------------------------------------------


async def written() -> tuple[int, int, int, int]:
    return (await Booking.count(), await LedgerEntry.count(), await Receipt.count(),
            await AuditLog.count())


async def post(client, path: str, data: dict, **kwargs):
    token = await csrf_token(client, "/desk/1")
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


def tag_of(page: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', page)
    assert found, f"no #{element_id}"
    return found.group(0)


def value_of(page: str, element_id: str) -> str:
    found = re.search(r'\bvalue="([^"]*)"', tag_of(page, element_id))
    return html.unescape(found.group(1)) if found else ""


def focused(page: str) -> list[str]:
    """The ids of the fields that take the focus when the page (or fragment) is drawn."""
    return re.findall(r'<input[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)


def message(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{field}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message at {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


async def due(member: int, tags: list[str], back) -> int:
    return (await desk.basket_view(member, 1, tags, back, today())).due


async def scan(client, member: int, tags: list[str], back) -> None:
    """Scan these units into the basket the server keeps for the member, each until `back`."""
    for tag in tags:
        page = await post(client, "/desk/1/basket", {
            "member": member, "return_on": back.isoformat(), "scan": tag})
        assert page.status_code == 200, page.text


# --- item 1: the amount is what is due now ----------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX_BASKET], ids=["no-javascript", "htmx"])
async def test_the_amount_is_what_is_due_after_every_scan(client, seeded, headers):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    back = open_day(3)
    form = {"member": member, "return_on": back.isoformat(), "method": "cash"}
    first = await post(client, "/desk/1/basket", {**form, "scan": tags[0]}, headers=headers)
    assert first.status_code == 200
    assert value_of(first.text, "f-amount") == money_input(await due(member, tags[:1], back))
    # the second scan sends the whole form, with the amount the first scan proposed
    second = await post(client, "/desk/1/basket", {
        **form, "tag": tags[:1], "scan": tags[1], "amount": value_of(first.text, "f-amount"),
        "shown_due": value_of(first.text, "f-amount").replace(".", "")}, headers=headers)
    assert second.status_code == 200
    both = await due(member, tags, back)
    assert both > await due(member, tags[:1], back)
    assert value_of(second.text, "f-amount") == money_input(both)
    # a typed amount and the choice stay while the basket comes to the same (Enter in a field)
    same = await post(client, "/desk/1/basket", {
        **form, "tag": tags, "amount": "1.00", "shown_due": str(both), "leave_owing": "yes",
        "owing_reason": "Pays on Friday"}, headers=headers)
    assert value_of(same.text, "f-amount") == "1.00"
    assert value_of(same.text, "f-owing_reason") == "Pays on Friday"
    assert re.search(r'name="leave_owing" value="yes" checked', same.text)
    # taking a unit out changes what is due: the amount and the choice are drawn again
    fewer = await post(client, "/desk/1/basket", {
        **form, "tag": tags, "remove": tags[1], "amount": "1.00", "shown_due": str(both),
        "leave_owing": "yes", "owing_reason": "Pays on Friday"}, headers=headers)
    assert value_of(fewer.text, "f-amount") == money_input(await due(member, tags[:1], back))
    assert value_of(fewer.text, "f-owing_reason") == ""
    assert not re.search(r'name="leave_owing" value="yes" checked', fewer.text)


async def test_a_stale_short_amount_is_refused_and_writes_nothing(client, seeded):
    """The issue's case: two units scanned, the amount of the first sent; then the choice to
    leave the rest owing without a reason, and over the centre's limit."""
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    back = open_day(3)
    stale, both = await due(member, tags[:1], back), await due(member, tags, back)
    form = {"member": member, "return_on": back.isoformat(), "tag": tags, "method": "cash"}
    await scan(client, member, tags, back)
    before = await written()
    refused = await post(client, "/desk/1/check-out", {**form, "amount": money_input(stale)})
    assert refused.status_code == 422
    assert money_input(both) in message(refused.text, "amount")
    assert value_of(refused.text, "f-amount") == money_input(stale)  # as typed, said why
    htmx = await post(client, "/desk/1/check-out", {**form, "amount": money_input(stale)},
                      headers=HTMX_BASKET)
    assert htmx.status_code == 422 and "<html" not in htmx.text and 'id="e-amount"' in htmx.text
    nothing = await post(client, "/desk/1/check-out", {**form, "amount": ""})
    assert nothing.status_code == 422 and 'id="e-amount"' in nothing.text
    no_reason = await post(client, "/desk/1/check-out", {
        **form, "amount": money_input(stale), "leave_owing": "yes", "owing_reason": " "})
    assert no_reason.status_code == 422 and 'id="e-owing_reason"' in no_reason.text
    limit = (await ledger.fee_policy(1))["balance_limit"]
    over = await post(client, "/desk/1/check-out", {
        **form, "amount": money_input(max(0, both - limit - 1)), "leave_owing": "yes",
        "owing_reason": "Pays on Friday"})
    assert over.status_code == 422 and money_input(limit) in message(over.text, "amount")
    more = await post(client, "/desk/1/check-out", {**form, "amount": money_input(both + 1)})
    assert more.status_code == 422 and 'id="e-amount"' in more.text
    assert await written() == before
    assert await ledger.balance(member) == 0


async def test_leaving_the_rest_owing_with_a_reason_is_recorded(client, seeded):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    back = open_day(3)
    both = await due(member, tags, back)
    owing = min(500, both)
    await scan(client, member, tags, back)
    done = await post(client, "/desk/1/check-out", {
        "member": member, "return_on": back.isoformat(), "tag": tags, "method": "cash",
        "amount": money_input(both - owing), "leave_owing": "yes",
        "owing_reason": "Pays on Friday"})
    assert done.status_code == 303, done.text
    assert await ledger.balance(member) == owing
    record = await AuditLog.select().where(AuditLog.action == "loan.left_owing").output(
        load_json=True).first()
    receipt = int(done.headers["location"].rsplit("/", 1)[1])
    assert record["entity_id"] == receipt
    assert record["after"] == {"due": both, "paid": both - owing, "owing": owing,
                               "reason": "Pays on Friday"}
    # all of the due paid: no such record
    assert await AuditLog.count().where(AuditLog.action == "loan.left_owing") == 1


async def test_a_credit_from_before_is_taken_off_what_is_due(client, seeded):
    member = await as_staff(client, seeded)
    [tag] = await free_tags(1)
    back = open_day(3)
    async with write_transaction():  # the centre owes the member 5 ₾ (paid ahead)
        receipt = await ledger.open_receipt(member, 1, "payment", actor_id=None, now=now())
        await ledger.post(receipt, member, 1, "payment", -500, method="cash", now=now(),
                          actor_id=None)
    page = await post(client, "/desk/1/basket", {
        "member": member, "return_on": back.isoformat(), "scan": tag})
    basket = await desk.basket_view(member, 1, [tag], back, today())
    assert basket.due == max(0, basket.fee + basket.deposit - 500)
    assert value_of(page.text, "f-amount") == money_input(basket.due)
    done = await post(client, "/desk/1/check-out", {
        "member": member, "return_on": back.isoformat(), "tag": [tag], "method": "cash",
        "amount": money_input(basket.due)})
    assert done.status_code == 303, done.text
    assert await ledger.balance(member) == min(0, basket.fee + basket.deposit - 500)


async def test_the_api_takes_less_than_due_only_with_the_choice(client, seeded):
    from rental.accounts import create_api_token

    member = await as_staff(client, seeded)
    tags = await free_tags(1)
    back = open_day(3)
    owed = await due(member, tags, back)
    _id, token = await create_api_token(credentials(seeded, "staff")[0], "desk", now=now())
    auth = {"Authorization": f"Bearer {token}"}
    body = {"member_id": member, "centre_id": 1, "asset_tags": tags,
            "return_on": back.isoformat(),
            "payment": {"method": "cash", "amount_tetri": owed - 100}}
    before = await written()
    short = await client.post("/api/v1/loans/check-out", json=body, headers=auth)
    assert short.status_code == 422 and short.json()["errors"]["amount"]
    assert await written() == before
    body["payment"] |= {"leave_owing": True, "owing_reason": "Pays on Friday"}
    chosen = await client.post("/api/v1/loans/check-out", json=body, headers=auth)
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["balance_tetri"] == 100


# --- item 2: after any verdict the scan field is empty and has the focus -----------------------


@pytest.mark.parametrize("headers", [{}, HTMX_BASKET], ids=["no-javascript", "htmx"])
async def test_a_refused_scan_leaves_the_field_empty_and_names_the_tag(client, seeded, headers):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    form = {"member": member, "return_on": open_day(3).isoformat()}
    added = await post(client, "/desk/1/basket", {**form, "scan": tags[0]}, headers=headers)
    assert value_of(added.text, "f-scan") == "" and focused(added.text) == ["f-scan"]
    for scanned in ("SMG-9999", "SMG-9999SMG-0001", tags[0]):  # unknown, two run together, twice
        refused = await post(client, "/desk/1/basket", {**form, "tag": tags[:1],
                                                        "scan": scanned}, headers=headers)
        assert refused.status_code == 422, scanned
        assert value_of(refused.text, "f-scan") == "", scanned
        assert focused(refused.text) == ["f-scan"], scanned  # not the member search
        assert scanned in message(refused.text, "scan"), scanned
        if not headers:  # the basket's tags are not copied into the check-in field
            assert value_of(refused.text, "f-tag") == ""
    # the next label, scanned into the empty field, goes in
    next_scan = await post(client, "/desk/1/basket", {**form, "tag": tags[:1], "scan": tags[1]},
                           headers=headers)
    assert next_scan.status_code == 200
    assert re.findall(r'name="tag" value="([^"]+)"', next_scan.text)[:2] == tags


async def test_without_javascript_the_focus_is_where_the_desk_works(client, seeded):
    member = await as_staff(client, seeded)
    [tag] = await free_tags(1)
    assert focused((await client.get("/desk/1")).text) == ["f-q"]
    card = await client.get("/desk/1", params={"member": member})
    assert focused(card.text) == ["f-scan"]
    basket = await post(client, "/desk/1/basket", {
        "member": member, "return_on": open_day(3).isoformat(), "scan": tag})
    assert focused(basket.text) == ["f-scan"]
    # the basket's tags are not copied into the check-in field
    assert value_of(basket.text, "f-tag") == ""


@pytest.mark.parametrize("headers", [{}, HTMX_CHECK_IN], ids=["no-javascript", "htmx"])
async def test_a_check_in_scan_leaves_its_field_empty_and_names_the_tag(client, seeded,
                                                                        headers):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    back = open_day(3)
    await scan(client, member, tags[:1], back)
    lent = await post(client, "/desk/1/check-out", {
        "member": member, "return_on": back.isoformat(), "tag": tags[:1], "method": "cash",
        "amount": money_input(await due(member, tags[:1], back))})
    assert lent.status_code == 303, lent.text
    for scanned, why in (("SMG-9999", "ამ ნომრით ერთეული არ არსებობს."),
                         (tags[1], "ეს ერთეული გატანილი არ არის."),
                         (f"SMG-9999{tags[0]}", "ინვენტარის ნომერი არ არის.")):
        refused = await post(client, "/desk/1/returns", {"tag": scanned}, headers=headers)
        assert refused.status_code == 422, scanned
        assert value_of(refused.text, "f-tag") == "" and focused(refused.text) == ["f-tag"]
        said = message(refused.text, "tag")
        assert scanned in said and why in said, said
    found = await post(client, "/desk/1/returns", {"tag": tags[0].lower()}, headers=headers)
    assert found.status_code == 200 and 'name="condition"' in found.text
    assert value_of(found.text, "f-tag") == "" and focused(found.text) == ["f-tag"]
    assert f"· {tags[0]}</legend>" in found.text  # the loan found, by its unit
