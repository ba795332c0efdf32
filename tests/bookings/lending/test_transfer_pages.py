"""The transfer pages (issue 23): the list, the request form (prefilled from a suggestion), a
request's page where the sender scans units out and the receiver scans them in; bad input
beside its field with nothing written; staff of an uninvolved centre refused (403); members
refused. Through the app, on both databases."""

from __future__ import annotations

import itertools
import re
from datetime import time

import desk_setup
import pytest
from helpers import SMG, credentials, csrf_token, log_in, now

from inventory.tables import TransferItem, TransferRequest, Unit
from rental.accounts import create_staff_account
from rental.tables import AuditLog, Centre, Member

KUT_STAFF = ("+995555000099", "kutaisi-desk-1")
BAT_STAFF = ("+995555000098", "batumi-desk-1")
_numbers = itertools.count(6301)


async def log_in_as(client, seeded, who: str) -> None:
    if who == "kut":
        phone, password = KUT_STAFF
    elif who == "bat":
        phone, password = BAT_STAFF
    else:
        phone, password = credentials(seeded, who)
    client.cookies.clear()
    assert (await log_in(client, phone, password)).status_code == 303


@pytest.fixture
async def centres(seeded) -> dict[str, int]:
    await Centre.insert(Centre(code="BAT", name_ka="ბათუმი", name_en="Batumi", name_ru="",
                               municipality="", municipality_text="", address_ka="",
                               address_en="", address_ru="", phone="+995422000000",
                               opens_at=time(10), closes_at=time(18), created_at=now()))
    await create_staff_account(role="staff", phone=KUT_STAFF[0], name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password=KUT_STAFF[1],
                               now=now())
    await create_staff_account(role="staff", phone=BAT_STAFF[0], name="ბათუმის დესკი",
                               email=None, centre_codes=["BAT"], password=BAT_STAFF[1],
                               now=now())
    return {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}


async def post(client, path: str, data: dict):
    token = await csrf_token(client, "/transfers" if path.startswith("/transfers") else "/")
    return await client.post(path, data={**data, "_csrf_token": token})


async def tool(units: int = 2) -> tuple[int, list[str]]:
    """A new tool type with `units` units at Samgori: its id and their tags."""
    number = next(_numbers)
    tags = [f"SMG-{number}{n}" for n in range(units)]
    made = await desk_setup.tool(f"transfer-page-{number}", "სატესტო", f"Transfer page {number}",
                                 tags, daily_fee=200, deposit=0, max_loan_days=7)
    return made, tags


async def written() -> tuple[int, ...]:
    return (await TransferRequest.count(), await TransferItem.count(), await AuditLog.count())


async def test_a_request_goes_out_and_comes_in_by_scanning(client, seeded, centres):
    tool_type, tags = await tool(2)
    await log_in_as(client, seeded, "kut")
    form = await client.get("/transfers/new")
    assert form.status_code == 200 and 'name="quantity"' in form.text
    before = await written()
    bad = await post(client, "/transfers/new", {
        "tool_type": tool_type, "sender": centres["KUT"], "receiver": centres["KUT"],
        "quantity": "0", "reason": ""})
    assert bad.status_code == 422
    assert 'id="e-quantity"' in bad.text and 'id="e-sender"' in bad.text
    assert await written() == before
    made = await post(client, "/transfers/new", {
        "tool_type": tool_type, "sender": centres["SMG"], "receiver": centres["KUT"],
        "quantity": "2", "needed_by": "", "reason": "two members wait"})
    assert made.status_code == 303
    request_id = int(made.headers["location"].rsplit("/", 1)[1])
    # Samgori's desk: the request is in its list with what to do next; the scan field has focus
    await log_in_as(client, seeded, "staff")
    listed = await client.get("/transfers")
    assert f'href="/transfers/{request_id}"' in listed.text
    page = await client.get(f"/transfers/{request_id}")
    assert re.search(r'name="tag"[^>]*autofocus', page.text), page.text
    assert f'action="/transfers/{request_id}/dispatch"' in page.text
    before = await written()
    refused = await post(client, f"/transfers/{request_id}/dispatch", {"tag": "KUT-0001"})
    assert refused.status_code == 422
    assert 'id="e-tag"' in refused.text and "KUT-0001" in refused.text
    assert await written() == before
    for tag in tags:
        sent = await post(client, f"/transfers/{request_id}/dispatch", {"tag": tag})
        assert sent.status_code == 303, sent.text
    # the unit's own page says where it is going (its history says so once it arrives)
    unit = await Unit.select(Unit.id).where(Unit.asset_tag == tags[0]).first()
    unit_page = await client.get(f"/units/{unit['id']}")
    assert f'href="/transfers/{request_id}"' in unit_page.text and "KUT" in unit_page.text
    # Kutaisi's desk scans them in
    await log_in_as(client, seeded, "kut")
    page = await client.get(f"/transfers/{request_id}")
    assert f'action="/transfers/{request_id}/receive"' in page.text
    sender = await Member.select(Member.name).where(Member.phone == "+995555000003").first()
    assert sender["name"] in page.text  # who sent each unit, and when
    assert re.search(r'name="tag"[^>]*autofocus', page.text)
    for tag in tags:
        got = await post(client, f"/transfers/{request_id}/receive", {"tag": tag})
        assert got.status_code == 303
    units = await Unit.select(Unit.centre).where(Unit.asset_tag.is_in(tags))
    assert {u["centre"] for u in units} == {centres["KUT"]}
    assert (await TransferRequest.select(TransferRequest.status).where(
        TransferRequest.id == request_id).first())["status"] == "received"


