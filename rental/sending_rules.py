"""When an e-mail or SMS may leave, as pure functions of the clock (rental.sending asks them).

- Quiet hours: no SMS between 21:00 and 09:00 in the centre's time; one queued in the night
  leaves at 09:00. (E-mail waits in the inbox until it is read: it has no quiet hours.)
- Backoff: a message the provider did not take is tried again 1, 5, 30 and then every 120
  minutes, until the attempts run out (NOTIFY_MAX_ATTEMPTS) or the provider refuses it for
  good (a permanent error: a bad address, a rejected number).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_FROM = time(21, 0)  # no SMS from this time of the evening ...
QUIET_UNTIL = time(9, 0)  # ... until this time of the morning, in the centre's time
BACKOFF_MINUTES = (1, 5, 30, 120)  # after the 1st, 2nd, 3rd, 4th and later failed attempts


def sms_allowed_from(now: datetime, timezone: str) -> datetime:
    """The first instant from `now` on at which an SMS may leave, in UTC: `now` itself in the
    day, else 09:00 of the morning that ends the night in `timezone`."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now.astimezone(UTC)
    morning = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(morning, QUIET_UNTIL, zone).astimezone(UTC)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th attempt (counting from 1) failed."""
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


def after_failure(attempts: int, *, permanent: bool, max_attempts: int, now: datetime,
                  quiet_timezone: str | None = None) -> datetime | None:
    """When to try again a message whose `attempts`-th attempt just failed; None: never (it is
    failed). An SMS (`quiet_timezone` given) is not retried in the centre's quiet hours."""
    if permanent or attempts >= max_attempts:
        return None
    again = now + retry_delay(attempts)
    return sms_allowed_from(again, quiet_timezone) if quiet_timezone else again.astimezone(UTC)
