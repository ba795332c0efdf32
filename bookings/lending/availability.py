"""Which units are free when. Reads inventory's units and this package's bookings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from bookings.tables import ACTIVE_STATUSES, Booking
from inventory.rules import is_lendable
from inventory.tables import TransferItem, TransferRequest, Unit
from inventory.transfer_rules import OPEN_STATUSES
from rental.kernel.db import is_postgres


def on_the_road():
    """Units in transit between centres (inventory.tables.TransferItem not received): not
    lendable nor bookable anywhere until they are received."""
    return TransferItem.select(TransferItem.unit).where(TransferItem.received_at.is_null())


def promised():
    """Units held by a booking at another centre, waiting to be sent there (a request still
    open carries the booking): lent and booked by nobody else meanwhile. The database refuses
    it too (bookings' migration 2026-12-06T00:40)."""
    # "transfer IS NOT NULL" tells PostgreSQL how few these are (without it, it sized a hash
    # for 100,000 reservations: 1.6 ms a query) and lets both use the partial index on it
    return Booking.select(Booking.unit).where(
        Booking.transfer.is_not_null() & (Booking.status == "reserved") & Booking.transfer.is_in(
            TransferRequest.select(TransferRequest.id).where(
                TransferRequest.status.is_in(list(OPEN_STATUSES)))))


async def free_units_on(tool_type_ids: Iterable[int], day: date) -> Counter[tuple[int, int]]:
    """Free units per (tool type, centre) on one day, in one query.

    Free: lendable (in circulation, latest inspection not failed nor overdue) and in no active
    booking that day."""
    return await free_units_between(tool_type_ids, day, day)


async def free_units_between(
    tool_type_ids: Iterable[int] | None, starts: date, ends: date, centre: int | None = None
) -> Counter[tuple[int, int]]:
    """Free units per (tool type, centre) for every day from `starts` to `ends`, in one query.

    `tool_type_ids` None means every active tool type; `centre` limits it to one centre.
    Lendable for the whole period: in circulation, latest inspection not failed, and the
    next inspection not due before the last day."""
    ids = None if tool_type_ids is None else list(tool_type_ids)
    if ids is not None and not ids:
        return Counter()
    busy = Booking.select(Booking.unit).where(
        Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.starts_on <= ends)
        & (Booking.ends_on >= starts)
    )
    condition = ((Unit.status == "available") & Unit.id.not_in(busy)
                 & Unit.id.not_in(on_the_road()) & Unit.id.not_in(promised()))
    if ids is None:
        condition &= Unit.tool_type.active.eq(True)
    else:
        condition &= Unit.tool_type.is_in(ids)
    if centre is not None:
        condition &= Unit.centre == centre
    rows = await Unit.select(
        Unit.tool_type,
        Unit.centre,
        Unit.status,
        Unit.last_inspected_on,
        Unit.last_inspection_result,
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
    ).where(condition)
    return Counter(
        (row["tool_type"], row["centre"])
        for row in rows
        if is_lendable(row["status"], row["last_inspected_on"], row["interval_days"], ends,
                       row["last_inspection_result"])
    )


async def lendable_units(tool_type_id: int, centre_id: int, through: date, *,
                         lock: bool = False) -> list[int]:
    """Units of a tool type at a centre that may be lent until `through`, by asset tag.

    `lock` (PostgreSQL, in a write transaction): hold these unit rows until it ends, so that
    bookers of the same tool type queue here, in asset tag order, rather than deadlock on the
    exclusion constraint (SQLite's writers already queue at BEGIN IMMEDIATE)."""
    query = Unit.select(
        Unit.id, Unit.status, Unit.last_inspected_on, Unit.last_inspection_result,
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
    ).where(
        (Unit.tool_type == tool_type_id) & (Unit.centre == centre_id)
        & (Unit.status == "available") & Unit.id.not_in(on_the_road())
        & Unit.id.not_in(promised())
    ).order_by(Unit.asset_tag)
    if lock and is_postgres():
        query = query.lock_rows(of=(Unit,))
    rows = await query
    return [
        row["id"] for row in rows
        if is_lendable(row["status"], row["last_inspected_on"], row["interval_days"], through,
                       row["last_inspection_result"])
    ]


async def active_periods(unit_ids: list[int], starts: date, ends: date
                         ) -> list[tuple[int, tuple[date, date]]]:
    """The active bookings of these units that touch the window."""
    if not unit_ids:
        return []
    rows = await Booking.select(Booking.unit, Booking.starts_on, Booking.ends_on).where(
        Booking.unit.is_in(unit_ids) & Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.starts_on <= ends) & (Booking.ends_on >= starts)
    )
    return [(row["unit"], (row["starts_on"], row["ends_on"])) for row in rows]
