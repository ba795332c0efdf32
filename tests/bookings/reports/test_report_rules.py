"""The pure rules of the coordinator reports (bookings/reports/rules.py), as tables of cases: the
period a URL names and its neighbours, the months it touches, the age bands as dates, changes
and utilisation, small-cell suppression for exports, and the chart geometry. No database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.reports.rules import (
    AGE_BANDS,
    HIDDEN,
    LABEL_GAP,
    MAX_YEARS,
    SHEET_FORBIDDEN,
    SHEET_LENGTH,
    SHEETS,
    SMALL_CELL,
    SUPPRESSED,
    Column,
    Figure,
    Period,
    Table,
    band_limits,
    change,
    columns,
    months,
    nice_ceiling,
    parse_period,
    period_of,
    share,
    sheet_name,
    sparkline,
    suppress,
    suppressed_table,
    text_width,
)
from rental.kernel import i18n
from rental.kernel.settings import LANGUAGES
from rental.member_rules import age_band

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

TODAY = date(2026, 11, 20)
THIS_MONTH = Period("month", date(2026, 11, 1), date(2026, 11, 30))
BAD_DATE = "Enter a date as YYYY-MM-DD."
BAD_KIND = "Choose a month, a quarter, a year or dates."
END_BEFORE_START = "The end is before the start."
TOO_LONG = i18n.Plural("Choose at most %(num)s year.", "Choose at most %(num)s years.", 10)


def d(text: str) -> date:
    return date.fromisoformat(text)


def month(text: str) -> Period:
    first = d(text + "-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, following - timedelta(days=1))


def dates(start: str, end: str) -> Period:
    return Period("dates", d(start), d(end))


# --- parse_period -----------------------------------------------------------------------------

VALID = [
    ({}, THIS_MONTH),
    ({"period": ""}, THIS_MONTH),
    ({"period": "month"}, THIS_MONTH),
    ({"period": "month", "on": ""}, THIS_MONTH),
    ({"period": "month", "on": "   "}, THIS_MONTH),
    ({"on": "2026-02"}, Period("month", d("2026-02-01"), d("2026-02-28"))),
    ({"period": "month", "on": "2024-02"}, Period("month", d("2024-02-01"), d("2024-02-29"))),
    ({"period": "month", "on": "2024-02-29"}, Period("month", d("2024-02-01"),
                                                     d("2024-02-29"))),
    ({"period": "month", "on": "2026-11-05"}, THIS_MONTH),
    ({"period": "month", "on": " 2026-11-30 "}, THIS_MONTH),
    ({"period": "month", "on": "2026-12-31"}, Period("month", d("2026-12-01"), d("2026-12-31"))),
    ({"period": "month", "on": "2027-01"}, Period("month", d("2027-01-01"), d("2027-01-31"))),
    ({"period": "quarter"}, Period("quarter", d("2026-10-01"), d("2026-12-31"))),
    ({"period": "quarter", "on": "2026-01-01"}, Period("quarter", d("2026-01-01"),
                                                       d("2026-03-31"))),
    ({"period": "quarter", "on": "2026-03-31"}, Period("quarter", d("2026-01-01"),
                                                       d("2026-03-31"))),
    ({"period": "quarter", "on": "2026-04-01"}, Period("quarter", d("2026-04-01"),
                                                       d("2026-06-30"))),
    ({"period": "quarter", "on": "2026-07"}, Period("quarter", d("2026-07-01"),
                                                    d("2026-09-30"))),
    ({"period": "quarter", "on": "2026-11-20"}, Period("quarter", d("2026-10-01"),
                                                       d("2026-12-31"))),
    ({"period": "year"}, Period("year", d("2026-01-01"), d("2026-12-31"))),
    ({"period": "year", "on": "2024-02-29"}, Period("year", d("2024-01-01"), d("2024-12-31"))),
    ({"period": "year", "on": "2025-06"}, Period("year", d("2025-01-01"), d("2025-12-31"))),
    ({"period": "dates", "from": "2026-11-03", "to": "2026-11-17"},
     dates("2026-11-03", "2026-11-17")),
    ({"period": "dates", "from": "2026-11-03", "to": "2026-11-03"},
     dates("2026-11-03", "2026-11-03")),
    ({"period": "dates", "from": " 2026-10-28", "to": "2026-11-03 "},
     dates("2026-10-28", "2026-11-03")),
    ({"period": "dates", "from": "2016-01-01", "to": "2025-12-31"},  # ten years exactly
     dates("2016-01-01", "2025-12-31")),
    ({"period": "dates", "from": "2020-02-29", "to": "2030-02-27"},
     dates("2020-02-29", "2030-02-27")),
    ({"period": "dates", "from": "2026-11-03", "to": "2026-11-17", "on": "1999-01-01"},
     dates("2026-11-03", "2026-11-17")),  # `on` belongs to the other kinds
]


@pytest.mark.parametrize(("params", "expected"), VALID)
def test_parse_period_reads_the_period_the_url_names(params, expected):
    assert parse_period(params, TODAY) == (expected, {})


INVALID = [
    ({"period": "week"}, {"period": BAD_KIND}),
    ({"period": "MONTH"}, {"period": BAD_KIND}),
    ({"period": "decade", "on": "2026-11-01"}, {"period": BAD_KIND}),
    ({"period": "month", "on": "2026-13"}, {"on": BAD_DATE}),
    ({"period": "month", "on": "2026-02-30"}, {"on": BAD_DATE}),
    ({"period": "month", "on": "2026/11/05"}, {"on": BAD_DATE}),
    ({"period": "month", "on": "11-2026"}, {"on": BAD_DATE}),
    ({"period": "month", "on": "yesterday"}, {"on": BAD_DATE}),
    ({"period": "month", "on": "2026-11-05-01"}, {"on": BAD_DATE}),
    ({"period": "quarter", "on": "2026-1"}, {"on": BAD_DATE}),
    ({"period": "year", "on": "<script>"}, {"on": BAD_DATE}),
    ({"period": "dates"}, {"from": BAD_DATE, "to": BAD_DATE}),
    ({"period": "dates", "to": "2026-11-17"}, {"from": BAD_DATE}),
    ({"period": "dates", "from": "2026-11-03"}, {"to": BAD_DATE}),
    ({"period": "dates", "from": "2026-11-31", "to": "2026-12-01"}, {"from": BAD_DATE}),
    ({"period": "dates", "from": "2026-11-03", "to": "17.11.2026"}, {"to": BAD_DATE}),
    ({"period": "dates", "from": "2026-11", "to": "2026-12"}, {"from": BAD_DATE,
                                                               "to": BAD_DATE}),
    ({"period": "dates", "from": "2026-11-17", "to": "2026-11-03"}, {"to": END_BEFORE_START}),
    ({"period": "dates", "from": "2026-11-04", "to": "2026-11-03"}, {"to": END_BEFORE_START}),
    ({"period": "dates", "from": "2016-01-01", "to": "2026-01-01"}, {"to": TOO_LONG}),
    ({"period": "dates", "from": "2020-02-29", "to": "2030-03-01"}, {"to": TOO_LONG}),
    ({"period": "dates", "from": "1900-01-01", "to": "2026-11-20"}, {"to": TOO_LONG}),
]


@pytest.mark.parametrize(("params", "errors"), INVALID)
def test_parse_period_says_what_is_wrong_and_shows_this_month(params, errors):
    assert parse_period(params, TODAY) == (THIS_MONTH, errors)


def test_the_limits_are_ten_years_and_five_people():
    assert (MAX_YEARS, SMALL_CELL, SUPPRESSED) == (10, 5, "<5")


def test_period_of_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        period_of("week", TODAY)
    with pytest.raises(ValueError):
        period_of("dates", TODAY)


EXTREMES = [
    {"period": "month", "on": "0001-01"},
    {"period": "quarter", "on": "9999-11-01"},
    {"period": "dates", "from": "0001-01-01", "to": "0001-01-05"},
    {"period": "dates", "from": "9995-01-01", "to": "9995-01-02"},
]


@pytest.mark.parametrize("params", EXTREMES, ids=lambda p: "-".join(p.values()))
def test_a_period_at_the_ends_of_the_calendar_is_an_error_or_has_neighbours(params):
    """Bad input gives a message, never a 500: the report pages link the previous and the
    next period and every report reads the previous one, so an accepted period must have
    both (or parse_period must refuse it)."""
    period, errors = parse_period(params, TODAY)
    if errors:
        assert period == THIS_MONTH
    else:
        period.previous()
        period.next()


# --- Period: its neighbours, its days, its URL --------------------------------------------------

NEIGHBOURS = [  # period, the one before, the one after
    (month("2026-11"), month("2026-10"), month("2026-12")),
    (month("2026-01"), month("2025-12"), month("2026-02")),
    (month("2026-12"), month("2026-11"), month("2027-01")),
    (month("2024-03"), Period("month", d("2024-02-01"), d("2024-02-29")), month("2024-04")),
    (month("2023-03"), Period("month", d("2023-02-01"), d("2023-02-28")), month("2023-04")),
    (Period("month", d("2024-02-01"), d("2024-02-29")), month("2024-01"), month("2024-03")),
    (month("2026-05"), Period("month", d("2026-04-01"), d("2026-04-30")),
     Period("month", d("2026-06-01"), d("2026-06-30"))),
    (Period("quarter", d("2026-10-01"), d("2026-12-31")),
     Period("quarter", d("2026-07-01"), d("2026-09-30")),
     Period("quarter", d("2027-01-01"), d("2027-03-31"))),
    (Period("quarter", d("2026-01-01"), d("2026-03-31")),
     Period("quarter", d("2025-10-01"), d("2025-12-31")),
     Period("quarter", d("2026-04-01"), d("2026-06-30"))),
    (Period("quarter", d("2024-04-01"), d("2024-06-30")),
     Period("quarter", d("2024-01-01"), d("2024-03-31")),
     Period("quarter", d("2024-07-01"), d("2024-09-30"))),
    (Period("year", d("2024-01-01"), d("2024-12-31")),
     Period("year", d("2023-01-01"), d("2023-12-31")),
     Period("year", d("2025-01-01"), d("2025-12-31"))),
    (dates("2026-11-10", "2026-11-19"), dates("2026-10-31", "2026-11-09"),
     dates("2026-11-20", "2026-11-29")),
    (dates("2024-03-01", "2024-03-01"), dates("2024-02-29", "2024-02-29"),
     dates("2024-03-02", "2024-03-02")),
    (dates("2024-02-01", "2024-02-29"), dates("2024-01-03", "2024-01-31"),
     dates("2024-03-01", "2024-03-29")),
    (dates("2026-12-20", "2027-01-10"), dates("2026-11-28", "2026-12-19"),
     dates("2027-01-11", "2027-02-01")),
    (dates("2025-03-01", "2026-02-28"), dates("2024-03-01", "2025-02-28"),
     dates("2026-03-01", "2027-02-28")),  # 365 days before: 2024 was a leap year
]


@pytest.mark.parametrize(("period", "before", "after"), NEIGHBOURS)
def test_previous_and_next(period, before, after):
    assert period.previous() == before
    assert period.next() == after
    assert before.next() == period
    assert after.previous() == period
    if period.kind == "dates":
        assert before.days == after.days == period.days


@pytest.mark.parametrize(("period", "days"), [
    (month("2026-11"), 30), (month("2026-10"), 31), (month("2023-02"), 28),
    (Period("month", d("2024-02-01"), d("2024-02-29")), 29),
    (Period("quarter", d("2025-01-01"), d("2025-03-31")), 90),
    (Period("quarter", d("2024-01-01"), d("2024-03-31")), 91),
    (Period("quarter", d("2026-10-01"), d("2026-12-31")), 92),
    (Period("year", d("2024-01-01"), d("2024-12-31")), 366),
    (Period("year", d("2026-01-01"), d("2026-12-31")), 365),
    (dates("2026-11-03", "2026-11-03"), 1), (dates("2026-10-28", "2026-11-03"), 7),
])
def test_days(period, days):
    assert period.days == days


@pytest.mark.parametrize(("period", "query"), [
    (month("2026-11"), {"period": "month", "on": "2026-11-01"}),
    (Period("quarter", d("2026-10-01"), d("2026-12-31")),
     {"period": "quarter", "on": "2026-10-01"}),
    (Period("year", d("2024-01-01"), d("2024-12-31")), {"period": "year", "on": "2024-01-01"}),
    (dates("2026-11-03", "2026-11-17"),
     {"period": "dates", "from": "2026-11-03", "to": "2026-11-17"}),
])
def test_a_period_names_itself_in_the_url(period, query):
    assert period.query() == query
    assert parse_period(query, TODAY) == (period, {})
    assert parse_period(period.previous().query(), TODAY) == (period.previous(), {})


# --- months -------------------------------------------------------------------------------------

MONTHS = [
    (month("2026-11"), [("2026-11", d("2026-11-01"), d("2026-11-30"))]),
    (Period("quarter", d("2026-10-01"), d("2026-12-31")), [
        ("2026-10", d("2026-10-01"), d("2026-10-31")),
        ("2026-11", d("2026-11-01"), d("2026-11-30")),
        ("2026-12", d("2026-12-01"), d("2026-12-31"))]),
    (Period("quarter", d("2024-01-01"), d("2024-03-31")), [
        ("2024-01", d("2024-01-01"), d("2024-01-31")),
        ("2024-02", d("2024-02-01"), d("2024-02-29")),
        ("2024-03", d("2024-03-01"), d("2024-03-31"))]),
    (dates("2026-01-30", "2026-03-02"), [
        ("2026-01", d("2026-01-30"), d("2026-01-31")),
        ("2026-02", d("2026-02-01"), d("2026-02-28")),
        ("2026-03", d("2026-03-01"), d("2026-03-02"))]),
    (dates("2025-12-15", "2026-01-10"), [
        ("2025-12", d("2025-12-15"), d("2025-12-31")),
        ("2026-01", d("2026-01-01"), d("2026-01-10"))]),
    (dates("2026-11-20", "2026-11-20"), [("2026-11", d("2026-11-20"), d("2026-11-20"))]),
    (dates("2026-11-30", "2026-12-01"), [("2026-11", d("2026-11-30"), d("2026-11-30")),
                                         ("2026-12", d("2026-12-01"), d("2026-12-01"))]),
]


@pytest.mark.parametrize(("period", "expected"), MONTHS)
def test_months_are_clipped_to_the_period(period, expected):
    assert months(period) == expected


def test_a_year_has_twelve_months_and_a_leap_february():
    found = months(Period("year", d("2024-01-01"), d("2024-12-31")))
    assert [label for label, _, _ in found] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert found[1] == ("2024-02", d("2024-02-01"), d("2024-02-29"))
    assert sum((last - first).days + 1 for _, first, last in found) == 366
    ten_years = months(dates("2016-01-01", "2025-12-31"))
    assert len(ten_years) == 120
    assert all(later[1] == earlier[2] + timedelta(days=1)
               for earlier, later in zip(ten_years, ten_years[1:], strict=False))


# --- age bands --------------------------------------------------------------------------------


def band_by_limits(born: date | None, on: date) -> str:
    """How the donor report's SQL reads band_limits: the first band whose day the person was
    born after, else 65 and over."""
    if born is None:
        return "unknown"
    for born_after, band in band_limits(on):
        if born > born_after:
            return band
    return "65+"


def test_band_limits_on_the_last_day_of_november_2026():
    assert band_limits(d("2026-11-30")) == [
        (d("2008-11-30"), "under 18"), (d("2001-11-30"), "18-24"), (d("1991-11-30"), "25-34"),
        (d("1976-11-30"), "35-49"), (d("1961-11-30"), "50-64")]
    # none of 18, 25, 35, 50, 65 is a multiple of four: a 29 February falls on the 28th
    assert band_limits(d("2028-02-29")) == [
        (d("2010-02-28"), "under 18"), (d("2003-02-28"), "18-24"), (d("1993-02-28"), "25-34"),
        (d("1978-02-28"), "35-49"), (d("1963-02-28"), "50-64")]
    assert AGE_BANDS == ("under 18", "18-24", "25-34", "35-49", "50-64", "65+", "unknown")


@pytest.mark.parametrize(("born", "on", "band"), [
    (d("2001-11-25"), d("2026-11-30"), "25-34"),  # M4 turns 25 on 25 November
    (d("2001-11-25"), d("2026-11-24"), "18-24"),
    (d("2001-11-25"), d("2026-11-25"), "25-34"),
    (d("2010-03-01"), d("2026-11-30"), "under 18"),
    (d("1990-05-01"), d("2026-11-30"), "35-49"),
    (d("1950-07-01"), d("2026-11-30"), "65+"),  # an erased member keeps 1 July of the year
    (d("2008-11-30"), d("2026-11-30"), "18-24"),  # eighteen today
    (d("2008-12-01"), d("2026-11-30"), "under 18"),
    (d("1961-11-30"), d("2026-11-30"), "65+"),
    (d("1961-12-01"), d("2026-11-30"), "50-64"),
    (d("2008-02-29"), d("2026-02-28"), "under 18"),  # born on 29 February: 18 on 1 March
    (d("2008-02-29"), d("2026-03-01"), "18-24"),
    (d("2004-02-29"), d("2028-02-29"), "18-24"),  # 24 on a 29 February
    (d("2003-02-28"), d("2028-02-29"), "25-34"),
    (d("2003-03-01"), d("2028-02-29"), "18-24"),
    (None, d("2026-11-30"), "unknown"),
])
def test_age_bands_by_hand(born, on, band):
    assert age_band(born, on) == band
    assert band_by_limits(born, on) == band


def _years_before(day: date, years: int) -> list[date]:
    try:
        return [day.replace(year=day.year - years)]
    except ValueError:  # 29 February in a common year: both neighbours
        return [day.replace(year=day.year - years, day=28),
                day.replace(year=day.year - years, month=3, day=1)]


EVALUATION_DAYS = [d(text) for text in (
    "2026-11-30", "2026-11-20", "2026-12-31", "2027-01-01", "2026-01-01", "2024-02-28",
    "2024-02-29", "2024-03-01", "2025-02-28", "2025-03-01", "2027-02-28", "2028-02-29",
    "2028-03-01", "2000-02-29", "2100-02-28", "2100-03-01")]


@pytest.mark.parametrize("on", EVALUATION_DAYS, ids=str)
def test_band_limits_agree_with_age_band_around_every_edge(on):
    births = set()
    for years in (0, 1, 17, 18, 19, 24, 25, 26, 34, 35, 36, 49, 50, 51, 64, 65, 66, 100):
        for base in _years_before(on, years):
            births.update(base + timedelta(days=delta) for delta in range(-4, 5))
    births.update(date(year, 2, 29) for year in range(1904, on.year + 1, 4)
                  if year % 100 or year % 400 == 0)
    births.update(date(year, month_, day) for year in range(on.year - 70, on.year + 1)
                  for month_, day in ((2, 28), (3, 1), (1, 1), (12, 31)))
    births = sorted(born for born in births if born <= on)
    assert len(births) > 300
    disagreements = [(born, age_band(born, on), band_by_limits(born, on)) for born in births
                     if age_band(born, on) != band_by_limits(born, on)]
    assert disagreements == []


# --- change and utilisation -----------------------------------------------------------------

@pytest.mark.parametrize(("current", "previous", "expected"), [
    (10, 5, 100.0), (5, 10, -50.0), (4, 3, 33.3), (1, 3, -66.7), (3, 3, 0.0), (0, 4, -100.0),
    (2, 1, 100.0), (3300, 2700, 22.2), (4800, 1500, 220.0), (0.9, 0.4, 125.0),
    (2.0, 1.5, 33.3), (5, 0, None), (0, 0, None), (None, 1, None), (1, None, None),
    (None, None, None),
])
def test_change_in_per_cent(current, previous, expected):
    assert change(current, previous) == expected
    assert Figure("x", "X", current, previous).change == expected


@pytest.mark.parametrize(("loan_days", "unit_days", "expected"), [
    (30, 3249, 0.9), (18, 5072, 0.4), (29, 1989, 1.5), (14, 920, 1.5), (10, 409, 2.4),
    (1, 3, 33.3), (2, 3, 66.7), (10, 10, 100.0), (0, 10, 0.0), (14, 120, 11.7),
    (0, 0, None), (5, 0, None), (3, -1, None),
])
def test_share_in_per_cent(loan_days, unit_days, expected):
    assert share(loan_days, unit_days) == expected


# --- small cells ------------------------------------------------------------------------------

S, X = SUPPRESSED, HIDDEN
SUPPRESS = [  # counts, total shown (None: no total), what an export shows
    ([], None, []),
    ([0, 5, 12], None, [0, 5, 12]),
    ([0, 5, 12], 17, [0, 5, 12]),
    ([1, 2, 3, 4], None, [S, S, S, S]),
    ([1, 2, 3, 4], 10, [S, S, S, S]),
    ([5, 4, 6], None, [5, S, 6]),
    ([None, 3, 0], None, [None, S, 0]),
    # one hidden cell and a total: the next smallest is hidden too
    ([5, 4, 6], 15, [X, S, 6]),
    ([7, 3, 9, 0], 19, [X, S, 9, 0]),
    ([12, 0, 3], 15, [X, 0, S]),
    ([None, 2, 6], 8, [None, S, X]),
    ([8, 1, 8], 17, [X, S, 8]),  # of equal cells, the first
    ([20, 9, 1, 30], 60, [20, X, S, 30]),
    # two or more hidden already: nothing more
    ([2, 3, 10], 15, [S, S, 10]),
    ([6, 1, 1, 6], 14, [6, S, S, 6]),
]


@pytest.mark.parametrize(("counts", "total", "expected"), SUPPRESS)
def test_suppress_hides_one_to_four_people(counts, total, expected):
    assert suppress(counts, total) == expected


def people_table(served: list[int], loans: list[int], total_served: int | None,
                 total_loans: int | None = None, attended: list[int] | None = None) -> Table:
    rows = [{"value": f"row {n}", "served": s, "loans": n_loans,
             **({"attended": attended[n]} if attended else {})}
            for n, (s, n_loans) in enumerate(zip(served, loans, strict=True))]
    total = None
    if total_served is not None:
        total = {"value": "Total", "served": total_served, "loans": total_loans,
                 **({"attended": sum(attended)} if attended else {})}
    people = [Column("served", "Members served", "people")]
    if attended:
        people.append(Column("attended", "Attended", "people"))
    return Table("t", "Title", [Column("value", "Value", "choice"), *people,
                                Column("loans", "Loans")], rows, total=total, note="a note")


def test_suppressed_table_hides_small_counts_of_people_only():
    original = people_table([3, 7, 12], [2, 1, 0], 22, 3, attended=[0, 6, 2])
    exported = suppressed_table(original)
    assert [row["served"] for row in exported.rows] == [S, X, 12]  # 3, and 7 next smallest
    assert [row["attended"] for row in exported.rows] == [0, X, S]  # 2, and 6 next smallest
    assert [row["loans"] for row in exported.rows] == [2, 1, 0]  # loans are not people
    assert [row["value"] for row in exported.rows] == ["row 0", "row 1", "row 2"]
    assert exported.total == {"value": "Total", "served": 22, "loans": 3, "attended": 8}
    assert (exported.name, exported.title, exported.columns, exported.note) == (
        original.name, original.title, original.columns, original.note)
    # the report's own table is not changed
    assert [row["served"] for row in original.rows] == [3, 7, 12]
    assert original.total == {"value": "Total", "served": 22, "loans": 3, "attended": 8}


def test_suppressed_table_without_a_total_hides_only_small_cells():
    exported = suppressed_table(people_table([3, 7, 0], [1, 1, 1], None))
    assert [row["served"] for row in exported.rows] == [S, 7, 0]
    assert exported.total is None


@pytest.mark.parametrize(("total", "shown"), [(0, 0), (1, S), (4, S), (5, 5), (None, None)])
def test_a_total_of_fewer_than_five_people_is_hidden_too(total, shown):
    table = people_table([], [], None)
    table.total = {"value": "Total", "served": total, "loans": 2}
    exported = suppressed_table(table)
    assert exported.total == {"value": "Total", "served": shown, "loans": 2}


def test_a_table_without_people_is_exported_as_it_is():
    table = Table("money", "Money", [Column("name", "Centre", "name"),
                                     Column("fees", "Fees", "money"),
                                     Column("loans", "Loans")],
                  [{"name": "a", "fees": 300, "loans": 1}], total={"name": "Total",
                                                                 "fees": 300, "loans": 1})
    assert suppressed_table(table) is table


@pytest.mark.parametrize(("served", "total"), [
    ([1, 0, 0], 1),  # the donor report's attendees by sex in November 2026
    ([0, 0, 3], 3),
    ([4], 4),
    ([2, 0], 2),
])
def test_a_total_never_gives_a_lone_hidden_cell_away(served, total):
    """When the other cells are 0 there is no next smallest to hide, and the total shown is
    then the hidden cell itself: the total (a count of fewer than five people too) must be
    hidden, or a second cell."""
    exported = suppressed_table(people_table(served, [0] * len(served), total))
    cells = [row["served"] for row in exported.rows]
    assert cells.count(S) >= 2 or exported.total["served"] == S, (cells, exported.total)


# --- chart geometry ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "top"), [
    (0, 1), (-5, 1), (1, 1), (0.3, 0.5), (0.7, 1), (0.03, 0.05), (1.2, 2), (2, 2), (2.1, 2.5),
    (2.5, 2.5), (3, 5), (5, 5), (7, 10), (10, 10), (11, 20), (20, 20), (21, 25), (30, 50),
    (99, 100), (100, 100), (101, 200), (240, 250), (251, 500), (1234, 2000), (4800, 5000),
    (16500, 20000), (25000, 25000), (1_000_001, 2_000_000),
])
def test_nice_ceiling(value, top):
    assert nice_ceiling(value) == pytest.approx(top)


def test_columns_place_the_bars_of_a_trend():
    chart = columns([("2026-10", 3), ("2026-11", 4), ("2026-12", 0)])
    assert (chart["top"], chart["width"], chart["height"], chart["every"]) == (5, 600, 180, 1)
    assert chart["bars"] == [  # slots of 200, bars 140 wide in their middle
        {"label": "2026-10", "value": 3, "x": 30.0, "y": 72.0, "w": 140.0, "h": 108.0},
        {"label": "2026-11", "value": 4, "x": 230.0, "y": 36.0, "w": 140.0, "h": 144.0},
        {"label": "2026-12", "value": 0, "x": 430.0, "y": 180.0, "w": 140.0, "h": 0.0},
    ]
    assert columns([("a", 10)], width=100, height=50)["bars"] == [
        {"label": "a", "value": 10, "x": 15.0, "y": 0.0, "w": 70.0, "h": 50.0}]
    assert columns([("a", 0)])["bars"] == [
        {"label": "a", "value": 0, "x": 90.0, "y": 180.0, "w": 420.0, "h": 0.0}]
    empty = columns([])
    assert (empty["bars"], empty["top"], empty["width"], empty["height"]) == ([], 1, 600, 180)


@pytest.mark.parametrize("count", [1, 2, 5, 6, 7, 12, 13, 24, 36, 120])
def test_columns_label_every_nth_bar_so_labels_never_overlap(count):
    """At most six labels fit under a chart side by side; up to six bars all have one."""
    chart = columns([(str(n), n) for n in range(count)])
    assert len(chart["bars"]) == count
    assert chart["every"] >= 1
    labelled = [bar for index, bar in enumerate(chart["bars"]) if index % chart["every"] == 0]
    assert len(labelled) <= 6
    if count <= 6:
        assert len(labelled) == count
    assert all(0 <= bar["y"] and bar["h"] <= chart["height"] for bar in chart["bars"])


def test_columns_are_at_least_a_pixel_wide():
    chart = columns([(str(n), 1) for n in range(1000)])
    assert {bar["w"] for bar in chart["bars"]} == {1.0}


@pytest.mark.parametrize(("values", "points"), [
    ([], ""),
    ([0, 0], "0.0,27.0 120.0,27.0"),
    ([5], "0.0,1.0"),
    ([0, 5, 10], "0.0,27.0 60.0,14.0 120.0,1.0"),
    ([3] * 12, "0.0,1.0 10.9,1.0 21.8,1.0 32.7,1.0 43.6,1.0 54.5,1.0 65.5,1.0 76.4,1.0 "
               "87.3,1.0 98.2,1.0 109.1,1.0 120.0,1.0"),
    ([0] * 11 + [1], "0.0,27.0 10.9,27.0 21.8,27.0 32.7,27.0 43.6,27.0 54.5,27.0 65.5,27.0 "
                     "76.4,27.0 87.3,27.0 98.2,27.0 109.1,27.0 120.0,1.0"),
])
def test_sparkline(values, points):
    assert sparkline(values) == points


def test_sparkline_in_another_box():
    assert sparkline([1, 2], width=10, height=10) == "0.0,5.0 10.0,1.0"


# --- chart texts: measured, so that Georgian labels never overlap -------------------------------

GEORGIAN_MONTHS = ["იან 2026", "თებ 2026", "მარ 2026", "აპრ 2026", "მაი 2026", "ივნ 2026",
                   "ივლ 2026", "აგვ 2026", "სექ 2026", "ოქტ 2026", "ნოე 2026", "დეკ 2026"]


@pytest.mark.parametrize(("text", "width"), [
    ("", 0), ("0", 10.5), ("ნოე 2026", 84.3), ("Nov 2026", 84.3),
    ("20 000,00 ₾", 115.9), ("GEL 20,000.00", 137.0),
])
def test_text_width_counts_every_character_as_a_wide_georgian_letter(text, width):
    assert text_width(text) == width  # 0.62 em of 17 units a character


def _labelled(chart: dict) -> list[int]:
    return [index for index in range(len(chart["bars"])) if index % chart["every"] == 0]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 7, 12])
@pytest.mark.parametrize("labels", [GEORGIAN_MONTHS, [f"{m} 2026" for m in (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")],
    ["ელექტროობა და განათება, სახლის ქსელი"] * 12], ids=["ka months", "en months", "long"])
def test_labels_under_columns_never_overlap_and_stay_in_the_box(count, labels):
    """Each label is centred under its bar; the labelled bars are far enough apart for the
    widest label and a gap, and the first and last labels fit in the margins."""
    texts = labels[:count]
    chart = columns([(f"2026-{n + 1:02d}", n) for n in range(count)], labels=texts)
    slot = chart["width"] / count
    widest = max(text_width(text) for text in texts)
    shown = _labelled(chart)
    assert shown[0] == 0 and len(shown) <= 6
    for left, right in zip(shown, shown[1:], strict=False):
        assert (right - left) * slot >= widest + LABEL_GAP
    first_edge = slot / 2 - widest / 2
    last_edge = (shown[-1] + 0.5) * slot + widest / 2
    assert first_edge >= -chart["left"] and last_edge <= chart["width"] + chart["right"]


@pytest.mark.parametrize(("count", "every"), [(3, 1), (6, 1), (7, 2), (12, 2)])
def test_georgian_months_are_labelled_as_often_as_they_fit(count, every):
    chart = columns([(str(n), n) for n in range(count)], labels=GEORGIAN_MONTHS[:count])
    assert chart["every"] == every


@pytest.mark.parametrize(("top", "text", "left"), [
    (4800, "50,00 ₾", 87.8),  # 7 characters: 73.8 wide, 10 from the bars, 4 to spare
    (1_234_567, "20 000,00 ₾", 129.9),
    (16_500, "GEL 200.00", 119.4),
    (3, "5", 24.5),
])
def test_the_axis_numbers_get_the_room_they_need_on_the_left(top, text, left):
    """Money in Georgian ('20 000,00 ₾') is wider than the 70 units the chart once kept."""
    formats = {"50,00 ₾": lambda v: f"{v / 100:,.2f}".replace(",", " ").replace(".", ",") + " ₾",
               "20 000,00 ₾": lambda v: f"{v / 100:,.2f}".replace(",", " ").replace(".", ",")
               + " ₾", "GEL 200.00": lambda v: f"GEL {v / 100:.2f}", "5": lambda v: f"{v:g}"}
    chart = columns([("2026-11", top)], format_value=formats[text])
    assert chart["top_text"] == text
    assert chart["left"] == left
    assert chart["left"] >= text_width(text) + 10


# --- XLSX sheet names -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "taken", "name"), [
    ("By sex", (), "By sex"),
    ("", (), "Sheet"),
    ("Loans: in/out [draft]?", (), "Loans in out draft"),
    ("a*b\\c", (), "a b c"),
    ("'quoted'", (), "quoted"),
    ("x" * 31, (), "x" * 31),
    ("x" * 32, (), "x" * 30 + "…"),
    # cut after the last whole word that fits, never in the middle of one
    ("Waitlist demand not met: tool types to buy more of", (),
     "Waitlist demand not met tool…"),
    ("20 ყველაზე ხშირად გამოყენებული ხელსაწყოს ტიპი", (), "20 ყველაზე ხშირად გამოყენებული…"),
    ("ჩამოწერები შეღავათის კატეგორიისა და დამფინანსებლის მიხედვით", (),
     "ჩამოწერები შეღავათის…"),
    # each name once; Excel does not tell the case apart
    ("By sex", ("By sex",), "By sex 2"),
    ("By sex", ("by SEX", "By sex 2"), "By sex 3"),
    ("x" * 31, ("x" * 31,), "x" * 28 + "… 2"),
])
def test_sheet_name(text, taken, name):
    found = sheet_name(text, taken)
    assert found == name
    assert len(found) <= SHEET_LENGTH and not set(found) & set(SHEET_FORBIDDEN)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("table", sorted(SHEETS))
def test_every_sheet_name_fits_whole_in_every_language(table, language):
    """The short name of each report table's sheet, translated, is a valid sheet name as it
    is: nothing cut, nothing dropped."""
    token = i18n.current_locale.set(language)
    try:
        name = i18n.plain_gettext(SHEETS[table])
    finally:
        i18n.current_locale.reset(token)
    assert name and sheet_name(name) == name, (language, table, name, len(name))
