"""Which backups to keep, when the next is due, what their files are called: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toollib.backup_rules import (
    age_hours,
    backup_due,
    backup_name,
    backup_overdue,
    backups_to_keep,
    instant_of,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


def days_ago(days: float, hour: int = 2) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour)


def daily(count: int, hour: int = 2) -> list[datetime]:
    """One backup a day at `hour`, today's first."""
    return [days_ago(n, hour) for n in range(count)]


@pytest.mark.parametrize("instants, daily_, weekly, kept", [
    ([], 7, 4, []),
    ([days_ago(0)], 7, 4, [days_ago(0)]),
    # a fortnight of dailies (10..23 Nov): the last 7 days, and the newest of each week: Mon 23
    # (week 48) and Sun 22 (week 47) are dailies already; Sun 15 for week 46
    (daily(14), 7, 4, [*daily(7), days_ago(8)]),
    # two a day: only the newest of each day counts
    (daily(3, hour=2) + daily(3, hour=6), 7, 0, daily(3, hour=6)),
    # the PC was off for a month: the last days *with backups* are kept, not calendar days
    ([days_ago(40), days_ago(41), days_ago(42)], 2, 0, [days_ago(40), days_ago(41)]),
    # no daily and no weekly kept: still the newest of all
    (daily(3), 1, 0, [days_ago(0)]),
    # the clock was set back: a backup "from the future" is not deleted
    ([NOW + timedelta(days=3), days_ago(1), days_ago(2)], 1, 0,
     [NOW + timedelta(days=3), days_ago(1)]),
    # weekly beyond the daily window: the newest of each older week, up to `weekly` weeks
    (daily(35), 3, 4, [*daily(3), days_ago(8), days_ago(15)]),
], ids=["none", "one", "fortnight", "two-a-day", "month-off", "only-newest", "future",
        "five-weeks"])
def test_which_backups_are_kept(instants, daily_, weekly, kept):
    assert backups_to_keep(instants, NOW, daily=daily_, weekly=weekly) == set(kept)


def test_every_instant_kept_is_one_of_the_backups():
    instants = daily(60)
    kept = backups_to_keep(instants, NOW, daily=7, weekly=4)
    # 7 dailies (17..23 Nov: the newest of weeks 48 and 47 among them), Sun 15 and Sun 8
    assert kept <= set(instants) and len(kept) == 7 + 2


@pytest.mark.parametrize("last, interval, due", [
    (None, 24, True),
    (NOW - timedelta(hours=23, minutes=59), 24, False),
    (NOW - timedelta(hours=24), 24, True),
    (NOW - timedelta(hours=3), 2, True),
    (None, 0, False),  # off
    (NOW - timedelta(days=30), 0, False),
], ids=["none-yet", "not-yet", "a-day", "two-hours", "off", "off-old"])
def test_when_the_next_backup_is_due(last, interval, due):
    assert backup_due(last, NOW, interval) is due


@pytest.mark.parametrize("last, overdue", [
    (None, True),
    (NOW - timedelta(hours=47), False),
    (NOW - timedelta(hours=48), False),
    (NOW - timedelta(hours=49), True),
])
def test_coordinators_are_warned_after_two_days(last, overdue):
    assert backup_overdue(age_hours(last, NOW)) is overdue


def test_names_carry_the_utc_instant_and_sort_by_it():
    tbilisi = datetime.fromisoformat("2026-11-23T12:00:05+04:00")
    assert backup_name(tbilisi) == "backup-20261123T080005Z.tar"
    assert instant_of(backup_name(tbilisi)) == tbilisi
    assert instant_of(".backup-20261123T080005Z.tar.1a2b3c4d.partial") is None
    assert instant_of("backup-2026.tar") is None
    assert sorted([backup_name(NOW), backup_name(NOW - timedelta(days=1))])[0] \
        == backup_name(NOW - timedelta(days=1))
    assert age_hours(NOW - timedelta(minutes=90), NOW) == 1.5
