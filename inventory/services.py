"""Inventory services: each owns one write transaction, takes `now`/`today` as arguments and
raises the domain errors below. The audit log lives above inventory (in rental): callers pass
its recorder as `audit`, and it is called inside the transaction, so the entry lands with the
change or not at all.

`actor` is the signed-in user (duck-typed: `.id`, `.can_act_for(centre_id)`): desk staff act
only on units of their own centres, coordinators and admins on all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Protocol

from inventory import catalogue, csvfiles
from inventory.rules import asset_tag, asset_tag_number
from inventory.tables import (
    Category,
    Inspection,
    MaintenanceTicket,
    Skill,
    ToolType,
    Unit,
    UnitEvent,
)
from rental.kernel.db import is_postgres, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.tables import Centre

Audit = Callable[..., Awaitable[None]]


class Actor(Protocol):
    id: int

    def can_act_for(self, centre_id: int) -> bool: ...


class InventoryError(DomainError):
    """The base of inventory's refusals."""


class NotFound(InventoryError):
    def __init__(self, what: str = "") -> None:
        super().__init__("not_found", {"form": N_("There is no page at this address.")})
        self.what = what


class NotAllowed(InventoryError):
    """The actor may not act for this unit's centre."""

    def __init__(self) -> None:
        super().__init__("forbidden", {"form": N_("You do not have access to this page.")})


class Invalid(InventoryError):
    """Bad values, reported next to their fields: {field: message id}."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid", errors)


class Refused(InventoryError):
    """A valid request the unit's state does not allow; `message` is a message id, shown at
    `field` (the form's re-rendered with it, as for bad values)."""

    def __init__(self, message: str, field: str = "form"):
        super().__init__("invalid", {field: message})
        self.message = message
        self.field = field


def is_unique_violation(exc: BaseException) -> bool:
    return "unique" in str(exc).lower() or type(exc).__name__ == "UniqueViolationError"


# --- centres, categories, skills, tool types -------------------------------------------------


async def _save(
    table: type, values: dict[str, Any], record_id: int | None, *, unique: str,
    unique_message: str, actor: Actor, now: datetime, audit: Audit, extra_new: dict | None = None,
) -> int:
    """Insert or update one catalogue row whose `unique` column must stay unique."""
    column = getattr(table, unique)
    entity = table._meta.tablename
    async with write_transaction():
        before = None
        if record_id is not None:
            before = await table.select().where(table.id == record_id).first()
            if before is None:
                raise NotFound(entity)
        if unique in values:
            clash = table.exists().where(column == values[unique])
            if record_id is not None:
                clash = clash.where(table.id != record_id)
            if await clash:
                raise Invalid({unique: unique_message})
        if record_id is None:
            row = table(**values, **(extra_new or {}))
            record_id = (await table.insert(row).returning(table.id))[0]["id"]
            await audit(f"{entity}.create", entity, record_id, now=now, actor_id=actor.id,
                        after=_jsonable(values))
        else:
            await table.update({getattr(table, k): v for k, v in values.items()}).where(
                table.id == record_id
            )
            changed = {k: v for k, v in values.items() if before.get(k) != v}
            if changed:
                await audit(f"{entity}.update", entity, record_id, now=now, actor_id=actor.id,
                            before=_jsonable({k: before.get(k) for k in changed}),
                            after=_jsonable(changed))
    return record_id


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else v
        for k, v in values.items()
        if k != "search_text"
    }


async def save_centre(values: dict[str, Any], centre_id: int | None = None, *, actor: Actor,
                      now: datetime, audit: Audit) -> int:
    return await _save(Centre, values, centre_id, unique="code",
                       unique_message=N_("A centre with this code exists already."),
                       actor=actor, now=now, audit=audit, extra_new={"created_at": now})


async def save_category(values: dict[str, Any], category_id: int | None = None, *,
                        actor: Actor, now: datetime, audit: Audit) -> int:
    return await _save(Category, values, category_id, unique="slug",
                       unique_message=N_("This short name is taken."),
                       actor=actor, now=now, audit=audit)


