"""The desk pages: find a member, scan a basket, check out, receipt, check in, pay, renew,
overdue and lost, cash-up, the account and its corrections; and the desk API."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from helpers import as_staff, credentials, csrf_token, free_tags, log_in, now, open_day, today

from bookings.lending import desk
from bookings.tables import Booking
from inventory.tables import MaintenanceTicket, Unit
from rental.accounts import create_api_token
from rental.tables import AuditLog, LedgerEntry, Member, Receipt

pytestmark = pytest.mark.usefixtures("desk_open")


async def member_id(phone: str) -> int:
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


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
        assert f"M{member:05d}" in page.text and 'name="scan"' in page.text, query
    fragment = await client.get("/desk/1", params={"q": "zzzz-nobody"},
                                headers={"HX-Request": "true", "HX-Target": "desk-member"})
    assert "<html" not in fragment.text
    whole = await client.get("/desk/1", params={"q": "zzzz-nobody"})
    assert whole.status_code == 200


async def test_the_member_lookup_fragment_does_not_read_the_days_lists(client, seeded,
                                                                     count_queries):
    await as_staff(client, seeded)
    count_queries["n"] = 0
    whole = await client.get("/desk/1", params={"q": "555000012"})
    on_the_page = count_queries["n"]
    count_queries["n"] = 0
    fragment = await client.get("/desk/1", params={"q": "555000012"},
                                headers={"HX-Request": "true", "HX-Target": "desk-member"})
    assert fragment.status_code == whole.status_code == 200
    assert "<h3>ასაღები</h3>" in whole.text  # the day's pick-ups
    assert 'id="desk-member"' in fragment.text and "ასაღები" not in fragment.text
    assert count_queries["n"] < on_the_page  # the pick-ups and returns are not read


@pytest.mark.calendar
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
    lookup = await post(client, "/desk/1/returns", {"tag": tags[0]})
    assert lookup.status_code == 200 and 'name="condition"' in lookup.text
    loan = await Booking.select(Booking.id).where(
        (Booking.status == "out") & (Booking.unit.asset_tag == tags[0])).first()
    returned = await post(client, "/desk/1/returns/finish", {
        "line": str(loan["id"]), "condition": "damaged", "notes": "The chuck is cracked",
        "damage_charge": "5"})
    assert returned.status_code == 303, returned.text
    unit = await Unit.select().where(Unit.asset_tag == tags[0]).first()
    assert unit["status"] == "maintenance"
    assert await MaintenanceTicket.count().where(MaintenanceTicket.unit == unit["id"]) == 1
    again = await post(client, "/desk/1/returns", {"tag": tags[0]})  # back already
    assert again.status_code == 422
    assert await AuditLog.count().where(AuditLog.action == "loan.check_in") == 1


async def scan(client, member: int, tags: list[str], back=None):
    """Scan these units into the member's basket (each until `back`); the page after."""
    page = None
    for tag in tags:
        page = await post(client, "/desk/1/basket", {
            "member": member, "scan": tag, "return_on": (back or open_day(3)).isoformat()})
        assert page.status_code == 200, page.text
    return page


