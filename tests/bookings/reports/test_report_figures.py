"""The coordinator reports (bookings/reports) against the small fixed data set of
report_data.py: every headline figure with its previous value, every table row and total
and every chart point, computed by hand, for all centres and for Samgori alone.

The reports are read on 2026-11-20 for November 2026 (so the previous period is October 2026).
Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

import pytest
from helpers import SMG, TBILISI, demo_cast, now, open_day, today
from report_data import C1_COST, UNIT_TAGS, build_report_data

from bookings.lending import desk
from bookings.reports import queries as reports
from bookings.reports.rules import SUPPRESSED, Period, period_of, suppressed_table
from bookings.tables import Booking
from inventory.tables import Category, ToolType, Unit
from rental.kernel.municipalities import BY_CODE
from rental.tables import Centre, ConcessionCategory, LedgerEntry, Member
from toollib.demo import data as demo_data

ON = date(2026, 11, 20)  # the day the reports are read
NOVEMBER = period_of("month", date(2026, 11, 1))
ALL = reports.Scope(None, "Asia/Tbilisi")
SAMGORI = reports.Scope((1,), "Asia/Tbilisi")
LOANED_TAGS = {UNIT_TAGS[key] for key in ("A1", "A2", "B1", "K1")}  # C1 is lost


@pytest.fixture
async def report_data(seeded):
    return await build_report_data()


# --- how the expectations are written --------------------------------------------------------


class OneDecimal:
    """A figure shown to one decimal: equal to a value within half a unit of the last place of
    the exact figure (so 1.25 may be shown as 1.2 or 1.3, but 1.52 only as 1.5)."""

    def __init__(self, exact: Fraction):
        self.exact = exact

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, int | float) or isinstance(other, bool):
            return NotImplemented
        shown = Fraction(str(other))
        return shown * 10 == int(shown * 10) and abs(shown - self.exact) <= Fraction(1, 20)

    def __repr__(self) -> str:
        return f"OneDecimal(≈{float(self.exact):.3f})"

    __hash__ = None  # type: ignore[assignment]


def percent(part: int, whole: int) -> OneDecimal:
    return OneDecimal(Fraction(part * 100, whole))


def headline(report: dict[str, Any]) -> dict[str, tuple[Any, Any, str]]:
    return {f.key: (f.value, f.previous, f.kind) for f in report["headline"]}


def table(report: dict[str, Any], name: str):
    [found] = [t for t in report["tables"] if t.name == name]
    return found


def points(chart) -> list[tuple[Any, Any]]:
    """A chart's points, a row label shown by its English name."""
    return [(label["name_en"] if isinstance(label, dict) else label, value)
            for label, value in chart.points]


async def names() -> dict[str, dict[Any, dict[str, Any]]]:
    """Names as the seed wrote them (Georgian names are compared too)."""
    return {
        "category": {row["slug"]: row for row in await Category.select()},
        "type": {row["slug"]: row for row in await ToolType.select(
            ToolType.id, ToolType.slug, ToolType.name_ka, ToolType.name_en, ToolType.name_ru,
            ToolType.category)},
        "centre": {row["code"]: row for row in await Centre.select()},
        "person": {row["phone"]: row for row in await Member.select(Member.id, Member.phone,
                                                                   Member.name)},
    }


# --- usage ----------------------------------------------------------------------------------

# slug -> loans, previous loans, loan-days, previous loan-days, borrowers in November
ACTIVITY = {
    ALL: {"cordless-drill": (1, 2, 14, 6, 1), "pipe-wrench": (2, 0, 5, 0, 2),
          "pipe-cutter": (1, 0, 1, 0, 1), "drain-snake": (0, 1, 10, 12, 0)},
    SAMGORI: {"cordless-drill": (1, 2, 14, 6, 1), "pipe-wrench": (2, 0, 5, 0, 2),
              "drain-snake": (0, 1, 10, 12, 0)},
}
# lendable unit-days: 20 days of November until today, 31 of October; C1 (drain-snake) was
# lendable until it was lost on 10 November, D1 (plunger-set) until it was retired on 20 October
GONE_EXTRA = {"drain-snake": (9, 31), "plunger-set": (0, 19)}
GONE_UNITS = {"drain-snake": 1, "plunger-set": 1}  # both at Samgori


async def expected_type_rows(scope: reports.Scope) -> list[dict[str, Any]]:
    known = await names()
    categories = {row["id"]: row for row in known["category"].values()}
    rows = []
    for tool in demo_data.TOOL_TYPES:
        slug = tool["slug"]
        units = sum(n for code, n in tool["units"].items()
                    if scope.centres is None or code == "SMG") - GONE_UNITS.get(slug, 0)
        if not units:
            continue
        extra, previous_extra = GONE_EXTRA.get(slug, (0, 0))
        loans, previous_loans, loan_days, previous_loan_days, borrowers = ACTIVITY[scope].get(
            slug, (0, 0, 0, 0, 0))
        kind = known["type"][slug]
        category = categories[kind["category"]]
        rows.append({
            "id": kind["id"], "name_ka": kind["name_ka"], "name_en": kind["name_en"],
            "name_ru": kind["name_ru"], "category": category["id"],
            "category_ka": category["name_ka"], "category_en": category["name_en"],
            "category_ru": category["name_ru"], "position": category["position"],
            "loans": loans, "previous_loans": previous_loans, "loan_days": loan_days,
            "previous_loan_days": previous_loan_days, "borrowers": borrowers, "units": units,
            "unit_days": units * 20 + extra, "previous_unit_days": units * 31 + previous_extra,
            "utilisation": percent(loan_days, units * 20 + extra),
        })
    return rows


