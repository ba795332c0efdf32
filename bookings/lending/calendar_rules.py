"""The booking calendar: what each day of a month is for the person choosing days (free,
booked, closed, past, too far ahead), what tapping it chooses, and what is wrong with the
days chosen. Pure: plain values in, plain values out; tested with tables of cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bookings.lending.rules import PeriodLimits, month_grid, period_problems
from rental.centres import is_open_on
from rental.kernel.i18n import N_
from rental.kernel.values import calendar_day

FREE, BOOKED, CLOSED, PAST, AHEAD = "free", "booked", "closed", "past", "ahead"

NOT_A_DAY = N_("That is not a day on the calendar: choose it again.")
START_FIRST = N_("Choose the pick-up day first.")


@dataclass(frozen=True)
class Choice:
    """The days chosen so far (from the page's query string), and why a text was not a day."""

    starts: date | None
    ends: date | None
    problems: dict[str, Any]


def read_choice(starts_text: str | None, ends_text: str | None) -> Choice:
    """The pick-up and return days as sent (`?from=2026-11-24&to=2026-11-26`); a text that is
    not a day (or outside the window days are read in) is dropped and said so."""
    starts, ends = calendar_day(starts_text), calendar_day(ends_text)
    problems: dict[str, Any] = {}
    if starts is None and (starts_text or "").strip():
        problems["starts_on"] = NOT_A_DAY
    if ends is None and (ends_text or "").strip():
        problems["ends_on"] = NOT_A_DAY
    return Choice(starts, ends, problems)


def choice_problems(starts: date | None, ends: date | None,
                    limits: PeriodLimits) -> dict[str, Any]:
    """What is wrong with the days chosen so far, by field (as the booking refuses them):
    nothing chosen is not wrong; a pick-up day alone is checked as a pick-up day."""
    if starts is None:
        return {"starts_on": START_FIRST} if ends is not None else {}
    if ends is None:
        return {k: v for k, v in period_problems(starts, starts, limits).items()
                if k == "starts_on"}
    return period_problems(starts, ends, limits)


def days_to_build_on(starts: date | None, ends: date | None,
                     problems: dict[str, Any]) -> tuple[date | None, date | None]:
    """The chosen days the next tap builds on: a refused pick-up day is dropped (the next tap
    chooses another), a refused return day too (the next tap chooses another return day)."""
    if starts is None or "starts_on" in problems:
        return None, None
    return starts, None if "ends_on" in problems else ends


@dataclass(frozen=True)
class Day:
    """One day of the calendar as it is drawn."""

    day: date
    state: str  # free, booked, closed, past or ahead
    free: int  # units free that day (0 when past or closed)
    chosen: str | None  # start, end, between (the days in the loan) or None
    tap: tuple[date, date | None] | None  # the (pick-up, return) a tap chooses; None: not one


def day_state(day: date, free: int, limits: PeriodLimits) -> str:
    """Past, closed (the centre does not open that weekday), booked (no unit free), ahead
    (later than a pick-up may be booked), else free."""
    if day < limits.today:
        return PAST
    if not is_open_on(limits.opening_days, day):
        return CLOSED
    if free <= 0:
        return BOOKED
    if day > limits.today + timedelta(days=limits.horizon_days):
        return AHEAD
    return FREE


def tap_choice(day: date, state: str, starts: date | None,
               ends: date | None) -> tuple[date, date | None] | None:
    """What tapping a day chooses: with only a pick-up day chosen, a free day from it on is
    the return day (a day too far ahead to pick up may still be one); any other free day
    starts over as the pick-up day. Past, closed and booked days are not tappable."""
    if starts is not None and ends is None and day >= starts and state in (FREE, AHEAD):
        return (starts, day)
    if state == FREE:
        return (day, None)
    return None


def chosen_role(day: date, starts: date | None, ends: date | None) -> str | None:
    if day == starts:
        return "start"
    if day == ends:
        return "end"
    if starts is not None and ends is not None and starts < day < ends:
        return "between"
    return None


def month_calendar(month: date, free: dict[date, int], limits: PeriodLimits,
                   starts: date | None = None,
                   ends: date | None = None) -> list[list[Day | None]]:
    """The weeks of a month, Monday first (None outside the month), each day with its state,
    its free units, its part in the chosen loan and what a tap on it chooses. `free`: units
    free per day (a day missing has none)."""
    def cell(day: date) -> Day:
        state = day_state(day, free.get(day, 0), limits)
        return Day(day, state, free.get(day, 0) if state not in (PAST, CLOSED) else 0,
                   chosen_role(day, starts, ends), tap_choice(day, state, starts, ends))

    return [[cell(day) if day else None for day in week] for week in month_grid(month)]
