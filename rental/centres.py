"""Centres, the places of the organisation: when they open (pure rules, no I/O)."""

from __future__ import annotations

from datetime import date, timedelta


def opening_days_mask(days: list[int]) -> int:
    """[0, 1, 2] (Monday=0) -> 0b0000111."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {day} is not 0 (Monday) to 6 (Sunday)")
        mask |= 1 << day
    return mask


def is_open_on(mask: int, day: date) -> bool:
    return bool(mask >> day.weekday() & 1)


def next_open_day(mask: int, day: date) -> date:
    """`day` or the first day after it on which the centre opens (`day` if it never does)."""
    for ahead in range(7):
        if is_open_on(mask, day + timedelta(days=ahead)):
            return day + timedelta(days=ahead)
    return day


def open_weekdays(mask: int) -> list[int]:
    return [day for day in range(7) if mask >> day & 1]