# category slug -> loans, loan-days, units, lendable unit-days, borrowers (hand-counted from the
# demo seed's units per category: electrical 46 (30 at Samgori), plumbing 24 (15), sewage 22
# (14) less C1 and D1, appliances 18 (11), building 33 (21), garden 21 (10))
CATEGORIES = {
    ALL: {"electrical": (1, 14, 46, 920, 1), "plumbing": (3, 6, 24, 480, 3),
          "sewage": (0, 10, 20, 409, 0), "appliances": (0, 0, 18, 360, 0),
          "building": (0, 0, 33, 660, 0), "garden": (0, 0, 21, 420, 0)},
    SAMGORI: {"electrical": (1, 14, 30, 600, 1), "plumbing": (2, 5, 15, 300, 2),
              "sewage": (0, 10, 12, 249, 0), "appliances": (0, 0, 11, 220, 0),
              "building": (0, 0, 21, 420, 0), "garden": (0, 0, 10, 200, 0)},
}
USAGE_TOTAL = {  # loans, previous, loan-days, previous, unit-days, previous, units, borrowers
    ALL: (4, 3, 30, 18, 162 * 20 + 9, 162 * 31 + 31 + 19, 162, 4),
    SAMGORI: (3, 3, 29, 18, 99 * 20 + 9, 99 * 31 + 31 + 19, 99, 3),
}
USAGE_HEADLINE = {
    ALL: {"loans": (4, 3, "count"), "loan_days": (30, 18, "count"),
          "borrowers": (4, 2, "people"), "new_members": (3, 1, "people"),
          "utilisation": (percent(30, 3249), percent(18, 5072), "percent"),
          "cancelled": (1, 0, "count"), "no_show": (1, 0, "count"), "unmet": (1, 0, "count")},
    SAMGORI: {"loans": (3, 3, "count"), "loan_days": (29, 18, "count"),
              "borrowers": (3, 2, "people"), "new_members": (2, 1, "people"),
              "utilisation": (percent(29, 1989), percent(18, 3119), "percent"),
              "cancelled": (1, 0, "count"), "no_show": (1, 0, "count"),
              "unmet": (1, 0, "count")},
}


def test_the_hand_counts_match_the_demo_seed():
    """The unit counts above are the demo seed's: if the seed changes, recount by hand."""
    for scope, codes in ((ALL, ("SMG", "KUT")), (SAMGORI, ("SMG",))):
        for slug, (_, _, units, _, _) in CATEGORIES[scope].items():
            seeded = sum(n for tool in demo_data.TOOL_TYPES if tool["category"] == slug
                         for code, n in tool["units"].items() if code in codes)
            assert units == seeded - (2 if slug == "sewage" else 0), slug
    assert sum(row[2] for row in CATEGORIES[ALL].values()) == 162
    assert sum(row[2] for row in CATEGORIES[SAMGORI].values()) == 99


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_usage(report_data, scope):
    report = await reports.usage(scope, NOVEMBER, ON)
    assert [f.key for f in report["headline"]] == list(USAGE_HEADLINE[scope])
    assert headline(report) == USAGE_HEADLINE[scope]

    known = await names()
    by_category = table(report, "by_category")
    expected = []
    for slug, (loans, loan_days, units, unit_days, borrowers) in CATEGORIES[scope].items():
        category = known["category"][slug]
        expected.append({
            "id": category["id"], "name_ka": category["name_ka"],
            "name_en": category["name_en"], "name_ru": category["name_ru"],
            "position": category["position"], "loans": loans,
            "loan_days": loan_days, "units": units, "unit_days": unit_days,
            "borrowers": borrowers, "utilisation": percent(loan_days, unit_days)})
    assert by_category.rows == expected
    loans, previous, days, previous_days, unit_days, previous_unit_days, units, people = (
        USAGE_TOTAL[scope])
    assert by_category.total == {
        "name": "Total", "loans": loans, "previous_loans": previous, "loan_days": days,
        "previous_loan_days": previous_days, "unit_days": unit_days,
        "previous_unit_days": previous_unit_days, "units": units, "borrowers": people,
        "utilisation": percent(days, unit_days)}

    type_rows = await expected_type_rows(scope)
    assert sum(row["unit_days"] for row in type_rows) == unit_days
    most = sorted(type_rows, key=lambda r: (-r["loans"], -r["loan_days"], r["name_en"]))[:20]
    least = sorted(type_rows, key=lambda r: (r["loans"], r["loan_days"], r["name_en"]))[:20]
    assert table(report, "most_used").rows == most
    assert [row["name_en"] for row in most[:4]] == (
        ["Pipe wrench", "Cordless drill-driver", "Pipe cutter set (copper and plastic)",
         "Drain snake (15 m)"] if scope is ALL else
        ["Pipe wrench", "Cordless drill-driver", "Drain snake (15 m)",
         "Adjustable basin wrench"])
    assert table(report, "least_used").rows == least
    assert all(row["loans"] == row["loan_days"] == 0 for row in least)

    drill = known["type"]["cordless-drill"]
    assert table(report, "unmet").rows == [{  # W1 expired; W2 still waits for 25 November
        "id": drill["id"], "name_ka": drill["name_ka"], "name_en": drill["name_en"],
        "name_ru": drill["name_ru"], "requests": 1, "members": 1, "previous": 0}]

    never = table(report, "never_lent")
    units_left = await Unit.select(Unit.id, Unit.asset_tag, Unit.acquired_on,
                                   Unit.tool_type.name_ka.as_alias("name_ka"),
                                   Unit.tool_type.name_en.as_alias("name_en"),
                                   Unit.tool_type.name_ru.as_alias("name_ru")).where(
        Unit.status.not_in(["retired", "lost"])).order_by(Unit.asset_tag)
    unlent = [row for row in units_left if row["asset_tag"] not in LOANED_TAGS
              and (scope is ALL or row["asset_tag"].startswith("SMG-"))]
    assert len(unlent) == (158 if scope is ALL else 96)
    assert never.total == {"asset_tag": len(unlent)}
    assert never.rows == [{**row, "total": len(unlent)} for row in unlent[:100]]
    assert never.note is not None

    trend, by_domain = report["charts"]
    assert points(trend) == [("2026-11", loans)]
    assert by_domain.style == "bars"
    assert points(by_domain) == [(row["name_en"], row["loans"]) for row in expected]


