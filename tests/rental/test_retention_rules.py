"""The retention periods: the instants before which each kind of row is purged."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rental.retention_rules import cut_offs

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("login_window, longest_limit, expected", [
    # the defaults: failed logins 30 days, rate-limit rows and phone codes a day, sign-ups 90 days
    (15, 60, {"sessions": NOW, "login_failures": NOW - timedelta(days=30),
              "rate_events": NOW - timedelta(days=1), "phone_codes": NOW - timedelta(days=1),
              "pending_signups": NOW - timedelta(days=90)}),
    # a login window longer than 30 days: its failures still count, so they stay
    (60 * 24 * 45, 60, {"login_failures": NOW - timedelta(days=45)}),
    # a limit looking back two days: its rows stay two days
    (15, 60 * 48, {"rate_events": NOW - timedelta(days=2)}),
    # exactly the retention: the longer of the two, the same
    (60 * 24 * 30, 60 * 24, {"login_failures": NOW - timedelta(days=30),
                             "rate_events": NOW - timedelta(days=1)}),
])
def test_cut_offs(login_window, longest_limit, expected):
    cut = cut_offs(NOW, login_window_minutes=login_window, longest_limit_minutes=longest_limit)
    assert {name: getattr(cut, name) for name in expected} == expected


def test_cut_offs_follow_the_instant_in_any_zone():
    tbilisi = NOW.astimezone(ZoneInfo("Asia/Tbilisi"))  # the same instant, 12:00 there
    assert cut_offs(tbilisi, login_window_minutes=15, longest_limit_minutes=60) == cut_offs(
        NOW, login_window_minutes=15, longest_limit_minutes=60)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError):
        cut_offs(NOW.replace(tzinfo=None), login_window_minutes=15, longest_limit_minutes=60)
