"""When the reminders sweep reminds a member (bookings.lending.reminder_rules): tables of
cases, no database."""

from __future__ import annotations

from datetime import date

import pytest

from bookings.lending.reminder_rules import (
    overdue_reminder_due,
    pickup_reminder_due,
    reminder_due,
    return_reminder_due,
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
