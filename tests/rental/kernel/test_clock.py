"""The app's clock: the system's in production, one the tests hold, one a demo starts at an
instant; and nothing else in the project reads the time of day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rental.kernel.clock import Clock, FixedClock, StartedClock
from rental.kernel.settings import PROJECT_ROOT, load_settings

pytestmark = pytest.mark.no_database

TBILISI_NOON = datetime(2026, 12, 31, 12, 0, tzinfo=timezone(timedelta(hours=4)))


@pytest.mark.parametrize(("instant", "zone", "day"), [
    (datetime(2026, 12, 31, 19, 30, tzinfo=UTC), "Asia/Tbilisi", date(2026, 12, 31)),
    (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "Asia/Tbilisi", date(2027, 1, 1)),  # midnight
    (datetime(2026, 12, 31, 21, 0, tzinfo=UTC), "UTC", date(2026, 12, 31)),
    (datetime(2028, 2, 28, 20, 30, tzinfo=UTC), "Asia/Tbilisi", date(2028, 2, 29)),
    (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "Europe/Berlin", date(2027, 3, 28)),
], ids=["tbilisi-before-midnight", "tbilisi-midnight", "utc", "leap-day", "berlin-dst"])
def test_today_is_the_day_in_the_time_zone_asked(instant, zone, day):
    assert FixedClock(instant).today(zone) == day


def test_a_fixed_clock_stands_still_until_set_or_advanced():
    clock = FixedClock(TBILISI_NOON)
    assert clock.now() == clock.now() == datetime(2026, 12, 31, 8, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.advance(hours=12)
    assert clock.today("Asia/Tbilisi") == date(2027, 1, 1)
    clock.set(TBILISI_NOON)
    assert clock.today("Asia/Tbilisi") == date(2026, 12, 31)


def test_a_clock_needs_an_aware_instant():
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 12, 31, 12, 0))
    with pytest.raises(ValueError):
        StartedClock(datetime(2026, 12, 31, 12, 0))


def test_a_started_clock_runs_on_from_its_instant():
    clock = StartedClock(TBILISI_NOON)
    first, second = clock.now(), clock.now()
    assert TBILISI_NOON <= first <= second < TBILISI_NOON + timedelta(minutes=1)


def test_the_settings_clock_is_the_system_clock_unless_clock_start_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("CLOCK_START", raising=False)
    assert type(load_settings().clock) is Clock
    monkeypatch.setenv("CLOCK_START", "2027-01-01T01:00:00+04:00")
    clock = load_settings().clock
    assert clock.today("Asia/Tbilisi") == date(2027, 1, 1)
    assert clock.today("UTC") == date(2026, 12, 31)


# Only the clock module reads the time of day; services take `now`/`today`, the web layer, the
# CLI and the tests ask a clock. (The benchmarks time themselves and are not part of this.)
READS_THE_CLOCK = re.compile(
    r"\b(?:datetime\.(?:now|utcnow|today)|date\.today|time\.time|time\.localtime)\(")


def test_nothing_but_the_clock_reads_the_time_of_day():
    allowed = {PROJECT_ROOT / "rental" / "kernel" / "clock.py", Path(__file__)}
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for package in ("rental", "inventory", "bookings", "toollib", "tests")
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")) if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if READS_THE_CLOCK.search(line)
    ]
    assert offenders == []
