"""Reading the unit register: a unit with its history, a page of units, inspections due.
Each reader does a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from inventory.catalogue import Page, clamp_page, name_matches
from inventory.rules import (
    inspection_due_on,
    inspection_state,
    normalise_asset_tag,
)
from inventory.tables import Inspection, MaintenanceTicket, Unit, UnitEvent
from rental.kernel.db import read_transaction
from rental.kernel.values import MAX_INT
from rental.tables import Centre

PER_PAGE = 50


def _unit_columns() -> list[Any]:
    return [
        *Unit.all_columns(),
        Unit.tool_type.name_ka.as_alias("tool_name_ka"),
        Unit.tool_type.name_en.as_alias("tool_name_en"),
        Unit.tool_type.name_ru.as_alias("tool_name_ru"),
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
        Unit.centre.code.as_alias("centre_code"),
        Unit.centre.name_ka.as_alias("centre_name_ka"),
        Unit.centre.name_en.as_alias("centre_name_en"),
        Unit.centre.name_ru.as_alias("centre_name_ru"),
        Unit.centre.timezone.as_alias("centre_timezone"),
    ]


def _with_inspection(unit: dict[str, Any], today: date, soon_days: int = 14) -> dict[str, Any]:
    unit["inspection_due_on"] = inspection_due_on(unit["last_inspected_on"], unit["interval_days"])
    unit["inspection_state"] = inspection_state(
        unit["last_inspected_on"], unit["interval_days"], unit["last_inspection_result"], today,
        soon_days,
    )
    return unit


@dataclass(frozen=True)
class UnitPage:
    unit: dict[str, Any]
    events: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    centres: list[dict[str, Any]]

    @property
    def open_ticket(self) -> dict[str, Any] | None:
        return next((t for t in self.tickets if t["resolved_at"] is None), None)


async def unit_page(unit_id: int, today: date) -> UnitPage | None:
    """A unit with its whole history: five queries."""
    async with read_transaction():
        unit = await Unit.select(*_unit_columns()).where(Unit.id == unit_id).first()
        if unit is None:
            return None
        events = await UnitEvent.select().where(UnitEvent.unit == unit_id).order_by(
            UnitEvent.at, ascending=False
        ).order_by(UnitEvent.id, ascending=False)
        tickets = await MaintenanceTicket.select().where(
            MaintenanceTicket.unit == unit_id
        ).order_by(MaintenanceTicket.opened_at, ascending=False)
        inspections = await Inspection.select().where(Inspection.unit == unit_id).order_by(
            Inspection.inspected_on, ascending=False
        ).order_by(Inspection.id, ascending=False)
        centres = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                      Centre.name_ru).where(Centre.active.eq(True)
                                                            ).order_by(Centre.id)
    return UnitPage(_with_inspection(unit, today), events, tickets, inspections, centres)


async def unit_id_for_tag(code: str) -> int | None:
    """A scanned or typed asset tag (any case, spaces around) -> the unit's id."""
    tag = normalise_asset_tag(code)
    if tag is None:
        return None
    row = await Unit.select(Unit.id).where(Unit.asset_tag == tag).first()
    return row["id"] if row else None


async def unit_centre(unit_id: int) -> int | None:
    """The centre a unit is kept at (None: no such unit), for a route's guard, which asks
    before any bounds are checked."""
    if not 1 <= unit_id <= MAX_INT:
        return None
    async with read_transaction():
        row = await Unit.select(Unit.centre).where(Unit.id == unit_id).first()
    return row["centre"] if row else None


async def unit_row(unit_id: int, today: date) -> dict[str, Any] | None:
    """One unit as the register lists it."""
    row = await Unit.select(*_unit_columns()).where(Unit.id == unit_id).first()
    return None if row is None else _with_inspection(row, today)


async def ticket_unit(ticket_id: int) -> int | None:
    row = await MaintenanceTicket.select(MaintenanceTicket.unit).where(
        MaintenanceTicket.id == ticket_id
    ).first()
    return row["unit"] if row else None


async def units(
    *, today: date, centre: int | None = None, status: str | None = None,
    tool_type: int | None = None, query: str = "", page: int = 1, per_page: int = PER_PAGE,
) -> Page:
    condition = Unit.id.is_not_null()
    if centre:
        condition &= Unit.centre == centre
    if status:
        condition &= Unit.status == status
    if tool_type:
        condition &= Unit.tool_type == tool_type
    tag = normalise_asset_tag(query) if query else None
    if tag:
        condition &= Unit.asset_tag == tag
    elif (by_name := name_matches(query, Unit.tool_type.search_text)) is not None:
        condition &= by_name
    async with read_transaction():
        total = await Unit.count().where(condition)
        page = clamp_page(page, total, per_page)
        rows = await Unit.select(*_unit_columns()).where(condition).order_by(
            Unit.centre, Unit.asset_tag
        ).limit(per_page).offset((page - 1) * per_page)
    return Page([_with_inspection(row, today) for row in rows], total, page, per_page)


async def units_by_ids(ids: Iterable[int]) -> list[dict[str, Any]]:
    wanted = list(ids)
    if not wanted:
        return []
    return await Unit.select(*_unit_columns()).where(Unit.id.is_in(wanted)).order_by(
        Unit.asset_tag
    )


async def inspections_due(*, today: date, centre_ids: set[int] | None,
                          within_days: int = 14) -> dict[int, list[dict[str, Any]]]:
    """Units in circulation whose inspection is failed, overdue or due within `within_days`,
    per centre id; `centre_ids` None means every centre. One query."""
    condition = Unit.tool_type.inspection_interval_days.is_not_null() & Unit.status.is_in(
        ["available", "maintenance"]
    )
    if centre_ids is not None:
        condition &= Unit.centre.is_in(list(centre_ids) or [-1])
    rows = await Unit.select(*_unit_columns()).where(condition).order_by(Unit.asset_tag)
    due: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        unit = _with_inspection(row, today, within_days)
        if unit["inspection_state"] in ("failed", "overdue", "due_soon"):
            due.setdefault(unit["centre"], []).append(unit)
    for items in due.values():
        items.sort(key=lambda u: (u["inspection_due_on"] or date.min, u["asset_tag"]))
    return due
