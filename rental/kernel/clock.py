"""The one place the app reads the time of day.

Services take `now`/`today` as arguments; the web layer, the CLI and the server's periodic jobs
ask the clock in the settings. In production that is the system clock; tests hold a
`FixedClock` at an instant they choose, and `CLOCK_START` starts a served demo at a chosen
instant (it then runs forward at normal speed)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """The system clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self, timezone: str) -> date:
        """The calendar day it is now in a time zone (a centre's day, not UTC's)."""
        return self.now().astimezone(ZoneInfo(timezone)).date()


class FixedClock(Clock):
    """Stands still at an instant until it is set or advanced."""

    def __init__(self, instant: datetime) -> None:
        self.set(instant)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a clock needs an aware datetime (with its time zone)")
        self._instant = instant.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._instant += timedelta(**delta)

    def now(self) -> datetime:
        return self._instant


class StartedClock(Clock):
    """Starts at an instant and runs forward at the system clock's speed."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs an aware datetime (with its time zone)")
        self._start = start.astimezone(UTC)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._started)
