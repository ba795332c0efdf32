"""The catalogue keeps what it read and rendered while its version holds (rental.kernel.
versioned_cache, bookings' migration 2026-12-06T06:50): a search seen before reads one row and
shows the same HTML, and every change to what a card shows (a booking, a unit, a tool type, a
centre, the day, the language, who is reading) shows at once. On SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set, where the version moves only when a writer commits and two writers
never deadlock on it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest
from conftest import DB, ON_POSTGRES
from helpers import CLOCK, as_staff, now, today
from test_catalogue_pages import DRILL, book, card_of

from bookings.catalogue.services import catalogue_version, catalogue_view
from inventory.tables import Category, ToolType, TransferItem, TransferRequest, Unit
from rental.tables import Centre

RESULTS = {"HX-Request": "true", "HX-Target": "results"}
WATCHED = ("centre", "category", "skill", "tool_type", "unit", "transfer_request",
           "transfer_item", "booking")


async def search(client, **params) -> str:
    response = await client.get("/", params={"q": "drill", **params}, headers=RESULTS)
    assert response.status_code == 200
    return response.text


def card(html: str) -> str:
    """The drill's card."""
    return card_of(html, DRILL)


SAMGORI_FREE = "სამგორის მრავალფუნქციური სერვისცენტრი: "  # "Samgori: N free today"


async def test_a_search_seen_before_reads_only_the_version(client, seeded, count_queries):
    first = await search(client)
    assert count_queries["n"] >= 5
    count_queries["n"] = 0
    again = await search(client)
    assert count_queries["n"] == 1
    assert again == first and DRILL in again
    count_queries["n"] = 0
    await search(client, page=2)  # another page: read afresh
    assert count_queries["n"] >= 5


async def test_a_booking_shows_in_the_next_search(client, seeded):
    assert SAMGORI_FREE in card(await search(client))
    await book("cordless-drill", "SMG", today(), today() + timedelta(days=2))
    assert SAMGORI_FREE not in card(await search(client))


async def test_units_tool_types_and_centres_show_at_once(client, seeded):
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    await search(client)
    await Unit.update({Unit.status: "retired"}).where(
        (Unit.tool_type == drill["id"]) & (Unit.centre.code == "SMG")
        & (Unit.status == "available"))
    assert SAMGORI_FREE not in card(await search(client))
    await ToolType.update({ToolType.description_ka: "ახალი აღწერა"}).where(
        ToolType.id == drill["id"])
    assert "ახალი აღწერა" in card(await search(client))
    await ToolType.update({ToolType.active: False}).where(ToolType.id == drill["id"])
    assert DRILL not in await search(client)
    await ToolType.update({ToolType.active: True}).where(ToolType.id == drill["id"])
    await Centre.update({Centre.name_ka: "ახალი სახელი"}).where(Centre.code == "KUT")
    assert "ახალი სახელი" in await search(client)


async def test_the_next_day_is_read_afresh(client, seeded):
    tomorrow = today() + timedelta(days=1)
    await book("cordless-drill", "SMG", tomorrow, tomorrow)
    assert SAMGORI_FREE in card(await search(client))
    CLOCK.advance(days=1)
    assert SAMGORI_FREE not in card(await search(client))


async def test_the_api_reads_through_the_same_rows(client, seeded):
    async def free_at_samgori() -> int:
        body = (await client.get("/api/v1/tool-types", params={"q": "drill"})).json()
        [drill] = [item for item in body["items"] if item["slug"] == "cordless-drill"]
        return {f["centre"]: f["free_today"] for f in drill["free"]}["SMG"]

    free = await free_at_samgori()
    assert free > 1
    for per_page in (1, 2):  # another page size, read afresh
        listed = await client.get("/api/v1/tool-types", params={"per_page": per_page})
        assert len(listed.json()["items"]) == per_page
    await send_a_drill(await a_free_drill())
    assert await free_at_samgori() == free - 1
    await book("cordless-drill", "SMG", today(), today())
    assert await free_at_samgori() == 0


async def test_free_on_these_dates_follows_a_booking(client, seeded):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert DRILL in await search(client, **{"from": tomorrow, "to": tomorrow})
    for centre in ("SMG", "KUT"):
        await book("cordless-drill", centre, today() + timedelta(days=1),
                   today() + timedelta(days=1))
    assert DRILL not in await search(client, **{"from": tomorrow, "to": tomorrow})
    assert DRILL in await search(client)  # today they are all free still


