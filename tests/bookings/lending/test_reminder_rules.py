"""When the reminders sweep reminds a member (bookings.lending.reminder_rules): tables of
cases, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.lending.reminder_rules import (
    CERTIFICATE_NOTICE_DAYS,
    MEMBERSHIP_NOTICE_DAYS,
    ending_soon,
    last_overdue_reminder_day,
    overdue_reminder_due,
    pickup_reminder_due,
    reminder_due,
    return_reminder_due,
    session_reminder_due,
)

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

D = date
TODAY = D(2026, 12, 31)  # the turn of a year: tomorrow is in the next one


@pytest.mark.parametrize("starts_on, expected", [
    (D(2027, 1, 1), True),
    (D(2026, 12, 31), False),  # today: too late for "tomorrow"
    (D(2027, 1, 2), False),
    (D(2026, 12, 30), False),
])
def test_pickup_reminder_the_day_before(starts_on, expected):
    assert pickup_reminder_due(starts_on, TODAY) is expected


@pytest.mark.parametrize("ends_on, expected", [
    (D(2027, 1, 1), True),
    (D(2026, 12, 31), False),
    (D(2027, 1, 2), False),
])
def test_return_reminder_the_day_before(ends_on, expected):
    assert return_reminder_due(ends_on, TODAY) is expected


@pytest.mark.parametrize("ends_on, today, expected", [
    (D(2026, 12, 31), D(2026, 12, 31), None),  # due today: not late yet
    (D(2026, 12, 31), D(2027, 1, 1), 1),
    (D(2026, 12, 31), D(2027, 1, 2), None),
    (D(2026, 12, 31), D(2027, 1, 3), 3),
    (D(2026, 12, 31), D(2027, 1, 5), None),
    (D(2026, 12, 31), D(2027, 1, 7), 7),
    (D(2026, 12, 31), D(2027, 1, 8), None),  # after a week: the desk calls, no more reminders
    (D(2026, 12, 31), D(2027, 1, 31), None),
    (D(2028, 2, 28), D(2028, 3, 1), None),  # a leap year: 29 February is day 1
    (D(2028, 2, 28), D(2028, 2, 29), 1),
    (D(2027, 2, 28), D(2027, 3, 3), 3),
    (D(2027, 1, 1), D(2026, 12, 31), None),  # due tomorrow
])
def test_overdue_reminders_on_days_1_3_and_7(ends_on, today, expected):
    assert overdue_reminder_due(ends_on, today) == expected


@pytest.mark.parametrize("late, limit, expected", [
    (1, 0, 1), (3, 0, 3), (7, 0, 7),  # the first week's, whatever the limit
    (1, 4, 1), (2, 4, None), (7, 4, 7),
    (8, 4, None),  # the day after the first week: nothing
    (14, 0, None),  # limit 0: no weekly reminder
    (14, 1, 14), (21, 1, None),  # limit 1: one, a week after day 7
    (14, 4, 14), (15, 4, None), (21, 4, 21), (28, 4, 28),
    (35, 4, 35),  # the fourth weekly one
    (42, 4, None),  # a fifth would be over the limit
    (49, 4, None),
    (42, 5, 42),
    (0, 4, None), (-1, 4, None),  # not late
])
def test_weekly_overdue_reminders_up_to_the_centres_limit(late, limit, expected):
    ends_on = D(2026, 12, 20)  # across the turn of a year
    today = ends_on + timedelta(days=late)
    assert overdue_reminder_due(ends_on, today, limit) == expected
    due = reminder_due("out", D(2026, 12, 1), ends_on, today, limit)
    if expected is None:
        assert due is None or due[0] == "due_tomorrow"
    else:
        assert due == ("overdue", f"2026-12-20:day {expected}")
    if expected is not None:  # the sweep's query reaches as far back
        assert late <= last_overdue_reminder_day(limit)


@pytest.mark.parametrize("held_on, expected", [
    (D(2027, 1, 1), True),  # tomorrow, in the next year
    (D(2026, 12, 31), False),  # today
    (D(2027, 1, 2), False),
    (D(2026, 12, 30), False),
])
def test_session_reminder_the_day_before(held_on, expected):
    assert session_reminder_due(held_on, TODAY) is expected


@pytest.mark.parametrize("last_day, since, notice, expected", [
    (D(2027, 1, 30), D(2025, 1, 30), CERTIFICATE_NOTICE_DAYS, True),  # in 30 days
    (D(2027, 1, 31), D(2025, 1, 31), CERTIFICATE_NOTICE_DAYS, False),  # in 31
    (D(2027, 1, 1), D(2025, 1, 1), CERTIFICATE_NOTICE_DAYS, True),  # a sweep missed: later
    (D(2026, 12, 31), D(2025, 1, 1), CERTIFICATE_NOTICE_DAYS, False),  # its last day: over
    (D(2026, 12, 1), D(2025, 1, 1), CERTIFICATE_NOTICE_DAYS, False),  # ended
    (D(2027, 1, 14), D(2026, 1, 14), MEMBERSHIP_NOTICE_DAYS, True),  # in 14 days
    (D(2027, 1, 15), D(2026, 1, 15), MEMBERSHIP_NOTICE_DAYS, False),
    (D(2027, 1, 10), D(2026, 12, 27), MEMBERSHIP_NOTICE_DAYS, False),  # 14 days long: new
    (D(2027, 1, 10), D(2026, 12, 26), MEMBERSHIP_NOTICE_DAYS, True),  # 15 days long
])
def test_a_certificate_or_membership_ending_soon(last_day, since, notice, expected):
    assert ending_soon(last_day, since, TODAY, notice) is expected


@pytest.mark.parametrize("status, starts_on, ends_on, expected", [
    ("reserved", D(2027, 1, 1), D(2027, 1, 3), ("pickup_tomorrow", "2027-01-01")),
    ("reserved", D(2026, 12, 31), D(2027, 1, 3), None),
    ("cancelled", D(2027, 1, 1), D(2027, 1, 3), None),  # cancelled: nothing
    ("no_show", D(2027, 1, 1), D(2027, 1, 3), None),
    ("out", D(2026, 12, 28), D(2027, 1, 1), ("due_tomorrow", "2027-01-01")),
    ("out", D(2026, 12, 20), D(2026, 12, 30), ("overdue", "2026-12-30:day 1")),
    ("out", D(2026, 12, 20), D(2026, 12, 28), ("overdue", "2026-12-28:day 3")),
    ("out", D(2026, 12, 20), D(2026, 12, 24), ("overdue", "2026-12-24:day 7")),
    ("out", D(2026, 12, 20), D(2026, 12, 29), None),  # day 2
    ("returned", D(2026, 12, 20), D(2026, 12, 30), None),  # returned: nothing
    ("lost", D(2026, 12, 20), D(2026, 12, 24), None),
    ("returned", D(2026, 12, 28), D(2027, 1, 1), None),
])
def test_the_reminder_a_booking_is_due(status, starts_on, ends_on, expected):
    assert reminder_due(status, starts_on, ends_on, TODAY) == expected
