"""How long the app keeps what it only needs for a while: pure, the instant comes in as `now`.

Sessions go when they expire; failed logins after 30 days (long enough to look into an attack,
and never before the login limit's window is over); the rate-limit rows and the phone codes
after a day (their limits look back an hour at most); an online sign-up nobody verified after
90 days (the person never brought a document to the desk: their details are erased)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LOGIN_FAILURE_DAYS = 30
RATE_EVENT_DAYS = 1
PHONE_CODE_DAYS = 1
PENDING_SIGNUP_DAYS = 90


@dataclass(frozen=True)
class CutOffs:
    """Rows from before these instants go."""

    sessions: datetime  # by expires_at
    login_failures: datetime  # by at
    rate_events: datetime  # by at
    phone_codes: datetime  # by created_at
    pending_signups: datetime  # by created_at


def cut_offs(now: datetime, *, login_window_minutes: int, longest_limit_minutes: int) -> CutOffs:
    """The instants before which each kind of row is purged. A row a limit still counts is never
    purged, however long a limit's window is set (LOGIN_WINDOW_MINUTES, throttle.LIMITS)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware instant")
    return CutOffs(
        sessions=now,
        login_failures=now - max(timedelta(days=LOGIN_FAILURE_DAYS),
                                 timedelta(minutes=login_window_minutes)),
        rate_events=now - max(timedelta(days=RATE_EVENT_DAYS),
                              timedelta(minutes=longest_limit_minutes)),
        phone_codes=now - timedelta(days=PHONE_CODE_DAYS),
        pending_signups=now - timedelta(days=PENDING_SIGNUP_DAYS),
    )
