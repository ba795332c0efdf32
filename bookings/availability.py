"""Which units are free when. Reads inventory's units and this package's bookings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from bookings.tables import ACTIVE_STATUSES, Booking
from inventory.rules import is_lendable
from inventory.tables import Unit


async def free_units_on(tool_type_ids: Iterable[int], day: date) -> Counter[tuple[int, int]]:
    """Free units per (tool type, centre) on one day, in one query.

    Free: lendable (in circulation, inspection not overdue) and in no active booking that day."""
    ids = list(tool_type_ids)
    if not ids:
        return Counter()
    busy = Booking.select(Booking.unit).where(
        Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.starts_on <= day)
        & (Booking.ends_on >= day)
    )
    rows = await Unit.select(
        Unit.tool_type,
        Unit.centre,
        Unit.status,
        Unit.last_inspected_on,
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
    ).where(
        Unit.tool_type.is_in(ids) & (Unit.status == "available") & Unit.id.not_in(busy)
    )
    return Counter(
        (row["tool_type"], row["centre"])
        for row in rows
        if is_lendable(row["status"], row["last_inspected_on"], row["interval_days"], day)
    )
