"""Reading the catalogue: centres, categories and a page of tool types, in a fixed few queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory.rules import search_pattern
from inventory.tables import Category, Centre, ToolType

PER_PAGE = 24


@dataclass(frozen=True)
class ToolTypePage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def active_centres() -> list[dict[str, Any]]:
    return await Centre.select().where(Centre.active.eq(True)).order_by(Centre.id)


async def categories() -> list[dict[str, Any]]:
    return await Category.select().order_by(Category.position, Category.id)


async def search_tool_types(
    query: str = "", category: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> ToolTypePage:
    """Tool types whose name in any language contains the query, optionally in one category."""
    condition = ToolType.active.eq(True)
    pattern = search_pattern(query)
    if pattern:
        condition &= ToolType.search_text.like(pattern)
    if category:
        condition &= ToolType.category.slug == category
    total = await ToolType.count().where(condition)
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = (
        await ToolType.select(
            ToolType.all_columns(exclude=[ToolType.search_text]),
            ToolType.category.slug.as_alias("category_slug"),
            ToolType.category.name_ka.as_alias("category_name_ka"),
            ToolType.category.name_en.as_alias("category_name_en"),
            ToolType.required_skill.name_ka.as_alias("skill_name_ka"),
            ToolType.required_skill.name_en.as_alias("skill_name_en"),
        )
        .where(condition)
        .order_by(ToolType.category.position)
        .order_by(ToolType.name_ka)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return ToolTypePage(items=items, total=total, page=page, per_page=per_page)
