"""The desk's basket and return list as pages (issue 17, items 3 to 5), with plain form posts
(no JavaScript) and htmx: a reload, or another page in between, shows the same member and
basket; "clear the basket" empties it; a line's return day is changed on the line, a bad one
said by it (nothing changes); several returned units are finished on one receipt."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from helpers import as_staff, csrf_token, free_tags, open_day, today

from bookings.tables import Booking, DeskBasketLine, DeskReturnLine
from rental.tables import LedgerEntry, Member, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

HTMX_BASKET = {"HX-Request": "true", "HX-Target": "basket"}
HTMX_CHECK_IN = {"HX-Request": "true", "HX-Target": "check-in"}


async def post(client, path: str, data: dict, **kwargs):
    token = await csrf_token(client, "/desk/1")
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


def in_basket(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="tag" value="([^"]+)">', page)


def focused(page: str) -> list[str]:
    return re.findall(r'<input[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)


def value_of(page: str, element_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{element_id}"[^>]*>', page)
    assert found, f"no #{element_id}"
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def message(page: str, element_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{element_id}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message #{element_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


async def scan(client, member: int, tag: str, **extra):
    return await post(client, "/desk/1/basket", {"member": member, "scan": tag, **extra})


async def lend(client, member: int, tags: list[str]) -> int:
    """Scan and check out these units (plain form posts): the receipt id."""
    page = None
    for tag in tags:
        page = await scan(client, member, tag, return_on=open_day(2).isoformat())
        assert page.status_code == 200, page.text
    done = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags, "method": "cash",
        "amount": value_of(page.text, "f-amount")})
    assert done.status_code == 303, done.text
    return int(done.headers["location"].rsplit("/", 1)[1])


async def test_a_reload_or_another_page_keeps_the_member_and_the_basket(client, seeded):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    for count, tag in enumerate(tags, start=1):
        page = await scan(client, member, tag)  # a plain form post, as without JavaScript
        assert page.status_code == 200 and in_basket(page.text) == tags[:count]
    # a reload: the desk's own address, no member asked
    reload = await client.get("/desk/1")
    assert reload.status_code == 200 and in_basket(reload.text) == tags
    assert f'name="member" value="{member}"' in reload.text
    assert focused(reload.text) == ["f-scan"]  # ready for the next label
    # another page, then back to the desk; and the member's card asked for again
    assert (await client.get("/desk/1/cash-up")).status_code == 200
    assert in_basket((await client.get("/desk/1")).text) == tags
    assert in_basket((await client.get("/desk/1", params={"member": member})).text) == tags
    fragment = await client.get("/desk/1", params={"member": member},
                                headers={"HX-Request": "true", "HX-Target": "desk-member"})
    assert "<html" not in fragment.text and in_basket(fragment.text) == tags
    # the amount is what the kept basket comes to
    amount = value_of(reload.text, "f-amount")
    assert re.sub(r"[^\d,.]", "", re.search(r'id="basket-due">([^<]+)<', reload.text)
                  .group(1)).replace(",", ".") == amount


@pytest.mark.parametrize("headers", [{}, HTMX_BASKET], ids=["no-javascript", "htmx"])
async def test_clear_the_basket_and_take_a_unit_out(client, seeded, headers):
    member = await as_staff(client, seeded)
    tags = await free_tags(3)
    for tag in tags:
        await scan(client, member, tag)
    fewer = await post(client, "/desk/1/basket", {"member": member, "tag": tags,
                                                  "remove": tags[1]}, headers=headers)
    assert fewer.status_code == 200 and in_basket(fewer.text) == [tags[0], tags[2]]
    assert focused(fewer.text) == ["f-scan"]
    cleared = await post(client, "/desk/1/basket", {"member": member, "tag": tags,
                                                    "action": "clear"}, headers=headers)
    assert cleared.status_code == 200 and in_basket(cleared.text) == []
    assert await DeskBasketLine.count() == 0
    assert focused((await client.get("/desk/1")).text) == ["f-q"]  # no basket to come back to


@pytest.mark.parametrize("headers", [{}, HTMX_BASKET], ids=["no-javascript", "htmx"])
async def test_a_lines_return_day_is_changed_on_the_line(client, seeded, headers):
    member = await as_staff(client, seeded)
    [tag] = await free_tags(1)
    first = await scan(client, member, tag)
    shown = value_of(first.text, f"f-ends-{tag}")
    assert shown  # its own day, from the start
    stored = (await DeskBasketLine.select().first())["return_on"]
    assert shown == stored.isoformat()
    later = open_day(1, since=stored)
    moved = await post(client, "/desk/1/basket", {
        "member": member, "tag": [tag], "action": "days", f"ends_on.{tag}": later.isoformat()},
        headers=headers)
    assert moved.status_code == 200 and value_of(moved.text, f"f-ends-{tag}") == later.isoformat()
    assert (await DeskBasketLine.select().first())["return_on"] == later
    assert focused(moved.text) == ["f-scan"]
    for bad in ((today() - timedelta(days=1)).isoformat(), "2026-02-31",
                (today() + timedelta(days=400)).isoformat()):
        refused = await post(client, "/desk/1/basket", {
            "member": member, "tag": [tag], f"ends_on.{tag}": bad, "scan": ""},
            headers=headers)
        assert refused.status_code == 422, bad
        assert message(refused.text, f"e-ends-{tag}"), bad  # said by its line
        assert value_of(refused.text, f"f-ends-{tag}") == bad  # as typed
        assert value_of(refused.text, "f-scan") == "" and focused(refused.text) == ["f-scan"]
        assert (await DeskBasketLine.select().first())["return_on"] == later  # unchanged


async def test_a_stale_basket_form_is_not_lent(client, seeded):
    """Two windows of the same desk: one added a unit; the other's check-out is refused and
    says so, nothing is written."""
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    first = await scan(client, member, tags[0])
    await scan(client, member, tags[1])  # the other window
    bookings = await Booking.count()
    stale = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags[:1], "method": "cash",
        "amount": value_of(first.text, "f-amount")})
    assert stale.status_code == 409 and message(stale.text, "e-scan")
    assert in_basket(stale.text) == tags  # the basket as it is now, to check
    assert await Booking.count() == bookings


@pytest.mark.parametrize("headers", [{}, HTMX_CHECK_IN], ids=["no-javascript", "htmx"])
async def test_several_units_are_checked_in_on_one_receipt(client, seeded, headers):
    member = await as_staff(client, seeded)
    tags = await free_tags(2)
    await lend(client, member, tags)
    for count, tag in enumerate(tags, start=1):
        page = await post(client, "/desk/1/returns", {"tag": tag}, headers=headers)
        assert page.status_code == 200, page.text
        assert page.text.count('name="line"') == count
        assert value_of(page.text, "f-tag") == "" and focused(page.text) == ["f-tag"]
    reload = await client.get("/desk/1")
    assert reload.text.count('name="line"') == 2  # kept on a reload
    loans = [row["booking"] for row in await DeskReturnLine.select(DeskReturnLine.booking)
             .order_by(DeskReturnLine.id)]
    receipts = await Receipt.count()
    bad = await post(client, "/desk/1/returns/finish", {
        "line": loans, "condition": ["fine", "damaged"], "notes": ["", ""],
        "damage_charge": ["", "5"]}, headers=headers)
    assert bad.status_code == 422
    assert message(bad.text, f"e-notes-{loans[1]}")  # by its line
    assert value_of(bad.text, f"f-damage_charge-{loans[1]}") == "5"  # as filled in
    assert await Receipt.count() == receipts and await DeskReturnLine.count() == 2
    done = await post(client, "/desk/1/returns/finish", {
        "line": loans, "condition": ["fine", "damaged"], "notes": ["", "The chuck is cracked"],
        "damage_charge": ["", "5"]}, headers=headers)
    if headers:
        assert done.status_code == 204 and done.headers["HX-Redirect"].startswith("/receipts/")
        location = done.headers["HX-Redirect"]
    else:
        assert done.status_code == 303, done.text
        location = done.headers["location"]
    assert await Receipt.count() == receipts + 1 and await DeskReturnLine.count() == 0
    receipt = int(location.rsplit("/", 1)[1])
    rows = await Booking.select(Booking.in_receipt, Booking.return_condition).where(
        Booking.id.is_in(loans)).order_by(Booking.id)
    assert [(r["in_receipt"], r["return_condition"]) for r in rows] == [
        (receipt, "fine"), (receipt, "damaged")]
    assert await LedgerEntry.count().where((LedgerEntry.receipt == receipt)
                                           & (LedgerEntry.kind == "damage")) == 1
    shown = await client.get(location)
    assert shown.status_code == 200 and all(tag in shown.text for tag in tags)


async def test_a_basket_of_a_member_erased_since_does_not_lock_the_desk(client, seeded):
    member = await as_staff(client, seeded)
    [tag] = await free_tags(1)
    await scan(client, member, tag)
    await Member.update({Member.status: "erased"}).where(Member.id == member)
    page = await client.get("/desk/1")
    assert page.status_code == 200 and in_basket(page.text) == []
    assert focused(page.text) == ["f-q"]