async def save_skill(values: dict[str, Any], skill_id: int | None = None, *, actor: Actor,
                     now: datetime, audit: Audit) -> int:
    return await _save(Skill, values, skill_id, unique="slug",
                       unique_message=N_("This short name is taken."),
                       actor=actor, now=now, audit=audit)


async def save_tool_type(values: dict[str, Any], tool_type_id: int | None = None, *,
                         actor: Actor, now: datetime, audit: Audit) -> int:
    return await _save(ToolType, values, tool_type_id, unique="slug",
                       unique_message=N_("This short name is taken."),
                       actor=actor, now=now, audit=audit, extra_new={"created_at": now})


# --- units -----------------------------------------------------------------------------------


async def _next_asset_tag(centre_id: int) -> str:
    """The next free tag of a centre. The counter row is updated first, so on PostgreSQL a
    second writer waits for the first to commit; SQLite writers queue at BEGIN IMMEDIATE."""
    rows = await Centre.update({Centre.asset_seq: Centre.asset_seq + 1}).where(
        Centre.id == centre_id
    ).returning(Centre.asset_seq, Centre.code)
    code, number = rows[0]["code"], rows[0]["asset_seq"]
    tag = asset_tag(code, number)
    if await Unit.exists().where(Unit.asset_tag == tag):
        # tags made elsewhere (the demo seed, an import): continue after the highest one
        tags = await Unit.select(Unit.asset_tag).where(Unit.asset_tag.like(f"{code}-%"))
        number = 1 + max(
            (n for row in tags if (n := asset_tag_number(row["asset_tag"], code)) is not None),
            default=0,
        )
        await Centre.update({Centre.asset_seq: number}).where(Centre.id == centre_id)
        tag = asset_tag(code, number)
    return tag


async def _event(unit_id: int, kind: str, *, actor: Actor, now: datetime, from_value: str = "",
                 to_value: str = "", note: str = "") -> None:
    await UnitEvent.insert(UnitEvent(unit=unit_id, at=now, actor=actor.id, kind=kind,
                                     from_value=from_value[:40], to_value=to_value[:40],
                                     note=note))


async def _unit_for(unit_id: int, actor: Actor) -> dict[str, Any]:
    query = Unit.select().where(Unit.id == unit_id)
    if is_postgres():
        query = query.lock_rows()
    unit = await query.first()
    if unit is None:
        raise NotFound("unit")
    if not actor.can_act_for(unit["centre"]):
        raise NotAllowed()
    return unit


async def add_unit(values: dict[str, Any], *, actor: Actor, now: datetime,
                   audit: Audit) -> tuple[int, str]:
    """A new unit of a tool type at a centre, with the centre's next asset tag."""
    if not actor.can_act_for(values["centre"]):
        raise NotAllowed()
    async with write_transaction():
        if not await Centre.exists().where(Centre.id == values["centre"]):
            raise Invalid({"centre": N_("Choose one of the options.")})
        if not await ToolType.exists().where(ToolType.id == values["tool_type"]):
            raise Invalid({"tool_type": N_("Choose one of the options.")})
        tag = await _next_asset_tag(values["centre"])
        rows = await Unit.insert(
            Unit(**values, asset_tag=tag, status="available", created_at=now)
        ).returning(Unit.id)
        unit_id = rows[0]["id"]
        await _event(unit_id, "created", actor=actor, now=now, to_value=tag)
        await audit("unit.create", "unit", unit_id, now=now, actor_id=actor.id,
                    centre_id=values["centre"], after={"asset_tag": tag, **_jsonable(values)})
    return unit_id, tag


STATUS_CHOICES = ("available", "maintenance", "retired", "lost")