async def lend(client, member: int, tags: list[str], back=None, **payment):
    data = {"member": member, "tag": tags, "method": "cash", **payment}
    page = await scan(client, member, tags, back)
    if "amount" not in payment:
        data["amount"] = re.search(r'name="amount" type="text" value="([\d.]+)"',
                                   page.text).group(1)
    response = await post(client, "/desk/1/check-out", data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_htmx_check_out_navigates_to_the_receipt(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    tags = await free_tags(1)
    token = await csrf_token(client, "/desk/1")
    page = await post(client, "/desk/1/basket", {"member": member, "scan": tags[0],
                                                 "return_on": open_day(2).isoformat()})
    amount = re.search(r'name="amount" type="text" value="([\d.]+)"', page.text).group(1)
    response = await client.post("/desk/1/check-out", data={
        "member": member, "tag": tags, "return_on": open_day(2).isoformat(), "method": "cash",
        "amount": amount, "_csrf_token": token},
        headers={"HX-Request": "true", "HX-Target": "basket"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/receipts/")
    without_token = await client.post("/desk/1/check-out", data={"member": member, "tag": tags})
    assert without_token.status_code == 403


async def test_card_payment_needs_the_slip_and_a_waiver_needs_a_coordinator(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    tags = await free_tags(1)
    await scan(client, member, tags, open_day(2))
    before = await counts()
    card = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags, "return_on": open_day(2).isoformat(), "method": "card",
        "amount": "1"})
    assert card.status_code == 422 and 'id="e-reference"' in card.text
    waiver = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags, "return_on": open_day(2).isoformat(),
        "method": "waiver", "amount": "1", "reason": "friend"})
    assert waiver.status_code == 403 and 'id="e-method"' in waiver.text
    bad_amount = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags, "return_on": open_day(2).isoformat(), "method": "cash",
        "amount": "-5"})
    assert bad_amount.status_code == 422 and 'id="e-amount"' in bad_amount.text
    past = await post(client, "/desk/1/check-out", {
        "member": member, "tag": tags, f"ends_on.{tags[0]}":
        (today() - timedelta(days=1)).isoformat(), "method": "cash", "amount": "1"})
    assert past.status_code == 422 and f'id="e-ends-{tags[0]}"' in past.text
    assert await counts() == before


