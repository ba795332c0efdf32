"""When the daily sweep reminds a member of a booking or a loan (pure: the day in the centre's
time comes in as `today`); tested with tables of cases in test_reminder_rules.py."""

from __future__ import annotations

from datetime import date, timedelta

OVERDUE_REMINDER_DAYS = (1, 3, 7)  # days after the return day


def pickup_reminder_due(starts_on: date, today: date) -> bool:
    """A reserved booking is picked up tomorrow."""
    return starts_on == today + timedelta(days=1)


def return_reminder_due(ends_on: date, today: date) -> bool:
    """A loan is due back tomorrow."""
    return ends_on == today + timedelta(days=1)


def overdue_reminder_due(ends_on: date, today: date) -> int | None:
    """The day of lateness (1, 3 or 7) on which an overdue loan is reminded, else None."""
    late = (today - ends_on).days
    return late if late in OVERDUE_REMINDER_DAYS else None


def reminder_due(status: str, starts_on: date, ends_on: date,
                 today: date) -> tuple[str, str] | None:
    """The reminder a booking is due today, as (kind, what makes its event key unique), or
    None: a reserved booking the day before its pick-up, a loan the day before its return
    day and on the days it is late. Cancelled, returned, lost... bookings get none."""
    if status == "reserved" and pickup_reminder_due(starts_on, today):
        return "pickup_tomorrow", starts_on.isoformat()
    if status != "out":
        return None
    if return_reminder_due(ends_on, today):
        return "due_tomorrow", ends_on.isoformat()
    late = overdue_reminder_due(ends_on, today)
    if late is not None:
        return "overdue", f"{ends_on.isoformat()}:day {late}"
    return None
