"""Every figure shown by more than one report is the same number in each (bookings/reports/
queries/figures.py defines them once): loans, borrowers, new members, money collected, sessions
held and their attendance, on the dashboard (its rows and its total), in the usage, donor and
money reports (their headlines and the totals of their tables), for a month, a quarter, a
year and the month the demo's reports disagreed in, over every centre and over each one.

The data: report_data.py's fixed set, and a December like the demo's when its dashboard said
3 new members and the usage and donor reports 4 (see add_december). Runs on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from helpers import today
from report_data import at, build_report_data

from bookings.reports import queries as reports
from bookings.reports.rules import Period, period_of

READ_ON = date(2026, 12, 20)  # the day the reports are read, after the December below
NOVEMBER = period_of("month", date(2026, 11, 1))
DECEMBER = period_of("month", date(2026, 12, 1))
PERIODS = {
    "November": NOVEMBER,
    "December": DECEMBER,
    "fourth quarter": period_of("quarter", date(2026, 11, 1)),
    "2026": period_of("year", date(2026, 1, 1)),
    "21 Nov to 20 Dec": Period("dates", date(2026, 11, 21), READ_ON),
}
SCOPES = {"every centre": None, "Samgori": "SMG", "Kutaisi": "KUT"}


async def add_december(data: dict[str, Any]) -> dict[str, int]:
    """December as the demo's was when the reports disagreed, on top of report_data's set.

    - D1 registered at the desk on 3 December: no home centre (registered before the desk's
      form asked for one), a membership from that day; borrows at Kutaisi;
    - D2 signed up online on 25 November, was verified and given a membership on 2 December:
      new in December, not in November; Samgori;
    - D3 joined Kutaisi on 1 December and borrows at Samgori;
    - D4 signed up online on 4 December and nobody has verified her: no membership, not a
      member yet;
    - M1 (joined in September) let her membership lapse and started again on 5 December: not
      new;
    - a session at Kutaisi on 5 December (D3 attended, D1 did not) and one at Samgori on 28
      December, not held yet; the December loans' fees paid, one in cash, one by card."""
    from bookings.tables import Booking, Enrolment, SkillSession
    from rental import ledger
    from rental.tables import Member, Membership, MembershipType

    smg, kut = data["centres"]["SMG"], data["centres"]["KUT"]
    staff, coordinator = data["staff"], data["coordinator"]
    standard = (await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first())["id"]
    dec = lambda d: date(2026, 12, d)  # noqa: E731

    async def person(phone: str, centre: int | None, signed_up: date,
                     member_from: date | None) -> int:
        status = "active" if member_from else "pending"
        rows = await Member.insert(Member(
            name=f"December {phone[-1]}", phone=phone, password_hash="", role="member",
            status=status, language="ka", home_centre=centre, created_at=at(signed_up),
            updated_at=at(signed_up), sex="female", situation="local_resident",
            municipality="samgori", birth_date=date(1985, 1, 1))).returning(Member.id)
        if member_from:
            await Membership.insert(Membership(
                member=rows[0]["id"], membership_type=standard, starts_on=member_from,
                ends_on=member_from + timedelta(days=364), status="active",
                created_at=at(member_from), created_by=staff))
        return rows[0]["id"]

    d1 = await person("+995555200001", None, dec(3), dec(3))
    d2 = await person("+995555200002", smg, date(2026, 11, 25), dec(2))
    d3 = await person("+995555200003", kut, dec(1), dec(1))
    d4 = await person("+995555200004", None, dec(4), None)
    m1 = data["members"]["M1"]
    await Membership.update({Membership.status: "closed",
                             Membership.ends_on: date(2026, 11, 30)}).where(
        Membership.member == m1)
    await Membership.insert(Membership(
        member=m1, membership_type=standard, starts_on=dec(5), ends_on=dec(5) + timedelta(
            days=364), status="active", created_at=at(dec(5)), created_by=staff))

    async def loan(who: int, unit: str, type_: str, centre: int, starts: date, ends: date,
                   status: str, fee: int, method: str) -> int:
        rows = await Booking.insert(Booking(
            member=who, tool_type=data["types"][type_], unit=data["units"][unit],
            centre=centre, starts_on=starts, ends_on=ends, status=status,
            created_at=at(starts, 9), created_by=staff, checked_out_at=at(starts, 11),
            returned_at=at(ends, 15) if status == "returned" else None,
            return_condition="fine" if status == "returned" else None,
            ended_on=ends if status == "returned" else None)).returning(Booking.id)
        receipt = await ledger.open_receipt(who, centre, "check_out", actor_id=staff,
                                            now=at(starts, 11))
        await ledger.post(receipt, who, centre, "fee", fee, now=at(starts, 11), actor_id=staff,
                          loan=rows[0]["id"])
        await ledger.post(receipt, who, centre, "payment", -fee, now=at(starts, 11),
                          actor_id=staff, loan=rows[0]["id"], method=method,
                          reference="9" if method == "card" else "")
        return rows[0]["id"]

    await loan(d3, "A1", "A", smg, dec(2), dec(4), "returned", 600, "cash")
    await loan(d1, "K1", "K", kut, dec(7), dec(22), "out", 400, "card")

    async def session(centre: int, day: date, enrolled: list[tuple[int, bool]]) -> int:
        rows = await SkillSession.insert(SkillSession(
            centre=centre, skill=None, title_ka="სესია", title_en=f"Session {day}", room="1",
            instructor="Instructor", starts_at=at(day), ends_at=at(day, 12), capacity=10,
            enrolled=len(enrolled), audience="everyone", language="ka", status="scheduled",
            created_at=at(date(2026, 11, 1)), created_by=coordinator)).returning(SkillSession.id)
        for who, attended in enrolled:
            await Enrolment.insert(Enrolment(session=rows[0]["id"], member=who,
                                             status="enrolled", attended=attended,
                                             created_at=at(date(2026, 11, 30)), created_by=who))
        return rows[0]["id"]

    await session(kut, dec(5), [(d3, True), (d1, False)])
    await session(smg, dec(28), [(d2, False)])
    return {"D1": d1, "D2": d2, "D3": d3, "D4": d4}


