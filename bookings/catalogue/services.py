"""The public catalogue's reads, for the home page and the API: each owns one read
transaction and takes the date as an argument."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bookings.catalogue.rules import booking_for, card_centres, parse_period
from bookings.lending.availability import free_units_between
from bookings.tables import Booking
from inventory import catalogue
from rental.kernel.db import is_postgres, read_transaction
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.values import BadValue
from rental.kernel.versioned_cache import VersionedCache


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
    reader_centre: int | None = None  # the centre chosen, or the reader's home centre
    version: int | None = None  # the catalogue's version these rows were read at

    @property
    def shown_centres(self) -> list[dict[str, Any]]:
        return [self.centre] if self.centre else self.centres

    def cards(self) -> list[tuple[dict[str, Any], Card]]:
        """The page's tool types, each with its card's centres."""
        by_id = {place["id"]: place for place in self.centres}
        return [(item, self.card(item["id"], by_id)) for item in self.tool_types.items]

    def card(self, tool_type_id: int, by_id: dict[int, dict[str, Any]]) -> Card:
        """The centres one tool type's card names, with their units free, and the rest
        (`by_id`: the active centres by id)."""
        lending = [place["id"] for place in self.centres
                   if (tool_type_id, place["id"]) in self.lent]
        free = {place: self.free.get((tool_type_id, place), 0) for place in lending}
        chosen = card_centres(lending, free, self.reader_centre)
        return Card([(by_id[place], free[place]) for place in chosen.shown],
                    [by_id[place] for place in chosen.others], by_id.get(self.reader_centre))


@dataclass(frozen=True)
class Card:
    shown: list[tuple[dict[str, Any], int]]  # centre, units free (today or the whole period)
    others: list[dict[str, Any]]  # the other centres that lend it, most units free first
    reader_centre: dict[str, Any] | None  # the reader's centre, whether it lends it or not


# the catalogue as read for the last 32 searches, while nothing it shows changes: with the
# cards kept (rental.kernel.versioned_cache.RENDERED) 6 MB a worker at most, measured
READ = VersionedCache(32)


async def catalogue_version() -> int | None:
    """The token the database changes with anything the catalogue shows (bookings' migration
    2026-12-06T06:50); None where there is none to read."""
    rows = await Booking.raw("SELECT token FROM catalogue_version")
    return rows[0]["token"] if rows else None


async def new_catalogue_version() -> None:
    """A token never used before, as if the catalogue had changed: a restored backup brings
    back its own, which a worker may have kept rows under that were read just after it."""
    random = "floor(random() * 9007199254740991)::bigint" if is_postgres() else "random()"
    await Booking.raw(f"UPDATE catalogue_version SET token = {random}")


async def catalogue_view(
    *,
    query: str,
    category: str | None,
    page: int,
    today: date,
    centre: str | None = None,
    period: tuple[date, date] | None = None,
    per_page: int = catalogue.PER_PAGE,
    home_centre: int | None = None,
) -> CatalogueView:
    """The public catalogue with free units per centre (today, or for every day of `period`),
    optionally at one centre (by code): one query when this worker read the same since the
    catalogue last changed, else at most eight whatever matches."""
    version = await catalogue_version()
    key = (query, category, page, today, centre, period, per_page)
    view = READ.get(version, key)
    if view is None:
        # read after the version: what is kept is at least as new as the version says
        view = await _read_catalogue(query=query, category=category, page=page, today=today,
                                     centre=centre, period=period, per_page=per_page)
        view = replace(view, version=version)
        READ.put(version, key, view)
    chosen = view.centre["id"] if view.centre else None
    reader = chosen or (home_centre if any(c["id"] == home_centre for c in view.centres)
                        else None)
    return replace(view, reader_centre=reader)


async def _read_catalogue(*, query: str, category: str | None, page: int, today: date,
                          centre: str | None, period: tuple[date, date] | None, per_page: int
                          ) -> CatalogueView:
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
                                centre=centre or None, period=period,
                                home_centre=asker.home_centre if asker else None)
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
