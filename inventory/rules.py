"""Pure rules about units and centres: plain values in, plain values out, no I/O."""

from __future__ import annotations

import re
from datetime import date, timedelta

ASSET_TAG = re.compile(r"^([A-Z0-9]{2,8})-(\d{4,10})$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def inspection_due_on(last_inspected_on: date | None, interval_days: int | None) -> date | None:
    """The day the next electrical safety inspection is due; None when none is required.

    A unit that needs inspections and was never inspected is due at once (date.min)."""
    if not interval_days:
        return None
    if last_inspected_on is None:
        return date.min
    return last_inspected_on + timedelta(days=interval_days)


def is_lendable(
    status: str,
    last_inspected_on: date | None,
    interval_days: int | None,
    today: date,
    last_inspection_result: str | None = None,
) -> bool:
    """In circulation, its latest inspection not failed and, where the tool type needs it,
    inspected within its interval."""
    if status != "available" or last_inspection_result == "fail":
        return False
    due = inspection_due_on(last_inspected_on, interval_days)
    return due is None or today < due


def inspection_state(
    last_inspected_on: date | None,
    interval_days: int | None,
    last_inspection_result: str | None,
    today: date,
    soon_days: int = 14,
) -> str | None:
    """'failed', 'overdue', 'due_soon' (within `soon_days`) or 'ok'; None when not required."""
    if last_inspection_result == "fail":
        return "failed"
    due = inspection_due_on(last_inspected_on, interval_days)
    if due is None:
        return None
    if due <= today:
        return "overdue"
    if due <= today + timedelta(days=soon_days):
        return "due_soon"
    return "ok"


# --- asset tags -----------------------------------------------------------------------------


def asset_tag(centre_code: str, number: int) -> str:
    """SMG, 42 -> 'SMG-0042' (four digits at least, more when the centre has more units)."""
    return f"{centre_code.upper()}-{number:04d}"


def normalise_asset_tag(text: str) -> str | None:
    """A scanned or typed tag as stored: spaces trimmed, upper case; None if it is not a tag."""
    cleaned = "".join(text.split()).upper()
    return cleaned if ASSET_TAG.match(cleaned) else None


def asset_tag_number(tag: str, centre_code: str) -> int | None:
    """The sequence number of a tag of this centre: ('SMG-0042', 'SMG') -> 42."""
    match = ASSET_TAG.match(tag)
    if not match or match.group(1) != centre_code.upper():
        return None
    return int(match.group(2))


def is_slug(text: str) -> bool:
    return bool(SLUG.match(text)) and len(text) <= 80


def search_text(*names: str) -> str:
    """One lower-cased line of every name, for a single search column. Georgian Mkhedruli has no
    case, but Mtavruli capitals (used in headings) fold to it with str.lower()."""
    return " ".join(word for name in names for word in name.lower().split())
