"""The benchmark's generator (bench/) on a tiny network: `--scale 0.001` on the demo seed.

What a benchmark on the national data set relies on: the counts follow the scale, no unit is
ever in two bookings at once, the money adds up the way the desk posts it, the accounts can log
in, and the same seed gives the same rows."""

from __future__ import annotations

from datetime import date

from conftest import ON_POSTGRES, memoized_hash

from bench.generate import FULL, MEMBER_PHONE, Encoder, Plan, Stats, generate
from bench.seed import BENCH_PASSWORD, open_writer, populate, read_base
from bookings.tables import Booking, Certificate, Enrolment, SkillSession
from inventory.tables import ToolType, Unit
from rental import ledger
from rental.auth import verify_password
from rental.tables import Centre, LedgerEntry, Member, Membership, Receipt

TODAY = date(2026, 11, 23)  # the demo seed's day
SCALE = 0.001


async def rows(sql: str) -> list[dict]:
    return await Booking.raw(sql)


async def base_now():
    writer = await open_writer(lambda *_: None)
    try:
        return await read_base(writer, TODAY)
    finally:
        await writer.close()


async def seed_network(seed: int = 7) -> tuple[Stats, Plan]:
    return await populate(scale=SCALE, seed=seed, today=TODAY,
                          password_hash=memoized_hash(BENCH_PASSWORD), quiet=True)


def booking_rows(base, seed: int) -> list[tuple]:
    """The bookings the generator makes, without a database."""
    found = []
    for batch in generate(base, Plan.at(SCALE, base), seed=seed, today=TODAY,
                          password_hash="x", encoder=Encoder(), stats=Stats()):
        if batch.table == "booking":
            at = {name: i for i, name in enumerate(batch.columns)}
            found += [(row[at["id"]], row[at["unit"]], row[at["member"]],
                       date.fromisoformat(row[at["starts_on"]]),
                       date.fromisoformat(row[at["ends_on"]]), row[at["status"]])
                      for row in batch.rows]
    return sorted(found)


async def test_the_counts_follow_the_scale(seeded):
    base = await base_now()
    full = Plan.at(1, base)
    assert (full.tool_types + base.counts["tool_type"], full.units + base.counts["unit"],
            full.members + base.counts["member"], full.past_bookings,
            full.future_bookings, full.sessions + base.counts["skill_session"]) == (
        FULL["tool_type"], FULL["unit"], FULL["member"], FULL["past_booking"],
        FULL["future_booking"], FULL["skill_session"])

    _stats, plan = await seed_network()

    assert plan == Plan(centres=1, tool_types=2, units=20, members=50, past_bookings=1000,
                        future_bookings=100, sessions=5)
    assert await Centre.count() == base.counts["centre"] + 1
    assert await ToolType.count() == base.counts["tool_type"] + 2
    assert await Unit.count() == base.counts["unit"] + 20
    assert await Member.count().where(Member.role == "member") == base.counts["member"] + 50
    assert await Booking.count().where(Booking.status != "reserved") == 1000
    assert await Booking.count().where(Booking.status == "reserved") == 100
    assert await SkillSession.count() == base.counts["skill_session"] + 5
    statuses = {row["status"] for row in await Booking.select(Booking.status).distinct()}
    assert {"returned", "reserved", "cancelled", "no_show"} <= statuses
    assert await Member.count().where(Member.erased_at.is_not_null()) == await Member.count(
    ).where(Member.status == "erased")


async def test_no_unit_is_ever_in_two_bookings_at_once(seeded):
    await seed_network()
    overlapping = await rows(
        "SELECT count(*) AS n FROM booking a JOIN booking b ON a.unit = b.unit AND a.id < b.id "
        "AND a.starts_on <= b.ends_on AND b.starts_on <= a.ends_on")
    assert overlapping[0]["n"] == 0
    twice_out = await rows("SELECT unit FROM booking WHERE status = 'out' GROUP BY unit "
                           "HAVING count(*) > 1")
    assert twice_out == []
    # reservations lie ahead, within the booking horizon, on units that may be lent
    ahead = await Booking.select(Booking.starts_on, Booking.unit.status.as_alias("unit_status")
                                 ).where(Booking.status == "reserved")
    assert all(TODAY <= row["starts_on"] for row in ahead)
    assert {row["unit_status"] for row in ahead} <= {"available", "maintenance"}


