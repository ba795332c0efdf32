"""Bookings: members and the desk book, cancel, wait; the API; no-shows; double booking."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from datetime import date, timedelta

import httpx
import pytest
from conftest import DB, ON_POSTGRES, RUN_DIR, WORKER_DB_URL
from helpers import credentials, csrf_token, demo_cast, log_in, now, open_day, today

from bookings.lending import desk, reservations
from bookings.lending.reservations import expire
from bookings.tables import Booking, WaitlistEntry
from inventory.tables import Category, ToolType, Unit
from rental.accounts import create_api_token
from rental.tables import AuditLog, Centre, Member, Membership, MembershipType


async def single_unit_tool(code: str = "SMG") -> tuple[int, int]:
    """A tool type with exactly one unit at a centre: (tool type id, centre id)."""
    centre = await Centre.select(Centre.id).where(Centre.code == code).first()
    category = await Category.select(Category.id).first()
    tool = await ToolType.insert(ToolType(
        slug=f"test-saw-{code.lower()}", category=category["id"], name_ka="სატესტო ხერხი",
        name_en="Test saw", daily_fee=200, deposit=1000, max_loan_days=7, created_at=now(),
        search_text="test saw")).returning(ToolType.id)
    await Unit.insert(Unit(tool_type=tool[0]["id"], centre=centre["id"],
                           asset_tag=f"{code}-9001", created_at=now()))
    return tool[0]["id"], centre["id"]


async def book_page(client, tool, centre, starts, ends, **extra):
    token = await csrf_token(client, "/")
    return await client.post(f"/tool-types/{tool}/book", data={
        "centre": centre, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
        "_csrf_token": token, **extra})


async def as_member(client, seeded, index: int = 0):
    members = [(p, pw) for r, p, pw in seeded.credentials if r == "member"]
    phone, password = members[index]
    assert (await log_in(client, phone, password)).status_code == 303
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def test_calendar_page_shows_free_units_and_the_fee_with_the_concession(client, seeded):
    tool, centre = await single_unit_tool()
    await as_member(client, seeded, 0)  # has the returning-migrant concession (100 %)
    starts = open_day(2)
    ends = open_day(3, since=starts)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "from": starts.isoformat(), "to": ends.isoformat()})
    assert page.status_code == 200
    assert "სატესტო ხერხი" in page.text and 'class="table calendar"' in page.text
    assert "−100 %" in page.text
    assert "0,00\xa0₾" in page.text  # the fee after the concession
    fragment = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "month": starts.strftime("%Y-%m")},
        headers={"HX-Request": "true", "HX-Target": "calendar"})
    assert fragment.text.lstrip().startswith('<section id="calendar"')


@pytest.mark.calendar
async def test_member_books_sees_it_and_cancels(client, seeded):
    tool, centre = await single_unit_tool()
    member = await as_member(client, seeded, 1)
    starts = open_day(3)
    ends = open_day(2, since=starts)
    response = await book_page(client, tool, centre, starts, ends)
    assert response.status_code == 303, response.text
    booking = await Booking.select().where(Booking.member == member).first()
    assert booking["status"] == "reserved" and booking["starts_on"] == starts
    unit = await Unit.select(Unit.asset_tag).where(Unit.id == booking["unit"]).first()
    assert unit["asset_tag"] == "SMG-9001"
    mine = await client.get("/me/bookings")
    assert "სატესტო ხერხი" in mine.text and "SMG-9001" in mine.text
    assert await AuditLog.exists().where(AuditLog.action == "booking.create")
    token = await csrf_token(client, "/me/bookings")
    cancelled = await client.post(f"/bookings/{booking['id']}/cancel",
                                  data={"_csrf_token": token})
    assert cancelled.status_code == 303
    assert (await Booking.select(Booking.status).where(Booking.id == booking["id"]).first())[
        "status"] == "cancelled"


@pytest.mark.parametrize(
    "starts, ends, field",
    [
        (lambda: open_day(3), lambda: open_day(3) - timedelta(days=1), "ends_on"),
        (lambda: today() - timedelta(days=1), lambda: open_day(2), "starts_on"),
        (lambda: open_day(2), lambda: open_day(2) + timedelta(days=8), "ends_on"),
        (lambda: open_day(61), lambda: open_day(61), "starts_on"),
        (lambda: next_sunday(), lambda: next_sunday() + timedelta(days=1), "starts_on"),
    ],
    ids=["return-before-pick-up", "past-date", "over-the-maximum", "too-far-ahead",
         "closed-day"],
)
async def test_bad_periods_get_a_message_and_write_nothing(client, seeded, starts, ends, field):
    tool, centre = await single_unit_tool()
    await as_member(client, seeded, 1)
    response = await book_page(client, tool, centre, starts(), ends())
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await Booking.count() == 0


def monday(weeks_ahead: int) -> date:
    return today() + timedelta(days=7 * weeks_ahead - today().weekday())


def next_sunday() -> date:
    return today() + timedelta(days=(6 - today().weekday()) % 7 or 7)


async def test_unknown_tool_or_centre_is_404(client, seeded):
    await as_member(client, seeded, 1)
    assert (await client.get("/tool-types/999999/book", params={"centre": 1})).status_code == 404
    tool, _centre = await single_unit_tool()
    assert (await client.get(f"/tool-types/{tool}/book",
                             params={"centre": 999})).status_code == 404


async def test_who_may_not_book_gets_the_reason(client, seeded):
    tool, centre = await single_unit_tool()
    member = await as_member(client, seeded, 1)
    starts = open_day(2)
    # a suspended membership
    await Membership.update({Membership.status: "suspended",
                             Membership.suspended_reason: "test"}).where(
        Membership.member == member)
    response = await book_page(client, tool, centre, starts, starts)
    assert response.status_code == 403 and "შეჩერებ" in response.text
    # an expired membership
    await Membership.update({Membership.status: "active",
                             Membership.starts_on: today() - timedelta(days=60),
                             Membership.ends_on: today() - timedelta(days=1)}).where(
        Membership.member == member)
    assert (await book_page(client, tool, centre, starts, starts)).status_code == 403
    # a tool that needs a certificate
    await Membership.update({Membership.ends_on: today() + timedelta(days=30)}).where(
        Membership.member == member)
    grinder = await ToolType.select(ToolType.id).where(
        ToolType.required_skill.is_not_null()).first()
    assert (await book_page(client, grinder["id"], centre, starts, starts)).status_code == 403
    assert await Booking.count() == 0


async def test_open_booking_limit(client, seeded):
    member = await as_member(client, seeded, 1)
    limit = (await MembershipType.select(MembershipType.max_open_bookings).where(
        MembershipType.slug == "standard").first())["max_open_bookings"]
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    smg = await Centre.select(Centre.id).where(Centre.code == "SMG").first()
    for n in range(limit):
        day = open_day(2 + n)
        ok = await book_page(client, drill["id"], smg["id"], day, day)
        assert ok.status_code == 303
    over = await book_page(client, drill["id"], smg["id"], open_day(20), open_day(20))
    assert over.status_code == 403
    assert await Booking.count().where(Booking.member == member) == limit


async def test_pending_member_cannot_book(client, seeded):
    tool, centre = await single_unit_tool()
    member = await as_member(client, seeded, 1)
    await Member.update({Member.status: "pending"}).where(Member.id == member)
    response = await book_page(client, tool, centre, open_day(2), open_day(2))
    assert response.status_code == 403


@pytest.mark.calendar
async def test_when_nothing_is_free_the_member_can_wait_and_gets_an_offer(client, app, seeded):
    tool, centre = await single_unit_tool()
    starts = monday(1)
    ends = starts + timedelta(days=2)  # Monday to Wednesday; the second asks Tuesday to Thursday
    first = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    async with first:
        await as_member(first, seeded, 1)
        assert (await book_page(first, tool, centre, starts, ends)).status_code == 303
        second = await as_member(client, seeded, 2)
        refused = await book_page(client, tool, centre, starts + timedelta(days=1),
                                  ends + timedelta(days=1))
        assert refused.status_code == 409
        assert "/waitlist" in refused.text
        token = await csrf_token(client, "/me/bookings")
        joined = await client.post(f"/tool-types/{tool}/waitlist", data={
            "centre": centre, "starts_on": (starts + timedelta(days=1)).isoformat(),
            "ends_on": (ends + timedelta(days=1)).isoformat(), "_csrf_token": token})
        assert joined.status_code == 303
        entry = await WaitlistEntry.select().where(WaitlistEntry.member == second).first()
        assert entry["status"] == "waiting"
        # the first member cancels: the unit is offered to the one waiting
        booking = await Booking.select(Booking.id).first()
        token = await csrf_token(first, "/me/bookings")
        await first.post(f"/bookings/{booking['id']}/cancel", data={"_csrf_token": token})
    offered = await WaitlistEntry.select().where(WaitlistEntry.id == entry["id"]).first()
    assert offered["status"] == "offered" and offered["offer_expires_at"] > now()
    page = await client.get("/me/bookings")
    assert "/book?centre=" in page.text  # "book it now"
    # the offer lapses when its hours pass
    no_shows, lapsed = await expire(now=offered["offer_expires_at"] + timedelta(minutes=1))
    assert lapsed == 1
    assert (await WaitlistEntry.select(WaitlistEntry.status).where(
        WaitlistEntry.id == entry["id"]).first())["status"] == "expired"


@pytest.mark.calendar
@pytest.mark.usefixtures("desk_open")
async def test_a_waitlist_offer_holds_the_unit_for_its_member_only(client, seeded):
    """A cancels, B is offered the unit: C cannot book it nor the desk lend it over B's dates
    until B books or the offer lapses (and the calendar shows it taken for everyone but B)."""
    cast = await demo_cast()
    tool, centre = await single_unit_tool()
    starts = open_day(2)
    ends = open_day(1, since=starts)
    dates = {"tool_type_id": tool, "centre_id": centre, "starts_on": starts, "ends_on": ends,
             "today": today(), "now": now()}
    a = await reservations.book(member_id=cast.migrant, actor_id=cast.migrant, **dates)
    await reservations.join_waitlist(member_id=cast.member, **dates)
    await reservations.cancel(a["id"], member_id=cast.migrant, centre_ids=None,
                              actor_id=cast.migrant, now=now(), today=today())
    offer = await WaitlistEntry.select().where(WaitlistEntry.member == cast.member).first()
    assert offer["status"] == "offered"
    with pytest.raises(reservations.BookingError) as refused:
        await reservations.book(member_id=cast.other, actor_id=cast.other, **dates)
    assert refused.value.kind == "conflict" and "waitlist" in refused.value.errors["form"]
    assert await Booking.count().where(Booking.status == "reserved") == 0
    # the calendar: taken for everyone else, free for B; the public API the same as for others
    _offer, for_other = await reservations.month_view(tool, centre, cast.other,
                                                      starts.replace(day=1), today())
    _offer, for_b = await reservations.month_view(tool, centre, cast.member,
                                                  starts.replace(day=1), today())
    assert for_other[starts] == 0 and for_b[starts] == 1
    api = await client.get(f"/api/v1/tool-types/{tool}/availability", params={
        "centre": centre, "from": starts.isoformat(), "to": ends.isoformat()})
    assert {day["free"] for day in api.json()} == {0}
    # the desk may not lend it over B's dates as a walk-in either
    basket = await desk.basket_view(cast.other, centre, ["SMG-9001"], ends, today())
    assert basket.lines[0].verdict.kind == "refused"
    assert "waitlist" in basket.lines[0].verdict.reason[0]
    # B books: the offer is taken
    booked = await reservations.book(member_id=cast.member, actor_id=cast.member, **dates)
    assert booked["status"] == "reserved"
    assert (await WaitlistEntry.select(WaitlistEntry.status).where(
        WaitlistEntry.id == offer["id"]).first())["status"] == "booked"


@pytest.mark.calendar
async def test_a_lapsed_offer_no_longer_holds_the_unit(seeded):
    cast = await demo_cast()
    tool, centre = await single_unit_tool()
    starts = open_day(2)
    dates = {"tool_type_id": tool, "centre_id": centre, "starts_on": starts,
             "ends_on": starts, "today": today(), "now": now()}
    a = await reservations.book(member_id=cast.migrant, actor_id=cast.migrant, **dates)
    await reservations.join_waitlist(member_id=cast.member, **dates)
    await reservations.cancel(a["id"], member_id=cast.migrant, centre_ids=None,
                              actor_id=cast.migrant, now=now(), today=today())
    offer = await WaitlistEntry.select().where(WaitlistEntry.member == cast.member).first()
    assert await expire(now=offer["offer_expires_at"]) == (0, 1)
    booked = await reservations.book(member_id=cast.other, actor_id=cast.other, **dates)
    assert booked["status"] == "reserved"


@pytest.mark.calendar
async def test_a_booking_not_picked_up_becomes_a_no_show(seeded):
    tool, centre = await single_unit_tool()
    member = await Member.select(Member.id).where(Member.phone == "+995555000012").first()
    yesterday = today() - timedelta(days=1)
    await Booking.insert(Booking(member=member["id"], tool_type=tool, unit=(
        await Unit.select(Unit.id).where(Unit.asset_tag == "SMG-9001").first())["id"],
        centre=centre, starts_on=yesterday, ends_on=today(), status="reserved", created_at=now()))
    assert await expire(now=now()) == (1, 0)
    assert (await Booking.select(Booking.status).first())["status"] == "no_show"
    assert await expire(now=now()) == (0, 0)  # nothing left to do


def test_expire_command_runs():
    url = WORKER_DB_URL if ON_POSTGRES else "sqlite:///" + DB.connection_kwargs["database"]
    done = subprocess.run([sys.executable, "-m", "toollib.cli", "bookings", "expire"],
                          env={**os.environ, "DATABASE_URL": url,
                               "VAR_DIR": str(RUN_DIR / "cli-var")},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "no-shows marked" in done.stdout


@pytest.mark.calendar
async def test_desk_sees_pickups_of_its_centres_and_books_for_a_member(client, seeded):
    tool, centre = await single_unit_tool()
    kutaisi_tool, kutaisi = await single_unit_tool("KUT")
    member = (await Member.select(Member.id).where(
        Member.phone == "+995555000012").first())["id"]
    staff_phone, staff_password = credentials(seeded, "staff")
    await log_in(client, staff_phone, staff_password)
    today_ok = today().weekday() < 5
    day = today() if today_ok else open_day(1)
    booked = await book_page(client, tool, centre, day, day, member=member)
    assert booked.status_code == 303 and booked.headers["location"].startswith(
        f"/members/{member}")
    elsewhere = await book_page(client, kutaisi_tool, kutaisi, day, day, member=member)
    assert elsewhere.status_code == 403  # Samgori staff do not book at Kutaisi
    desk = await client.get("/desk")
    assert desk.status_code == 200
    if day == today() or day == today() + timedelta(days=1):
        assert "SMG-9001" in desk.text


# --- the API --------------------------------------------------------------------------------


@pytest.mark.calendar
async def test_api_availability_and_booking_with_a_bearer_token(client, seeded):
    tool, centre = await single_unit_tool()
    starts = open_day(5)
    ends = open_day(1, since=starts)
    days = await client.get(f"/api/v1/tool-types/{tool}/availability", params={
        "centre": centre, "from": starts.isoformat(), "to": ends.isoformat()})
    assert days.status_code == 200
    assert [d["free"] for d in days.json()] == [1] * ((ends - starts).days + 1)
    bad = await client.get(f"/api/v1/tool-types/{tool}/availability", params={
        "centre": centre, "from": ends.isoformat(), "to": starts.isoformat()})
    assert bad.status_code == 422
    unknown = await client.get("/api/v1/tool-types/999999/availability", params={
        "centre": centre, "from": starts.isoformat(), "to": ends.isoformat()})
    assert unknown.status_code == 404

    _id, token = await create_api_token("+995555000012", "test", now=now())
    auth = {"Authorization": f"Bearer {token}"}
    body = {"tool_type_id": tool, "centre_id": centre, "starts_on": starts.isoformat(),
            "ends_on": ends.isoformat()}
    created = await client.post("/api/v1/bookings", json=body, headers=auth)  # no CSRF needed
    assert created.status_code == 201, created.text
    assert created.json()["starts_on"] == starts.isoformat()
    taken = await client.post("/api/v1/bookings", json=body, headers=auth)
    assert taken.status_code == 409 and taken.json()["errors"]["form"]
    invalid = await client.post("/api/v1/bookings", json={**body, "starts_on": "soon"},
                                headers=auth)
    assert invalid.status_code == 400 or invalid.status_code == 422
    backwards = await client.post("/api/v1/bookings", json={
        **body, "starts_on": open_day(9).isoformat(),
        "ends_on": (open_day(9) - timedelta(days=1)).isoformat()},
        headers=auth)
    assert backwards.status_code == 422
    assert (await client.post("/api/v1/bookings", json=body,
                              headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_api_with_a_session_cookie_still_needs_csrf(client, seeded):
    tool, centre = await single_unit_tool()
    await as_member(client, seeded, 1)
    body = {"tool_type_id": tool, "centre_id": centre, "starts_on": open_day(2).isoformat(),
            "ends_on": open_day(2).isoformat()}
    assert (await client.post("/api/v1/bookings", json=body)).status_code == 403
    token = await csrf_token(client, "/")
    ok = await client.post("/api/v1/bookings", json=body, headers={"x-csrftoken": token})
    assert ok.status_code == 201


async def test_api_refuses_a_member_who_may_not_book(client, seeded):
    tool, centre = await single_unit_tool()
    await Member.update({Member.status: "pending"}).where(Member.phone == "+995555000012")
    _id, token = await create_api_token("+995555000012", "test", now=now())
    response = await client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"},
                                 json={"tool_type_id": tool, "centre_id": centre,
                                       "starts_on": open_day(2).isoformat(),
                                       "ends_on": open_day(2).isoformat()})
    assert response.status_code == 403


async def test_revoked_tokens_stop_working(client, seeded):
    from rental.accounts import revoke_api_token

    token_id, token = await create_api_token("+995555000012", "test", now=now())
    await revoke_api_token(token_id, now=now())
    response = await client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"},
                                 json={})
    assert response.status_code == 401


@pytest.mark.xdist_group("concurrency")
async def test_a_hundred_requests_for_the_last_unit_make_exactly_one_booking(app, seeded):
    """Through the HTTP API, all at once, overlapping periods: one 201, ninety-nine 409."""
    tool, centre = await single_unit_tool()
    standard = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first()
    people = [Member(name=f"წევრი {n}", phone=f"+99559900{n:04d}", role="member",
                     status="active", created_at=now(), updated_at=now()) for n in range(100)]
    ids = [row["id"] for row in await Member.insert(*people).returning(Member.id)]
    await Membership.insert(*[Membership(member=i, membership_type=standard["id"],
                                         starts_on=today(), ends_on=today() + timedelta(days=300),
                                         status="active", created_at=now()) for i in ids])
    tokens = [(await create_api_token(f"+99559900{n:04d}", "race", now=now()))[1]
              for n in range(100)]
    base = open_day(6)

    async def attempt(n: int, token: str) -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t", timeout=60) as http:
            response = await http.post("/api/v1/bookings", headers={
                "Authorization": f"Bearer {token}"}, json={
                "tool_type_id": tool, "centre_id": centre,
                "starts_on": base.isoformat(),
                "ends_on": open_day(6 + n % 4).isoformat()})
            return response.status_code

    statuses = await asyncio.gather(*(attempt(n, t) for n, t in enumerate(tokens)))
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1 and statuses.count(409) == 99
    assert await Booking.count().where(Booking.tool_type == tool) == 1


@contextlib.asynccontextmanager
async def server_sized_pool():
    """As many PostgreSQL connections as `rental serve` opens (10), not the tests' four."""
    if not ON_POSTGRES:
        yield
        return
    await DB.close_connection_pool()
    await DB.start_connection_pool(min_size=1, max_size=10)
    try:
        yield
    finally:
        await DB.close_connection_pool()
        await DB.start_connection_pool(min_size=1, max_size=4)


