"""The loans and receipts API (issue 22): a receipt as its page shows it, a member's account
(staff's and the member's own), payments at the desk with the page's rules, a centre's overdue
list, and the links from a check-out to its receipt and to taking a unit back. Who may read
and do what: the receipt's member and its centre's staff, the centre's desk for payments and
the overdue list, a token's scopes. Through the app with bearer tokens, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import SMG, demo_cast, free_tags, now, open_day, today

from bookings.lending import desk
from bookings.tables import Booking
from rental import ledger
from rental.accounts import create_api_token, create_staff_account
from rental.tables import AuditLog, LedgerEntry, Member, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")

MEMBER = "+995555000012"
OTHER = "+995555000013"
STAFF = "+995555000003"  # Samgori's desk
COORDINATOR = "+995555000002"


async def bearer(phone: str, scopes: list[str] | None = None) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


async def kutaisi_desk() -> dict[str, str]:
    await create_staff_account(role="staff", phone="555 77 77 77", name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=datetime(2026, 11, 23, tzinfo=UTC))
    return await bearer("+995555777777")


async def member_id(phone: str) -> int:
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def counts() -> tuple[int, int, int, int]:
    return (await Booking.count(), await LedgerEntry.count(), await Receipt.count(),
            await AuditLog.count())


async def lent(client, auth, member: int, *, owing: int = 0, units: int = 1) -> dict:
    """A check-out through the API at Samgori, paid but for `owing` tetri left owing."""
    out = {row["tag"] for row in await Booking.select(
        Booking.unit.asset_tag.as_alias("tag")).where(Booking.status == "out")}
    tags = [tag for tag in await free_tags(units + len(out)) if tag not in out][:units]
    back = open_day(2)
    due = (await desk.basket_view(member, SMG, tags, back, today())).due
    payment = {"method": "cash", "amount_tetri": due - owing}
    if owing:
        payment |= {"leave_owing": True, "owing_reason": "Pays the rest on Friday"}
    response = await client.post("/api/v1/loans/check-out", headers=auth, json={
        "member_id": member, "centre_id": SMG, "asset_tags": tags,
        "return_on": back.isoformat(), "payment": payment})
    assert response.status_code == 201, response.text
    return response.json()


# --- receipts ----------------------------------------------------------------------------------


async def test_a_receipt_reads_as_its_page_for_its_member_and_its_centres_staff(client, seeded):
    member = await member_id(MEMBER)
    desk_auth = await bearer(STAFF)
    out = await lent(client, desk_auth, member, owing=500, units=2)
    path = f"/api/v1/receipts/{out['receipt_id']}"
    read = await client.get(path, headers=desk_auth)
    assert read.status_code == 200, read.text
    body = read.json()
    view = await desk.receipt_view(out["receipt_id"])
    assert body["id"] == out["receipt_id"] and body["member_id"] == member
    assert body["kind"] == view["receipt"]["kind"] and body["centre"]["id"] == SMG
    assert [(loan["id"], loan["what"], loan["ends_on"]) for loan in body["loans"]] == [
        (loan["id"], "out", open_day(2).isoformat()) for loan in out["loans"]]
    assert [line["amount"]["tetri"] for line in body["lines"]] == [
        line["amount"] for line in view["lines"]]
    assert {line["kind"] for line in body["lines"]} >= {"fee", "payment"}
    paid = next(line for line in body["lines"] if line["kind"] == "payment")
    assert paid["text"] == "Paid" and paid["method"] == "cash"
    owing = next(row for row in body["totals"] if row["key"] == "owing")
    assert owing["text"] == "Still owing after this receipt"
    assert owing["amount"]["tetri"] == out["balance_tetri"]
    assert body["total"]["tetri"] == out["total_tetri"]
    georgian = await client.get(path, headers={**desk_auth, "Accept-Language": "ka"})
    assert georgian.json()["totals"][-1]["text"] != owing["text"]  # the reader's language
    mine = await client.get(path, headers=await bearer(MEMBER))
    assert mine.status_code == 200 and mine.json() == body
    for stranger in (await bearer(OTHER), await kutaisi_desk()):  # not theirs: not there
        refused = await client.get(path, headers=stranger)
        assert refused.status_code == 404, refused.text
        assert refused.json()["status"] == 404 and refused.json()["errors"]["form"]
    assert (await client.get(path, headers=await bearer(COORDINATOR))).status_code == 200
    assert (await client.get("/api/v1/receipts/999999", headers=desk_auth)).status_code == 404
    assert (await client.get(path)).status_code == 401


async def test_the_schema_links_a_check_out_to_its_receipt_and_a_check_in(client):
    paths = (await client.get("/api/v1/schema/openapi.json")).json()["paths"]
    links = paths["/api/v1/loans/check-out"]["post"]["responses"]["201"]["links"]
    assert links["receipt"] == {"operationId": "getReceipt", "description": "Read the receipt.",
                                "parameters": {"receipt_id": "$response.body#/receipt_id"}}
    assert links["check_in"]["operationId"] == "checkIn"
    assert links["check_in"]["requestBody"]["asset_tag"] == "$response.body#/loans/0/asset_tag"
    assert paths["/api/v1/loans/check-in"]["post"]["operationId"] == "checkIn"
    assert paths["/api/v1/receipts/{receipt_id}"]["get"]["operationId"] == "getReceipt"
    paid = paths["/api/v1/members/{member_id}/payments"]["post"]["responses"]
    assert paid["201"]["links"]["read"]["parameters"] == {"receipt_id": "$response.body#/id"}
    assert {"201", "400", "401", "403", "404", "422"} <= set(paid)
    overdue = paths["/api/v1/centres/{centre_id}/overdue"]["get"]
    assert {"page", "per_page"} <= {parameter["name"] for parameter in overdue["parameters"]}


async def test_following_the_links_reads_the_receipt_then_takes_the_unit_back(client, seeded):
    desk_auth = await bearer(STAFF)
    out = await lent(client, desk_auth, await member_id(MEMBER))
    receipt = await client.get(f"/api/v1/receipts/{out['receipt_id']}", headers=desk_auth)
    assert receipt.status_code == 200
    back = await client.post("/api/v1/loans/check-in", headers=desk_auth, json={
        "asset_tag": out["loans"][0]["asset_tag"], "condition": "fine"})
    assert back.status_code == 201, back.text
    returned = (await client.get(f"/api/v1/receipts/{back.json()['receipt_id']}",
                                 headers=desk_auth)).json()
    assert [(loan["what"], loan["condition"]) for loan in returned["loans"]] == [
        ("returned", "fine")]


# --- accounts ----------------------------------------------------------------------------------


async def test_staff_read_a_members_account_in_pages(client, seeded):
    member = await member_id(MEMBER)
    desk_auth = await bearer(STAFF)
    await lent(client, desk_auth, member, owing=700)
    await lent(client, desk_auth, member, owing=300)
    path = f"/api/v1/members/{member}/account"
    whole = await client.get(path, headers=desk_auth)
    assert whole.status_code == 200, whole.text
    body = whole.json()
    entries = (await ledger.member_ledger(member))["entries"]
    assert body["balance"]["tetri"] == await ledger.balance_now(member)
    assert body["member_id"] == member and body["total"] == len(entries) >= 4
    assert [item["id"] for item in body["items"]] == [e["id"] for e in entries]  # newest first
    first = await client.get(path, headers=desk_auth, params={"per_page": 2})
    assert first.json()["next"] == f"{path}?per_page=2&page=2"
    second = await client.get(path, headers=desk_auth, params={"per_page": 2, "page": 2})
    assert [i["id"] for i in second.json()["items"]] == [e["id"] for e in entries[2:4]]
    last = await client.get(path, headers=desk_auth, params={"per_page": 2, "page": 999})
    assert last.status_code == 200 and last.json()["items"] == [] and not last.json()["next"]
    elsewhere = await client.get(path, headers=await kutaisi_desk())  # members are everyone's
    assert elsewhere.status_code == 200
    assert (await client.get(path, headers=await bearer(MEMBER))).status_code == 403
    assert (await client.get("/api/v1/members/999999/account",
                             headers=desk_auth)).status_code == 404
    for bad in ({"page": 0}, {"per_page": 101}, {"page": "x"}):
        assert (await client.get(path, headers=desk_auth, params=bad)).status_code == 400


async def test_a_reversal_reads_as_a_correction_on_the_account_and_its_receipt(client, seeded):
    cast = await demo_cast()
    desk_auth = await bearer(STAFF)
    await lent(client, desk_auth, cast.member, owing=500)
    fee = await LedgerEntry.select().where(
        (LedgerEntry.member == cast.member) & (LedgerEntry.kind == "fee")).first()
    receipt = await ledger.reverse(fee["id"], "Charged twice", actor_id=cast.coordinator.id,
                                   now=now())
    account = (await client.get(f"/api/v1/members/{cast.member}/account",
                                headers=desk_auth)).json()
    entries = {item["id"]: item for item in account["items"]}
    assert entries[fee["id"]]["reversed"] is True
    correction = account["items"][0]
    assert correction["reverses"] == fee["id"] and correction["amount"]["tetri"] == -fee[
        "amount"] and correction["reason"] == "Charged twice"
    read = (await client.get(f"/api/v1/receipts/{receipt}", headers=desk_auth)).json()
    assert [(line["text"], line["reverses"]) for line in read["lines"]] == [
        ("Reversed: Rental fee", fee["id"])]


async def test_a_member_reads_their_own_account(client, seeded):
    member = await member_id(MEMBER)
    await lent(client, await bearer(STAFF), member, owing=400)
    auth = await bearer(MEMBER, scopes=["read"])
    mine = await client.get("/api/v1/me/account", headers=auth)
    assert mine.status_code == 200, mine.text
    assert mine.json()["member_id"] == member
    assert mine.json()["balance"]["tetri"] == await ledger.balance_now(member)
    other = await client.get("/api/v1/me/account", headers=await bearer(OTHER))
    assert other.json()["member_id"] == await member_id(OTHER)
    assert {item["id"] for item in other.json()["items"]}.isdisjoint(
        {item["id"] for item in mine.json()["items"]})
    assert (await client.get("/api/v1/me/account")).status_code == 401


# --- payments ----------------------------------------------------------------------------------


async def test_the_desk_takes_a_payment_with_the_pages_rules(client, seeded):
    member = await member_id(MEMBER)
    desk_auth = await bearer(STAFF)
    await lent(client, desk_auth, member, owing=900)
    owed = await ledger.balance_now(member)
    assert owed > 0
    path = f"/api/v1/members/{member}/payments"
    before = await counts()
    refusals = [
        ({"method": "cash", "amount_tetri": owed + 1}, 422, "amount",
         "That is more than is owed."),
        ({"method": "cash", "amount_tetri": 0}, 422, "amount", "Enter an amount above zero."),
        ({"method": "bitcoin", "amount_tetri": 100}, 422, "method",
         "Choose how the member pays."),
        ({"method": "card", "amount_tetri": 100}, 422, "reference",
         "Enter the card terminal's slip number."),
        ({"method": "waiver", "amount_tetri": 100, "reason": "hardship"}, 403, "method",
         "Only a coordinator can waive a fee."),
        ({"method": "cash", "amount_tetri": 100, "centre_id": 2}, 403, "form",
         "You do not have access to this page."),
    ]
    for body, status, field, message in refusals:
        refused = await client.post(path, headers=desk_auth, json={"centre_id": SMG, **body})
        assert refused.status_code == status, (body, refused.text)
        assert refused.json() == {"status": status, "errors": {field: message}}, body
    for unreadable in ({"centre_id": SMG, "method": "cash", "amount_tetri": -5},
                       {"centre_id": SMG, "method": "cash"}, {"method": "cash",
                                                              "amount_tetri": 100}):
        assert (await client.post(path, headers=desk_auth, json=unreadable)).status_code == 400
    unknown = await client.post("/api/v1/members/999999/payments", headers=desk_auth,
                                json={"centre_id": SMG, "method": "cash", "amount_tetri": 100})
    assert unknown.status_code == 404
    assert await counts() == before  # nothing refused was written
    paid = await client.post(path, headers=desk_auth, json={
        "centre_id": SMG, "method": "card", "amount_tetri": 400, "reference": " 7781 "})
    assert paid.status_code == 201, paid.text
    receipt = paid.json()
    assert receipt["kind"] == "payment" and receipt["total"]["tetri"] == -400
    assert [(line["kind"], line["method"], line["reference"], line["amount"]["tetri"])
            for line in receipt["lines"]] == [("payment", "card", "7781", 400)]
    assert await ledger.balance_now(member) == owed - 400
    assert (await client.get(f"/api/v1/receipts/{receipt['id']}",
                             headers=desk_auth)).json() == receipt
    rest = await client.post(path, headers=desk_auth, json={
        "centre_id": SMG, "method": "cash", "amount_tetri": owed - 400})
    assert rest.status_code == 201 and await ledger.balance_now(member) == 0
    settled = await counts()
    nothing = await client.post(path, headers=desk_auth, json={
        "centre_id": SMG, "method": "cash", "amount_tetri": 100})
    assert nothing.status_code == 422
    assert nothing.json()["errors"] == {"amount": "Nothing is owed."}
    assert await counts() == settled


async def test_a_coordinator_waives_and_other_desks_and_scopes_are_refused(client, seeded):
    member = await member_id(MEMBER)
    await lent(client, await bearer(STAFF), member, owing=600)
    owed = await ledger.balance_now(member)
    path = f"/api/v1/members/{member}/payments"
    body = {"centre_id": SMG, "method": "cash", "amount_tetri": 100}
    kutaisi, reader, as_member, coordinator = (
        await kutaisi_desk(), await bearer(STAFF, scopes=["read"]), await bearer(MEMBER),
        await bearer(COORDINATOR))
    before = await counts()
    refused = await client.post(path, headers=kutaisi, json=body)
    assert refused.status_code == 403  # not a centre they work for
    unscoped = await client.post(path, headers=reader, json=body)
    assert unscoped.status_code == 403
    assert unscoped.json()["errors"] == {"form": "This API token lacks the “desk” scope."}
    assert (await client.post(path, headers=as_member, json=body)).status_code == 403
    assert (await client.post(path, json=body)).status_code == 401
    no_centre = await client.post(path, headers=coordinator, json={**body, "centre_id": 999})
    assert no_centre.status_code == 404
    no_reason = await client.post(path, headers=coordinator, json={
        **body, "method": "waiver"})
    assert no_reason.json()["errors"] == {"reason": "Write why the fee is waived."}
    assert await counts() == before
    waived = await client.post(path, headers=coordinator, json={
        **body, "method": "waiver", "amount_tetri": owed, "reason": "Storm damage at home"})
    assert waived.status_code == 201, waived.text
    assert [(line["kind"], line["reason"]) for line in waived.json()["lines"]] == [
        ("waiver", "Storm damage at home")]
    assert await ledger.balance_now(member) == 0
    desk_scope = await bearer(STAFF, scopes=["desk"])
    await lent(client, desk_scope, member, owing=200)
    assert (await client.post(path, headers=desk_scope, json={
        **body, "amount_tetri": 200})).status_code == 201


# --- overdue -----------------------------------------------------------------------------------


async def test_a_centres_overdue_list_is_its_desks_in_pages(client, seeded):
    cast = await demo_cast()
    desk_auth = await bearer(STAFF)
    for phone, late in ((MEMBER, 3), (OTHER, 6)):
        out = await lent(client, desk_auth, await member_id(phone))
        ends = today() - timedelta(days=late)
        await Booking.update({Booking.starts_on: ends - timedelta(days=2),
                              Booking.ends_on: ends}).where(
            Booking.id == out["loans"][0]["id"])
    path = f"/api/v1/centres/{SMG}/overdue"
    listed = await client.get(path, headers=desk_auth)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    view = await desk.overdue(SMG, today())
    assert body["centre"]["id"] == SMG and body["total"] == len(view["loans"]) >= 2
    assert [item["id"] for item in body["items"]] == [loan["id"] for loan in view["loans"]]
    days = {item["member_id"]: item["days_late"] for item in body["items"]}
    assert days[cast.member] >= 3 and days[cast.other] >= 6
    item = next(item for item in body["items"] if item["member_id"] == cast.other)
    loan = next(loan for loan in view["loans"] if loan["id"] == item["id"])
    assert item["late_fee"]["tetri"] == loan["late_fee"]
    assert item["may_declare_lost"] == loan["may_declare_lost"]
    paged = await client.get(path, headers=desk_auth, params={"per_page": 1})
    assert len(paged.json()["items"]) == 1 and paged.json()["next"]
    assert paged.json()["pages"] == body["total"]
    refused = await client.get(path, headers=await kutaisi_desk())
    assert refused.status_code == 403 and refused.json()["errors"]["form"]
    assert (await client.get(path, headers=await bearer(MEMBER))).status_code == 403
    coordinator = await bearer(COORDINATOR)
    assert (await client.get(path, headers=coordinator)).json() == body
    assert (await client.get("/api/v1/centres/999/overdue",
                             headers=coordinator)).status_code == 404
    assert (await client.get(path)).status_code == 401