@pytest.fixture
async def december(seeded):
    data = await build_report_data()
    data["december"] = await add_december(data)
    return data


# --- what each report shows of the shared figures ---------------------------------------------


def _headline(report: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {f.key: (f.value, f.previous) for f in report["headline"]}


def _table(report: dict[str, Any], name: str):
    [found] = [t for t in report["tables"] if t.name == name]
    return found


def shown(name: str, report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """figure -> {where it is shown: the number there}; a previous period's as "… before"."""
    found: dict[str, dict[str, Any]] = {}

    def put(figure: str, where: str, value: Any) -> None:
        found.setdefault(figure, {})[where] = value

    head = _headline(report)
    if name == "network":
        centres = _table(report, "centres")
        total = centres.total
        for key, figure in (("loans", "loans"), ("borrowers", "borrowers"),
                            ("new", "new members"), ("collected", "collected"),
                            ("sessions", "sessions"), ("attended", "attended")):
            if key in total:  # the dashboard once had no total of borrowers
                put(figure, "dashboard total", total[key])
            if figure != "borrowers":  # people, counted once however many centres
                put(figure, "dashboard rows added up", sum(r[key] for r in centres.rows))
        put("loans", "dashboard headline", head["loans"][0])
        put("loans before", "dashboard total", total["previous_loans"])
        put("loans before", "dashboard headline", head["loans"][1])
    elif name == "usage":
        by_category = _table(report, "by_category")
        for key, figure in (("loans", "loans"), ("borrowers", "borrowers"),
                            ("new_members", "new members")):
            put(figure, "usage headline", head[key][0])
            put(f"{figure} before", "usage headline", head[key][1])
        put("loans", "usage by category", by_category.total["loans"])
        put("loans before", "usage by category", by_category.total["previous_loans"])
        put("borrowers", "usage by category", by_category.total["borrowers"])
    elif name == "donor":
        for key, figure in (("loans", "loans"), ("new", "new members"),
                            ("sessions", "sessions"), ("attended", "attended")):
            put(figure, "donor headline", head[key][0])
            put(f"{figure} before", "donor headline", head[key][1])
        put("loans", "donor by repair domain", _table(report, "by_domain").total["loans"])
        sessions = _table(report, "sessions").total
        put("sessions", "donor sessions table", sessions["sessions"])
        put("attended", "donor sessions table", sessions["attended"])
        for table in ("by_sex", "by_age_band", "by_situation", "by_municipality"):
            put("new members", f"donor {table}", _table(report, table).total["new"])
    elif name == "money":
        put("collected", "money headline", head["collected"][0])
        put("collected before", "money headline", head["collected"][1])
        put("collected", "money by centre", _table(report, "by_centre").total["collected"])
    return found


async def every_report(scope: reports.Scope, period: Period, on: date
                       ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The shared figures as each report shows them, and the dashboard."""
    found: dict[str, dict[str, Any]] = {}
    dashboard = None
    for name in ("network", "usage", "donor", "money"):
        report = await getattr(reports, name)(scope, period, on)
        dashboard = dashboard or report
        for figure, places in shown(name, report).items():
            found.setdefault(figure, {}).update(places)
    return found, dashboard


def disagreements(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {figure: places for figure, places in found.items() if len(set(places.values())) > 1}


async def scope_of(code: str | None) -> reports.Scope:
    centres = {c["code"]: c["id"] for c in await reports.centres()}
    return reports.Scope(None if code is None else (centres[code],), "Asia/Tbilisi")


@pytest.mark.parametrize("scope_name", SCOPES)
@pytest.mark.parametrize("period_name", PERIODS)
async def test_every_report_shows_the_same_figures(december, period_name, scope_name):
    found, _ = await every_report(await scope_of(SCOPES[scope_name]), PERIODS[period_name],
                                  READ_ON)
    assert len(found) == 12  # loans, borrowers, new members, collected, sessions, attended
    assert disagreements(found) == {}


@pytest.mark.parametrize("period_name", PERIODS)
async def test_each_row_of_the_dashboard_is_that_centres_reports(december, period_name):
    """A centre's row on the network dashboard is what the reports say for that centre."""
    period = PERIODS[period_name]
    dashboard = await reports.network(await scope_of(None), period, READ_ON)
    rows = _table(dashboard, "centres").rows
    assert [row["code"] for row in rows[:2]] == ["SMG", "KUT"]
    for row in rows[:2]:
        found, alone = await every_report(await scope_of(row["code"]), period, READ_ON)
        assert disagreements(found) == {}
        [own] = _table(alone, "centres").rows
        for key, figure in (("loans", "loans"), ("borrowers", "borrowers"),
                            ("new", "new members"), ("collected", "collected"),
                            ("sessions", "sessions"), ("attended", "attended")):
            assert row[key] == own[key] == found[figure]["dashboard total"], (row["code"], key)


# --- the cases that disagreed -----------------------------------------------------------------


def _new(found: dict[str, dict[str, Any]]) -> set[Any]:
    return set(found["new members"].values())


async def test_new_members_of_the_demos_december(december):
    """D1 has no home centre: the dashboard left her out of its rows and its total, usage and
    donor counted her. D4's online sign-up nobody verified is not a member; M1 starting again
    after a lapse did not join again; D2 joined when her membership started, not when she
    signed up in November."""
    found, dashboard = await every_report(await scope_of(None), DECEMBER, READ_ON)
    assert _new(found) == {3}  # D1, D2, D3
    rows = {row["code"] or "no home centre": row["new"]
            for row in _table(dashboard, "centres").rows}
    assert rows == {"SMG": 1, "KUT": 1, "no home centre": 1}
    [unplaced] = [row for row in _table(dashboard, "centres").rows if row["id"] is None]
    assert unplaced["fallback"] == "No home centre" and unplaced["loans"] == 0
    assert found["new members before"] == {"usage headline": 3, "donor headline": 3}
    for code, new in (("SMG", 1), ("KUT", 1)):
        found, _ = await every_report(await scope_of(code), DECEMBER, READ_ON)
        assert _new(found) == {new}, code


async def test_a_member_registered_at_the_desk_is_new_at_the_home_centre_the_desk_chose(
        december):
    """The desk's form asks for the home centre: a member registered there on 6 December (and
    given a membership that day) is a new member of Samgori, not of "no home centre"."""
    from rental import members
    from rental.kernel.identity import CurrentUser
    from rental.member_rules import desk_form
    from rental.tables import MembershipType

    smg = december["centres"]["SMG"]
    desk = CurrentUser(id=december["staff"], name="Desk", role="staff", status="active",
                       language="ka", centre_ids=frozenset({smg}))
    day = date(2026, 12, 6)
    form = {"name": "გიორგი მაისურაძე", "phone": "555 20 00 09", "email": "", "language": "ka",
            "id_document_type": "personal_number", "id_document_number": "01024056789",
            "birth_date": "1990-05-17", "sex": "male", "municipality": "samgori",
            "situation": "local_resident", "notes": "", "home_centre": str(smg)}
    member = await members.register_at_desk(desk_form(form, today=day), actor=desk,
                                            now=at(day))
    standard = (await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first())["id"]
    await members.start_membership(member, standard, actor_id=desk.id, today=day, now=at(day))
    found, dashboard = await every_report(await scope_of(None), DECEMBER, READ_ON)
    assert _new(found) == {4}  # D1, D2, D3 and the desk's
    rows = {row["code"] or "no home centre": row["new"]
            for row in _table(dashboard, "centres").rows}
    assert rows == {"SMG": 2, "KUT": 1, "no home centre": 1}
    found, samgori = await every_report(await scope_of("SMG"), DECEMBER, READ_ON)
    assert _new(found) == {2} and _table(samgori, "centres").rows[0]["new"] == 2


async def test_new_members_of_november_are_counted_by_their_membership(december):
    """M2, M4 and M5; not D2, who signed up on 25 November but became a member in December."""
    found, _ = await every_report(await scope_of(None), NOVEMBER, READ_ON)
    assert _new(found) == {3}
    assert found["new members before"] == {"usage headline": 1, "donor headline": 1}  # M3


async def test_the_other_shared_figures_of_december_by_hand(december):
    found, dashboard = await every_report(await scope_of(None), DECEMBER, READ_ON)
    expected = {"loans": 2, "borrowers": 2, "collected": 1000, "sessions": 1, "attended": 1}
    assert {figure: found[figure]["dashboard total"] for figure in expected} == expected
    # D3 borrowed at Samgori and D1 at Kutaisi: a borrower of each
    assert [(row["code"], row["borrowers"]) for row in _table(dashboard, "centres").rows] == [
        ("SMG", 1), ("KUT", 1), ("", 0)]
    assert _table(dashboard, "centres").note is None  # nobody borrowed at both


async def test_a_borrower_of_two_centres_is_counted_once_in_the_total(december):
    from bookings.tables import Booking

    d3 = december["december"]["D3"]
    await Booking.update({Booking.member: d3}).where(
        Booking.centre == december["centres"]["KUT"])
    found, dashboard = await every_report(await scope_of(None), DECEMBER, READ_ON)
    assert [row["borrowers"] for row in _table(dashboard, "centres").rows] == [1, 1, 0]
    assert set(found["borrowers"].values()) == {1}
    assert _table(dashboard, "centres").note


# --- the demo seed alone --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["month", "year"])
async def test_the_demo_seed_agrees_with_itself(seeded, kind):
    """The demo as `make run` seeds it, read on the tests' day (a December in the sweep)."""
    period = period_of(kind, today())
    for code in SCOPES.values():
        found, _ = await every_report(await scope_of(code), period, today())
        assert disagreements(found) == {}
