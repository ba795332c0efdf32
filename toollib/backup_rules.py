"""Pure decisions about backups: their names, which to keep, when the next is due."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

# One backup is one file: backup-20261123T080000Z.tar (its instant in UTC, so names sort by time)
NAME = re.compile(r"backup-(\d{8}T\d{6})Z\.tar")


def backup_name(instant: datetime) -> str:
    return f"backup-{instant.astimezone(UTC):%Y%m%dT%H%M%S}Z.tar"


def instant_of(name: str) -> datetime | None:
    """The instant a backup's file name carries; None for any other file (a half-written one
    has another name)."""
    match = NAME.fullmatch(name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def backups_to_keep(instants: Iterable[datetime], now: datetime, *, daily: int,
                    weekly: int) -> set[datetime]:
    """The newest backup of each of the last `daily` days that have one and of each of the last
    `weekly` ISO weeks that have one (days and weeks in UTC), and always the newest of all.
    Counted in days with backups, not calendar days: a PC switched off for a month does not
    come back to delete every backup it has. One stamped after `now` (the clock was set back)
    is kept: we do not delete what we cannot place."""
    past = sorted((i for i in instants if i <= now), reverse=True)
    keep = {i for i in instants if i > now}
    if past:
        keep.add(past[0])
    keep |= _newest_of_each(past, lambda i: i.astimezone(UTC).date(), daily)
    keep |= _newest_of_each(past, lambda i: i.astimezone(UTC).isocalendar()[:2], weekly)
    return keep


def _newest_of_each(newest_first: list[datetime], period, count: int) -> set[datetime]:
    chosen: dict = {}
    for instant in newest_first:
        key = period(instant)
        if key not in chosen:
            if len(chosen) == count:
                break
            chosen[key] = instant
    return set(chosen.values())


def backup_due(last_good: datetime | None, now: datetime, interval_hours: int) -> bool:
    """The server makes a backup when the newest good one is `interval_hours` old (0: never)."""
    if not interval_hours:
        return False
    return last_good is None or now - last_good >= timedelta(hours=interval_hours)


def age_hours(last_good: datetime | None, now: datetime) -> float | None:
    if last_good is None:
        return None
    return round((now - last_good).total_seconds() / 3600, 1)


# The coordinators' pages warn when the newest good backup is older than this, or missing.
STALE_HOURS = 48


def backup_overdue(age: float | None) -> bool:
    return age is None or age > STALE_HOURS
