"""The reports' new members read each member's first membership from report_first_membership,
which triggers on membership and member keep (bookings migration 2026-12-06T01:40): after every
kind of change (a membership inserted before or after a member's first, several in one
statement, one moved to another day or member, one deleted, a member's last one deleted, a
member's home centre or role changed) the table is exactly MIN(starts_on) per member with the
member's role and home centre, and the usage, donor and network reports show the same new
members as when they group the memberships themselves (summaries.raw()), at once. Runs on
SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from report_data import at, build_report_data, summary_scopes

from bookings.reports import queries as reports
from bookings.reports import summaries
from bookings.reports.queries.common import as_day
from bookings.reports.rules import Period, period_of

READ_ON = date(2026, 12, 20)
PERIODS = (period_of("month", date(2026, 11, 1)), period_of("year", date(2026, 1, 1)),
           Period("dates", date(2025, 6, 2), date(2026, 11, 9)))
RAW = ("SELECT ms.member, MIN(ms.starts_on) AS first_day, m.role, m.home_centre AS centre "
       "FROM membership ms JOIN member m ON m.id = ms.member "
       "GROUP BY ms.member, m.role, m.home_centre")


async def _kept_and_raw() -> tuple[dict[int, date | None], dict[int, date | None]]:
    """Each member's first day as the table keeps it and as the memberships say; the table's
    role and home centre are checked against the member's on the way."""
    from bookings.reports.tables import ReportFirstMembership

    kept = await ReportFirstMembership.raw(
        "SELECT member, first_day, role, centre FROM report_first_membership")
    raw = await ReportFirstMembership.raw(RAW)
    assert ({r["member"]: (r["role"], r["centre"]) for r in kept}
            == {r["member"]: (r["role"], r["centre"]) for r in raw})
    return ({r["member"]: as_day(r["first_day"]) for r in kept},
            {r["member"]: as_day(r["first_day"]) for r in raw})


def _new_members(report: dict[str, Any]) -> tuple[int, int]:
    [figure] = [f for f in report["headline"] if f.key in ("new", "new_members")]
    return figure.value, figure.previous


async def _equal_both_ways() -> dict[tuple[str, int], Any]:
    """Each report's new members read from the table and from the memberships: equal."""
    seen = {}
    scopes = await summary_scopes()
    for scope_name in ("every centre", "one centre", "two centres"):
        for index, period in enumerate(PERIODS):
            for name in ("usage", "donor", "network"):
                report = getattr(reports, name)
                kept = await report(scopes[scope_name], period, READ_ON)
                with summaries.raw():
                    raw = await report(scopes[scope_name], period, READ_ON)
                assert kept == raw, (name, scope_name, period)
                if name != "network":
                    seen[(name, scope_name, index)] = _new_members(kept)
    return seen


@pytest.fixture
async def data(seeded):
    return await build_report_data()


async def test_each_members_first_membership_follows_every_change_to_their_memberships(data):
    from rental.tables import Member, Membership, MembershipType

    standard = (await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first())["id"]
    m1, m2, m4 = data["members"]["M1"], data["members"]["M2"], data["members"]["M4"]

    def closed(member: int, starts: date) -> Membership:
        return Membership(member=member, membership_type=standard, starts_on=starts,
                          ends_on=starts + timedelta(days=30), status="closed",
                          created_at=at(starts), created_by=data["staff"])

    async def check() -> dict[tuple[str, int], Any]:
        kept, raw = await _kept_and_raw()
        assert kept == raw
        return await _equal_both_ways()

    before = await check()
    kept, _ = await _kept_and_raw()
    assert kept[m2] == date(2026, 11, 3)
    november = ("usage", "every centre", 0)

    # M2 had a membership in 2025 (closed): no longer new in November, at once
    await Membership.insert(closed(m2, date(2025, 3, 1)))
    after = await check()
    assert (await _kept_and_raw())[0][m2] == date(2025, 3, 1)
    assert after[november][0] == before[november][0] - 1

    # a later one (a renewal started again) changes nothing; two in one statement, one of
    # them earlier than M4's first, the other later
    await Membership.insert(closed(m1, date(2026, 11, 20)), closed(m4, date(2026, 8, 1)),
                            closed(m4, date(2026, 10, 1)))
    assert (await _kept_and_raw())[0][m4] == date(2026, 8, 1)
    assert (await check())[november][0] == before[november][0] - 2  # M2 and M4 not new

    # M2's 2025 membership moved to December 2026: her first is November's again
    [old] = await Membership.select(Membership.id).where(
        (Membership.member == m2) & (Membership.starts_on == date(2025, 3, 1)))
    await Membership.update({Membership.starts_on: date(2026, 12, 1),
                             Membership.ends_on: date(2026, 12, 31)}).where(
        Membership.id == old["id"])
    assert (await _kept_and_raw())[0][m2] == date(2026, 11, 3)
    assert (await check())[november][0] == before[november][0] - 1  # M4 only

    # ... then given to M1: both recomputed
    await Membership.update({Membership.member: m1, Membership.starts_on: date(2024, 1, 1),
                             Membership.ends_on: date(2024, 1, 31)}).where(
        Membership.id == old["id"])
    kept, _ = await _kept_and_raw()
    assert (kept[m1], kept[m2]) == (date(2024, 1, 1), date(2026, 11, 3))
    await check()

    # M2 moves to Kutaisi and M5 becomes staff: where and whether they count follows at once
    m5, kut = data["members"]["M5"], data["centres"]["KUT"]
    counted = (await check())[november]
    await Member.update({Member.home_centre: kut}).where(Member.id == m2)
    await Member.update({Member.role: "staff"}).where(Member.id == m5)
    from bookings.reports.tables import ReportFirstMembership
    assert await ReportFirstMembership.select(
        ReportFirstMembership.member, ReportFirstMembership.role,
        ReportFirstMembership.centre).where(ReportFirstMembership.member.is_in([m2, m5])
                                            ).order_by(ReportFirstMembership.member) == [
        {"member": m2, "role": "member", "centre": kut},
        {"member": m5, "role": "staff", "centre": data["centres"]["SMG"]}]
    assert (await check())[november][0] == counted[0] - 1

    # deleted: M1's first is hers again; a member without memberships has no row
    await Membership.delete().where(Membership.id == old["id"])
    assert (await _kept_and_raw())[0][m1] == date(2026, 9, 1)
    await check()
    await Membership.delete().where(Membership.member == m4)
    kept, _ = await _kept_and_raw()
    assert m4 not in kept
    await check()
