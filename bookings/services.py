"""Bookings services: each owns one transaction and takes the date or time as an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bookings.availability import free_units_on
from inventory import catalogue
from inventory.db import read_transaction


@dataclass(frozen=True)
class CatalogueView:
    centres: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    tool_types: catalogue.ToolTypePage
    free: dict[tuple[int, int], int]  # (tool type id, centre id) -> units free today


async def catalogue_view(
    *, query: str, category: str | None, page: int, today: date
) -> CatalogueView:
    """The public catalogue with today's free units per centre: five queries whatever matches."""
    async with read_transaction():
        centres = await catalogue.active_centres()
        categories = await catalogue.categories()
        tool_types = await catalogue.search_tool_types(query, category, page)
        free = await free_units_on((item["id"] for item in tool_types.items), today)
    return CatalogueView(centres, categories, tool_types, dict(free))