# --- condition and maintenance --------------------------------------------------------------

CONDITION_HEADLINE = {  # returns: November 4 (Samgori 3) of which L2 damaged; October 1 (L6)
    ALL: {"damage_rate": (25.0, 0.0, "percent")},
    SAMGORI: {"damage_rate": (percent(1, 3), 0.0, "percent")},
}
CONDITION_COMMON = {
    "tickets_opened": (1, 1, "count"), "tickets_resolved": (1, 1, "count"),
    "repair_days": (2.0, 1.5, "days"), "parts_cost": (1500, 0, "money"),
    "lost": (1, 0, "count"), "retired": (0, 1, "count"), "inspections": (2, 1, "count"),
    "inspections_overdue": (1, None, "count"),
}


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_condition(report_data, scope):
    report = await reports.condition(scope, NOVEMBER, ON)
    assert headline(report) == {**CONDITION_HEADLINE[scope], **CONDITION_COMMON}
    assert [f.key for f in report["headline"]] == [
        "damage_rate", "tickets_opened", "tickets_resolved", "repair_days", "parts_cost",
        "lost", "retired", "inspections", "inspections_overdue"]

    known = (await names())["type"]

    def row(slug: str, returns: int, damaged: int) -> dict[str, Any]:
        kind = known[slug]
        return {"id": kind["id"], "name_ka": kind["name_ka"], "name_en": kind["name_en"],
                "name_ru": kind["name_ru"], "returns": returns, "damaged": damaged,
                "damage_rate": percent(damaged, returns)}

    damage = table(report, "damage")
    expected = [row("pipe-wrench", 2, 1), row("cordless-drill", 1, 0)]
    if scope is ALL:
        expected.append(row("pipe-cutter", 1, 0))
    assert damage.rows == expected
    returns = 4 if scope is ALL else 3
    assert damage.total == {"name": "Total", "returns": returns, "damaged": 1,
                            "damage_rate": percent(1, returns)}

    assert table(report, "maintenance").rows == [
        {"what": "tickets_repaired", "count": 1, "amount": 1500},
        {"what": "tickets_beyond_repair", "count": 0, "amount": 0},
        {"what": "units_lost", "count": 1, "amount": C1_COST},
        {"what": "units_retired", "count": 0, "amount": 0},
        {"what": "inspections_passed", "count": 1, "amount": None},
        {"what": "inspections_failed", "count": 1, "amount": None},
    ]
    tickets, rates = report["charts"]
    assert points(tickets) == [("2026-11", 1)]
    assert (rates.kind, rates.style) == ("percent", "bars")
    assert points(rates) == [(r["name_en"], r["damage_rate"]) for r in expected]


async def test_condition_of_another_centre_counts_none_of_samgoris_tickets(report_data):
    # every ticket and inspection is Samgori's: all centres read them without the join to
    # unit, one centre through it
    kutaisi = await Centre.select(Centre.id).where(Centre.code == "KUT").first()
    report = await reports.condition(reports.Scope((kutaisi["id"],), "Asia/Tbilisi"),
                                     NOVEMBER, ON)
    figures = headline(report)
    assert {key: figures[key][:2] for key in (
        "tickets_opened", "tickets_resolved", "parts_cost", "inspections")} == {
        "tickets_opened": (0, 0), "tickets_resolved": (0, 0), "parts_cost": (0, 0),
        "inspections": (0, 0)}
    assert figures["repair_days"][:2] == (None, None)
    assert points(report["charts"][0]) == [("2026-11", 0)]


