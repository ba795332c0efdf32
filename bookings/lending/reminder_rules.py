"""When the daily sweep reminds a member of a booking, a loan, a session, a certificate or a
membership (pure: the day in the centre's time comes in as `today`); tested with tables of
cases in test_reminder_rules.py."""

from __future__ import annotations

from datetime import date, timedelta

OVERDUE_REMINDER_DAYS = (1, 3, 7)  # days after the return day; then weekly, up to a limit
CERTIFICATE_NOTICE_DAYS = 30  # a certificate's end is told this many days before
MEMBERSHIP_NOTICE_DAYS = 14


def pickup_reminder_due(starts_on: date, today: date) -> bool:
    """A reserved booking is picked up tomorrow."""
    return starts_on == today + timedelta(days=1)


def return_reminder_due(ends_on: date, today: date) -> bool:
    """A loan is due back tomorrow."""
    return ends_on == today + timedelta(days=1)


def overdue_reminder_due(ends_on: date, today: date, weekly_limit: int = 0) -> int | None:
    """The day of lateness on which an overdue loan is reminded (1, 3, 7, then 14, 21 ... for
    `weekly_limit` weeks: the centre's overdue_reminder_limit), else None."""
    late = (today - ends_on).days
    if late in OVERDUE_REMINDER_DAYS:
        return late
    last = max(OVERDUE_REMINDER_DAYS)
    weeks = (late - last) // 7
    return late if late > last and (late - last) % 7 == 0 and weeks <= weekly_limit else None


def last_overdue_reminder_day(weekly_limit: int) -> int:
    """The latest day of lateness that can still be reminded, for the sweep's query."""
    return max(OVERDUE_REMINDER_DAYS) + 7 * max(weekly_limit, 0)


def session_reminder_due(held_on: date, today: date) -> bool:
    """A session (its day in its centre) is tomorrow."""
    return held_on == today + timedelta(days=1)


def ending_soon(last_day: date, since: date, today: date, notice_days: int) -> bool:
    """A certificate or membership valid until `last_day` (from `since`) ends within
    `notice_days` and has not ended: told once, `notice_days` before (or on the first day the
    sweep sees it, if it did not run then). One granted for no longer than the notice is not
    told: its end was known when it began."""
    return (today < last_day <= today + timedelta(days=notice_days)
            and (last_day - since).days > notice_days)


def reminder_due(status: str, starts_on: date, ends_on: date, today: date,
                 weekly_limit: int = 0) -> tuple[str, str] | None:
    """The reminder a booking is due today, as (kind, what makes its event key unique), or
    None: a reserved booking the day before its pick-up, a loan the day before its return
    day and on the days it is late (`weekly_limit`: see overdue_reminder_due). Cancelled,
    returned, lost... bookings get none."""
    if status == "reserved" and pickup_reminder_due(starts_on, today):
        return "pickup_tomorrow", starts_on.isoformat()
    if status != "out":
        return None
    if return_reminder_due(ends_on, today):
        return "due_tomorrow", ends_on.isoformat()
    late = overdue_reminder_due(ends_on, today, weekly_limit)
    if late is not None:
        return "overdue", f"{ends_on.isoformat()}:day {late}"
    return None
