"""The transfers API (issue 22): a request goes out and comes in through the API with the
pages' rules and messages (a refusal names the body's fields); bad input changes nothing; an
uninvolved centre's desk, a member and a token without the desk scope are refused. Through the
app with bearer tokens, on both databases."""

from __future__ import annotations

import itertools
from datetime import time, timedelta

import desk_setup
import pytest
from helpers import now, today

from inventory.tables import TransferItem, TransferRequest, Unit, UnitEvent
from rental.accounts import create_api_token, create_staff_account
from rental.tables import AuditLog, Centre

STAFF = "+995555000003"  # Samgori's desk
COORDINATOR = "+995555000002"
MEMBER = "+995555000012"
KUT_STAFF = "+995555000099"
BAT_STAFF = "+995555000098"
_numbers = itertools.count(7301)


async def bearer(phone: str, scopes: list[str] | None = None) -> dict[str, str]:
    _id, token = await create_api_token(phone, "test", now=now(), scopes=scopes)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


@pytest.fixture
async def centres(seeded) -> dict[str, int]:
    await Centre.insert(Centre(code="BAT", name_ka="ბათუმი", name_en="Batumi", name_ru="",
                               municipality="", municipality_text="", address_ka="",
                               address_en="", address_ru="", phone="+995422000000",
                               opens_at=time(10), closes_at=time(18), created_at=now()))
    for phone, code in ((KUT_STAFF, "KUT"), (BAT_STAFF, "BAT")):
        await create_staff_account(role="staff", phone=phone, name=f"{code} desk", email=None,
                                   centre_codes=[code], password=f"{code.lower()}-desk-1",
                                   now=now())
    return {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}


async def tool(units: int = 2) -> tuple[int, list[str]]:
    """A new tool type with `units` units at Samgori: its id and their tags."""
    number = next(_numbers)
    tags = [f"SMG-{number}{n}" for n in range(units)]
    made = await desk_setup.tool(f"transfer-api-{number}", "სატესტო", f"Transfer API {number}",
                                 tags, daily_fee=200, deposit=0, max_loan_days=7)
    return made, tags


async def written() -> tuple:
    return (await TransferRequest.count(), await TransferItem.count(), await AuditLog.count(),
            await UnitEvent.count(),
            await TransferRequest.select().order_by(TransferRequest.id),
            await Unit.select(Unit.id, Unit.centre).order_by(Unit.id))


async def test_a_request_goes_out_and_comes_in_through_the_api(client, centres):
    tool_type, tags = await tool(2)
    kut, smg = await bearer(KUT_STAFF), await bearer(STAFF)
    body = {"tool_type_id": tool_type, "sender_id": centres["SMG"],
            "receiver_id": centres["KUT"], "quantity": 2,
            "needed_by": (today() + timedelta(days=3)).isoformat(), "reason": "two wait"}
    made = await client.post("/api/v1/transfers", json=body, headers=kut)
    assert made.status_code == 201, made.text
    transfer = made.json()
    transfer_id = transfer["id"]
    assert transfer["status"] == "requested" and transfer["items"] == []
    assert transfer["sender"]["id"] == centres["SMG"] and transfer["receiver_code"] == "KUT"
    assert transfer["tool_type"]["id"] == tool_type and transfer["quantity"] == 2
    assert transfer["steps"] == ["cancel"]
    # Samgori's desk lists it, filtered by status, with what it may do next
    listed = (await client.get("/api/v1/transfers?status=requested", headers=smg)).json()
    mine = next(item for item in listed["items"] if item["id"] == transfer_id)
    assert mine["steps"] == ["dispatch", "decline"]
    assert all(item["status"] == "requested" for item in listed["items"])
    none = (await client.get("/api/v1/transfers?status=received", headers=smg)).json()
    assert transfer_id not in {item["id"] for item in none["items"]}
    paged = (await client.get("/api/v1/transfers?per_page=1", headers=smg)).json()
    assert paged["page"] == 1 and len(paged["items"]) == 1 and paged["total"] >= 1
    # a unit that may not go: the message names the body's field; nothing is written
    before = await written()
    refused = await client.post(f"/api/v1/transfers/{transfer_id}/dispatch",
                                json={"asset_tag": "KUT-0001"}, headers=smg)
    assert refused.status_code == 422
    assert refused.json() == {"status": 422, "errors": {
        "asset_tag": "This unit is not at the sending centre."}}
    assert await written() == before
    for tag in tags:
        sent = await client.post(f"/api/v1/transfers/{transfer_id}/dispatch",
                                 json={"asset_tag": tag.lower()}, headers=smg)
        assert sent.status_code == 200, sent.text
    sent = sent.json()
    assert sent["status"] == "dispatched" and sent["in_transit"] == 2
    assert [item["asset_tag"] for item in sent["items"]] == tags
    assert sent["items"][0]["dispatched_by_name"] and sent["items"][0]["received_at"] is None
    # the sending centre may not receive, the receiving one scans them in
    assert (await client.post(f"/api/v1/transfers/{transfer_id}/receive",
                              json={"asset_tag": tags[0]}, headers=smg)).status_code == 403
    for tag in tags:
        got = await client.post(f"/api/v1/transfers/{transfer_id}/receive",
                                json={"asset_tag": tag}, headers=kut)
        assert got.status_code == 200, got.text
    done = (await client.get(f"/api/v1/transfers/{transfer_id}", headers=kut)).json()
    assert done["status"] == "received" and done["in_transit"] == 0 and done["steps"] == []
    assert all(item["received_by_name"] == "KUT desk" and item["received_at"]
               for item in done["items"])
    units = await Unit.select(Unit.centre).where(Unit.asset_tag.is_in(tags))
    assert {u["centre"] for u in units} == {centres["KUT"]}