async def test_each_language_is_rendered_in_its_own(client, seeded):
    georgian = await search(client)
    client.cookies.set("lang", "en")
    english = await search(client)
    assert "Cordless drill" in english and "tool types" in english
    assert "Cordless drill" not in georgian
    client.cookies.set("lang", "ka")
    assert await search(client) == georgian


async def test_the_desks_member_is_not_shown_to_the_next_reader(app, client, seeded):
    import httpx

    member = await as_staff(client, seeded)
    for_member = await search(client, member=member)
    assert f"member={member}" in for_member
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
        shown = await search(stranger, member=member)
    assert f"member={member}" not in shown and DRILL in shown


async def test_the_readers_centre_is_theirs_while_the_rows_are_shared(seeded, count_queries):
    centres = {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}
    args = {"query": "drill", "category": None, "page": 1, "today": today()}
    samgori = await catalogue_view(**args, home_centre=centres["SMG"])
    count_queries["n"] = 0
    kutaisi = await catalogue_view(**args, home_centre=centres["KUT"])
    assert count_queries["n"] == 1  # the version; the rows are Samgori's reader's
    assert (samgori.reader_centre, kutaisi.reader_centre) == (centres["SMG"], centres["KUT"])
    assert kutaisi.tool_types is samgori.tool_types
    assert (await catalogue_view(**args)).reader_centre is None


async def send_a_drill(seeded_unit: dict) -> None:
    """One of Samgori's drills dispatched to Kutaisi and not received: on the road."""
    centres = {c["code"]: c["id"] for c in await Centre.select(Centre.id, Centre.code)}
    [request] = await TransferRequest.insert(TransferRequest(
        tool_type=seeded_unit["tool_type"], sender=centres["SMG"], receiver=centres["KUT"],
        quantity=1, reason="", status="dispatched", requested_at=now(), dispatched_at=now()))
    await TransferItem.insert(TransferItem(transfer=request["id"], unit=seeded_unit["id"],
                                           dispatched_at=now()))


async def a_free_drill() -> dict:
    return await Unit.select(Unit.id, Unit.tool_type).where(
        (Unit.tool_type.slug == "cordless-drill") & (Unit.centre.code == "SMG")
        & (Unit.status == "available")).first()


async def test_every_write_to_a_watched_table_draws_a_new_version(seeded):
    await send_a_drill(await a_free_drill())
    await book("cordless-drill", "KUT", today(), today())
    for table in WATCHED:
        rows = await Category.raw(f"SELECT min(id) AS id FROM {table}")
        assert rows[0]["id"] is not None, table
        before = await catalogue_version()
        await Category.raw(f"UPDATE {table} SET id = id WHERE id = {rows[0]['id']}")
        assert await catalogue_version() != before, table
    before = await catalogue_version()
    await Category.insert(Category(slug="new", name_ka="ახალი", name_en="New", name_ru="Новая",
                                   position=99))
    inserted = await catalogue_version()
    await Category.delete().where(Category.slug == "new")
    assert len({before, inserted, await catalogue_version()}) == 3