async def test_the_ledger_adds_up_as_the_desk_posts_it(seeded):
    stats, _plan = await seed_network()
    unbalanced = await rows(
        "SELECT r.id FROM receipt r JOIN ledger_entry e ON e.receipt = r.id "
        "WHERE r.kind = 'check_out' GROUP BY r.id HAVING sum(e.amount) <> 0")
    assert unbalanced == []  # what a check-out charges is paid at once
    balances = {row["member"]: row["total"] for row in await rows(
        "SELECT member, sum(amount) AS total FROM ledger_entry GROUP BY member "
        "HAVING sum(amount) <> 0")}
    assert balances == stats.owed  # only what was left owing after a return or a loss
    for member_id in list(stats.owed)[:3]:
        assert await ledger.balance(member_id) == stats.owed[member_id]
    strangers = await rows(
        "SELECT e.id FROM ledger_entry e JOIN receipt r ON r.id = e.receipt "
        "WHERE e.member <> r.member OR e.centre <> r.centre")
    assert strangers == []
    loans = await Booking.select(Booking.id, Booking.status, Booking.out_receipt,
                                 Booking.in_receipt).where(
        Booking.status.is_in(["out", "returned", "lost"]))
    assert loans and all(loan["out_receipt"] for loan in loans)
    assert all(loan["in_receipt"] for loan in loans if loan["status"] != "out")
    kinds = {row["kind"] for row in await LedgerEntry.select(LedgerEntry.kind).distinct()}
    assert {"fee", "payment", "waiver", "deposit", "deposit_return"} <= kinds
    waivers = await LedgerEntry.select(LedgerEntry.funder).where(LedgerEntry.kind == "waiver")
    assert all(row["funder"] for row in waivers)
    assert await Receipt.count().where(Receipt.kind == "check_in") == await Booking.count(
    ).where(Booking.status == "returned")


async def test_sessions_keep_to_their_places_and_certify_who_attended(seeded):
    await seed_network()
    over = await rows("SELECT s.id FROM skill_session s LEFT JOIN enrolment e "
                      "ON e.session = s.id AND e.status = 'enrolled' GROUP BY s.id, s.enrolled "
                      "HAVING count(e.id) <> s.enrolled")
    assert over == []
    assert await Certificate.count() <= await Enrolment.count().where(Enrolment.attended.eq(True))
    strangers = await rows(
        "SELECT c.id FROM certificate c JOIN enrolment e ON e.session = c.session "
        "AND e.member = c.member WHERE c.session IS NOT NULL AND NOT e.attended")
    assert strangers == []


async def test_the_bench_accounts_log_in_and_the_schema_holds(seeded):
    stats, _plan = await seed_network()
    accounts = await Member.select(Member.password_hash, Member.role).where(
        Member.phone.like("+995500000%"))
    # a desk at every centre, the coordinator, and one member who may book
    assert sorted(row["role"] for row in accounts) == sorted(
        ["staff"] * len(stats.centres) + ["coordinator", "member"])
    assert all(verify_password(row["password_hash"], BENCH_PASSWORD) for row in accounts)
    member = await Member.select(Member.id, Member.status).where(
        Member.phone == MEMBER_PHONE).first()
    assert member["status"] == "active"
    assert await Membership.exists().where(
        (Membership.member == member["id"]) & (Membership.status == "active")
        & (Membership.ends_on >= TODAY))
    if ON_POSTGRES:  # the load took them off and put them back, checking every row
        names = {row["conname"] for row in await rows("SELECT conname FROM pg_constraint")}
        assert {"booking_unit_no_overlap", "ledger_entry_receipt_fkey"} <= names
        indexes = {row["indexname"] for row in await rows("SELECT indexname FROM pg_indexes")}
    else:
        assert await rows("PRAGMA foreign_key_check") == []
        indexes = {row["name"] for row in await rows(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"booking_one_open_loan", "booking_unit_period", "ledger_entry_member"} <= indexes


async def test_the_same_seed_gives_the_same_rows(seeded):
    base = await base_now()
    await seed_network(seed=7)
    stored = [(row["id"], row["unit"], row["member"], row["starts_on"], row["ends_on"],
               row["status"]) for row in await Booking.select(
        Booking.id, Booking.unit, Booking.member, Booking.starts_on, Booking.ends_on,
        Booking.status).order_by(Booking.id)]
    assert stored == booking_rows(base, seed=7)
    assert booking_rows(base, seed=7) != booking_rows(base, seed=8)