async def test_overlapping_bookings_at_once_never_answer_5xx(app, seeded):
    """Rounds of 120 requests at once for three units, every period overlapping others: each
    gets 201 or 409 (PostgreSQL broke such races with a deadlock and a 500 before), and no
    unit is ever held twice on a day."""
    tool, centre = await single_unit_tool()
    tool_unit = await Unit.select().where(Unit.tool_type == tool).first()
    await Unit.insert(*[Unit(tool_type=tool, centre=centre, asset_tag=f"SMG-900{n}",
                             created_at=now()) for n in (2, 3)])
    standard = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first()
    people = [Member(name=f"წევრი {n}", phone=f"+99559800{n:04d}", role="member",
                     status="active", created_at=now(), updated_at=now()) for n in range(120)]
    ids = [row["id"] for row in await Member.insert(*people).returning(Member.id)]
    await Membership.insert(*[Membership(member=i, membership_type=standard["id"],
                                         starts_on=today(), ends_on=today() + timedelta(days=300),
                                         status="active", created_at=now()) for i in ids])
    tokens = [(await create_api_token(f"+99559800{n:04d}", "race", now=now()))[1]
              for n in range(120)]
    days = [open_day(2)]
    while len(days) < 6:
        days.append(open_day(1, since=days[-1]))

    async def attempt(n: int, token: str) -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t", timeout=120) as http:
            response = await http.post("/api/v1/bookings", headers={
                "Authorization": f"Bearer {token}"}, json={
                "tool_type_id": tool, "centre_id": centre,
                "starts_on": days[n % 3].isoformat(), "ends_on": days[3 + n % 3].isoformat()})
            return response.status_code

    for _round in range(2):
        async with server_sized_pool():
            statuses = await asyncio.gather(*(attempt(n, t) for n, t in enumerate(tokens)))
        assert set(statuses) <= {201, 409}, sorted(statuses)
        assert 1 <= statuses.count(201) <= 3
        rows = await Booking.select().where(Booking.status == "reserved")
        for unit in {row["unit"] for row in rows}:
            held = sorted((r["starts_on"], r["ends_on"]) for r in rows if r["unit"] == unit)
            assert all(a[1] < b[0] for a, b in zip(held, held[1:], strict=False)), held
        await Booking.update({Booking.status: "cancelled"}, force=True)
    assert tool_unit is not None


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite writers queue; they never deadlock")
async def test_a_booking_the_database_aborts_in_a_deadlock_runs_again(seeded):
    """Another transaction holds the second unit and then waits for the first, which the
    booking holds: PostgreSQL aborts the booking to break the cycle, and the booking runs again
    once the other is done, instead of failing with a 500."""
    import asyncpg

    tool, centre = await single_unit_tool()
    await Unit.insert(Unit(tool_type=tool, centre=centre, asset_tag="SMG-9002",
                           created_at=now()))
    cast = await demo_cast()
    other = await asyncpg.connect(WORKER_DB_URL.replace("postgres://", "postgresql://", 1))
    try:
        blocker = other.transaction()
        await blocker.start()
        await other.execute("SELECT id FROM unit WHERE asset_tag = 'SMG-9002' FOR UPDATE")
        day = open_day(2)
        booking = asyncio.create_task(reservations.book(
            member_id=cast.member, tool_type_id=tool, centre_id=centre, starts_on=day,
            ends_on=day, actor_id=cast.member, today=today(), now=now()))
        await asyncio.sleep(0.3)  # the booking holds SMG-9001 and waits for SMG-9002
        with contextlib.suppress(asyncpg.DeadlockDetectedError):
            await other.execute("SELECT id FROM unit WHERE asset_tag = 'SMG-9001' FOR UPDATE")
        await blocker.rollback()
        result = await asyncio.wait_for(booking, timeout=30)
    finally:
        await other.close()
    assert result["status"] == "reserved"
    assert await Booking.count().where(Booking.tool_type == tool) == 1