# --- money ----------------------------------------------------------------------------------

SAMGORI_MONEY = {"fees": 3000, "late_fees": 1000, "damage": 2000, "replacement": 10000,
                 "waived": 1000, "cash": 2500, "card": 2000, "collected": 4500,
                 "deposits_taken": 7000, "deposits_returned": 5000}
KUTAISI_MONEY = {"fees": 300, "late_fees": 200, "damage": 0, "replacement": 0, "waived": 200,
                 "cash": 300, "card": 0, "collected": 300, "deposits_taken": 0,
                 "deposits_returned": 0}
ALL_MONEY = {key: SAMGORI_MONEY[key] + KUTAISI_MONEY[key] for key in SAMGORI_MONEY}


def test_the_money_by_centre_adds_up_by_hand():
    assert ALL_MONEY == {"fees": 3300, "late_fees": 1200, "damage": 2000,
                         "replacement": 10000, "waived": 1200, "cash": 2800, "card": 2000,
                         "collected": 4800, "deposits_taken": 7000, "deposits_returned": 5000}


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_money(report_data, scope):
    report = await reports.money(scope, NOVEMBER, ON)
    this = ALL_MONEY if scope is ALL else SAMGORI_MONEY
    assert headline(report) == {
        "fees": (this["fees"], 2700, "money"),  # October: 800 + 700 + 1200
        "collected": (this["collected"], 1500, "money"),  # October: 800 + 700 cash
        "waived": (this["waived"], 1200, "money"),  # October: L1's concession
        "late_fees": (this["late_fees"], 0, "money"),
        "damage": (12000, 0, "money"),  # L2's damage 2000 and C1's replacement 10000
        "deposits_held": (2000, None, "money"),  # L3's deposit
        "owed": (12500, None, "money"),  # M2: L3's fee 1500, L7's late fee and replacement
        "members_owing": (1, None, "people"),
    }
    assert [f.key for f in report["headline"]] == [
        "fees", "collected", "waived", "late_fees", "damage", "deposits_held", "owed",
        "members_owing"]

    known = await names()
    smg, kut = known["centre"]["SMG"], known["centre"]["KUT"]
    staff = known["person"]["+995555000003"]["name"]
    coordinator = known["person"]["+995555000002"]["name"]
    centre_rows = [{"name_ka": smg["name_ka"], "name_en": smg["name_en"],
                    "name_ru": smg["name_ru"], **SAMGORI_MONEY}]
    staff_rows = [{"staff": staff, **SAMGORI_MONEY}]
    if scope is ALL:  # Kutaisi sorts first in English
        centre_rows.insert(0, {"name_ka": kut["name_ka"], "name_en": kut["name_en"],
                               "name_ru": kut["name_ru"], **KUTAISI_MONEY})
        staff_rows.append({"staff": coordinator, **KUTAISI_MONEY})
        staff_rows.sort(key=lambda r: r["staff"])
    by_centre = table(report, "by_centre")
    assert by_centre.rows == centre_rows
    assert by_centre.total == {"name": "Total", **this}
    assert table(report, "by_staff").rows == staff_rows

    migrant = await ConcessionCategory.select().where(
        ConcessionCategory.slug == "returning-migrant").first()
    waivers = table(report, "waivers")
    expected = [{"name_ka": migrant["name_ka"], "name_en": migrant["name_en"],
                 "name_ru": migrant["name_ru"],
                 "concession": migrant["id"], "funder": "IOM-ის განვითარების ფონდი",
                 "funder_ka": "IOM-ის განვითარების ფონდი", "funder_en": "IOM Development Fund",
                 "funder_ru": "Фонд развития IOM", "amount": 1000}]
    if scope is ALL:  # the coordinator's goodwill waiver at Kutaisi: no category, no funder
        expected.append({"name_ka": "", "name_en": "", "name_ru": "", "concession": None,
                         "funder": "", "funder_ka": "", "funder_en": "", "funder_ru": "",
                         "amount": 200, "fallback": "waived_by_coordinator"})
    assert waivers.rows == expected
    assert waivers.total == {"name": "Total", "amount": this["waived"]}

    collected, charged = report["charts"]
    assert (collected.kind, charged.kind) == ("money", "money")
    assert points(collected) == [("2026-11", this["collected"])]
    charges = this["fees"] + this["late_fees"] + this["damage"] + this["replacement"]
    assert charges == (16500 if scope is ALL else 16000)
    assert points(charged) == [("2026-11", charges)]


# --- donor indicators -------------------------------------------------------------------------

def place_names(table_name: str, code: str) -> dict[str, str]:
    """A municipality's names, as the by-municipality rows carry them for the reader."""
    if table_name != "by_municipality":
        return {}
    place = BY_CODE[code]
    return {"name_ka": place.name_ka, "name_en": place.name_en, "name_ru": place.name_ru}


def people(served: int = 0, new: int = 0, attended: int = 0,
           certificates: int = 0) -> dict[str, int]:
    return {"served": served, "new": new, "attended": attended, "certificates": certificates}


