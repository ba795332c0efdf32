"""The public catalogue's reads, for the home page and the API: each owns one read
transaction and takes the date as an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bookings.catalogue.rules import booking_for, parse_period
from bookings.lending.availability import free_units_between
from inventory import catalogue
from rental.kernel.db import read_transaction
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.values import BadValue


@dataclass(frozen=True)
class CatalogueView:
    centres: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    tool_types: catalogue.Page
    # (tool type id, centre id) -> units free today, or for the whole period when one is given
    free: dict[tuple[int, int], int]
    centre: dict[str, Any] | None = None  # the centre the catalogue is limited to
    period: tuple[date, date] | None = None
    # (tool type id, centre id) where the centre has units in circulation: booked only there
    lent: frozenset[tuple[int, int]] = frozenset()

    @property
    def shown_centres(self) -> list[dict[str, Any]]:
        return [self.centre] if self.centre else self.centres

    def lent_at(self, tool_type_id: int) -> list[dict[str, Any]]:
        """The shown centres that lend this tool type (a booking link each)."""
        return [place for place in self.shown_centres if (tool_type_id, place["id"]) in self.lent]

    def free_at(self, tool_type_id: int) -> list[tuple[dict[str, Any], int]]:
        """The shown centres with a unit of this tool type free, and how many."""
        return [
            (place, n) for place in self.shown_centres
            if (n := self.free.get((tool_type_id, place["id"]), 0))
        ]


async def catalogue_view(
    *,
    query: str,
    category: str | None,
    page: int,
    today: date,
    centre: str | None = None,
    period: tuple[date, date] | None = None,
    per_page: int = catalogue.PER_PAGE,
) -> CatalogueView:
    """The public catalogue with free units per centre (today, or for every day of `period`),
    optionally at one centre (by code): at most seven queries whatever matches."""
    async with read_transaction():
        centres = await catalogue.active_centres()
        categories = await catalogue.categories()
        chosen = next((c for c in centres if c["code"] == centre), None) if centre else None
        centre_id = chosen["id"] if chosen else None
        only_ids = None
        if period is not None:
            free_then = await free_units_between(None, *period, centre=centre_id)
            only_ids = {tool_type for (tool_type, _centre), n in free_then.items() if n}
        tool_types = await catalogue.search_tool_types(
            query, category, page, per_page, centre=centre_id, only_ids=only_ids
        )
        starts, ends = period or (today, today)
        shown = [item["id"] for item in tool_types.items]
        free = await free_units_between(shown, starts, ends)
        lent = await catalogue.lent_where(shown)
    return CatalogueView(centres, categories, tool_types, dict(free), chosen, period, lent)


async def catalogue_page(*, query: str, category: str, centre: str, starts: str, ends: str,
                         page: int, member: int, asker: CurrentUser | None, today: date
                         ) -> dict[str, Any]:
    """The home page: the catalogue, its filters as typed, what is wrong with them (the
    catalogue is shown all the same) and the member the desk books for."""
    errors: dict[str, Any] = {}
    try:
        period = parse_period(starts, ends, today)
    except BadValue as bad:
        errors["period"], period = bad.message, None
    view = await catalogue_view(query=query, category=category or None, page=page, today=today,
                                centre=centre or None, period=period)
    if centre and view.centre is None:
        errors["centre"] = N_("There is no such centre.")
    return {"view": view, "q": query, "category": category, "today": today, "centre": centre,
            "starts": starts, "ends": ends, "errors": errors,
            "for_member": booking_for(member, asker)}


async def tool_type_view(
    tool_type_id: int, today: date
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[tuple[int, int], int]] | None:
    """One tool type, the active centres and its units free today: three queries."""
    async with read_transaction():
        item = await catalogue.tool_type(tool_type_id)
        if item is None:
            return None
        centres = await catalogue.active_centres()
        free = await free_units_between([tool_type_id], today, today)
    return item, centres, dict(free)