async def change_unit_status(unit_id: int, status: str, reason: str, *, actor: Actor,
                             now: datetime, audit: Audit) -> None:
    if status not in STATUS_CHOICES:
        raise Invalid({"status": N_("Choose one of the options.")})
    reason = " ".join(reason.split())
    if status == "retired" and not reason:
        raise Invalid({"reason": N_("Say why the unit is retired.")})
    if len(reason) > 300:
        raise Invalid({"reason": (N_("Use at most %(max)s characters."), {"max": 300})})
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        if unit["status"] == status:
            raise Refused(N_("The unit already has this status."), "status")
        if await MaintenanceTicket.exists().where(
            (MaintenanceTicket.unit == unit_id) & MaintenanceTicket.resolved_at.is_null()
        ):
            raise Refused(N_("This unit has an open maintenance ticket: resolve it first."),
                          "status")
        await Unit.update(
            {Unit.status: status, Unit.status_reason: reason if status != "available" else ""}
        ).where(Unit.id == unit_id)
        await _event(unit_id, "status", actor=actor, now=now, from_value=unit["status"],
                     to_value=status, note=reason)
        await audit("unit.status", "unit", unit_id, now=now, actor_id=actor.id,
                    centre_id=unit["centre"], before={"status": unit["status"]},
                    after={"status": status, "reason": reason})


async def transfer_unit(unit_id: int, centre_id: int, *, actor: Actor, now: datetime,
                        audit: Audit) -> None:
    """Move a unit to another centre; refused while it is reserved or out on loan (the
    database keeps every open booking's unit at the booking's centre)."""
    try:
        await _transfer(unit_id, centre_id, actor=actor, now=now, audit=audit)
    except InventoryError:
        raise
    except Exception as exc:
        if "booking_unit_at_its_centre" not in str(exc):
            raise
        raise Refused(N_("This unit is reserved or out on loan at its centre: transfer it "
                         "when its bookings have ended, or after they are cancelled."),
                      "centre") from None


async def _transfer(unit_id: int, centre_id: int, *, actor: Actor, now: datetime,
                    audit: Audit) -> None:
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        target = await Centre.select(Centre.id, Centre.code).where(
            (Centre.id == centre_id) & Centre.active.eq(True)
        ).first()
        if target is None:
            raise Invalid({"centre": N_("Choose one of the options.")})
        if target["id"] == unit["centre"]:
            raise Invalid({"centre": N_("The unit is at this centre already.")})
        source = await Centre.select(Centre.code).where(Centre.id == unit["centre"]).first()
        await Unit.update({Unit.centre: centre_id}).where(Unit.id == unit_id)
        await _event(unit_id, "transfer", actor=actor, now=now, from_value=source["code"],
                     to_value=target["code"])
        await audit("unit.transfer", "unit", unit_id, now=now, actor_id=actor.id,
                    centre_id=unit["centre"], before={"centre": unit["centre"]},
                    after={"centre": centre_id})


# --- maintenance tickets ---------------------------------------------------------------------


async def open_ticket(unit_id: int, description: str, *, photo: str = "", actor: Actor,
                      now: datetime, audit: Audit) -> int:
    """Take a unit out of circulation for repair; at most one open ticket per unit."""
    description = description.strip()
    if not description:
        raise Invalid({"description": N_("Describe what is wrong.")})
    if len(description) > 5000:
        raise Invalid({"description": (N_("Use at most %(max)s characters."), {"max": 5000})})
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        if unit["status"] in ("retired", "lost"):
            raise Refused(N_("A retired or lost unit cannot be repaired."))
        if await MaintenanceTicket.exists().where(
            (MaintenanceTicket.unit == unit_id) & MaintenanceTicket.resolved_at.is_null()
        ):
            raise Refused(N_("This unit has an open maintenance ticket already."))
        rows = await MaintenanceTicket.insert(
            MaintenanceTicket(unit=unit_id, opened_at=now, opened_by=actor.id,
                              description=description, photo=photo)
        ).returning(MaintenanceTicket.id)
        ticket_id = rows[0]["id"]
        await Unit.update({Unit.status: "maintenance", Unit.status_reason: ""}).where(
            Unit.id == unit_id
        )
        await _event(unit_id, "ticket_opened", actor=actor, now=now,
                     from_value=unit["status"], to_value="maintenance", note=description)
        await audit("ticket.open", "maintenance_ticket", ticket_id, now=now, actor_id=actor.id,
                    centre_id=unit["centre"], before={"status": unit["status"]},
                    after={"unit": unit_id, "status": "maintenance",
                           "description": description})
    return ticket_id