# served in November: M1 (L2, S1), M2 (L3), M3 (L4, erased since), M4 (L5, at Kutaisi);
# new: M2, M4 (Kutaisi), M5; attended and certified: M1. Ages on 30 November 2026.
DONOR_BREAKDOWNS = {
    ALL: {
        "by_sex": [("female", people(2, 0, 1, 1)), ("male", people(2, 2)),
                   ("prefer_not", people(0, 1))],
        "by_age_band": [("under 18", people(1, 1)), ("25-34", people(1, 1)),
                        ("35-49", people(1, 0, 1, 1)), ("65+", people(1)),
                        ("unknown", people(0, 1))],
        "by_situation": [("returning_migrant", people(1, 1, 1, 1)), ("idp", people(1)),
                         ("local_resident", people(1, 1)), ("other", people(1, 1))],
        # in the order of the list: Tbilisi's districts, then Imereti
        "by_municipality": [("samgori", people(2, 2, 1, 1)), ("gldani", people(1)),
                            ("kutaisi", people(1, 1))],
    },
    SAMGORI: {
        "by_sex": [("female", people(2, 0, 1, 1)), ("male", people(1, 1)),
                   ("prefer_not", people(0, 1))],
        "by_age_band": [("under 18", people(1, 1)), ("35-49", people(1, 0, 1, 1)),
                        ("65+", people(1)), ("unknown", people(0, 1))],
        "by_situation": [("returning_migrant", people(1, 1, 1, 1)), ("idp", people(1)),
                         ("local_resident", people(1, 1))],
        "by_municipality": [("samgori", people(2, 2, 1, 1)), ("gldani", people(1))],
    },
}
DONOR_TOTALS = {ALL: people(4, 3, 1, 1), SAMGORI: people(3, 2, 1, 1)}
# domain -> loans, borrowers, savings, previous loans, previous savings (A saves 5000 a loan,
# B 3000, K 2000, C has no figure: October's L6 and L1 saved 10000, L7 nothing)
DOMAINS = {
    ALL: {"electrical": (1, 1, 5000, 2, 10000), "plumbing": (3, 3, 8000, 0, 0)},
    SAMGORI: {"electrical": (1, 1, 5000, 2, 10000), "plumbing": (2, 2, 6000, 0, 0)},
}


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_donor_headline(report_data, scope):
    report = await reports.donor(scope, NOVEMBER, ON)
    totals = DONOR_TOTALS[scope]
    loans = sum(row[0] for row in DOMAINS[scope].values())
    savings = sum(row[2] for row in DOMAINS[scope].values())
    assert [f.key for f in report["headline"]] == [
        "served", "new", "loans", "sessions", "attended", "certificates", "savings"]
    assert headline(report) == {
        "served": (totals["served"], 2, "people"),  # October: M1 (L6, L1), M2 (L7, S2)
        "new": (totals["new"], 1, "people"),  # October: M3
        # October: L6 and L1 (electrical) and L7 (sewage, lost since), all at Samgori
        "loans": (loans, 3, "count"),
        "sessions": (1, 1, "count"),  # S1; October S2 (S3 cancelled, S4 not held yet)
        "attended": (1, 1, "count"),  # M1 at S1; October M2 at S2
        "certificates": (1, 0, "count"),
        "savings": (savings, 10000, "money"),  # October: L6 and L1 5000 each, L7 nothing
    }


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_donor_tables_and_charts(report_data, scope):
    report = await reports.donor(scope, NOVEMBER, ON)
    totals = DONOR_TOTALS[scope]
    loans = sum(row[0] for row in DOMAINS[scope].values())
    savings = sum(row[2] for row in DOMAINS[scope].values())
    known = (await names())["category"]
    by_domain = table(report, "by_domain")
    assert by_domain.rows == [{
        "id": known[slug]["id"], "name_ka": known[slug]["name_ka"],
        "name_en": known[slug]["name_en"], "name_ru": known[slug]["name_ru"],
        "position": known[slug]["position"],
        "loans": loans_, "borrowers": borrowers, "savings": saved, "without_figure": 0,
        "previous_loans": before, "previous_savings": saved_before,
    } for slug, (loans_, borrowers, saved, before, saved_before) in DOMAINS[scope].items()]
    assert by_domain.total == {"name": "Total", "loans": loans, "savings": savings}

    sessions = table(report, "sessions")
    assert sessions.rows == [{"audience": "everyone", "sessions": 1, "places": 10,
                              "enrolled": 2, "attended": 1, "certificates": 1}]
    assert sessions.total == {"audience": "Total", "sessions": 1, "places": 10, "enrolled": 2,
                              "attended": 1, "certificates": 1}

    assert [t.name for t in report["tables"]] == [
        "by_domain", "sessions", "by_sex", "by_age_band", "by_situation", "by_municipality"]
    for name, rows in DONOR_BREAKDOWNS[scope].items():
        breakdown = table(report, name)
        assert breakdown.rows == [{"value": value, **place_names(name, value), **cells}
                                  for value, cells in rows], name
        assert breakdown.total == {"value": "Total", **totals}, name

    domains, situations = report["charts"]
    assert points(domains) == [(known[slug]["name_en"], row[0])
                               for slug, row in DOMAINS[scope].items()]
    assert (situations.kind, situations.style) == ("people", "bars")
    assert points(situations) == [(value, cells["served"])
                                  for value, cells in DONOR_BREAKDOWNS[scope]["by_situation"]]