async def test_desk_books_from_the_member_card_through_the_catalogue(client, seeded):
    staff_phone, staff_password = credentials(seeded, "staff")
    await log_in(client, staff_phone, staff_password)
    member = (await Member.select(Member.id).where(
        Member.phone == "+995555000012").first())["id"]
    card = await client.get(f"/members/{member}")
    assert f'href="/?member={member}"' in card.text
    catalogue = await client.get("/", params={"member": member, "q": "drill"})
    assert f"&member={member}\"" in catalogue.text
    assert f'name="member" value="{member}"' in catalogue.text
    anonymous = httpx.AsyncClient(transport=client._transport, base_url="http://t")
    async with anonymous:
        plain = await anonymous.get("/", params={"member": member})
        assert "member=" not in plain.text.split("<main", 1)[1]  # only the desk books for others


async def test_a_unit_back_from_repair_is_offered_to_the_waitlist(client, seeded):
    tool, centre = await single_unit_tool()
    await Unit.update({Unit.status: "maintenance"}).where(Unit.asset_tag == "SMG-9001")
    member = await as_member(client, seeded, 1)
    starts = monday(1)
    refused = await book_page(client, tool, centre, starts, starts + timedelta(days=1))
    assert refused.status_code == 409
    token = await csrf_token(client, "/me/bookings")
    await client.post(f"/tool-types/{tool}/waitlist", data={
        "centre": centre, "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=1)).isoformat(), "_csrf_token": token})
    assert await expire(now=now()) == (0, 0)  # still in repair: nothing to offer
    await Unit.update({Unit.status: "available"}).where(Unit.asset_tag == "SMG-9001")
    await expire(now=now())
    entry = await WaitlistEntry.select().where(WaitlistEntry.member == member).first()
    assert entry["status"] == "offered"


async def test_nobody_cancels_another_members_booking(client, app, seeded):
    tool, centre = await single_unit_tool()
    owner = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    async with owner:
        await as_member(owner, seeded, 1)
        assert (await book_page(owner, tool, centre, open_day(3), open_day(3))).status_code == 303
    await as_member(client, seeded, 2)
    booking = await Booking.select(Booking.id).first()
    token = await csrf_token(client, "/me/bookings")
    response = await client.post(f"/bookings/{booking['id']}/cancel",
                                 data={"_csrf_token": token})
    assert response.status_code == 404
    assert (await Booking.select(Booking.status).first())["status"] == "reserved"


async def test_coordinator_sets_the_booking_rules_of_a_centre(client, seeded):
    from bookings.tables import BookingPolicy
    from rental.tables import FeePolicy

    phone, password = credentials(seeded, "coordinator")
    await log_in(client, phone, password)
    smg = (await Centre.select(Centre.id).where(Centre.code == "SMG").first())["id"]
    page = await client.get("/booking-policy")
    assert page.status_code == 200 and 'value="60"' in page.text  # the default horizon
    token = await csrf_token(client, "/booking-policy")
    bad = await client.post(f"/booking-policy/{smg}", data={
        "horizon_days": "400", "no_show_grace_hours": "x", "offer_hold_hours": "0",
        "_csrf_token": token})
    assert bad.status_code == 422
    for name in ("horizon_days", "no_show_grace_hours", "offer_hold_hours"):
        assert f'id="e-{name}"' in bad.text
    assert await BookingPolicy.count() == 0
    bad_fee = await client.post(f"/booking-policy/{smg}", data={
        "horizon_days": "14", "no_show_grace_hours": "1", "offer_hold_hours": "12",
        "max_renewals": "1", "late_fee_per_day": "-1", "late_grace_days": "2",
        "late_fee_cap": "abc", "balance_limit": "20", "lost_after_days": "0",
        "_csrf_token": token})
    assert bad_fee.status_code == 422
    for name in ("late_fee_per_day", "late_fee_cap", "lost_after_days"):
        assert f'id="e-{name}"' in bad_fee.text
    assert await BookingPolicy.count() == 0 and await FeePolicy.count() == 0
    ok = await client.post(f"/booking-policy/{smg}", data={
        "horizon_days": "14", "no_show_grace_hours": "1", "offer_hold_hours": "12",
        "max_renewals": "1", "late_fee_per_day": "1.50", "late_grace_days": "2",
        "late_fee_cap": "20", "balance_limit": "20", "lost_after_days": "21",
        "_csrf_token": token})
    assert ok.status_code == 303
    policy = await BookingPolicy.select().where(BookingPolicy.centre == smg).first()
    assert (policy["horizon_days"], policy["no_show_grace_hours"],
            policy["offer_hold_hours"], policy["max_renewals"]) == (14, 1, 12, 1)
    fees = await FeePolicy.select().where(FeePolicy.centre == smg).first()
    assert (fees["late_fee_per_day"], fees["late_grace_days"], fees["late_fee_cap"],
            fees["balance_limit"], fees["lost_after_days"]) == (150, 2, 2000, 2000, 21)
    assert await AuditLog.exists().where(AuditLog.action == "booking_policy.set")
    # the new horizon applies at once
    tool, centre = await single_unit_tool()
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    await as_member(client, seeded, 1)
    far = await book_page(client, tool, centre, open_day(20), open_day(20))
    assert far.status_code == 422 and 'id="e-starts_on"' in far.text
    assert (await client.get(f"/booking-policy/{smg}")).status_code in (403, 405)


FAR = ("9999-12-31", "0001-01-01", "10000-01-01", "2199-12-31")


@pytest.mark.parametrize("day", FAR)
async def test_far_dates_get_a_message_not_a_500(client, seeded, day):
    """Every date a person can send is bounded to a window (1900 to 2199) where it is parsed;
    inside it, the rules answer (too far ahead, in the past)."""
    tool, centre = await single_unit_tool()
    await as_member(client, seeded, 1)
    month = day[:-3]
    for params in ({"centre": centre, "month": month},
                   {"centre": centre, "from": day, "to": day}):
        page = await client.get(f"/tool-types/{tool}/book", params=params)
        assert page.status_code < 500, (params, page.status_code)
    for action in ("book", "waitlist"):
        response = await client.post(f"/tool-types/{tool}/{action}", data={
            "centre": centre, "starts_on": day, "ends_on": day,
            "_csrf_token": await csrf_token(client, "/")})
        assert 400 <= response.status_code < 500, (action, response.status_code)
    api = await client.get(f"/api/v1/tool-types/{tool}/availability",
                           params={"centre": centre, "from": day, "to": day})
    assert api.status_code in (200, 400, 422) and api.json()
    booked = await client.post("/api/v1/bookings", json={
        "tool_type_id": tool, "centre_id": centre, "starts_on": day, "ends_on": day},
        headers={"x-csrftoken": await csrf_token(client, "/")})
    assert 400 <= booked.status_code < 500 and booked.json()
    assert await Booking.count() == 0 and await WaitlistEntry.count() == 0
    await log_in(client, *credentials(seeded, "coordinator"))
    for path in ("/sessions/summary", "/reports", "/reports/usage", "/units", "/"):
        response = await client.get(path, params={"from": day, "to": day, "on": day,
                                                  "period": "dates"})
        assert response.status_code < 500, (path, response.status_code)


async def test_a_tool_type_is_offered_only_where_a_centre_lends_it(client, seeded):
    """No units anywhere: the catalogue offers no booking, and the booking page, a booking, the
    waitlist and the API say the centre does not lend it; units at one centre: only there."""
    category = await Category.select(Category.id).first()
    bare = (await ToolType.insert(ToolType(
        slug="no-units-yet", category=category["id"], name_ka="ახალი ხელსაწყო",
        name_en="Bought next month", daily_fee=100, deposit=0, max_loan_days=7,
        created_at=now(), search_text="bought next month")).returning(ToolType.id))[0]["id"]
    at_samgori, samgori = await single_unit_tool()
    kutaisi = (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]
    await as_member(client, seeded, 1)
    card = await client.get("/", params={"q": "bought next month"})
    assert f"/tool-types/{bare}/book" not in card.text and "Not lent yet" not in card.text
    assert "ჯერ არ გაიცემა" in card.text
    listed = await client.get("/", params={"q": "test saw"})
    assert f"/tool-types/{at_samgori}/book?centre={samgori}" in listed.text
    assert f"/tool-types/{at_samgori}/book?centre={kutaisi}" not in listed.text
    day = open_day(2)
    for tool, centre in ((bare, samgori), (at_samgori, kutaisi)):
        page = await client.get(f"/tool-types/{tool}/book", params={"centre": centre})
        assert page.status_code == 404
        for action in ("book", "waitlist"):
            refused = await client.post(f"/tool-types/{tool}/{action}", data={
                "centre": centre, "starts_on": day.isoformat(), "ends_on": day.isoformat(),
                "_csrf_token": await csrf_token(client, "/")})
            assert refused.status_code == 404, action
        api = await client.get(f"/api/v1/tool-types/{tool}/availability", params={
            "centre": centre, "from": day.isoformat(), "to": day.isoformat()})
        assert api.status_code == 404
    assert await Booking.count() == 0 and await WaitlistEntry.count() == 0
