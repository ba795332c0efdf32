"""The booking calendar's rules as tables of cases (no database): the state of each day of a
month, what a tap on a day chooses, and what is wrong with the days chosen (issue "The three
daily journeys", item 11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.lending.calendar_rules import (
    AHEAD,
    BOOKED,
    CLOSED,
    FREE,
    NOT_A_DAY,
    PAST,
    START_FIRST,
    Choice,
    choice_problems,
    day_state,
    days_to_build_on,
    month_calendar,
    read_choice,
    tap_choice,
)
from bookings.lending.rules import PeriodLimits
from rental.centres import opening_days_mask
from rental.kernel.i18n import message_id

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

D = date
MON_SAT = opening_days_mask([0, 1, 2, 3, 4, 5])  # Samgori: closed on Sundays
MON_FRI = opening_days_mask([0, 1, 2, 3, 4])
TODAY = D(2026, 11, 23)  # a Monday
LIMITS = PeriodLimits(today=TODAY, horizon_days=60, max_loan_days=7, opening_days=MON_SAT)


def limits(**changes) -> PeriodLimits:
    values = {"today": TODAY, "horizon_days": 60, "max_loan_days": 7, "opening_days": MON_SAT}
    return PeriodLimits(**{**values, **changes})


@pytest.mark.parametrize(
    "day, free, rules, expected",
    [
        (D(2026, 11, 22), 3, LIMITS, PAST),  # yesterday (a Sunday), however free
        (D(2026, 11, 20), 3, LIMITS, PAST),  # an open day in the past
        (D(2026, 11, 23), 1, LIMITS, FREE),  # today, open, a unit free
        (D(2026, 11, 29), 3, LIMITS, CLOSED),  # a Sunday in Samgori: closed, not free
        (D(2026, 11, 29), 0, LIMITS, CLOSED),  # closed says more than booked
        (D(2026, 11, 28), 3, LIMITS, FREE),  # a Saturday in Samgori
        (D(2026, 11, 28), 3, limits(opening_days=MON_FRI), CLOSED),  # Kutaisi: closed
        (D(2026, 11, 24), 0, LIMITS, BOOKED),  # open, nothing free
        (D(2027, 1, 22), 2, LIMITS, FREE),  # the last day a pick-up may be booked (60 days)
        (D(2027, 1, 23), 2, LIMITS, AHEAD),  # the first day after it
        (D(2027, 1, 23), 0, LIMITS, BOOKED),  # nothing free is said before too far ahead
        (D(2027, 1, 24), 2, LIMITS, CLOSED),  # a Sunday far ahead is closed all the same
        (D(2026, 11, 23), 1, limits(opening_days=0), CLOSED),  # a centre that never opens
    ],
    ids=["past-sunday", "past-open-day", "today-free", "sunday-closed", "sunday-no-units",
         "saturday-open", "saturday-in-kutaisi", "booked", "last-day-ahead", "too-far-ahead",
         "booked-far-ahead", "sunday-far-ahead", "never-open"],
)
def test_day_state(day, free, rules, expected):
    assert day_state(day, free, rules) == expected


@pytest.mark.parametrize(
    "day, state, starts, ends, expected",
    [
        # nothing chosen yet: a free day is the pick-up day; nothing else is tappable
        (D(2026, 11, 24), FREE, None, None, (D(2026, 11, 24), None)),
        (D(2026, 11, 24), BOOKED, None, None, None),
        (D(2026, 11, 29), CLOSED, None, None, None),
        (D(2026, 11, 20), PAST, None, None, None),
        (D(2027, 1, 25), AHEAD, None, None, None),
        # a pick-up day chosen: a free day from it on is the return day
        (D(2026, 11, 26), FREE, D(2026, 11, 24), None, (D(2026, 11, 24), D(2026, 11, 26))),
        (D(2026, 11, 24), FREE, D(2026, 11, 24), None, (D(2026, 11, 24), D(2026, 11, 24))),
        (D(2026, 12, 1), FREE, D(2026, 11, 28), None, (D(2026, 11, 28), D(2026, 12, 1))),
        (D(2027, 1, 25), AHEAD, D(2027, 1, 22), None, (D(2027, 1, 22), D(2027, 1, 25))),
        (D(2026, 11, 30), FREE, D(2026, 11, 24), None, (D(2026, 11, 24), D(2026, 11, 30))),
        (D(2026, 11, 29), CLOSED, D(2026, 11, 24), None, None),  # never a closed return day
        (D(2026, 11, 25), BOOKED, D(2026, 11, 24), None, None),
        (D(2026, 11, 23), FREE, D(2026, 11, 24), None, (D(2026, 11, 23), None)),  # earlier
        # both chosen: a free day starts over
        (D(2026, 11, 27), FREE, D(2026, 11, 24), D(2026, 11, 26), (D(2026, 11, 27), None)),
        (D(2027, 1, 25), AHEAD, D(2026, 11, 24), D(2026, 11, 26), None),
    ],
    ids=["free-is-pick-up", "booked", "closed", "past", "ahead", "return-day",
         "same-day", "over-the-month-end", "ahead-as-return", "over-a-sunday",
         "closed-return", "booked-return", "earlier-starts-over", "both-chosen-starts-over",
         "both-chosen-ahead"],
)
def test_tap_choice(day, state, starts, ends, expected):
    assert tap_choice(day, state, starts, ends) == expected


def states(weeks) -> list[list[str | None]]:
    return [[cell.state if cell else None for cell in week] for week in weeks]


def test_a_month_with_closed_sundays_booked_days_and_the_past():
    """November 2026 in Samgori seen on Monday the 23rd: begins on a Sunday, six rows;
    Sundays closed, the days before today past, a day without a free unit booked."""
    free = {D(2026, 11, 1) + timedelta(days=n): 2 for n in range(30)}
    free[D(2026, 11, 25)] = 0
    weeks = month_calendar(D(2026, 11, 1), free, LIMITS)
    P, F, B, C = PAST, FREE, BOOKED, CLOSED
    assert states(weeks) == [
        [None, None, None, None, None, None, P],
        [P, P, P, P, P, P, P],
        [P, P, P, P, P, P, P],
        [P, P, P, P, P, P, P],
        [F, F, B, F, F, F, C],
        [F, None, None, None, None, None, None],
    ]
    cells = {cell.day: cell for week in weeks for cell in week if cell}
    assert cells[D(2026, 11, 29)].tap is None and cells[D(2026, 11, 29)].free == 0
    assert cells[D(2026, 11, 25)].tap is None
    assert cells[D(2026, 11, 20)].tap is None and cells[D(2026, 11, 20)].free == 0
    assert cells[D(2026, 11, 24)].tap == (D(2026, 11, 24), None)
    assert cells[D(2026, 11, 24)].free == 2


@pytest.mark.parametrize(
    "month, rows, last",
    [
        (D(2027, 2, 1), 4, D(2027, 2, 28)),  # begins on a Monday: four full weeks
        (D(2028, 2, 1), 5, D(2028, 2, 29)),  # a leap year: the 29th, a Tuesday
        (D(2026, 12, 1), 5, D(2026, 12, 31)),  # to the end of the year
        (D(2027, 1, 1), 5, D(2027, 1, 31)),  # from its start, a Friday
    ],
    ids=["february-2027", "leap-february-2028", "december", "january"],
)
def test_month_boundaries_and_the_leap_day(month, rows, last):
    weeks = month_calendar(month, {}, limits(today=D(2026, 1, 1), horizon_days=3650))
    days = [cell.day for week in weeks for cell in week if cell]
    assert len(weeks) == rows and all(len(week) == 7 for week in weeks)
    assert days[0] == month and days[-1] == last
    assert days == [month + timedelta(days=n) for n in range(len(days))]
    assert weeks[0][month.weekday()].day == month  # Monday first
    # no units free at all (the dictionary is empty): every open day is booked
    assert {cell.state for week in weeks for cell in week if cell} <= {BOOKED, CLOSED}


def test_the_leap_day_is_a_day_like_any_other():
    today = D(2028, 2, 28)  # a Monday
    free = {D(2028, 2, 1) + timedelta(days=n): 1 for n in range(29)}
    weeks = month_calendar(D(2028, 2, 1), free, limits(today=today), D(2028, 2, 28))
    cells = {cell.day: cell for week in weeks for cell in week if cell}
    leap = cells[D(2028, 2, 29)]
    assert leap.state == FREE and leap.tap == (D(2028, 2, 28), D(2028, 2, 29))
    assert cells[D(2028, 2, 28)].chosen == "start"


def test_a_loan_over_the_end_of_a_month_is_marked_on_both_months():
    """Picked up on Saturday 28 November, back on Wednesday 2 December: over a closed Sunday."""
    starts, ends = D(2026, 11, 28), D(2026, 12, 2)
    free = {D(2026, 11, 1) + timedelta(days=n): 1 for n in range(61)}
    november = month_calendar(D(2026, 11, 1), free, LIMITS, starts, ends)
    december = month_calendar(D(2026, 12, 1), free, LIMITS, starts, ends)
    chosen = {cell.day: cell.chosen for weeks in (november, december) for week in weeks
              for cell in week if cell and cell.chosen}
    assert chosen == {D(2026, 11, 28): "start", D(2026, 11, 29): "between",
                      D(2026, 11, 30): "between", D(2026, 12, 1): "between",
                      D(2026, 12, 2): "end"}
    sunday = next(cell for week in november for cell in week
                  if cell and cell.day == D(2026, 11, 29))
    assert sunday.state == CLOSED and sunday.tap is None  # in the loan, still not tappable
    # December's free days, both chosen: a tap starts over
    assert december[1][0].tap == (december[1][0].day, None)
    # days outside the month shown are not in it, whatever the dictionary holds
    assert all(cell.day.month == 12 for week in december for cell in week if cell)


@pytest.mark.parametrize(
    "starts_text, ends_text, expected",
    [
        ("", "", Choice(None, None, {})),
        (None, None, Choice(None, None, {})),
        ("2026-11-24", "", Choice(D(2026, 11, 24), None, {})),
        (" 2026-11-24 ", "2026-11-26", Choice(D(2026, 11, 24), D(2026, 11, 26), {})),
        ("2026-02-30", "", Choice(None, None, {"starts_on": NOT_A_DAY})),
        ("2027-02-29", "2028-02-29", Choice(None, D(2028, 2, 29), {"starts_on": NOT_A_DAY})),
        ("tomorrow", "<script>", Choice(None, None, {"starts_on": NOT_A_DAY,
                                                    "ends_on": NOT_A_DAY})),
        ("9999-12-31", "0001-01-01", Choice(None, None, {"starts_on": NOT_A_DAY,
                                                        "ends_on": NOT_A_DAY})),
        ("2026-11-24", "2026-13-01", Choice(D(2026, 11, 24), None, {"ends_on": NOT_A_DAY})),
    ],
    ids=["nothing", "missing", "pick-up-only", "both", "30-february", "29-february-common",
         "words", "out-of-the-window", "month-13"],
)
def test_read_choice(starts_text, ends_text, expected):
    assert read_choice(starts_text, ends_text) == expected


@pytest.mark.parametrize(
    "starts, ends, fields",
    [
        (None, None, {}),
        (None, D(2026, 11, 26), {"starts_on": START_FIRST}),
        (D(2026, 11, 24), None, {}),  # a pick-up day alone, fine so far
        (D(2026, 11, 29), None, {"starts_on": "The centre is closed on the pick-up day."}),
        (D(2026, 11, 20), None, {"starts_on": "The pick-up day has passed."}),
        (D(2026, 11, 24), D(2026, 11, 26), {}),
        (D(2026, 11, 28), D(2026, 11, 30), {}),  # over a closed Sunday: the rules allow it
        (D(2026, 11, 24), D(2026, 11, 24), {}),  # the same day
        (D(2026, 11, 24), D(2026, 11, 29), {"ends_on": "The centre is closed on the return day."}),
        (D(2026, 11, 24), D(2026, 12, 1), {}),  # seven days: the longest loan
        (D(2026, 11, 24), D(2026, 12, 2), {"ends_on": "This tool can be borrowed for at most "
                                                      "%(num)s day."}),
        (D(2026, 11, 26), D(2026, 11, 24), {"ends_on": "The return day is before the pick-up "
                                                       "day."}),
    ],
    ids=["nothing", "return-only", "pick-up-only", "pick-up-on-sunday", "pick-up-past",
         "two-days", "over-sunday", "same-day", "return-on-sunday", "longest-loan",
         "over-the-longest-loan", "return-before-pick-up"],
)
def test_choice_problems(starts, ends, fields):
    found = choice_problems(starts, ends, LIMITS)
    assert {key: message_id(value) for key, value in found.items()} == fields


@pytest.mark.parametrize(
    "starts, ends, problems, expected",
    [
        (None, None, {}, (None, None)),
        (D(2026, 11, 24), None, {}, (D(2026, 11, 24), None)),
        (D(2026, 11, 24), D(2026, 11, 26), {}, (D(2026, 11, 24), D(2026, 11, 26))),
        (D(2026, 11, 29), None, {"starts_on": "closed"}, (None, None)),  # tap a new pick-up
        (D(2026, 11, 29), D(2026, 12, 1), {"starts_on": "closed"}, (None, None)),
        (D(2026, 11, 24), D(2026, 11, 29), {"ends_on": "closed"}, (D(2026, 11, 24), None)),
        (None, D(2026, 11, 26), {"starts_on": START_FIRST}, (None, None)),
        (D(2026, 11, 24), D(2026, 11, 26), {"form": "nothing free"},
         (D(2026, 11, 24), D(2026, 11, 26))),  # both fine by the rules: a tap starts over
    ],
    ids=["nothing", "pick-up", "both", "closed-pick-up", "closed-pick-up-and-return",
         "closed-return", "return-only", "nothing-free-for-them"],
)
def test_a_refused_day_is_not_built_on(starts, ends, problems, expected):
    assert days_to_build_on(starts, ends, problems) == expected
