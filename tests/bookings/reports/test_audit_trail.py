"""The audit trail page: rows found by member, unit, staff member, action and days; desk staff
see their centres only; bad input is refused beside its field; the CSV file."""

from __future__ import annotations

import csv
import io
import re

import pytest
from helpers import CLOCK, SMG, credentials, demo_cast, free_tags, log_in, now, open_day, today

from bookings.lending import desk, reservations
from inventory.tables import Unit
from rental.accounts import create_staff_account
from rental.member_rules import card_number
from rental.tables import AuditLog, Member


async def _lend(cast) -> str:
    """One unit lent at Samgori by its desk staff to the demo member now; its tag."""
    [tag] = await free_tags(1)
    return_on = open_day(2)
    due = (await desk.basket_view(cast.member, SMG, [tag], return_on, today())).due
    await desk.check_out(member_id=cast.member, centre_id=SMG, tags=[tag], return_on=return_on,
                         payment={"method": "cash", "amount": due}, override_reason="",
                         actor=cast.staff, today=today(), now=now())
    return tag


def found(page) -> list[str]:
    """The actions the page lists, in its order."""
    return re.findall(r'<h2 class="audit-what">([^<]*)</h2>', page.text)


async def _as(client, seeded, role: str, language: str = "en"):
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: language}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def test_a_loan_is_found_by_its_member_unit_staff_member_and_action(client, seeded):
    cast = await demo_cast()
    tag = await _lend(cast)
    await _as(client, seeded, "coordinator")

    by_member = await client.get("/audit", params={"member": card_number(cast.member)})
    assert by_member.status_code == 200
    assert "Checked out" in found(by_member)
    # the ledger lines are found by the member their row names, with the amount as money
    assert {"Payment taken", "Fee charged", "Account created"} <= set(found(by_member))
    assert card_number(cast.member) in by_member.text and f"<dd>{tag}</dd>" in by_member.text

    by_phone = await client.get("/audit", params={"member": "555 00 00 12"})
    assert found(by_phone) == found(by_member)

    by_unit = await client.get("/audit", params={"unit": tag.lower()})
    assert "Checked out" in found(by_unit) and "Payment taken" not in found(by_unit)

    by_staff = await client.get("/audit", params={"actor": str(cast.staff.id),
                                                  "action": "loan.check_out"})
    assert found(by_staff) == ["Checked out"]
    assert cast.staff.name in by_staff.text

    nobody = await client.get("/audit", params={"member": "555 99 99 99"})
    assert "Nothing was recorded that matches the search." in nobody.text


async def test_days_narrow_the_search_and_default_to_the_last_30(client, seeded):
    cast = await demo_cast()
    day = today().isoformat()
    await _lend(cast)
    CLOCK.advance(days=40)
    await _as(client, seeded, "coordinator")
    recent = await client.get("/audit", params={"action": "loan.check_out"})
    assert found(recent) == []
    then = await client.get("/audit", params={"action": "loan.check_out", "from": day,
                                              "to": day})
    assert found(then) == ["Checked out"]


async def test_desk_staff_see_their_centres_only(client, seeded):
    cast = await demo_cast()
    await _lend(cast)
    await create_staff_account(role="staff", phone="555 77 77 79", name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=now())
    assert (await log_in(client, "+995555777779", "kutaisi-desk-1")).status_code == 303
    mine = await client.get("/audit", params={"action": "loan.check_out"})
    assert mine.status_code == 200 and found(mine) == []
    assert (await client.get("/audit", params={"centre": str(SMG)})).status_code == 403
    # Samgori's staff member is no colleague of theirs: not offered in the list
    assert cast.staff.name not in mine.text


async def test_members_and_visitors_are_not_let_in(client, seeded):
    assert (await client.get("/audit")).headers["location"].startswith("/login")
    await _as(client, seeded, "member")
    assert (await client.get("/audit")).status_code == 403
    assert (await client.get("/audit/export")).status_code == 403


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"member": "ნინო"}, "member", "card number (M00042) or phone."),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "to",
     "The last day cannot be before the first."),
    ({"action": "delete everything"}, "action", "Choose an action from the list."),
    ({"unit": "NOPE-0000"}, "unit", "There is no unit with this tag."),
    ({"centre": "99"}, "centre", "There is no such centre."),
])
async def test_bad_input_is_refused_beside_its_field(client, seeded, params, field, message):
    await _as(client, seeded, "coordinator")
    before = await AuditLog.count()
    page = await client.get("/audit", params=params)
    assert page.status_code == 400
    assert f'id="e-{field}"' in page.text and message in page.text
    assert await AuditLog.count() == before
    assert (await client.get("/audit/export", params=params)).status_code == 400


async def test_the_page_speaks_georgian_and_htmx_gets_the_fragment(client, seeded):
    cast = await demo_cast()
    await _lend(cast)
    await _as(client, seeded, "coordinator", "ka")
    page = await client.get("/audit", params={"action": "loan.check_out"})
    assert len(found(page)) == 1 and found(page) != ["Checked out"]
    assert 'lang="ka"' in page.text
    fragment = await client.get("/audit", params={"action": "loan.check_out"},
                                headers={"HX-Request": "true", "HX-Target": "audit"})
    assert fragment.text.lstrip().startswith('<section id="audit"')


async def test_the_csv_file_has_a_line_per_changed_field(client, seeded):
    cast = await demo_cast()
    tag = await _lend(cast)
    await _as(client, seeded, "coordinator")
    download = await client.get("/audit/export", params={"member": card_number(cast.member)})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What", "Record", "Centre", "Field", "Before", "After"]
    lent = [row for row in rows if row[2] == "Checked out"]
    assert ["Unit", tag] in [row[5::2] for row in lent]


async def test_waitlist_steps_are_in_the_trail(seeded):
    cast = await demo_cast()
    first = open_day(3)
    entry_id = None
    from bookings.tables import Booking
    tool_type = (await Unit.select(Unit.tool_type).where(Unit.centre == SMG).first())["tool_type"]
    # every unit of the type booked by someone else for the days, so the member must wait
    units = await Unit.select(Unit.id).where((Unit.tool_type == tool_type)
                                             & (Unit.centre == SMG)
                                             & (Unit.status == "available"))
    for _ in units:
        try:
            await reservations.book(member_id=cast.other, tool_type_id=tool_type, centre_id=SMG,
                                    starts_on=first, ends_on=first, actor_id=cast.other,
                                    today=today(), now=now())
        except Exception:  # noqa: BLE001 - the type may allow fewer bookings: enough are taken
            break
    entry_id = await reservations.join_waitlist(member_id=cast.member, tool_type_id=tool_type,
                                                centre_id=SMG, starts_on=first, ends_on=first,
                                                today=today(), now=now())
    await reservations.leave_waitlist(entry_id, member_id=cast.member, now=now(), today=today())
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action).where(
        (AuditLog.entity == "waitlist_entry") & (AuditLog.entity_id == entry_id))]
    assert actions == ["waitlist.join", "waitlist.leave"]
    assert await Booking.count() >= 1