async def test_an_uninvolved_centre_is_refused_and_nothing_changes(client, seeded, centres):
    tool_type, tags = await tool(1)
    await log_in_as(client, seeded, "kut")
    made = await post(client, "/transfers/new", {
        "tool_type": tool_type, "sender": centres["SMG"], "receiver": centres["KUT"],
        "quantity": "1"})
    request_id = int(made.headers["location"].rsplit("/", 1)[1])
    await log_in_as(client, seeded, "bat")
    assert f'/transfers/{request_id}"' not in (await client.get("/transfers")).text
    assert (await client.get(f"/transfers/{request_id}")).status_code == 403
    before = await written()
    for action, data in (("dispatch", {"tag": tags[0]}), ("receive", {"tag": tags[0]}),
                         ("decline", {"reason": "no"}), ("cancel", {"reason": "no"})):
        response = await post(client, f"/transfers/{request_id}/{action}", data)
        assert response.status_code == 403, action
    assert await written() == before
    # the receiving centre may not decline, the sending one not cancel
    await log_in_as(client, seeded, "kut")
    before = await written()  # a login is audited too
    assert (await post(client, f"/transfers/{request_id}/decline",
                       {"reason": "x"})).status_code == 403
    # a reason is needed: beside its field
    empty = await post(client, f"/transfers/{request_id}/cancel", {"reason": " "})
    assert empty.status_code == 422 and 'id="e-cancel-reason"' in empty.text
    assert await written() == before
    cancelled = await post(client, f"/transfers/{request_id}/cancel", {"reason": "found one"})
    assert cancelled.status_code == 303


async def test_members_are_refused_and_a_suggestion_prefills_the_form(client, seeded,
                                                                     centres):
    await log_in_as(client, seeded, "member")
    assert (await client.get("/transfers")).status_code == 403
    assert (await post(client, "/transfers/new", {"quantity": "1"})).status_code == 403
    await log_in_as(client, seeded, "coordinator")
    page = await client.get("/transfers")
    assert page.status_code == 200 and 'id="h-stock"' in page.text
    tool_type, _tags = await tool(1)
    form = await client.get(f"/transfers/new?tool_type={tool_type}&sender={centres['SMG']}"
                            f"&receiver={centres['KUT']}&quantity=3")
    assert re.search(rf'<option value="{tool_type}" selected', form.text)
    assert 'value="3"' in form.text
    assert (await client.get("/transfers/new?quantity=99")).status_code == 400
    assert (await client.get("/transfers/999999")).status_code == 404


async def test_the_one_step_move_refuses_a_unit_on_its_way(client, seeded, centres):
    """The coordinator's direct move (page and API, one service) leaves a unit in transit to
    the workflow: the receiving centre scans it in."""
    from helpers import demo_cast, today

    from bookings.lending import transfers
    from rental.accounts import create_api_token

    cast = await demo_cast()
    tool_type, tags = await tool(1)
    request_id = await transfers.create_request(
        {"tool_type": tool_type, "sender": SMG, "receiver": centres["KUT"], "quantity": "1"},
        actor=cast.coordinator, today=today(), now=now())
    await transfers.dispatch(request_id, tags[0], actor=cast.staff, today=today(), now=now())
    unit = await Unit.select(Unit.id).where(Unit.asset_tag == tags[0]).first()
    _id, token = await create_api_token("+995555000002", "test", now=now())
    before = await written()
    moved = await client.post(f"/api/v1/units/{unit['id']}/transfer", json={
        "centre": centres["BAT"]}, headers={"Authorization": f"Bearer {token}",
                                            "Accept-Language": "en"})
    assert moved.status_code == 422
    assert moved.json() == {"status": 422, "errors": {"centre": (
        "This unit is on its way between centres: the receiving centre scans it in.")}}
    assert await written() == before
    await log_in_as(client, seeded, "coordinator")
    before = await written()
    page = await post(client, f"/units/{unit['id']}/transfer", {"centre": centres["BAT"]})
    assert page.status_code == 422 and 'id="e-centre"' in page.text
    assert await written() == before
    assert (await Unit.select(Unit.centre).where(Unit.id == unit["id"]).first())[
        "centre"] == SMG