async def resolve_ticket(ticket_id: int, *, work_notes: str, parts_cost: int, outcome: str,
                         actor: Actor, now: datetime, audit: Audit) -> int:
    """Close a ticket: repaired -> the unit is available again, beyond repair -> retired.
    Returns the unit id."""
    if outcome not in ("repaired", "beyond_repair"):
        raise Invalid({"outcome": N_("Choose one of the options.")})
    work_notes = work_notes.strip()
    if len(work_notes) > 5000:
        raise Invalid({"work_notes": (N_("Use at most %(max)s characters."), {"max": 5000})})
    if parts_cost < 0:
        raise Invalid({"parts_cost": N_("The amount cannot be negative.")})
    async with write_transaction():
        ticket = await MaintenanceTicket.select().where(MaintenanceTicket.id == ticket_id).first()
        if ticket is None:
            raise NotFound("maintenance_ticket")
        unit = await _unit_for(ticket["unit"], actor)
        if ticket["resolved_at"] is not None:
            raise Refused(N_("This ticket is resolved already."))
        status = "available" if outcome == "repaired" else "retired"
        await MaintenanceTicket.update({
            MaintenanceTicket.work_notes: work_notes,
            MaintenanceTicket.parts_cost: parts_cost,
            MaintenanceTicket.outcome: outcome,
            MaintenanceTicket.resolved_at: now,
            MaintenanceTicket.resolved_by: actor.id,
        }).where(MaintenanceTicket.id == ticket_id)
        reason = "beyond repair" if status == "retired" else ""
        await Unit.update({Unit.status: status, Unit.status_reason: reason}).where(
            Unit.id == unit["id"]
        )
        await _event(unit["id"], "ticket_resolved", actor=actor, now=now,
                     from_value=unit["status"], to_value=status, note=work_notes)
        await audit("ticket.resolve", "maintenance_ticket", ticket_id, now=now,
                    actor_id=actor.id, centre_id=unit["centre"],
                    before={"status": unit["status"]},
                    after={"status": status, "outcome": outcome, "parts_cost": parts_cost})
    return unit["id"]


# --- electrical safety inspections -----------------------------------------------------------


async def record_inspection(unit_id: int, *, inspected_on: date, inspector: str, result: str,
                            notes: str, actor: Actor, today: date, now: datetime,
                            audit: Audit) -> int:
    inspector = " ".join(inspector.split())
    errors: dict[str, Any] = {}
    if not inspector:
        errors["inspector"] = N_("This field is required.")
    elif len(inspector) > 200:
        errors["inspector"] = (N_("Use at most %(max)s characters."), {"max": 200})
    if inspected_on > today:
        errors["inspected_on"] = N_("This date is in the future.")
    if result not in ("pass", "fail"):
        errors["result"] = N_("Choose one of the options.")
    if len(notes) > 5000:
        errors["notes"] = (N_("Use at most %(max)s characters."), {"max": 5000})
    if errors:
        raise Invalid(errors)
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        interval = await ToolType.select(ToolType.inspection_interval_days).where(
            ToolType.id == unit["tool_type"]
        ).first()
        if not interval["inspection_interval_days"]:
            raise Refused(N_("This tool type does not need electrical safety inspections."))
        rows = await Inspection.insert(
            Inspection(unit=unit_id, inspected_on=inspected_on, inspector=inspector,
                       result=result, notes=notes.strip(), recorded_by=actor.id,
                       recorded_at=now)
        ).returning(Inspection.id)
        latest = unit["last_inspected_on"]
        if latest is None or inspected_on >= latest:
            await Unit.update({Unit.last_inspected_on: inspected_on,
                               Unit.last_inspection_result: result}).where(Unit.id == unit_id)
        await _event(unit_id, "inspection", actor=actor, now=now,
                     from_value=inspected_on.isoformat(), to_value=result,
                     note=f"{inspector}: {notes.strip()}" if notes.strip() else inspector)
        await audit("unit.inspection", "unit", unit_id, now=now, actor_id=actor.id,
                    centre_id=unit["centre"],
                    before={"last_inspected_on": latest.isoformat() if latest else None,
                            "result": unit["last_inspection_result"]},
                    after={"inspected_on": inspected_on.isoformat(), "result": result,
                           "inspector": inspector})
    return rows[0]["id"]