async def test_the_donor_export_never_lets_a_total_give_a_hidden_cell_away(report_data):
    """In an export, cells of 1 to 4 people show as "<5"; when a column's total is shown, a
    lone hidden cell would be the total less the cells shown, so it may never be alone."""
    report = await reports.donor(ALL, NOVEMBER, ON)
    exported = suppressed_table(table(report, "by_sex"))
    assert [row["served"] for row in exported.rows] == [SUPPRESSED, SUPPRESSED, 0]
    assert [row["new"] for row in exported.rows] == [0, SUPPRESSED, SUPPRESSED]
    # totals of 4, 3, 1 and 1 people are small cells too
    assert exported.total == {"value": "Total", "served": SUPPRESSED, "new": SUPPRESSED,
                              "attended": SUPPRESSED, "certificates": SUPPRESSED}
    given_away = []
    for original in report["tables"]:
        export = suppressed_table(original)
        for column in original.columns:
            if column.kind != "people" or not export.total:
                continue
            cells = [row[column.key] for row in export.rows]
            total = export.total.get(column.key)
            if total not in (None, SUPPRESSED) and cells.count(SUPPRESSED) == 1:
                shown = sum(cell for cell in cells if cell != SUPPRESSED and cell)
                given_away.append((original.name, column.key, total - shown))
    # by_sex attended: female "<5", male 0, prefer not to say 0, total 1 -> female = 1
    assert given_away == []


# --- network --------------------------------------------------------------------------------

TWELVE_MONTHS = [f"2025-{m:02d}" for m in (12,)] + [f"2026-{m:02d}" for m in range(1, 12)]
X = [0.0, 10.9, 21.8, 32.7, 43.6, 54.5, 65.5, 76.4, 87.3, 98.2, 109.1, 120.0]  # 120 / 11 apart


def sparkline_of(trend: list[int]) -> str:
    top = max(trend)  # y runs from 27 (nothing) up to 1 (the most), 28 high
    return " ".join(f"{x},{round(28 - v / top * 26 - 1, 1)}" for x, v in zip(X, trend,
                                                                         strict=True))


@pytest.mark.parametrize("scope", [ALL, SAMGORI], ids=["all centres", "Samgori"])
async def test_network(report_data, scope):
    report = await reports.network(scope, NOVEMBER, ON)
    assert report["months"] == TWELVE_MONTHS
    known = (await names())["centre"]
    smg, kut = known["SMG"], known["KUT"]
    samgori_trend = [0] * 10 + [3, 3]
    kutaisi_trend = [0] * 11 + [1]
    assert sparkline_of(samgori_trend) == ("0.0,27.0 10.9,27.0 21.8,27.0 32.7,27.0 43.6,27.0 "
                                           "54.5,27.0 65.5,27.0 76.4,27.0 87.3,27.0 98.2,27.0 "
                                           "109.1,1.0 120.0,1.0")
    rows = [{"id": smg["id"], "code": "SMG", "name_ka": smg["name_ka"],
             "name_en": smg["name_en"], "name_ru": smg["name_ru"], "loans": 3,
             "previous_loans": 3, "borrowers": 3,
             "new": 2, "collected": 4500, "sessions": 1, "attended": 1,
             "trend": samgori_trend, "change": 0.0,
             "trend_points": sparkline_of(samgori_trend)}]
    if scope is ALL:
        rows.append({"id": kut["id"], "code": "KUT", "name_ka": kut["name_ka"],
                     "name_en": kut["name_en"], "name_ru": kut["name_ru"], "loans": 1,
                     "previous_loans": 0,
                     "borrowers": 1, "new": 1, "collected": 300, "sessions": 0,
                     "attended": 0, "trend": kutaisi_trend, "change": None,
                     "trend_points": sparkline_of(kutaisi_trend)})
    [centres] = report["tables"]
    assert centres.rows == rows
    if scope is ALL:
        # borrowers are people: M1, M2, M3 at Samgori and M4 at Kutaisi, each once
        assert centres.total == {"name": "Total", "loans": 4, "previous_loans": 3, "new": 3,
                                 "borrowers": 4, "collected": 4800, "sessions": 1,
                                 "attended": 1, "change": percent(4 - 3, 3)}
        assert headline(report) == {"loans": (4, 3, "count")}
    else:
        assert centres.total == {"name": "Total", "loans": 3, "previous_loans": 3, "new": 2,
                                 "borrowers": 3, "collected": 4500, "sessions": 1,
                                 "attended": 1, "change": 0.0}
        assert headline(report) == {"loans": (3, 3, "count")}
    assert report["charts"] == []