async def test_bad_input_changes_nothing_and_names_the_fields(client, centres):
    tool_type, tags = await tool(1)
    kut = await bearer(KUT_STAFF)
    before = await written()
    same = await client.post("/api/v1/transfers", json={
        "tool_type_id": tool_type, "sender_id": centres["KUT"], "receiver_id": centres["KUT"],
        "quantity": 0, "needed_by": (today() - timedelta(days=1)).isoformat()}, headers=kut)
    assert same.status_code == 422
    assert set(same.json()["errors"]) == {"sender_id", "quantity", "needed_by"}
    # not its centre to receive for, no such tool type
    other = await client.post("/api/v1/transfers", json={
        "tool_type_id": 999999, "sender_id": centres["KUT"], "receiver_id": centres["SMG"]},
        headers=kut)
    assert other.status_code == 422
    assert set(other.json()["errors"]) == {"tool_type_id", "receiver_id"}
    for unreadable in ({"tool_type_id": "x"}, {"sender_id": 1}, {
            "tool_type_id": tool_type, "sender_id": 0, "receiver_id": centres["KUT"]}):
        assert (await client.post("/api/v1/transfers", json=unreadable,
                                  headers=kut)).status_code == 400
    assert await written() == before
    made = await client.post("/api/v1/transfers", json={
        "tool_type_id": tool_type, "sender_id": centres["SMG"], "receiver_id": centres["KUT"]},
        headers=kut)
    transfer_id = made.json()["id"]
    smg = await bearer(STAFF)  # a token's creation is audited
    before = await written()
    # a reason is needed; nothing is on its way to receive; the request is not there
    empty = await client.post(f"/api/v1/transfers/{transfer_id}/cancel", json={"reason": " "},
                              headers=kut)
    assert empty.status_code == 422 and empty.json()["errors"] == {"reason": "Say why."}
    nothing = await client.post(f"/api/v1/transfers/{transfer_id}/receive",
                                json={"asset_tag": tags[0]}, headers=kut)
    assert nothing.status_code == 422 and list(nothing.json()["errors"]) == ["asset_tag"]
    assert (await client.post(f"/api/v1/transfers/{transfer_id}/dispatch", json={},
                              headers=smg)).status_code == 400
    assert (await client.get("/api/v1/transfers/999999", headers=kut)).status_code == 404
    assert (await client.post("/api/v1/transfers/999999/cancel", json={"reason": "x"},
                              headers=kut)).status_code == 404
    assert (await client.get("/api/v1/transfers?status=lost", headers=kut)).status_code == 400
    assert await written() == before
    # the sender declines it; then it has moved on: cancelling it is refused
    declined = await client.post(f"/api/v1/transfers/{transfer_id}/decline",
                                 json={"reason": "both booked"}, headers=smg)
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert declined.json()["close_reason"] == "both booked"
    before = await written()
    late = await client.post(f"/api/v1/transfers/{transfer_id}/cancel",
                             json={"reason": "too late"}, headers=kut)
    assert late.status_code == 422 and list(late.json()["errors"]) == ["reason"]
    assert await written() == before


async def test_others_are_refused_and_nothing_changes(client, centres):
    tool_type, tags = await tool(1)
    made = await client.post("/api/v1/transfers", json={
        "tool_type_id": tool_type, "sender_id": centres["SMG"], "receiver_id": centres["KUT"]},
        headers=await bearer(KUT_STAFF))
    transfer_id = made.json()["id"]
    bat, member = await bearer(BAT_STAFF), await bearer(MEMBER)
    read_only = await bearer(STAFF, ["read"])
    listed = (await client.get("/api/v1/transfers", headers=bat)).json()
    assert transfer_id not in {item["id"] for item in listed["items"]}
    assert (await client.get(f"/api/v1/transfers/{transfer_id}", headers=bat)
            ).status_code == 403
    assert (await client.get("/api/v1/transfers", headers=member)).status_code == 403
    # a read-only token reads, and writes nothing
    assert (await client.get(f"/api/v1/transfers/{transfer_id}", headers=read_only)
            ).status_code == 200
    before = await written()
    for action, body in (("dispatch", {"asset_tag": tags[0]}),
                         ("receive", {"asset_tag": tags[0]}),
                         ("decline", {"reason": "no"}), ("cancel", {"reason": "no"})):
        for who in (bat, member, read_only):
            response = await client.post(f"/api/v1/transfers/{transfer_id}/{action}",
                                         json=body, headers=who)
            assert response.status_code == 403, (action, response.text)
    for who in (member, read_only):
        asked = await client.post("/api/v1/transfers", json={
            "tool_type_id": tool_type, "sender_id": centres["KUT"],
            "receiver_id": centres["SMG"]}, headers=who)
        assert asked.status_code == 403
    assert await written() == before
    # a coordinator acts for either side
    coordinator = await bearer(COORDINATOR)
    sent = await client.post(f"/api/v1/transfers/{transfer_id}/dispatch",
                             json={"asset_tag": tags[0]}, headers=coordinator)
    assert sent.status_code == 200 and sent.json()["status"] == "dispatched"
