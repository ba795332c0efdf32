"""Pure booking rules: plain data in, plain data out, no I/O; tested with tables of cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inventory.rules import is_open_on
from rental.i18n import N_

Period = tuple[date, date]  # both days included


def overlaps(a: Period, b: Period) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def days_of(period: Period) -> list[date]:
    return [period[0] + timedelta(days=n) for n in range((period[1] - period[0]).days + 1)]


def free_units(
    units: Iterable[int], busy: Iterable[tuple[int, Period]], period: Period
) -> list[int]:
    """Units with no active booking overlapping the period, in the given order."""
    taken = {unit for unit, held in busy if overlaps(held, period)}
    return [unit for unit in units if unit not in taken]


def free_per_day(units: Iterable[int], busy: Iterable[tuple[int, Period]],
                 period: Period) -> dict[date, int]:
    """How many of the units are free on each day of the period."""
    unit_list = list(units)
    held: dict[date, set[int]] = {}
    for unit, (start, end) in busy:
        day = max(start, period[0])
        while day <= min(end, period[1]):
            held.setdefault(day, set()).add(unit)
            day += timedelta(days=1)
    return {day: sum(1 for u in unit_list if u not in held.get(day, ())) for day in days_of(period)}


@dataclass(frozen=True)
class PeriodLimits:
    today: date
    horizon_days: int  # how far ahead a pick-up may be
    max_loan_days: int
    opening_days: int  # bit 0 = Monday


def period_problems(starts_on: date, ends_on: date, limits: PeriodLimits) -> dict[str, Any]:
    """What is wrong with a requested period, by field (a message id, or one with its values);
    empty when it can be booked."""
    problems: dict[str, Any] = {}
    if starts_on < limits.today:
        problems["starts_on"] = N_("The pick-up day has passed.")
    elif starts_on > limits.today + timedelta(days=limits.horizon_days):
        problems["starts_on"] = (N_("That is too far ahead: book at most %(days)s days ahead."),
                                 {"days": limits.horizon_days})
    elif not is_open_on(limits.opening_days, starts_on):
        problems["starts_on"] = N_("The centre is closed on the pick-up day.")
    if ends_on < starts_on:
        problems["ends_on"] = N_("The return day is before the pick-up day.")
    elif (ends_on - starts_on).days > limits.max_loan_days:
        problems["ends_on"] = (N_("This tool can be borrowed for at most %(days)s days."),
                               {"days": limits.max_loan_days})
    elif not is_open_on(limits.opening_days, ends_on):
        problems["ends_on"] = N_("The centre is closed on the return day.")
    return problems


def month_grid(month: date) -> list[list[date | None]]:
    """The weeks of a month, Monday first, with None outside the month."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    cells: list[date | None] = [None] * first.weekday()
    cells += [first + timedelta(days=n) for n in range((following - first).days)]
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def shift_month(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)