# --- a quarter, and a time zone with summer time ---------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Tbilisi", "Europe/Berlin"])
async def test_a_quarter_has_a_point_a_month(report_data, zone):
    """October to December 2026 against July to September; in Berlin (summer time ends on 25
    October) every timestamp of the data set falls on the same day and month as in Tbilisi."""
    quarter = period_of("quarter", date(2026, 11, 20))
    scope = reports.Scope(None, zone)
    usage = await reports.usage(scope, quarter, ON)
    # lendable: 1 October to today (51 days); July to September: 92 days, C1 and D1 included
    assert headline(usage) == {
        "loans": (7, 0, "count"), "loan_days": (48, 0, "count"),
        "borrowers": (4, 0, "people"), "new_members": (4, 1, "people"),
        "utilisation": (percent(48, 162 * 51 + 40 + 19), 0.0, "percent"),
        "cancelled": (1, 0, "count"), "no_show": (1, 0, "count"), "unmet": (1, 0, "count")}
    assert table(usage, "by_category").total["previous_unit_days"] == 164 * 92
    assert points(usage["charts"][0]) == [("2026-10", 3), ("2026-11", 4), ("2026-12", 0)]

    condition = await reports.condition(scope, quarter, ON)
    figures = headline(condition)
    assert figures["damage_rate"] == (20.0, None, "percent")
    assert figures["repair_days"] == (OneDecimal(Fraction(7, 4)), None, "days")  # (2 + 1.5) / 2
    assert (figures["lost"], figures["retired"]) == ((1, 0, "count"), (1, 0, "count"))
    assert figures["inspections"] == (3, 0, "count")
    assert points(condition["charts"][0]) == [("2026-10", 1), ("2026-11", 1), ("2026-12", 0)]

    money = await reports.money(scope, quarter, ON)
    figures = headline(money)
    assert figures["fees"] == (6000, 0, "money")
    assert figures["waived"] == (2400, 0, "money")
    assert figures["collected"] == (6300, 0, "money")
    assert points(money["charts"][0]) == [("2026-10", 1500), ("2026-11", 4800), ("2026-12", 0)]
    assert points(money["charts"][1]) == [("2026-10", 2700), ("2026-11", 16500),
                                          ("2026-12", 0)]

    donor = await reports.donor(scope, quarter, ON)
    figures = headline(donor)
    assert figures["served"] == (4, 0, "people")
    assert figures["new"] == (4, 1, "people")  # M3, M2, M4, M5; July to September: M1
    assert figures["sessions"] == (2, 0, "count")  # S1 and S2
    assert figures["attended"] == (2, 0, "count")
    assert figures["savings"] == (23000, 0, "money")

    network = await reports.network(scope, quarter, ON)
    assert network["months"] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [(row["code"], row["loans"], row["trend"]) for row in network["tables"][0].rows] == [
        ("SMG", 6, [0] * 9 + [3, 3, 0]), ("KUT", 1, [0] * 10 + [1, 0])]


# --- a period that has not begun ------------------------------------------------------------


DECEMBER = period_of("month", date(2026, 12, 1))  # read on 20 November: not begun


async def test_usage_of_a_period_after_today(report_data):
    """The pages link the next period: in December nothing happened and nothing was
    lendable yet; the previous period is November as far as today."""
    usage = await reports.usage(ALL, DECEMBER, ON)
    assert headline(usage) == {
        "loans": (0, 4, "count"), "loan_days": (0, 30, "count"),
        "borrowers": (0, 4, "people"), "new_members": (0, 3, "people"),
        "utilisation": (None, percent(30, 3249), "percent"), "cancelled": (0, 1, "count"),
        "no_show": (0, 1, "count"), "unmet": (0, 1, "count")}
    by_category = table(usage, "by_category")
    assert [row["unit_days"] for row in by_category.rows] == [0] * 6
    assert (by_category.total["unit_days"], by_category.total["previous_unit_days"]) == (
        0, 3249)
    assert {row["unit_days"] for row in table(usage, "least_used").rows} == {0}


async def test_donor_indicators_of_a_period_after_today(report_data):
    donor = await reports.donor(ALL, DECEMBER, ON)
    assert headline(donor) == {
        "served": (0, 4, "people"), "new": (0, 3, "people"), "loans": (0, 4, "count"),
        # S4 (27 November) is scheduled but not held by 20 November
        "sessions": (0, 1, "count"), "attended": (0, 1, "count"),
        "certificates": (0, 1, "count"), "savings": (0, 13000, "money")}


async def test_condition_money_and_network_of_a_period_after_today(report_data):
    condition = await reports.condition(ALL, DECEMBER, ON)
    assert headline(condition) == {
        "damage_rate": (None, 25.0, "percent"), "tickets_opened": (0, 1, "count"),
        "tickets_resolved": (0, 1, "count"), "repair_days": (None, 2.0, "days"),
        "parts_cost": (0, 1500, "money"), "lost": (0, 1, "count"),
        "retired": (0, 0, "count"), "inspections": (0, 2, "count"),
        "inspections_overdue": (1, None, "count")}
    money = await reports.money(ALL, DECEMBER, ON)
    assert {key: figure[:2] for key, figure in headline(money).items()} == {
        "fees": (0, 3300), "collected": (0, 4800), "waived": (0, 1200), "late_fees": (0, 1200),
        "damage": (0, 12000), "deposits_held": (2000, None), "owed": (12500, None),
        "members_owing": (1, None)}
    network = await reports.network(ALL, DECEMBER, ON)
    assert [(row["code"], row["loans"], row["previous_loans"], row["change"], row["trend"])
            for row in network["tables"][0].rows] == [
        ("SMG", 0, 3, -100.0, [0] * 9 + [3, 3, 0]), ("KUT", 0, 1, -100.0, [0] * 10 + [1, 0])]


