"""When an e-mail or SMS may leave (rental.sending_rules), as tables of cases: the quiet hours
in the centre's time, the backoff after a failure and when to give up. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rental.sending_rules import after_failure, retry_delay, sms_allowed_from

TBILISI = "Asia/Tbilisi"  # UTC+4 all year: Georgia keeps no summer time
BERLIN = "Europe/Berlin"  # UTC+1 in winter, UTC+2 in summer


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "timezone", "allowed"),
    [
        pytest.param("2026-11-23T12:00+04:00", TBILISI, "2026-11-23T12:00+04:00", id="noon"),
        pytest.param("2026-11-23T09:00+04:00", TBILISI, "2026-11-23T09:00+04:00",
                     id="exactly-09.00-is-allowed"),
        pytest.param("2026-11-23T08:59:59+04:00", TBILISI, "2026-11-23T09:00+04:00",
                     id="a-second-before-09.00"),
        pytest.param("2026-11-23T20:59:59+04:00", TBILISI, "2026-11-23T20:59:59+04:00",
                     id="a-second-before-21.00"),
        pytest.param("2026-11-23T21:00+04:00", TBILISI, "2026-11-24T09:00+04:00",
                     id="exactly-21.00-is-quiet"),
        pytest.param("2026-11-23T22:00+04:00", TBILISI, "2026-11-24T09:00+04:00",
                     id="22.00-waits-for-the-morning"),
        pytest.param("2026-11-23T23:59+04:00", TBILISI, "2026-11-24T09:00+04:00",
                     id="before-midnight"),
        pytest.param("2026-11-24T00:30+04:00", TBILISI, "2026-11-24T09:00+04:00",
                     id="after-midnight-the-same-morning"),
        pytest.param("2026-11-23T20:30:00+00:00", TBILISI, "2026-11-24T09:00+04:00",
                     id="utc-evening-is-past-midnight-in-tbilisi"),
        pytest.param("2026-12-31T21:30+04:00", TBILISI, "2027-01-01T09:00+04:00",
                     id="new-years-eve"),
        pytest.param("2026-07-15T12:00+04:00", TBILISI, "2026-07-15T12:00+04:00",
                     id="tbilisi-summer-is-the-same-offset"),
        pytest.param("2026-07-15T21:30+04:00", TBILISI, "2026-07-16T09:00+04:00",
                     id="tbilisi-summer-night"),
        # a centre in another zone: its own clock, not Tbilisi's
        pytest.param("2026-11-23T19:30+04:00", BERLIN, "2026-11-23T19:30+04:00",
                     id="berlin-16.30-while-tbilisi-is-19.30"),
        pytest.param("2026-11-23T22:00+04:00", BERLIN, "2026-11-23T22:00+04:00",
                     id="berlin-19.00-while-tbilisi-is-quiet"),
        pytest.param("2026-11-23T21:00+01:00", BERLIN, "2026-11-24T09:00+01:00",
                     id="berlin-21.00-winter"),
        pytest.param("2026-11-24T08:00+04:00", BERLIN, "2026-11-24T09:00+01:00",
                     id="berlin-05.00-waits-till-its-09.00"),
        pytest.param("2026-03-28T22:00+01:00", BERLIN, "2026-03-29T09:00+02:00",
                     id="berlin-night-into-summer-time"),
        pytest.param("2026-10-24T23:00+02:00", BERLIN, "2026-10-25T09:00+01:00",
                     id="berlin-night-into-winter-time"),
    ],
)
def test_sms_allowed_from(now, timezone, allowed):
    result = sms_allowed_from(utc(now), timezone)
    assert result == utc(allowed) and result.tzinfo == UTC


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(0, 1), (1, 1), (2, 5), (3, 30), (4, 120), (5, 120), (12, 120)],
)
def test_retry_delay_grows_and_stops_growing(attempts, minutes):
    assert retry_delay(attempts) == timedelta(minutes=minutes)


NOON = utc("2026-11-23T12:00+04:00")


@pytest.mark.parametrize(
    ("attempts", "permanent", "max_attempts", "quiet", "again"),
    [
        pytest.param(1, False, 5, None, "2026-11-23T12:01+04:00", id="first-failure-1-min"),
        pytest.param(2, False, 5, None, "2026-11-23T12:05+04:00", id="second-5-min"),
        pytest.param(3, False, 5, None, "2026-11-23T12:30+04:00", id="third-30-min"),
        pytest.param(4, False, 5, None, "2026-11-23T14:00+04:00", id="fourth-2-hours"),
        pytest.param(5, False, 5, None, None, id="the-last-attempt-gives-up"),
        pytest.param(6, False, 5, None, None, id="beyond-the-limit"),
        pytest.param(1, True, 5, None, None, id="permanent-gives-up-at-once"),
        pytest.param(1, False, 1, None, None, id="one-attempt-allowed"),
        pytest.param(4, False, 5, TBILISI, "2026-11-23T14:00+04:00", id="sms-by-day"),
        pytest.param(4, False, 9, TBILISI, "2026-11-23T14:00+04:00", id="sms-more-attempts"),
    ],
)
def test_after_failure(attempts, permanent, max_attempts, quiet, again):
    result = after_failure(attempts, permanent=permanent, max_attempts=max_attempts, now=NOON,
                           quiet_timezone=quiet)
    assert result == (utc(again) if again else None)


@pytest.mark.parametrize(
    ("now", "attempts", "again"),
    [
        pytest.param("2026-11-23T20:30+04:00", 3, "2026-11-24T09:00+04:00",
                     id="sms-retry-would-fall-in-the-night"),
        pytest.param("2026-11-23T20:30+04:00", 1, "2026-11-23T20:31+04:00",
                     id="sms-retry-before-21.00"),
    ],
)
def test_an_sms_is_not_retried_in_quiet_hours(now, attempts, again):
    result = after_failure(attempts, permanent=False, max_attempts=5, now=utc(now),
                           quiet_timezone=TBILISI)
    assert result == utc(again)
    # an e-mail has no quiet hours
    assert after_failure(attempts, permanent=False, max_attempts=5, now=utc(now)) \
        == utc(now) + retry_delay(attempts)