async def test_partial_payment_leaves_a_balance_the_desk_settles_later(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    await lend(client, member, await free_tags(1), amount="20.00", leave_owing="yes",
               owing_reason="Pays the rest on Friday")
    panel = await client.get("/desk/1", params={"member": member})
    assert 'name="pay_amount"' in panel.text
    owed = sum(row["amount"] for row in await LedgerEntry.select().where(
        LedgerEntry.member == member))
    assert owed > 0
    too_much = await post(client, f"/desk/1/members/{member}/payments", {
        "pay_method": "cash", "pay_amount": f"{owed / 100 + 1:.2f}"})
    assert too_much.status_code == 422 and 'id="e-pay_amount"' in too_much.text
    paid = await post(client, f"/desk/1/members/{member}/payments", {
        "pay_method": "cash", "pay_amount": f"{owed / 100:.2f}"})
    assert paid.status_code == 303
    assert sum(row["amount"] for row in await LedgerEntry.select().where(
        LedgerEntry.member == member)) == 0
    nothing = await post(client, f"/desk/1/members/{member}/payments", {
        "pay_method": "cash", "pay_amount": "1"})
    assert nothing.status_code == 422


@pytest.mark.calendar
async def test_member_renews_their_loan_and_sees_what_they_owe(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    await lend(client, member, await free_tags(1), back=open_day(2))
    loan = (await Booking.select().where(Booking.status == "out").first())
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    members = [(p, pw) for r, p, pw in seeded.credentials if r == "member"]
    phone, password = next(m for m in members if m[0] == "+995555000012")
    assert (await log_in(client, phone, password)).status_code == 303
    mine = await client.get("/me/bookings")
    assert f'action="/loans/{loan["id"]}/renew"' in mine.text
    new_end = loan["ends_on"] + timedelta(days=1)
    while new_end.weekday() > 4:
        new_end += timedelta(days=1)
    renewed = await post(client, f"/loans/{loan['id']}/renew",
                         {"ends_on": new_end.isoformat(), "back": "/me/bookings"},
                         page="/me/bookings")
    assert renewed.status_code == 303
    assert (await Booking.select().where(Booking.id == loan["id"]).first())["ends_on"] == new_end
    owes = await client.get("/me/bookings")
    assert owes.status_code == 200
    backwards = await post(client, f"/loans/{loan['id']}/renew",
                           {"ends_on": loan["ends_on"].isoformat()}, page="/me/bookings")
    assert backwards.status_code == 303
    assert (await Booking.select().where(Booking.id == loan["id"]).first())["ends_on"] == new_end


async def test_overdue_list_lost_unit_cash_up_and_a_coordinator_reversal(client, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000013")
    tags = await free_tags(1)
    await lend(client, member, tags)
    long_ago = today() - timedelta(days=45)
    await Booking.update({Booking.starts_on: long_ago - timedelta(days=2),
                          Booking.ends_on: long_ago}).where(Booking.status == "out")
    overdue = await client.get("/desk/1/overdue")
    assert overdue.status_code == 200 and tags[0] in overdue.text
    loan = await Booking.select().where(Booking.status == "out").first()
    lost = await post(client, f"/desk/1/loans/{loan['id']}/lost", {"replacement": "120"},
                      page="/desk/1/overdue")
    assert lost.status_code == 303 and lost.headers["location"].startswith("/receipts/")
    assert (await Unit.select().where(Unit.asset_tag == tags[0]).first())["status"] == "lost"
    assert (await Booking.select().where(Booking.id == loan["id"]).first())["status"] == "lost"
    cash = await client.get("/desk/1/cash-up")
    assert cash.status_code == 200
    assert (await client.get("/desk/1/cash-up", params={"day": "nonsense"})).status_code == 200
    ledger_page = await client.get(f"/members/{member}/ledger")
    assert ledger_page.status_code == 200 and "/reverse" not in ledger_page.text  # staff
    entry = await LedgerEntry.select().where(LedgerEntry.kind == "replacement").first()
    refused = await post(client, f"/ledger/{entry['id']}/reverse",
                         {"member": member, "reason": "wrong amount"})
    assert refused.status_code == 403
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    page = await client.get(f"/members/{member}/ledger")
    assert f'/ledger/{entry["id"]}/reverse' in page.text
    empty = await post(client, f"/ledger/{entry['id']}/reverse", {"member": member,
                                                                  "reason": " "})
    assert empty.status_code == 303 and await LedgerEntry.count().where(
        LedgerEntry.reverses == entry["id"]) == 0
    done = await post(client, f"/ledger/{entry['id']}/reverse",
                      {"member": member, "reason": "found in the storeroom"})
    assert done.status_code == 303
    reversal = await LedgerEntry.select().where(LedgerEntry.reverses == entry["id"]).first()
    assert reversal["amount"] == -entry["amount"] and reversal["kind"] == "replacement"
    assert await AuditLog.exists().where(AuditLog.action == "ledger.reversal")


async def test_receipts_are_for_the_member_and_the_centre_staff_only(client, app, seeded):
    await as_staff(client, seeded)
    member = await member_id("+995555000012")
    receipt = await lend(client, member, await free_tags(1))
    english = await client.get(f"/receipts/{receipt}", params={"lang": "en"})
    assert english.status_code == 200 and "Receipt" in english.text
    import httpx
    members = {p: pw for r, p, pw in seeded.credentials if r == "member"}
    for phone, status in (("+995555000012", 200), ("+995555000013", 404)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver") as other:
            assert (await log_in(other, phone, members[phone])).status_code == 303
            assert (await other.get(f"/receipts/{receipt}")).status_code == status


async def test_desk_api_checks_out_and_in_with_the_same_rules(client, seeded):
    member = await member_id("+995555000012")
    tags = await free_tags(2)
    _id, token = await create_api_token(credentials(seeded, "staff")[0], "desk", now=now())
    auth = {"Authorization": f"Bearer {token}"}
    body = {"member_id": member, "centre_id": 1, "asset_tags": tags,
            "return_on": open_day(3).isoformat(),
            "payment": {"method": "cash", "amount_tetri": 1}}
    short = await client.post("/api/v1/loans/check-out", json=body, headers=auth)
    assert short.status_code == 422 and short.json()["errors"]["amount"]  # not by accident
    due = (await desk.basket_view(member, 1, tags, open_day(3), today())).due
    body["payment"] = {"method": "cash", "amount_tetri": due - 100, "leave_owing": True,
                       "owing_reason": "Pays the rest on Friday"}
    partial = await client.post("/api/v1/loans/check-out", json=body, headers=auth)
    assert partial.status_code == 201, partial.text
    assert len(partial.json()["loans"]) == 2 and partial.json()["balance_tetri"] > 0
    again = await client.post("/api/v1/loans/check-out", json=body, headers=auth)
    assert again.status_code == 409 and again.json()["errors"]["scan"]
    unknown = await client.post("/api/v1/loans/check-out", headers=auth,
                                json={**body, "asset_tags": ["SMG-9999"]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"]["SMG-9999"] == "ამ ნომრით ერთეული არ არსებობს."  # ka user
    other_centre = await client.post("/api/v1/loans/check-out", headers=auth,
                                     json={**body, "centre_id": 2})
    assert other_centre.status_code == 403
    back = await client.post("/api/v1/loans/check-in", headers=auth, json={
        "asset_tag": tags[0], "condition": "fine"})
    assert back.status_code == 201, back.text
    not_out = await client.post("/api/v1/loans/check-in", headers=auth, json={
        "asset_tag": tags[0], "condition": "fine"})
    assert not_out.status_code == 422 and not_out.json()["errors"]["tag"]
    bad = await client.post("/api/v1/loans/check-in", headers=auth, json={
        "asset_tag": tags[1], "condition": "exploded"})
    assert bad.status_code == 422
    member_token = (await create_api_token("+995555000012", "mine", now=now()))[1]
    refused = await client.post("/api/v1/loans/check-in", json={
        "asset_tag": tags[1], "condition": "fine"},
        headers={"Authorization": f"Bearer {member_token}"})
    assert refused.status_code == 403


async def test_the_desk_page_and_basket_do_a_fixed_number_of_queries(client, seeded,
                                                                     count_queries):
    await as_staff(client, seeded)
    member = await member_id("+995555000013")
    await lend(client, member, await free_tags(1))
    tags = (await free_tags(7))[1:]  # not the one out
    figures = []
    for basket in (tags[:1], tags[1:]):
        await scan(client, member, basket)  # one unit in the basket, then six
        count_queries["n"] = 0
        page = await post(client, "/desk/1/basket", {"member": member, "scan": "SMG-9999"})
        assert page.status_code == 422
        figures.append(count_queries["n"])
    assert figures[0] == figures[1]  # one unit or six: the same queries
    await post(client, "/desk/1/basket", {"member": member, "action": "clear"})
    count_queries["n"] = 0
    await lend(client, member, tags[1:4], override_reason="a builder on a long job")
    other = await member_id("+995555000012")
    await client.get("/receipts/1")  # shows the check-out's flash message once
    seen = []
    for who in (member, other, member, other):
        count_queries["n"] = 0
        await client.get("/desk/1", params={"member": who})
        seen.append(count_queries["n"])
    assert len(set(seen)) == 1  # four loans out or none: the same queries


async def test_the_desk_of_a_centre_just_deactivated_answers_404_not_500(client, seeded):
    from rental.tables import Centre

    await as_staff(client, seeded)
    token = await csrf_token(client, "/desk/1")
    await Centre.update({Centre.active: False}).where(Centre.id == 1)
    member = await member_id("+995555000012")
    for path in ("/desk/1", "/desk/1/overdue"):  # (its cash-up stays readable: history)
        assert (await client.get(path)).status_code == 404, path
    for path, data in (
            ("/desk/1/basket", {"member": member, "scan": "SMG-0001", "return_on": ""}),
            ("/desk/1/check-out", {"member": member, "tags": "SMG-0001",
                                   "return_on": open_day(2).isoformat(), "method": "cash",
                                   "amount": "10"}),
            ("/desk/1/returns", {"tag": "SMG-0001"}),
            ("/desk/1/payment", {"member": member, "method": "cash", "amount": "1"})):
        response = await client.post(path, data={**data, "_csrf_token": token})
        assert response.status_code == 404, (path, response.status_code)
    assert await counts() == (0, 0, 0)


async def busy_tomorrow() -> tuple[date, list[str]]:
    """Tomorrow's pick-ups at Samgori: two more than a list shows (their tags, in order)."""
    member = await member_id("+995555000013")
    tomorrow = today() + timedelta(days=1)
    units = await Unit.select(Unit.id, Unit.tool_type, Unit.asset_tag).where(
        (Unit.centre == 1) & (Unit.status == "available")).order_by(Unit.id).limit(
        desk.DAY_LIST_ROWS + 2)
    assert len(units) == desk.DAY_LIST_ROWS + 2
    await Booking.update({Booking.status: "cancelled"}).where(  # tomorrow's list: only these
        (Booking.starts_on == tomorrow) & (Booking.status == "reserved"))
    await Booking.insert(*[Booking(member=member, tool_type=unit["tool_type"], centre=1,
                                   unit=unit["id"], starts_on=tomorrow, ends_on=tomorrow,
                                   status="reserved", created_at=now()) for unit in units])
    return tomorrow, [unit["asset_tag"] for unit in units]


async def test_a_busy_days_list_shows_its_first_rows_and_all_of_them_when_asked(client, seeded):
    await as_staff(client, seeded)
    tomorrow, tags = await busy_tomorrow()
    whole = f"/desk/1?all=pickups-{tomorrow.isoformat()}"
    page = await client.get("/desk/1")
    shown = [tag for tag in tags if f" · {tag}</li>" in page.text]
    assert shown == tags[:desk.DAY_LIST_ROWS]  # the first rows, in booking order
    link = re.search(rf'href="{re.escape(whole)}"[^>]*>([^<]*)</a>', page.text)
    assert link and str(len(tags)) in link[1]  # "show all 22", in the reader's language
    for answer in (await client.get(whole), await client.get(
            whole, headers={"HX-Request": "true", "HX-Target": "desk-days"})):
        assert answer.status_code == 200
        assert all(f" · {tag}</li>" in answer.text for tag in tags)
        assert f'href="{whole}"' not in answer.text
    fragment = await client.get(whole, headers={"HX-Request": "true", "HX-Target": "desk-days"})
    assert fragment.text.lstrip().startswith('<div id="desk-days">')
    assert 'id="desk-member"' not in fragment.text
    for nonsense in ("pickups-tomorrow", "everything", "returns-2026-13-40"):
        again = await client.get("/desk/1", params={"all": nonsense})
        assert again.status_code == 200 and f'href="{whole}"' in again.text, nonsense


async def test_each_desk_fragment_reads_only_what_it_shows(client, seeded, count_queries):
    await as_staff(client, seeded)
    sizes = {}
    for target in ("", "desk-member", "check-in", "desk-days"):
        count_queries["n"] = 0
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        answer = await client.get("/desk/1", params={"q": "555000012"}, headers=headers)
        assert answer.status_code == 200, target
        sizes[target] = count_queries["n"]
    assert max(sizes["desk-member"], sizes["check-in"], sizes["desk-days"]) < sizes[""]
    # the lookup: who is asking, the centre, the member found and their panel; not the
    # return list nor the day's lists
    count_queries["n"] = 0
    await client.get("/desk/1", params={"q": "zz"},
                     headers={"HX-Request": "true", "HX-Target": "desk-member"})
    lookup = count_queries["n"]
    count_queries["n"] = 0
    await client.get("/desk/1", params={"q": "zz"})
    assert lookup <= count_queries["n"] - 2


async def test_the_desks_landing_page_folds_a_busy_list_too(client, seeded):
    """/desk (every centre the staff member works for) shows the first rows of each list and
    "Show all N", which shows them all."""
    await as_staff(client, seeded)
    tomorrow, tags = await busy_tomorrow()
    whole = f"/desk?all=pickups-{tomorrow.isoformat()}"
    page = await client.get("/desk")
    assert sum(f"<td>{tag}</td>" in page.text for tag in tags) == desk.DAY_LIST_ROWS
    link = re.search(rf'href="{re.escape(whole)}"[^>]*>([^<]*)</a>', page.text)
    assert link and str(len(tags)) in link[1]
    every = await client.get(whole)
    assert every.status_code == 200 and all(f"<td>{tag}</td>" in every.text for tag in tags)
    assert f'href="{whole}"' not in every.text
    assert (await client.get("/desk?all=everything")).status_code == 200