# --- the desk writes what the reports read ----------------------------------------------------


@pytest.mark.calendar
@pytest.mark.usefixtures("desk_open")
async def test_the_desk_services_write_what_the_reports_read(seeded):
    """check_in records the centre's day the loan came back (the `today` it is given); a
    concession's waiver posted at check-out names its category; declare_lost records the day
    and the unit's status change, and the reports count them."""
    cast = await demo_cast()
    migrant = await ConcessionCategory.select().where(
        ConcessionCategory.slug == "returning-migrant").first()
    wrench, other = "SMG-0032", "SMG-0033"  # pipe wrenches: no skill, no inspection
    await Unit.update({Unit.cost: 4000}).where(Unit.asset_tag == other)
    back, returning = open_day(1), open_day(2)
    for member, tag in ((cast.migrant, wrench), (cast.member, other)):
        due = (await desk.basket_view(member, SMG, [tag], returning, today())).due
        await desk.check_out(member_id=member, centre_id=SMG, tags=[tag],
                             return_on=returning, payment={"method": "cash", "amount": due},
                             override_reason="", actor=cast.staff, today=today(), now=now())

    fee, waiver = await LedgerEntry.select().where(
        (LedgerEntry.member == cast.migrant) & LedgerEntry.kind.is_in(["fee", "waiver"])
    ).order_by(LedgerEntry.id)
    assert (waiver["kind"], waiver["amount"]) == ("waiver", -fee["amount"])
    assert (waiver["concession"], waiver["funder"]) == (migrant["id"], migrant["funder_ka"])
    paid = await LedgerEntry.select().where(
        (LedgerEntry.member == cast.member) & (LedgerEntry.kind == "fee")).first()
    assert not await LedgerEntry.exists().where(
        (LedgerEntry.member == cast.member) & (LedgerEntry.kind == "waiver"))

    came_back = datetime.combine(back, time(15), TBILISI).astimezone(UTC)
    await desk.check_in(tag=wrench, centre_ids=frozenset({SMG}), condition="fine", notes="",
                        damage_charge=0, photo="", actor=cast.staff, today=back,
                        now=came_back)
    loan = await Booking.select().where(Booking.unit.asset_tag == wrench).first()
    assert (loan["status"], loan["ended_on"], loan["returned_at"]) == (
        "returned", back, came_back)

    lost_on = returning + timedelta(days=30)  # the default policy: lost after 30 days late
    lost_at = datetime.combine(lost_on, time(12), TBILISI).astimezone(UTC)
    lost = await Booking.select().where(Booking.unit.asset_tag == other).first()
    await desk.declare_lost(lost["id"], replacement=None, centre_ids=frozenset({SMG}),
                            actor=cast.staff, today=lost_on, now=lost_at)
    lost = await Booking.select().where(Booking.id == lost["id"]).first()
    assert (lost["status"], lost["ended_on"], lost["lost_at"]) == ("lost", lost_on, lost_at)

    # the reports, read on the day it was lost, over the days of both loans
    period = Period("dates", today(), lost_on)
    scope = reports.Scope((SMG,), "Asia/Tbilisi")
    usage = headline(await reports.usage(scope, period, lost_on))
    days_back = (back - today()).days + 1
    days_lost = (lost_on - today()).days + 1
    assert usage["loans"][0] == 2
    assert usage["loan_days"][0] == days_back + days_lost
    condition = await reports.condition(scope, period, lost_on)
    assert headline(condition)["lost"][0] == 1
    assert table(condition, "damage").total["returns"] == 1
    money = await reports.money(scope, period, lost_on)
    assert headline(money)["waived"][0] == fee["amount"]
    assert headline(money)["fees"][0] == fee["amount"] + paid["amount"]
    assert [(row["concession"], row["funder"], row["amount"])
            for row in table(money, "waivers").rows] == [
        (migrant["id"], migrant["funder_ka"], fee["amount"])]
    assert headline(money)["damage"][0] == 4000  # the replacement of the lost wrench



@pytest.mark.parametrize("report", ["usage", "condition", "money"])
async def test_a_month_in_which_the_clock_changes(report_data, report):
    """October 2026 in Berlin (summer time ends on the 25th): the month is one month on both
    engines (SQLite once wrote a CASE with no WHEN for it) and its figures are Tbilisi's."""
    october = period_of("month", date(2026, 10, 20))
    berlin = await getattr(reports, report)(reports.Scope(None, "Europe/Berlin"), october, ON)
    tbilisi = await getattr(reports, report)(reports.Scope(None, "Asia/Tbilisi"), october, ON)
    assert headline(berlin) == headline(tbilisi)
