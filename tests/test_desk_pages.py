"""The desk pages: find a member, scan a basket, check out, receipt, check in, pay, renew,
overdue and lost, cash-up, the account and its corrections; and the desk API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from helpers import credentials, csrf_token, log_in

from bookings.tables import Booking
from inventory.tables import MaintenanceTicket, Unit
from rental.tables import AuditLog, LedgerEntry, Member, Receipt

TODAY = datetime.now(ZoneInfo("Asia/Tbilisi")).date()
NOW = datetime.now(UTC)


def open_day(after: int):
    day = TODAY + timedelta(days=after)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


async def as_staff(client, seeded):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303


async def member_id(phone: str) -> int:
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def free_tags(count: int, centre: int = 1) -> list[str]:
    rows = await Unit.select(Unit.asset_tag).where(
        (Unit.centre == centre) & (Unit.status == "available")
        & Unit.tool_type.required_skill.is_null()
        & Unit.tool_type.inspection_interval_days.is_null()).order_by(Unit.asset_tag)
    return [row["asset_tag"] for row in rows][:count]


async def counts() -> tuple[int, int, int]:
    return (await Booking.count(), await LedgerEntry.count(), await Receipt.count())


async def post(client, path: str, data: dict, page: str = "/desk/1", **kwargs):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, **kwargs)


async def test_desk_finds_a_member_by_card_phone_or_name(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    for query in (f"M{member:05d}", "555000012", "+995 555 00 00 12"):
        page = await client.get("/desk/1", params={"q": query})
        assert page.status_code == 200, query
        assert f"M{member:05d}" in page.text and "Basket" in page.text or "კალათა" in page.text
    fragment = await client.get("/desk/1", params={"q": "zzzz-nobody"},
                                headers={"HX-Request": "true", "HX-Target": "desk-member"})
    assert "<html" not in fragment.text
    whole = await client.get("/desk/1", params={"q": "zzzz-nobody"})
    assert whole.status_code == 200


async def test_scan_two_units_check_out_with_cash_print_and_check_in_damaged(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    tags = await free_tags(2)
    back = open_day(3)
    basket = {"member": member, "return_on": back.isoformat()}
    first = await post(client, "/desk/1/basket", {**basket, "scan": tags[0]},
                       headers={"HX-Request": "true", "HX-Target": "basket"})
    assert first.status_code == 200 and tags[0] in first.text and "<html" not in first.text
    second = await post(client, "/desk/1/basket", {**basket, "tag": [tags[0]], "scan": tags[1]})
    assert second.status_code == 200 and tags[1] in second.text
    twice = await post(client, "/desk/1/basket", {**basket, "tag": tags, "scan": tags[0]})
    assert twice.status_code == 422
    unknown = await post(client, "/desk/1/basket", {**basket, "tag": tags, "scan": "SMG-9999"})
    assert unknown.status_code == 422
    due = int(re.search(r'name="amount" type="text" value="([\d.]+)"', second.text).group(1)
              .replace(".", ""))
    before = await counts()
    too_much = await post(client, "/desk/1/check-out", {
        **basket, "tag": tags, "method": "cash", "amount": f"{due // 100 + 50}.00"})
    assert too_much.status_code == 422 and await counts() == before
    done = await post(client, "/desk/1/check-out", {
        **basket, "tag": tags, "method": "cash", "amount": f"{due / 100:.2f}"})
    assert done.status_code == 303, done.text
    receipt = await client.get(done.headers["location"])
    assert receipt.status_code == 200 and all(tag in receipt.text for tag in tags)
    loans = await Booking.select().where(Booking.status == "out")
    assert len(loans) == 2
    lookup = await client.get("/desk/1", params={"tag": tags[0]})
    assert lookup.status_code == 200 and 'name="condition"' in lookup.text
    token = await csrf_token(client, "/desk/1")
    returned = await client.post("/desk/1/check-in", data={
        "tag": tags[0], "condition": "damaged", "notes": "The chuck is cracked",
        "damage_charge": "5", "_csrf_token": token})
    assert returned.status_code == 303, returned.text
    unit = await Unit.select().where(Unit.asset_tag == tags[0]).first()
    assert unit["status"] == "maintenance"
    assert await MaintenanceTicket.count().where(MaintenanceTicket.unit == unit["id"]) == 1
    again = await post(client, "/desk/1/check-in", {"tag": tags[0], "condition": "fine"})
    assert again.status_code == 422
    assert await AuditLog.count().where(AuditLog.action == "loan.check_in") == 1
