"""Reading the catalogue: centres, categories and a page of tool types, in a fixed few queries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from piccolo.querystring import QueryString

from inventory import csvfiles
from inventory.rules import normalise_asset_tag
from inventory.search_rules import query_terms, screen
from inventory.tables import (
    IN_CIRCULATION,
    Category,
    MaintenanceTicket,
    Skill,
    ToolType,
    ToolTypePart,
    Unit,
)
from rental.tables import Centre

PER_PAGE = 24


@dataclass(frozen=True)
class Page:
    """One page of a longer list, with what the pagination links need."""

    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    """A page number that exists: past the last page shows the last one."""
    return max(1, min(page, page_count(total, per_page)))


async def active_centres() -> list[dict[str, Any]]:
    return await Centre.select().where(Centre.active.eq(True)).order_by(Centre.id)


async def categories() -> list[dict[str, Any]]:
    return await Category.select().order_by(Category.position, Category.id)


async def lent_where(tool_type_ids: list[int]) -> frozenset[tuple[int, int]]:
    """(tool type, centre) pairs where the centre has units of it in circulation."""
    rows = await Unit.select(Unit.tool_type, Unit.centre).where(
        Unit.tool_type.is_in(tool_type_ids or [-1]) & Unit.status.is_in(list(IN_CIRCULATION))
    ).distinct()
    return frozenset((row["tool_type"], row["centre"]) for row in rows)


async def search_tool_types(
    query: str = "",
    category: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    centre: int | None = None,
    only_ids: Collection[int] | None = None,
) -> Page:
    """Tool types whose names in any language have every word of the query in any of its forms
    (inventory.search_rules), or with a unit of that asset tag; optionally in one category,
    kept at one centre, or among `only_ids`. One query, but for a page past the last."""
    condition = ToolType.active.eq(True)
    by_name = name_matches(query)
    if by_name is not None:
        tag = normalise_asset_tag(query)
        if tag:
            by_name |= ToolType.id.is_in(
                Unit.select(Unit.tool_type).where(Unit.asset_tag == tag)
            )
        condition &= by_name
    if category:
        condition &= ToolType.category.slug == category
    if centre is not None:
        condition &= ToolType.id.is_in(
            Unit.select(Unit.tool_type).where(
                (Unit.centre == centre) & Unit.status.is_in(list(IN_CIRCULATION))
            )
        )
    if only_ids is not None:
        condition &= ToolType.id.is_in(list(only_ids) or [-1])
    items = await _catalogue_page(condition, page, per_page)
    if not items and page > 1:  # past the last page: the last one
        page = clamp_page(page, await ToolType.count().where(condition), per_page)
        items = await _catalogue_page(condition, page, per_page)
    total = items[0]["total"] if items else 0
    for item in items:
        del item["total"]
    return Page(items=items, total=total, page=page, per_page=per_page)


async def _catalogue_page(condition: Any, page: int, per_page: int) -> list[dict[str, Any]]:
    """One page of tool types, each row with the number of all that match (`total`): one scan
    of the names instead of a count and a page (a search keystroke runs this)."""
    return await (
        ToolType.select(*_catalogue_columns(), QueryString("COUNT(*) OVER () AS total"))
        .where(condition)
        .order_by(ToolType.category.position)
        .order_by(ToolType.name_ka)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )


def name_matches(query: str, search_text: Any = ToolType.search_text) -> Any | None:
    """The condition that a tool type's search text answers the query: every word of it, in
    one of its forms, begins or is held in a word of the names (None: the query has no words).
    `search_text`: the column, reached from another table (a unit's tool type) if need be."""
    terms = query_terms(query)
    if not terms:
        return None
    condition = None
    for term in terms:
        either = reduce(or_, (search_text.like(pattern) for pattern in term))
        if first := screen(term):
            either = search_text.like(first) & either
        condition = either if condition is None else condition & either
    return condition


def _catalogue_columns() -> list[Any]:
    """A tool type as the catalogue shows it: with its category's and skill's names."""
    return [
        ToolType.all_columns(exclude=[ToolType.search_text]),
        ToolType.category.slug.as_alias("category_slug"),
        ToolType.category.name_ka.as_alias("category_name_ka"),
        ToolType.category.name_en.as_alias("category_name_en"),
        ToolType.category.name_ru.as_alias("category_name_ru"),
        ToolType.required_skill.slug.as_alias("skill_slug"),
        ToolType.required_skill.name_ka.as_alias("skill_name_ka"),
        ToolType.required_skill.name_en.as_alias("skill_name_en"),
        ToolType.required_skill.name_ru.as_alias("skill_name_ru"),
    ]


async def all_tool_types(query: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Every tool type, active or not, for the coordinators' list: two queries."""
    condition = ToolType.id.is_not_null()
    by_name = name_matches(query)
    if by_name is not None:
        condition &= by_name
    total = await ToolType.count().where(condition)
    page = clamp_page(page, total, per_page)
    items = (
        await ToolType.select(
            ToolType.id, ToolType.slug, ToolType.name_ka, ToolType.name_en, ToolType.name_ru,
            ToolType.daily_fee, ToolType.deposit, ToolType.active,
            ToolType.inspection_interval_days,
            ToolType.category.name_ka.as_alias("category_name_ka"),
            ToolType.category.name_en.as_alias("category_name_en"),
            ToolType.category.name_ru.as_alias("category_name_ru"),
        )
        .where(condition)
        .order_by(ToolType.name_ka)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(items=items, total=total, page=page, per_page=per_page)


async def choices() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Categories and skills for the tool type form."""
    skills = await Skill.select(Skill.id, Skill.name_ka, Skill.name_en, Skill.name_ru
                                ).order_by(Skill.id)
    return await categories(), skills


async def tool_type_choices() -> list[dict[str, Any]]:
    return await ToolType.select(ToolType.id, ToolType.name_ka, ToolType.name_en,
                                 ToolType.name_ru).where(
        ToolType.active.eq(True)
    ).order_by(ToolType.name_ka)


async def tool_type(tool_type_id: int) -> dict[str, Any] | None:
    """One active tool type with its category and skill names, as the catalogue shows it."""
    return (
        await ToolType.select(
            *_catalogue_columns(),
        )
        .where((ToolType.id == tool_type_id) & ToolType.active.eq(True))
        .first()
    )


async def media_in_use(name: str) -> bool:
    """Whether a tool type (photo or manual) or a maintenance ticket names this media file."""
    if await ToolType.exists().where(
        (ToolType.photo == name) | (ToolType.manual_url == "/media/" + name)
    ):
        return True
    return await MaintenanceTicket.exists().where(MaintenanceTicket.photo == name)


async def known_for_import() -> csvfiles.Known:
    """What a CSV import is checked against: six queries."""
    categories = await Category.select(Category.id, Category.slug)
    skills = await Skill.select(Skill.id, Skill.slug)
    centres = await Centre.select(Centre.id, Centre.code)
    tool_types = await ToolType.select(ToolType.id, ToolType.slug)
    tags = await Unit.select(Unit.asset_tag)
    part_names: dict[str, set[str]] = {}
    for part in await ToolTypePart.select(ToolTypePart.tool_type.slug.as_alias("slug"),
                                          ToolTypePart.name_ka, ToolTypePart.name_en):
        part_names.setdefault(part["slug"], set()).update((part["name_ka"], part["name_en"]))
    return csvfiles.Known(
        categories={r["slug"]: r["id"] for r in categories},
        skills={r["slug"]: r["id"] for r in skills},
        centres={r["code"]: r["id"] for r in centres},
        tool_types={r["slug"]: r["id"] for r in tool_types},
        asset_tags=frozenset(r["asset_tag"] for r in tags),
        part_names={slug: frozenset(names) for slug, names in part_names.items()},
    )


async def export_tool_types() -> bytes:
    """The whole catalogue (active or not) as CSV, each tool type's parts on rows of their own
    after it: two queries."""
    rows = await ToolType.select(
        ToolType.all_columns(exclude=[ToolType.search_text]),
        ToolType.category.slug.as_alias("category_slug"),
        ToolType.required_skill.slug.as_alias("skill_slug"),
    ).order_by(ToolType.slug)
    parts: dict[int, list[dict[str, Any]]] = {}
    for part in await ToolTypePart.select(
            *ToolTypePart.all_columns(), ToolTypePart.quantity.as_alias("count"),
            ToolTypePart.tool_type.slug.as_alias("tool_type_slug"),
    ).order_by(ToolTypePart.position).order_by(ToolTypePart.id):
        parts.setdefault(part["tool_type"], []).append(part)
    lines: list[dict[str, Any]] = []
    for row in rows:
        lines.append(csvfiles.tool_type_row(row))
        lines.extend(map(csvfiles.part_row, parts.get(row["id"], [])))
    return csvfiles.to_csv(csvfiles.CATALOGUE_COLUMNS, lines)


async def export_units() -> bytes:
    """The unit register of every centre as CSV: one query."""
    rows = await Unit.select(
        *Unit.all_columns(),
        Unit.tool_type.slug.as_alias("tool_type_slug"),
        Unit.tool_type.name_ka.as_alias("tool_name_ka"),
        Unit.centre.code.as_alias("centre_code"),
    ).order_by(Unit.asset_tag)
    return csvfiles.to_csv((*csvfiles.UNIT_COLUMNS, *csvfiles.UNIT_EXPORT_EXTRA),
                           map(csvfiles.unit_row, rows))
