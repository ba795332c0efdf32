"""Pure rules about units and centres: plain values in, plain values out, no I/O."""

from __future__ import annotations

from datetime import date, timedelta


def inspection_due_on(last_inspected_on: date | None, interval_days: int | None) -> date | None:
    """The day the next electrical safety inspection is due; None when none is required.

    A unit that needs inspections and was never inspected is due at once (date.min)."""
    if not interval_days:
        return None
    if last_inspected_on is None:
        return date.min
    return last_inspected_on + timedelta(days=interval_days)


def is_lendable(
    status: str, last_inspected_on: date | None, interval_days: int | None, today: date
) -> bool:
    """In circulation and, where the tool type needs it, inspected within its interval."""
    if status != "available":
        return False
    due = inspection_due_on(last_inspected_on, interval_days)
    return due is None or today < due


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


def open_weekdays(mask: int) -> list[int]:
    return [day for day in range(7) if mask >> day & 1]


def search_text(*names: str) -> str:
    """One lower-cased line of every name, for a single search column. Georgian Mkhedruli has no
    case, but Mtavruli capitals (used in headings) fold to it with str.lower()."""
    return " ".join(word for name in names for word in name.lower().split())


def search_pattern(query: str) -> str | None:
    """A LIKE pattern for a user's query; wildcards they type are removed, not obeyed."""
    cleaned = " ".join(query.lower().replace("%", " ").replace("_", " ").split())[:100].strip()
    return f"%{cleaned}%" if cleaned else None