async def test_every_watched_table_has_its_triggers(seeded):
    if ON_POSTGRES:
        rows = await Category.raw(
            "SELECT c.relname AS tablename, t.tgtype AS type FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'catalogue_changed'")
        # tgtype bits: 4 insert, 8 delete, 16 update
        assert {r["tablename"] for r in rows if r["type"] & 28 == 28} == set(WATCHED)
        truncated = await Category.raw(
            "SELECT c.relname AS tablename FROM pg_trigger t JOIN pg_class c "
            "ON c.oid = t.tgrelid WHERE t.tgname = 'catalogue_truncated'")
        assert {r["tablename"] for r in truncated} == set(WATCHED)
    else:
        rows = await Category.raw(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'catalogue_changed_%'")
        assert {r["name"] for r in rows} == {
            f"catalogue_changed_{table}_{event}" for table in WATCHED
            for event in ("insert", "update", "delete")}


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no TRUNCATE")
async def test_a_truncate_draws_a_new_version(seeded):
    await Category.raw("TRUNCATE transfer_item")
    before = await catalogue_version()
    await Category.raw("TRUNCATE transfer_item")
    assert await catalogue_version() != before


async def test_a_reader_sees_the_new_version_when_the_writer_commits_not_before(seeded):
    """(Deferring the token to COMMIT on PostgreSQL is what the deadlock test below holds.)"""
    before = await catalogue_version()
    if ON_POSTGRES:
        async with DB.pool.acquire() as writer:
            transaction = writer.transaction()
            await transaction.start()
            await writer.execute("UPDATE category SET position = position + 1")
            assert await catalogue_version() == before
            await transaction.commit()
    else:
        writer = sqlite3.connect(DB.connection_kwargs["database"], isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE category SET position = position + 1")
            assert await catalogue_version() == before
            writer.execute("COMMIT")
        finally:
            writer.close()
    assert await catalogue_version() != before


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's writers queue for the whole file")
async def test_two_writers_never_deadlock_on_the_version(seeded):
    """The first writes a unit (with an immediate trigger it would hold the version's row),
    the second locks a booking and then writes a unit, the first then wants that booking: a
    deadlock, unless the version is drawn at COMMIT."""
    units = [r["id"] for r in await Unit.select(Unit.id).order_by(Unit.id).limit(2)]
    await book("cordless-drill", "SMG", today(), today())
    booking = (await Category.raw("SELECT min(id) AS id FROM booking"))[0]["id"]
    before = await catalogue_version()
    async with DB.pool.acquire() as first, DB.pool.acquire() as second:
        one, two = first.transaction(), second.transaction()
        await one.start()
        await two.start()
        await first.execute("UPDATE unit SET donor = donor WHERE id = $1", units[0])
        await second.execute("SELECT id FROM booking WHERE id = $1 FOR UPDATE", booking)
        # with an immediate trigger this would wait for the first's version row
        await asyncio.wait_for(second.execute(
            "UPDATE unit SET donor = donor WHERE id = $1", units[1]), 5)
        waiting = asyncio.ensure_future(
            first.execute("UPDATE booking SET ends_on = ends_on WHERE id = $1", booking))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # the booking's row: the second holds it
        await two.commit()
        await asyncio.wait_for(waiting, 5)
        await one.commit()
    assert await catalogue_version() != before


async def test_each_writer_reads_its_own_booking_while_others_read_and_write(seeded):
    """Twelve writers at once, each booking one unit for today and then reading the catalogue,
    among readers that keep filling the cache with whatever version they read: every writer
    sees its own unit taken, and at the end every booking shows."""
    from bookings.tables import Booking
    from rental.tables import Member

    args = {"query": "", "category": None, "page": 1, "today": today(), "per_page": 500}
    start = (await catalogue_view(**args)).free
    units = await Unit.select(Unit.id, Unit.tool_type, Unit.centre).where(
        Unit.status == "available").order_by(Unit.id)
    units = [u for u in units if start.get((u["tool_type"], u["centre"]), 0)][:12]
    assert len(units) == 12
    member = (await Member.select(Member.id).where(Member.role == "member").first())["id"]
    done = asyncio.Event()

    async def write(unit: dict) -> None:
        pair = (unit["tool_type"], unit["centre"])
        await Booking.insert(Booking(
            member=member, tool_type=unit["tool_type"], unit=unit["id"], centre=unit["centre"],
            starts_on=today(), ends_on=today(), status="reserved", created_at=now()))
        seen = (await catalogue_view(**args)).free.get(pair, 0)
        taken = sum(1 for u in units if (u["tool_type"], u["centre"]) == pair)
        assert start[pair] - taken <= seen <= start[pair] - 1, pair

    async def read() -> None:
        while not done.is_set():
            await catalogue_view(**args)
            await asyncio.sleep(0)

    readers = [asyncio.ensure_future(read()) for _ in range(3)]
    try:
        await asyncio.gather(*(write(unit) for unit in units))
    finally:
        done.set()
        await asyncio.gather(*readers)
    end = (await catalogue_view(**args)).free
    for unit in units:
        pair = (unit["tool_type"], unit["centre"])
        taken = sum(1 for u in units if (u["tool_type"], u["centre"]) == pair)
        assert end.get(pair, 0) == start[pair] - taken