# --- CSV import ------------------------------------------------------------------------------

IMPORT_CHUNK = 200  # rows per INSERT: well under SQLite's limit of bound values


async def _insert_chunked(table: type, rows: list[Any], *returning: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(rows), IMPORT_CHUNK):
        query = table.insert(*rows[start:start + IMPORT_CHUNK])
        if returning:
            found.extend(await query.returning(*returning))
        else:
            await query
    return found


async def _assign_tags(units: list[dict[str, Any]], codes: dict[int, str]) -> None:
    """Give units without a tag the next numbers of their centre, after every tag the centre
    has or the file names; the centre's counter moves past them (its row is updated first, so
    a concurrent writer waits on PostgreSQL)."""
    for centre_id, code in codes.items():
        mine = [u for u in units if u["centre"] == centre_id]
        if not mine:
            continue
        counter = await Centre.update({Centre.asset_seq: Centre.asset_seq}).where(
            Centre.id == centre_id
        ).returning(Centre.asset_seq)
        existing = await Unit.select(Unit.asset_tag).where(Unit.asset_tag.like(f"{code}-%"))
        numbers = [asset_tag_number(r["asset_tag"], code) for r in existing]
        numbers += [asset_tag_number(u["asset_tag"], code) for u in mine if u["asset_tag"]]
        last = max([counter[0]["asset_seq"], *(n for n in numbers if n is not None)])
        for unit in mine:
            if not unit["asset_tag"]:
                last += 1
                unit["asset_tag"] = asset_tag(code, last)
        await Centre.update({Centre.asset_seq: last}).where(Centre.id == centre_id)


async def import_catalogue(sheet: csvfiles.Sheet, *, actor: Actor, today: date, now: datetime,
                           audit: Audit) -> csvfiles.Plan:
    """Check every row of a CSV sheet against the database inside one write transaction and, if
    all are valid, insert the tool types and units in bulk, with their history and one audit
    entry per kind and centre. Returns the plan; nothing is written unless `plan.ok`."""
    try:
        async with write_transaction():
            known = await catalogue.known_for_import()
            plan = csvfiles.check_rows(sheet, known, today)
            if not plan.ok:
                return plan
            slugs = dict(known.tool_types)
            new_types = [ToolType(**row.values, created_at=now) for row in plan.tool_types]
            for row in await _insert_chunked(ToolType, new_types, ToolType.id, ToolType.slug):
                slugs[row["slug"]] = row["id"]
            units = [{**row.values, "tool_type": slugs[row.values["tool_type"]]}
                     for row in plan.units]
            centres = {c["id"]: c["code"] for c in await Centre.select(Centre.id, Centre.code)}
            await _assign_tags(units, centres)
            inserted = await _insert_chunked(
                Unit, [Unit(**u, status="available", created_at=now) for u in units],
                Unit.id, Unit.asset_tag, Unit.centre,
            )
            await _insert_chunked(UnitEvent, [
                UnitEvent(unit=u["id"], at=now, actor=actor.id, kind="created",
                          to_value=u["asset_tag"], note="CSV import")
                for u in inserted
            ])
            if new_types:
                await audit("tool_type.import", "tool_type", None, now=now, actor_id=actor.id,
                            after={"count": len(new_types),
                                   "slugs": [row.values["slug"] for row in plan.tool_types]})
            by_centre: dict[int, list[str]] = {}
            for unit in inserted:
                by_centre.setdefault(unit["centre"], []).append(unit["asset_tag"])
            for centre_id, tags in by_centre.items():
                await audit("unit.import", "unit", None, now=now, actor_id=actor.id,
                            centre_id=centre_id, after={"count": len(tags), "asset_tags": tags})
    except Exception as exc:
        if is_unique_violation(exc):
            raise Refused(N_("Someone added the same short name or asset tag meanwhile: "
                             "check the file again.")) from exc
        raise
    return plan
