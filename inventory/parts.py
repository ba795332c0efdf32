"""Kits: a tool type's parts list (coordinators keep it on the tool type's manage page) and a
unit's own counts where it differs (staff, on the unit's page). The desk reads a unit's list
and writes down what did not come back through `kits`, inside its own transaction.

One transaction per public page or write function; the audit row lands with the change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from inventory import kits, part_rules
from inventory.services import Actor, Invalid, NotAllowed, NotFound, is_unique_violation
from inventory.tables import ToolType, ToolTypePart, Unit, UnitPart
from rental import audit
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.i18n import N_
from rental.kernel.values import MAX_INT, BadValue, money_input, parse_int

PART_FIELDS = ("name_ka", "name_en", "name_ru", "count", "replacement_cost", "position")


def _part_columns() -> tuple[Any, ...]:
    return (ToolTypePart.id, ToolTypePart.tool_type, ToolTypePart.name_ka,
            ToolTypePart.name_en, ToolTypePart.name_ru, ToolTypePart.quantity.as_alias("count"),
            ToolTypePart.replacement_cost, ToolTypePart.position)


async def _type_parts(tool_type_id: int) -> list[dict[str, Any]]:
    return await ToolTypePart.select(*_part_columns()).where(
        ToolTypePart.tool_type == tool_type_id).order_by(ToolTypePart.position).order_by(
        ToolTypePart.id)


async def _tool_type(tool_type_id: int) -> dict[str, Any]:
    tool = await ToolType.select(ToolType.id, ToolType.slug, ToolType.name_ka,
                                 ToolType.name_en, ToolType.name_ru).where(
        ToolType.id == tool_type_id).first()
    if tool is None:
        raise NotFound("tool_type")
    return tool


# --- a tool type's list (coordinators) -------------------------------------------------------


def _form_values(part: Mapping[str, Any]) -> dict[str, str]:
    """A part as its form shows it (the cost in GEL)."""
    return {"name_ka": part["name_ka"], "name_en": part["name_en"], "name_ru": part["name_ru"],
            "count": str(part["count"]), "position": str(part["position"]),
            "replacement_cost": money_input(part["replacement_cost"])}


async def parts_page(tool_type_id: int, *, errors: dict[str, Any] | None = None,
                     values: dict[str, Any] | None = None, editing: int | None = None
                     ) -> dict[str, Any]:
    """A tool type's parts, each with its form, and the form to add one (`errors`, `values`:
    a refused form drawn again, the part's (`editing`) or the new one's)."""
    async with read_transaction():
        tool = await _tool_type(tool_type_id)
        parts = await _type_parts(tool_type_id)
    forms = {part["id"]: _form_values(part) for part in parts}
    if editing in forms and values is not None:
        forms[editing] = values
    new = values if editing is None and values is not None else {"count": "1"}
    return {"tool": tool, "parts": parts, "forms": forms, "new": new,
            "errors": errors or {}, "editing": editing}


def _written(values: Mapping[str, Any]) -> dict[Any, Any]:
    return {getattr(ToolTypePart, "quantity" if name == "count" else name): values[name]
            for name in PART_FIELDS}


async def add_part(tool_type_id: int, form: Mapping[str, Any], *, actor: Actor,
                   now: datetime) -> int:
    values, errors = part_rules.clean_part(form)
    async with write_transaction():
        await _tool_type(tool_type_id)
        errors = {**part_rules.same_name(await _type_parts(tool_type_id), values), **errors}
        if errors:
            raise Invalid(errors)
        try:
            rows = await ToolTypePart.insert(ToolTypePart(
                tool_type=tool_type_id,
                **{k: v for k, v in values.items() if k != "count"}, quantity=values["count"],
            )).returning(ToolTypePart.id)
        except Exception as exc:  # a part of the same name added meanwhile
            if is_unique_violation(exc):
                raise Invalid({"name_en": N_(
                    "This tool type has a part with this name already.")}) from None
            raise
        part_id = rows[0]["id"]
        await audit.record("tool_type_part.create", "tool_type_part", part_id, now=now,
                           actor_id=actor.id, after={"tool_type": tool_type_id, **values})
    return part_id


async def _part(tool_type_id: int, part_id: int) -> dict[str, Any]:
    query = ToolTypePart.select(*_part_columns()).where(
        (ToolTypePart.id == part_id) & (ToolTypePart.tool_type == tool_type_id))
    if is_postgres():
        query = query.lock_rows()
    part = await query.first()
    if part is None:
        raise NotFound("tool_type_part")
    return part


async def change_part(tool_type_id: int, part_id: int, form: Mapping[str, Any], *,
                      actor: Actor, now: datetime) -> None:
    values, errors = part_rules.clean_part(form)
    async with write_transaction():
        before = await _part(tool_type_id, part_id)
        errors = {**part_rules.same_name(await _type_parts(tool_type_id), values, part_id),
                  **errors}
        if errors:
            raise Invalid(errors)
        try:
            await ToolTypePart.update(_written(values)).where(ToolTypePart.id == part_id)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Invalid({"name_en": N_(
                    "This tool type has a part with this name already.")}) from None
            raise
        await audit.record("tool_type_part.update", "tool_type_part", part_id, now=now,
                           actor_id=actor.id,
                           before={k: before[k] for k in PART_FIELDS}, after=values)


async def remove_part(tool_type_id: int, part_id: int, *, actor: Actor, now: datetime) -> None:
    """The part leaves the list, and every unit's own count of it; receipts keep what went
    out (they copy the names)."""
    async with write_transaction():
        before = await _part(tool_type_id, part_id)
        await UnitPart.delete().where(UnitPart.part == part_id)
        await ToolTypePart.delete().where(ToolTypePart.id == part_id)
        await audit.record("tool_type_part.delete", "tool_type_part", part_id, now=now,
                           actor_id=actor.id, before={k: before[k] for k in PART_FIELDS})


# --- a unit's own counts (staff of its centre) ------------------------------------------------


def read_counts(form: Mapping[str, Any], parts: list[Mapping[str, Any]]
                ) -> tuple[dict[int, int | None], dict[str, Any]]:
    """The unit form's counts ("count.<part id>"; empty: as the type's) -> (counts, errors)."""
    counts: dict[int, int | None] = {}
    errors: dict[str, Any] = {}
    for part in parts:
        raw = form.get(f"count.{part['id']}")
        text = raw.strip() if isinstance(raw, str) else ""
        try:
            number = parse_int(text, minimum=0, maximum=part_rules.MAX_COUNT, required=False)
        except BadValue as bad:
            errors[f"count.{part['id']}"] = bad.message
            continue
        counts[part["id"]] = None if number is None or number == part["type_count"] else number
    return counts, errors


async def set_unit_counts(unit_id: int, form: Mapping[str, Any], *, actor: Actor,
                          now: datetime) -> None:
    """Staff say how many of each part this unit has where it differs from its type."""
    if not 0 < unit_id <= MAX_INT:
        raise NotFound("unit")
    async with write_transaction():
        unit = await Unit.select(Unit.id, Unit.centre).where(Unit.id == unit_id).first()
        if unit is None:
            raise NotFound("unit")
        if not actor.can_act_for(unit["centre"]):
            raise NotAllowed()
        parts = (await kits.unit_parts([unit_id]))[unit_id]
        counts, errors = read_counts(form, parts)
        if errors:
            raise Invalid(errors)
        before = {str(p["id"]): p["count"] for p in parts}
        await kits.set_counts(unit_id, counts)
        after = {str(p["id"]): p["type_count"] if counts.get(p["id"]) is None
                 else counts[p["id"]] for p in parts}
        await audit.record("unit.parts", "unit", unit_id, now=now, actor_id=actor.id,
                           centre_id=unit["centre"], before=before, after=after)
