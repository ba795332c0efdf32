"""The small fixed data set the coordinator reports are checked against (test_report_figures.py,
and the report pages' tests).

`build_report_data()` runs on the migrated database after the demo seed (the `seeded` fixture,
seeded on 2026-11-23) and writes, with direct inserts through the Piccolo tables (the ledger
through rental.ledger, the erasure through rental.members.erase):

- five members M1..M5 (one erased on 2026-11-15, after her loan), each with a membership
  that started on the day they joined (a new member is one whose first membership started in
  the period), a concession for M1;
- loans L1..L7 (one spanning October and November, one still out, one lost, one damaged), a
  no-show N1, a cancellation X1 and a reservation R1; waitlist entries W1..W3;
- a unit lost (C1) and one retired (D1), maintenance tickets T1 and T2, three inspections;
- the ledger of those loans, including concession waivers and a coordinator's waiver;
- skills sessions S1..S4 with enrolments and a certificate.

It neutralises what in the demo seed would disturb the figures: every existing member joined on
2025-06-01 (and their memberships started then), the demo sessions are gone, and every
inspected unit was inspected on 2026-11-01 except SMG-0020 (so exactly one inspection is
overdue on 2026-11-20).

Timestamps are written as aware UTC datetimes made from Asia/Tbilisi local times. The reports
are meant to be read with today = 2026-11-20 and the period November 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TBILISI = ZoneInfo("Asia/Tbilisi")

STAFF_PHONE = "+995555000003"  # desk staff at Samgori
COORDINATOR_PHONE = "+995555000002"

# what each tool type saves a household per loan (tetri); C (drain-snake) has no figure
SAVINGS = {"cordless-drill": 5000, "pipe-wrench": 3000, "drain-snake": None, "pipe-cutter": 2000}
UNIT_TAGS = {"A1": "SMG-0001", "A2": "SMG-0002", "B1": "SMG-0031", "C1": "SMG-0046",
             "D1": "SMG-0052", "K1": "KUT-0020", "R20": "SMG-0020"}
TYPE_SLUGS = {"A": "cordless-drill", "B": "pipe-wrench", "C": "drain-snake", "D": "plunger-set",
              "K": "pipe-cutter"}
C1_COST = 10_000
D1_COST = 2_500


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local time in Tbilisi as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), TBILISI).astimezone(UTC)


async def build_report_data() -> dict[str, Any]:
    """Write the fixed data set; returns the ids the tests need (see the keys at the end)."""
    from bookings.tables import Booking, Certificate, Enrolment, SkillSession, WaitlistEntry
    from inventory.tables import Inspection, MaintenanceTicket, Skill, ToolType, Unit, UnitEvent
    from rental import ledger, members
    from rental.tables import (
        Centre,
        ConcessionCategory,
        Member,
        MemberConcession,
        Membership,
        MembershipType,
    )

    centres = {row["code"]: row["id"] for row in await Centre.select(Centre.id, Centre.code)}
    smg, kut = centres["SMG"], centres["KUT"]
    people = {row["phone"]: row["id"] for row in await Member.select(Member.id, Member.phone)}
    staff, coordinator = people[STAFF_PHONE], people[COORDINATOR_PHONE]
    migrant_category = (await ConcessionCategory.select(ConcessionCategory.id).where(
        ConcessionCategory.slug == "returning-migrant").first())["id"]
    funder = "IOM-ის განვითარების ფონდი"  # a waiver records the funder's Georgian name
    types = {key: (await ToolType.select(ToolType.id).where(ToolType.slug == slug).first())["id"]
             for key, slug in TYPE_SLUGS.items()}
    units = {key: (await Unit.select(Unit.id).where(Unit.asset_tag == tag).first())["id"]
             for key, tag in UNIT_TAGS.items()}
    standard = (await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first())["id"]
    skill = (await Skill.select(Skill.id).where(Skill.slug == "electrical-safety").first())["id"]

    # --- neutralise the demo seed ---------------------------------------------------------------
    await Member.update({Member.created_at: at(date(2025, 6, 1))}, force=True)
    await Membership.update({Membership.starts_on: date(2025, 6, 1),
                             Membership.created_at: at(date(2025, 6, 1))}, force=True)
    demo_sessions = [row["id"] for row in await SkillSession.select(SkillSession.id)]
    if demo_sessions:
        await Certificate.delete().where(Certificate.session.is_in(demo_sessions))
        await Enrolment.delete().where(Enrolment.session.is_in(demo_sessions))
        await SkillSession.delete().where(SkillSession.id.is_in(demo_sessions))
    inspected_types = [row["id"] for row in await ToolType.select(ToolType.id).where(
        ToolType.inspection_interval_days.is_not_null())]
    await Unit.update({Unit.last_inspected_on: date(2026, 11, 1)}).where(
        Unit.tool_type.is_in(inspected_types))
    await Unit.update({Unit.last_inspected_on: date(2025, 1, 1)}).where(
        Unit.id == units["R20"])
    for key, slug in TYPE_SLUGS.items():
        if slug in SAVINGS:
            await ToolType.update({ToolType.saving_per_loan: SAVINGS[slug]}).where(
                ToolType.id == types[key])
    await Unit.update({Unit.cost: C1_COST}).where(Unit.id == units["C1"])
    await Unit.update({Unit.cost: D1_COST}).where(Unit.id == units["D1"])

    # --- members --------------------------------------------------------------------------------
    async def member(phone: str, name: str, sex: str, born: date | None, situation: str,
                     municipality: str, centre: int | None, joined: date) -> int:
        rows = await Member.insert(Member(
            name=name, phone=phone, password_hash="", role="member", status="active",
            language="ka", home_centre=centre, created_at=at(joined), updated_at=at(joined),
            birth_date=born, sex=sex, situation=situation, municipality=municipality,
        )).returning(Member.id)
        await Membership.insert(Membership(
            member=rows[0]["id"], membership_type=standard, starts_on=joined,
            ends_on=date(joined.year + 1, joined.month, joined.day) - timedelta(days=1),
            status="active", created_at=at(joined), created_by=staff))
        return rows[0]["id"]

    m1 = await member("+995555100001", "Report Member One", "female", date(1990, 5, 1),
                      "returning_migrant", "samgori", smg, date(2026, 9, 1))
    m2 = await member("+995555100002", "Report Member Two", "male", date(2010, 3, 1),
                      "local_resident", "samgori", smg, date(2026, 11, 3))
    m3 = await member("+995555100003", "Report Member Three", "female", date(1950, 1, 1),
                      "idp", "gldani", smg, date(2026, 10, 10))
    m4 = await member("+995555100004", "Report Member Four", "male", date(2001, 11, 25),
                      "other", "kutaisi", kut, date(2026, 11, 5))
    m5 = await member("+995555100005", "Report Member Five", "prefer_not", None,
                      "returning_migrant", "samgori", smg, date(2026, 11, 10))
    await MemberConcession.insert(MemberConcession(
        member=m1, category=migrant_category, proof="IOM return certificate",
        expires_on=date(2027, 9, 1), granted_at=at(date(2026, 9, 1)), granted_by=staff))

    # --- bookings -------------------------------------------------------------------------------
    async def booking(who: int, key: str, centre: int, starts: date, ends: date, status: str,
                      *, ended: date | None = None, condition: str | None = None,
                      lost: datetime | None = None) -> int:
        went = status in ("out", "returned", "lost")
        rows = await Booking.insert(Booking(
            member=who, tool_type=types[key[0]], unit=units[key], centre=centre,
            starts_on=starts, ends_on=ends, status=status, created_at=at(starts, 9),
            created_by=staff if centre == smg else coordinator,
            checked_out_at=at(starts, 11) if went else None,
            returned_at=at(ended, 15) if status == "returned" and ended else None,
            return_condition=condition, lost_at=lost, ended_on=ended,
        )).returning(Booking.id)
        return rows[0]["id"]

    nov, oct_ = (lambda d: date(2026, 11, d)), (lambda d: date(2026, 10, d))
    l1 = await booking(m1, "A1", smg, oct_(28), nov(3), "returned", ended=nov(3),
                       condition="fine")
    l2 = await booking(m1, "B1", smg, nov(5), nov(7), "returned", ended=nov(7),
                       condition="damaged")
    l3 = await booking(m2, "A2", smg, nov(10), nov(25), "out")
    l4 = await booking(m3, "B1", smg, nov(12), nov(13), "returned", ended=nov(13),
                       condition="fine")
    l5 = await booking(m4, "K1", kut, nov(16), nov(16), "returned", ended=nov(16),
                       condition="fine")
    l6 = await booking(m1, "A1", smg, oct_(5), oct_(6), "returned", ended=oct_(6),
                       condition="fine")
    l7 = await booking(m2, "C1", smg, oct_(20), oct_(22), "lost", ended=nov(10),
                       lost=at(nov(10)))
    n1 = await booking(m2, "B1", smg, nov(18), nov(19), "no_show")
    x1 = await booking(m1, "A2", smg, nov(25), nov(26), "cancelled")
    r1 = await booking(m4, "K1", kut, nov(25), nov(26), "reserved")

    # --- units lost and retired, tickets, inspections --------------------------------------------
    await Unit.update({Unit.status: "lost", Unit.status_reason: "Report Member Two"}).where(
        Unit.id == units["C1"])
    await Unit.update({Unit.status: "retired", Unit.status_reason: "beyond repair"}).where(
        Unit.id == units["D1"])
    await UnitEvent.insert(
        UnitEvent(unit=units["C1"], at=at(nov(10)), actor=staff, kind="status",
                  from_value="available", to_value="lost", note="Report Member Two"),
        UnitEvent(unit=units["D1"], at=at(oct_(20)), actor=staff, kind="status",
                  from_value="available", to_value="retired", note="beyond repair"),
    )
    t1 = (await MaintenanceTicket.insert(MaintenanceTicket(
        unit=units["B1"], opened_at=at(nov(7)), opened_by=staff, description="jaw bent",
        parts_cost=1500, outcome="repaired", resolved_at=at(nov(9)), resolved_by=staff,
    )).returning(MaintenanceTicket.id))[0]["id"]
    t2 = (await MaintenanceTicket.insert(MaintenanceTicket(
        unit=units["D1"], opened_at=at(oct_(15)), opened_by=staff, description="cracked cup",
        parts_cost=0, outcome="beyond_repair", resolved_at=at(oct_(16), 22), resolved_by=staff,
    )).returning(MaintenanceTicket.id))[0]["id"]
    await Booking.update({Booking.return_ticket: t1}).where(Booking.id == l2)
    await Inspection.insert(
        Inspection(unit=units["A1"], inspected_on=nov(2), inspector="Inspector", result="pass",
                   recorded_by=staff, recorded_at=at(nov(2))),
        Inspection(unit=units["A2"], inspected_on=nov(4), inspector="Inspector", result="fail",
                   recorded_by=staff, recorded_at=at(nov(4))),
        Inspection(unit=units["A1"], inspected_on=oct_(1), inspector="Inspector", result="pass",
                   recorded_by=staff, recorded_at=at(oct_(1))),
    )

    # --- waitlist -------------------------------------------------------------------------------
    await WaitlistEntry.insert(
        WaitlistEntry(member=m5, tool_type=types["A"], centre=smg, starts_on=nov(12),
                      ends_on=nov(13), status="expired", created_at=at(nov(10))),
        WaitlistEntry(member=m5, tool_type=types["A"], centre=smg, starts_on=nov(25),
                      ends_on=nov(26), status="waiting", created_at=at(nov(10))),
        WaitlistEntry(member=m4, tool_type=types["K"], centre=kut, starts_on=nov(10),
                      ends_on=nov(11), status="booked", created_at=at(nov(5))),
    )

    # --- the ledger -----------------------------------------------------------------------------
    async def receipt(day: date, who: int, loan: int, kind: str,
                      entries: list[tuple[str, int, dict[str, Any]]], centre: int = smg) -> int:
        now = at(day, 11)
        actor = staff if centre == smg else coordinator
        number = await ledger.open_receipt(who, centre, kind, actor_id=actor, now=now)
        for entry_kind, amount, fields in entries:
            await ledger.post(number, who, centre, entry_kind, amount, now=now, actor_id=actor,
                              loan=loan, **fields)
        return number

    cash, concession = {"method": "cash"}, {"funder": funder, "concession": migrant_category}
    await receipt(oct_(5), m1, l6, "check_out", [("fee", 800, {}), ("payment", -800, cash)])
    await receipt(oct_(20), m2, l7, "check_out", [("fee", 700, {}), ("payment", -700, cash)])
    await receipt(oct_(28), m1, l1, "check_out", [("fee", 1200, {}),
                                                  ("waiver", -1200, concession)])
    await receipt(nov(5), m1, l2, "check_out", [
        ("fee", 1000, {}), ("waiver", -1000, concession), ("deposit", 5000, {}),
        ("payment", -5000, cash)])
    await receipt(nov(7), m1, l2, "check_in", [
        ("damage", 2000, {"reason": "jaw bent"}), ("deposit_return", -5000, {}),
        ("refund", 3000, cash)])
    await receipt(nov(10), m2, l3, "check_out", [
        ("fee", 1500, {}), ("deposit", 2000, {}),
        ("payment", -2000, {"method": "card", "reference": "4711"})])
    await receipt(nov(10), m2, l7, "lost", [("late_fee", 1000, {}),
                                            ("replacement", C1_COST, {})])
    await receipt(nov(12), m3, l4, "check_out", [("fee", 500, {}), ("payment", -500, cash)])
    await receipt(nov(16), m4, l5, "check_out", [("fee", 300, {}), ("payment", -300, cash)],
                  centre=kut)
    await receipt(nov(16), m4, l5, "check_in", [
        ("late_fee", 200, {}), ("waiver", -200, {"reason": "goodwill", "funder": ""})],
        centre=kut)

    # --- skills sessions ------------------------------------------------------------------------
    async def session(day: date, audience: str, capacity: int, enrolled: int, *,
                      with_skill: bool = False, status: str = "scheduled") -> int:
        rows = await SkillSession.insert(SkillSession(
            centre=smg, skill=skill if with_skill else None, title_ka="სესია",
            title_en=f"Session {day.isoformat()}", room="1", instructor="Instructor",
            starts_at=at(day), ends_at=at(day, 12), capacity=capacity, enrolled=enrolled,
            audience=audience, language="ka", status=status, created_at=at(date(2026, 9, 1)),
            created_by=coordinator)).returning(SkillSession.id)
        return rows[0]["id"]

    s1 = await session(nov(14), "everyone", 10, 2, with_skill=True)
    s2 = await session(oct_(10), "youth", 5, 1)
    s3 = await session(nov(15), "everyone", 10, 0, status="cancelled")
    s4 = await session(nov(27), "everyone", 8, 0)
    await Enrolment.insert(
        Enrolment(session=s1, member=m1, status="enrolled", attended=True,
                  created_at=at(nov(1)), created_by=m1),
        Enrolment(session=s1, member=m5, status="enrolled", attended=False,
                  created_at=at(nov(11)), created_by=m5),
        Enrolment(session=s2, member=m2, status="enrolled", attended=True,
                  created_at=at(oct_(3)), created_by=m2),
    )
    await Certificate.insert(Certificate(
        member=m1, skill=skill, issued_on=nov(14), expires_on=date(2028, 11, 13), session=s1,
        code="REPORT-S1-M1", created_at=at(nov(14), 12), created_by=coordinator))

    # --- M3 is erased after her loan ------------------------------------------------------------
    await members.erase(m3, actor_id=coordinator, now=at(nov(15), 12))

    return {
        "centres": {"SMG": smg, "KUT": kut},
        "staff": staff, "coordinator": coordinator,
        "members": {"M1": m1, "M2": m2, "M3": m3, "M4": m4, "M5": m5},
        "types": types, "units": units, "skill": skill,
        "concession": migrant_category, "funder": funder,
        "bookings": {"L1": l1, "L2": l2, "L3": l3, "L4": l4, "L5": l5, "L6": l6, "L7": l7,
                     "N1": n1, "X1": x1, "R1": r1},
        "tickets": {"T1": t1, "T2": t2},
        "sessions": {"S1": s1, "S2": s2, "S3": s3, "S4": s4},
    }


async def summary_scopes(zone: str = "Asia/Tbilisi") -> dict[str, Any]:
    """The centre choices the summaries' equality tests read each report for: all, one,
    another, two at once (a scope the summaries do not answer: read from the rows)."""
    from bookings.reports import queries as reports

    listed = await reports.centres()
    return {"every centre": reports.Scope(None, zone),
            "one centre": reports.Scope((listed[0]["id"],), listed[0]["timezone"]),
            "another centre": reports.Scope((listed[1]["id"],), listed[1]["timezone"]),
            "two centres": reports.Scope(tuple(c["id"] for c in listed[:2]), zone)}

