"""The return day a scanned unit's line starts with (issue 17, item 4): the earliest day its tool
type allows, each line its own, so tools with different longest loans go out together. Pure:
a table of cases, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.lending.rules import default_return_day, return_days
from rental.centres import opening_days_mask

pytestmark = pytest.mark.no_database

MONDAY = date(2026, 12, 7)
WEEKDAYS = opening_days_mask([0, 1, 2, 3, 4])  # Monday to Friday
EVERY_DAY = opening_days_mask([0, 1, 2, 3, 4, 5, 6])
SATURDAYS = opening_days_mask([5])
NEVER = 0


def day(n: int, since: date = MONDAY) -> date:
    return since + timedelta(days=n)


@pytest.mark.parametrize(
    "today, max_days, opening, wanted, expected",
    [
        (MONDAY, 7, WEEKDAYS, None, day(1)),  # the next open day: Tuesday
        (day(4), 7, WEEKDAYS, None, day(7)),  # Friday: past the weekend, Monday
        (day(4), 2, WEEKDAYS, None, None),  # Friday, two days at most: only the weekend
        (day(4), 3, WEEKDAYS, None, day(7)),  # ... three: Monday
        (MONDAY, 0, WEEKDAYS, None, MONDAY),  # a tool lent for the day comes back today
        (day(5), 0, WEEKDAYS, None, None),  # ... but not on a closed day
        (MONDAY, 7, EVERY_DAY, None, day(1)),
        (MONDAY, 14, SATURDAYS, None, day(5)),  # the centre opens on Saturdays only
        (MONDAY, 7, NEVER, None, None),
        (MONDAY, 14, WEEKDAYS, day(9), day(9)),  # the basket's day, when this tool allows it
        (MONDAY, 3, WEEKDAYS, day(9), day(3)),  # too long for this tool: its longest, Thursday
        (MONDAY, 14, WEEKDAYS, day(5), day(4)),  # a Saturday asked: the Friday before
        (MONDAY, 14, WEEKDAYS, day(0), day(1)),  # nothing allowed before it: the earliest
        (day(4), 3, WEEKDAYS, day(5), day(7)),  # Friday, Saturday asked, 3 days: Monday
        (MONDAY, 2, EVERY_DAY, day(40), day(2)),
    ],
    ids=["next-open-day", "over-the-weekend", "no-open-day-in-reach", "just-in-reach",
         "for-the-day", "for-the-day-closed", "every-day", "saturdays-only", "never-open",
         "wanted-allowed", "wanted-too-long", "wanted-closed", "wanted-today",
         "wanted-closed-and-too-long", "wanted-far"],
)
def test_the_day_a_line_starts_with(today, max_days, opening, wanted, expected):
    assert default_return_day(today, max_days, opening, wanted) == expected
    allowed = return_days(today, max_days, opening)
    assert expected is None or expected in allowed  # always a day the desk could choose


@pytest.mark.parametrize(
    "today, max_days, opening, expected",
    [
        (MONDAY, 7, WEEKDAYS, [day(1), day(2), day(3), day(4), day(7)]),
        (day(4), 3, WEEKDAYS, [day(7)]),
        (MONDAY, 0, WEEKDAYS, [MONDAY]),
        (MONDAY, 3, NEVER, []),
    ],
    ids=["a-week", "friday", "for-the-day", "never-open"],
)
def test_the_days_a_walk_in_may_come_back(today, max_days, opening, expected):
    assert return_days(today, max_days, opening) == expected


def test_two_tools_of_different_lengths_each_get_a_day_they_allow():
    """The issue's case: one basket day for a 2-day and a 14-day tool; the short one is not
    refused, it comes back on the latest day it allows."""
    wanted = day(9)
    short = default_return_day(MONDAY, 2, WEEKDAYS, wanted)
    long = default_return_day(MONDAY, 14, WEEKDAYS, wanted)
    assert (short, long) == (day(2), day(9))
