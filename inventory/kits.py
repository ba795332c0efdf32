"""A unit's parts list as the desk and the unit page read it (its type's parts with the unit's
own counts), and the unit's counts written down, inside the caller's transaction. Below the
services (which import it for the unit page); the pages' services are in `parts`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory import part_rules
from inventory.tables import Unit, UnitPart

_UNIT_PARTS_SQL = """
SELECT unit.id AS unit, part.id AS id, part.name_ka AS name_ka, part.name_en AS name_en,
       part.name_ru AS name_ru, part.quantity AS count,
       part.replacement_cost AS replacement_cost,
       part.position AS position, own.quantity AS own
FROM unit
JOIN tool_type_part AS part ON part.tool_type = unit.tool_type
LEFT JOIN unit_part AS own ON own.unit = unit.id AND own.part = part.id
WHERE unit.id IN ({ids})
ORDER BY unit.id, part.position, part.id
"""


async def unit_parts(unit_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each unit's parts list (its type's, with the unit's own counts), by unit id, in ONE
    query (inside the caller's transaction); a unit of a type without parts: []."""
    ids = sorted({int(unit) for unit in unit_ids})
    found: dict[int, list[dict[str, Any]]] = {unit: [] for unit in ids}
    if not ids:
        return found
    rows = await Unit.raw(_UNIT_PARTS_SQL.format(ids=", ".join("{}" for _ in ids)), *ids)
    by_unit: dict[int, list[dict[str, Any]]] = {}
    overrides: dict[int, dict[int, int]] = {}
    for row in rows:
        by_unit.setdefault(row["unit"], []).append(row)
        if row["own"] is not None:
            overrides.setdefault(row["unit"], {})[row["id"]] = row["own"]
    for unit, parts in by_unit.items():
        found[unit] = part_rules.effective_parts(
            [{k: v for k, v in part.items() if k not in ("unit", "own")} for part in parts],
            overrides.get(unit, {}))
    return found


async def set_counts(unit_id: int, counts: Mapping[int, int | None]) -> None:
    """The unit's own counts (None: as its type's) inside the caller's transaction."""
    if not counts:
        return
    await UnitPart.delete().where((UnitPart.unit == unit_id)
                                  & UnitPart.part.is_in(list(counts)))
    kept = [UnitPart(unit=unit_id, part=part, quantity=count)
            for part, count in counts.items() if count is not None]
    if kept:
        await UnitPart.insert(*kept)


async def record_missing(unit_id: int, counts: Mapping[int, int]) -> None:
    """What a unit has left of the parts that did not come back (inside the desk's
    transaction)."""
    await set_counts(unit_id, counts)
