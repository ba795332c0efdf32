"""Inventory services: the pages' data (one read transaction each) and the writes (one write
transaction each, taking `now`/`today` as arguments). A refusal is one of the domain errors
below; a form's bad values are raised as `Invalid` with a message per field, for the page to
draw the form again. The audit entry is written inside the write transaction, so it lands with
the change or not at all; the unit services other packages call also take the recorder as
`audit`, so a test can make it fail.

`actor` is the signed-in user (duck-typed: `.id`, `.can_act_for(centre_id)`; some pages take
the whole CurrentUser): desk staff act only on units of their own centres, coordinators and
admins on all. A unit is looked up, and refused with NotFound or NotAllowed, before its form
is read.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from inventory import catalogue, csvfiles, kits, label_rules, media, register
from inventory.forms import (
    at_most_characters,
    clean_category,
    clean_centre,
    clean_skill,
    clean_ticket,
    clean_tool_type,
    clean_unit,
)
from inventory.rules import asset_tag, asset_tag_number
from inventory.tables import (
    UNIT_CONDITIONS,
    UNIT_STATUSES,
    Category,
    Inspection,
    MaintenanceTicket,
    Skill,
    ToolType,
    ToolTypePart,
    TransferItem,
    Unit,
    UnitEvent,
)
from rental import audit as audit_log
from rental.centres import open_weekdays
from rental.kernel.barcodes import code128_svg
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.qr import qr_svg
from rental.kernel.values import BadValue, money_input, parse_date, parse_money
from rental.kernel.web import form_values
from rental.tables import Centre

Audit = Callable[..., Awaitable[None]]
Form = Mapping[str, Any]  # a submitted form: text fields, and files where the form has them


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


async def _record(table: type, record_id: int) -> dict[str, Any]:
    row = await table.select().where(table.id == record_id).first()
    if row is None:
        raise NotFound(table._meta.tablename)
    return row


def _blank_none(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the form's text values: None is an empty field."""
    return {k: "" if v is None else v for k, v in row.items()}


# --- centres, categories, skills, tool types -------------------------------------------------


async def _save(
    table: type, values: dict[str, Any], record_id: int | None, *, errors: dict[str, Any],
    unique: str, unique_message: str, actor: Actor, now: datetime,
    extra_new: dict | None = None,
) -> int:
    """Insert or update one catalogue row whose `unique` column must stay unique; a record
    that is not there is refused before the form's `errors`."""
    column = getattr(table, unique)
    entity = table._meta.tablename
    async with write_transaction():
        before = None if record_id is None else await _record(table, record_id)
        if errors:
            raise Invalid(errors)
        if unique in values:
            clash = table.exists().where(column == values[unique])
            if record_id is not None:
                clash = clash.where(table.id != record_id)
            if await clash:
                raise Invalid({unique: unique_message})
        if record_id is None:
            row = table(**values, **(extra_new or {}))
            record_id = (await table.insert(row).returning(table.id))[0]["id"]
            await audit_log.record(f"{entity}.create", entity, record_id, now=now,
                                   actor_id=actor.id, after=_jsonable(values))
        else:
            await table.update({getattr(table, k): v for k, v in values.items()}).where(
                table.id == record_id
            )
            changed = {k: v for k, v in values.items() if before.get(k) != v}
            if changed:
                await audit_log.record(f"{entity}.update", entity, record_id, now=now,
                                       actor_id=actor.id,
                                       before=_jsonable({k: before.get(k) for k in changed}),
                                       after=_jsonable(changed))
    return record_id


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else v
        for k, v in values.items()
        if k != "search_text"
    }


async def centres_page() -> dict[str, Any]:
    async with read_transaction():
        return {"centres": await Centre.select().order_by(Centre.id)}


async def centre_form(centre_id: int | None = None) -> dict[str, Any]:
    """The centre form: a new centre's usual hours, or the centre as saved."""
    if centre_id is None:
        values = {"timezone": "Asia/Tbilisi", "opens_at": "10:00", "closes_at": "19:00",
                  "active": "1"}
        return {"centre": None, "values": values, "days": ["0", "1", "2", "3", "4", "5"],
                "errors": {}}
    async with read_transaction():
        centre = await _record(Centre, centre_id)
    values = {**_blank_none(centre), "opens_at": centre["opens_at"].strftime("%H:%M"),
              "closes_at": centre["closes_at"].strftime("%H:%M"),
              "active": "1" if centre["active"] else ""}
    return {"centre": centre, "values": values,
            "days": [str(day) for day in open_weekdays(centre["opening_days"])], "errors": {}}


async def save_centre(form: Form, days: list[str], centre_id: int | None = None, *,
                      actor: Actor, now: datetime) -> int:
    """`days`: the opening days ticked, as sent (0 is Monday)."""
    values, errors = clean_centre(form, days, new=centre_id is None)
    return await _save(Centre, values, centre_id, errors=errors, unique="code",
                       unique_message=N_("A centre with this code exists already."),
                       actor=actor, now=now, extra_new={"created_at": now})


async def categories_page() -> dict[str, Any]:
    async with read_transaction():
        return {"categories": await catalogue.categories()}


async def skills_page() -> dict[str, Any]:
    async with read_transaction():
        return {"skills": await Skill.select().order_by(Skill.id)}


NAMED = {"category": (Category, {"position": "0"}), "skill": (Skill, {})}


async def named_form(kind: str, record_id: int | None = None) -> dict[str, Any]:
    """The form of a category or a skill (`kind`): new, or the record as saved."""
    table, new_values = NAMED[kind]
    if record_id is None:
        return {"record": None, "values": dict(new_values), "errors": {}}
    async with read_transaction():
        record = await _record(table, record_id)
    return {"record": record, "values": _blank_none(record), "errors": {}}


async def save_category(form: Form, category_id: int | None = None, *, actor: Actor,
                        now: datetime) -> int:
    values, errors = clean_category(form)
    return await _save(Category, values, category_id, errors=errors, unique="slug",
                       unique_message=N_("This short name is taken."), actor=actor, now=now)


async def save_skill(form: Form, skill_id: int | None = None, *, actor: Actor,
                     now: datetime) -> int:
    values, errors = clean_skill(form)
    return await _save(Skill, values, skill_id, errors=errors, unique="slug",
                       unique_message=N_("This short name is taken."), actor=actor, now=now)


async def tool_types_page(query: str, page: int) -> dict[str, Any]:
    async with read_transaction():
        return {"found": await catalogue.all_tool_types(query, page), "q": query}


async def tool_type_form(tool_type_id: int | None = None) -> dict[str, Any]:
    """The tool type form with its choices: new, or the tool type as saved."""
    async with read_transaction():
        record = None if tool_type_id is None else await _record(ToolType, tool_type_id)
        categories, skills = await catalogue.choices()
    if record is None:
        values = {"max_loan_days": "7", "daily_fee": "0.00", "deposit": "0.00", "active": "1"}
    else:
        values = {**_blank_none(record), "daily_fee": money_input(record["daily_fee"]),
                  "deposit": money_input(record["deposit"]),
                  "saving_per_loan": money_input(record["saving_per_loan"]),
                  "needs_inspection": "1" if record["inspection_interval_days"] else "",
                  "active": "1" if record["active"] else ""}
    return {"record": record, "values": values, "errors": {}, "categories": categories,
            "skills": skills}


async def save_tool_type(form: Form, tool_type_id: int | None = None, *, media_dir: Path,
                         actor: Actor, now: datetime) -> int:
    """Uploads (a photo, a manual) are checked with the rest of the form, written only once
    it is valid and removed again when the database refuses (inventory.media); the files the
    tool type no longer names are removed after the save."""
    async with read_transaction():
        record = None if tool_type_id is None else await _record(ToolType, tool_type_id)
        categories, skills = await catalogue.choices()
    values, errors = clean_tool_type(
        form, categories={c["id"] for c in categories}, skills={s["id"] for s in skills}
    )
    photo = await _upload(form, "photo", media.PHOTO, errors)
    manual = await _upload(form, "manual", media.MANUAL, errors)
    if photo:
        values["photo"] = photo.name
    elif form.get("remove_photo") in ("1", "on"):
        values["photo"] = ""
    if manual:  # an uploaded manual replaces the link
        values["manual_url"] = media.media_url(manual.name)
    try:
        if errors:
            raise Invalid(errors)
        async with media.stored(media_dir, [photo, manual]):
            tool_type_id = await _save(ToolType, values, tool_type_id, errors={}, unique="slug",
                                       unique_message=N_("This short name is taken."),
                                       actor=actor, now=now, extra_new={"created_at": now})
    except Invalid as invalid:
        if photo or manual:  # browsers cannot fill in a file field again
            invalid.errors.setdefault("form", N_("Nothing was saved: correct the marked "
                                                 "fields, then choose the files again."))
        raise
    if record is not None:
        await _forget(media_dir, _replaced_media(record, values))
    return tool_type_id


async def _upload(form: Form, name: str, kind: media.Kind,
                  errors: dict[str, Any]) -> media.Pending | None:
    """The checked file of field `name`, or None (no file, or refused: then in `errors`)."""
    try:
        return await media.read_upload(form.get(name), kind)
    except BadValue as bad:
        errors[name] = bad.message
        return None


def _replaced_media(record: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Files of the tool type before the save that it no longer names."""
    old = [record["photo"], media.name_of_url(record["manual_url"] or "")]
    new = {values.get("photo", record["photo"]),
           media.name_of_url(values.get("manual_url") or "")}
    return [name for name in old if name and media.is_media_name(name) and name not in new]


async def _forget(media_dir: Path, names: list[str]) -> None:
    """Remove replaced files that no row uses any more."""
    for name in names:
        if name and not await catalogue.media_in_use(name):
            media.remove(media_dir, name)


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


async def _unit_for(unit_id: int, actor: Actor, *, lock: bool = True) -> dict[str, Any]:
    """The unit, locked for the transaction's write on PostgreSQL; NotFound, or NotAllowed
    for staff of another centre."""
    query = Unit.select().where(Unit.id == unit_id)
    if lock and is_postgres():
        query = query.lock_rows()
    unit = await query.first()
    if unit is None:
        raise NotFound("unit")
    if not actor.can_act_for(unit["centre"]):
        raise NotAllowed()
    return unit


async def units_page(*, today: date, query: str, centre: int | None, status: str,
                     tool_type: int | None, page: int,
                     per_page: int = register.PER_PAGE) -> dict[str, Any]:
    """The unit register, filtered; an unknown status filters nothing."""
    status = status if status in UNIT_STATUSES else ""
    async with read_transaction():
        found = await register.units(today=today, centre=centre, status=status or None,
                                     tool_type=tool_type, query=query, page=page,
                                     per_page=per_page)
        centres = await catalogue.active_centres()
    return {"found": found, "q": query, "centre": centre, "status": status,
            "tool_type": tool_type, "centres": centres, "statuses": UNIT_STATUSES}


async def unit_form(actor: CurrentUser, *, tool_type: int | None = None) -> dict[str, Any]:
    """A new unit's form: of `tool_type` if given, at the actor's centre if they have one."""
    values = {"tool_type": str(tool_type or ""), "condition": "good"}
    if len(actor.centre_ids) == 1:
        values["centre"] = str(next(iter(actor.centre_ids)))
    return {**await _unit_choices(actor), "values": values, "errors": {}}


async def _unit_choices(actor: Actor) -> dict[str, Any]:
    """The centres the actor may add units at, and the active tool types."""
    async with read_transaction():
        centres = await catalogue.active_centres()
        tool_types = await catalogue.tool_type_choices()
    return {"centres": [c for c in centres if actor.can_act_for(c["id"])],
            "tool_types": tool_types, "conditions": UNIT_CONDITIONS}


async def add_unit_from_form(form: Form, *, actor: Actor, today: date, now: datetime) -> int:
    """The new unit form: a tool type and one of the actor's centres. Returns the unit id."""
    choices = await _unit_choices(actor)
    values, errors = clean_unit(form, centres={c["id"] for c in choices["centres"]},
                                tool_types={t["id"] for t in choices["tool_types"]}, today=today)
    if errors:
        raise Invalid(errors)
    unit_id, _tag = await add_unit(values, actor=actor, now=now)
    return unit_id


async def add_unit(values: dict[str, Any], *, actor: Actor, now: datetime,
                   audit: Audit = audit_log.record) -> tuple[int, str]:
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


async def unit_page(unit_id: int | None = None, *, ticket_id: int | None = None, actor: Actor,
                    today: date) -> dict[str, Any]:
    """A unit with its history and its forms (the unit of `ticket_id`, if given): staff read
    their own centres' units, coordinators and admins every centre's."""
    async with read_transaction():
        if ticket_id is not None:
            unit_id = await register.ticket_unit(ticket_id)
        page = None if unit_id is None else await register.unit_page(unit_id, today)
        kit = {} if page is None else await kits.unit_parts([page.unit["id"]])  # its parts
        on_its_way = None if page is None else await TransferItem.select(
            TransferItem.transfer, TransferItem.dispatched_at,
            TransferItem.transfer.receiver.code.as_alias("receiver_code"),
        ).where((TransferItem.unit == page.unit["id"])
                & TransferItem.received_at.is_null()).first()
    if page is None:
        raise NotFound("unit")
    if not actor.can_act_for(page.unit["centre"]):
        raise NotAllowed()
    return {"page": page, "unit": page.unit, "errors": {}, "values": {},
            "statuses": UNIT_STATUSES, "today": today, "parts": kit[page.unit["id"]],
            "on_its_way": on_its_way}


async def register_entry(unit_id: int, *, today: date) -> dict[str, Any]:
    """One unit as the register lists it, which every desk reads (the API's answer to a
    transfer, after which its page is the new centre's)."""
    async with read_transaction():
        row = await register.unit_row(unit_id, today)
    if row is None:
        raise NotFound("unit")
    return row


STATUS_CHOICES = ("available", "maintenance", "retired", "lost")


async def change_unit_status(unit_id: int, status: str, reason: str, *, actor: Actor,
                             now: datetime, audit: Audit = audit_log.record) -> None:
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        if status not in STATUS_CHOICES:
            raise Invalid({"status": N_("Choose one of the options.")})
        reason = " ".join(reason.split())
        if status == "retired" and not reason:
            raise Invalid({"reason": N_("Say why the unit is retired.")})
        if len(reason) > 300:
            raise Invalid({"reason": at_most_characters(300)})
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
                        audit: Audit = audit_log.record) -> None:
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
        if await TransferItem.exists().where(  # the workflow's move: received by scanning
            (TransferItem.unit == unit_id) & TransferItem.received_at.is_null()
        ):
            raise Refused(N_("This unit is on its way between centres: the receiving centre "
                             "scans it in."), "centre")
        source = await Centre.select(Centre.code).where(Centre.id == unit["centre"]).first()
        await Unit.update({Unit.centre: centre_id}).where(Unit.id == unit_id)
        await _event(unit_id, "transfer", actor=actor, now=now, from_value=source["code"],
                     to_value=target["code"])
        await audit("unit.transfer", "unit", unit_id, now=now, actor_id=actor.id,
                    centre_id=unit["centre"], before={"centre": unit["centre"]},
                    after={"centre": centre_id})


# --- maintenance tickets ---------------------------------------------------------------------


async def report_fault(unit_id: int, form: Form, *, media_dir: Path, actor: Actor,
                       now: datetime) -> int:
    """The fault form of a unit: a description and maybe a photo, which is written only once
    the form is valid and removed again when the ticket is refused."""
    await _unit_for(unit_id, actor, lock=False)
    values, errors = clean_ticket(form)
    photo = await _upload(form, "photo", media.PHOTO, errors)
    if errors:
        raise Invalid(errors)
    async with media.stored(media_dir, [photo]):
        return await open_ticket(unit_id, values["description"],
                                 photo=photo.name if photo else "", actor=actor, now=now)


async def open_ticket(unit_id: int, description: str, *, photo: str = "", actor: Actor,
                      now: datetime, audit: Audit = audit_log.record) -> int:
    """Take a unit out of circulation for repair; at most one open ticket per unit."""
    description = description.strip()
    if not description:
        raise Invalid({"description": N_("Describe what is wrong.")})
    if len(description) > 5000:
        raise Invalid({"description": at_most_characters(5000)})
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


async def resolve_ticket(ticket_id: int, form: Form, *, actor: Actor, now: datetime,
                         unit_id: int | None = None) -> int:
    """Close a ticket (the resolve form: work notes, parts cost, outcome): repaired -> the unit
    is available again, beyond repair -> retired. Returns the unit id. `unit_id` (the API's
    address names it): a ticket of another unit is not there."""
    fields = form_values(form)
    async with write_transaction():
        ticket = await _record(MaintenanceTicket, ticket_id)
        if unit_id is not None and ticket["unit"] != unit_id:
            raise NotFound("maintenance_ticket")
        unit = await _unit_for(ticket["unit"], actor)
        try:
            parts_cost = parse_money(fields.get("parts_cost", ""), required=False) or 0
        except BadValue as bad:
            raise Invalid({"parts_cost": bad.message}) from None
        outcome = fields.get("outcome", "")
        if outcome not in ("repaired", "beyond_repair"):
            raise Invalid({"outcome": N_("Choose one of the options.")})
        work_notes = fields.get("work_notes", "").strip()
        if len(work_notes) > 5000:
            raise Invalid({"work_notes": at_most_characters(5000)})
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
        await audit_log.record("ticket.resolve", "maintenance_ticket", ticket_id, now=now,
                               actor_id=actor.id, centre_id=unit["centre"],
                               before={"status": unit["status"]},
                               after={"status": status, "outcome": outcome,
                                      "parts_cost": parts_cost})
    return unit["id"]


# --- electrical safety inspections -----------------------------------------------------------


async def record_inspection(unit_id: int, form: Form, *, actor: Actor, today: date,
                            now: datetime) -> int:
    """The inspection form of a unit: the day, the inspector, the result and notes."""
    fields = form_values(form)
    async with write_transaction():
        unit = await _unit_for(unit_id, actor)
        try:
            inspected_on = parse_date(fields.get("inspected_on", ""))
        except BadValue as bad:
            raise Invalid({"inspected_on": bad.message}) from None
        inspector = " ".join(fields.get("inspector", "").split())
        result, notes = fields.get("result", ""), fields.get("notes", "")
        errors: dict[str, Any] = {}
        if not inspector:
            errors["inspector"] = N_("This field is required.")
        elif len(inspector) > 200:
            errors["inspector"] = at_most_characters(200)
        if inspected_on > today:
            errors["inspected_on"] = N_("This date is in the future.")
        if result not in ("pass", "fail"):
            errors["result"] = N_("Choose one of the options.")
        if len(notes) > 5000:
            errors["notes"] = at_most_characters(5000)
        if errors:
            raise Invalid(errors)
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
        await audit_log.record("unit.inspection", "unit", unit_id, now=now, actor_id=actor.id,
                               centre_id=unit["centre"],
                               before={"last_inspected_on": latest.isoformat() if latest
                                       else None,
                                       "result": unit["last_inspection_result"]},
                               after={"inspected_on": inspected_on.isoformat(),
                                      "result": result, "inspector": inspector})
    return rows[0]["id"]


async def inspections_due_page(actor: CurrentUser, today: date) -> dict[str, Any]:
    """Inspections due at the actor's centres (every centre for coordinators), by centre."""
    centre_ids = None if actor.all_centres else set(actor.centre_ids)
    async with read_transaction():
        due = await register.inspections_due(today=today, centre_ids=centre_ids)
        centres = await catalogue.active_centres()
    return {"due": due, "centres": [c for c in centres if c["id"] in due], "today": today}


async def inspections_due_list(actor: CurrentUser, today: date, *, centre: int | None = None,
                               within_days: int = 14) -> list[dict[str, Any]]:
    """The due list as one list (the API's), by centre and then by due day: the actor's
    centres (every centre for coordinators), or `centre`, which must be one of them."""
    if centre is not None and not actor.can_act_for(centre):
        raise NotAllowed()
    centre_ids = ({centre} if centre is not None
                  else None if actor.all_centres else set(actor.centre_ids))
    async with read_transaction():
        due = await register.inspections_due(today=today, centre_ids=centre_ids,
                                             within_days=within_days)
    return [unit for centre_id in sorted(due) for unit in due[centre_id]]


# --- labels ----------------------------------------------------------------------------------

MAX_LABELS = 300


async def label_sheet(*, today: date, unit_ids: list[int], tool_type: int | None,
                      centre: int | None, stock: str = label_rules.DEFAULT) -> dict[str, Any]:
    """Labels on the chosen stock (a sheet or a thermal roll): the chosen units, or every unit
    of a tool type (at a centre); each with its asset tag as a QR code and a Code 128 barcode."""
    chosen = label_rules.stock(stock)
    if chosen is None:
        raise Invalid({"stock": N_("There is no such label stock: choose one from the list.")})
    async with read_transaction():
        if tool_type:
            units = (await register.units(today=today, tool_type=tool_type, centre=centre,
                                          per_page=MAX_LABELS)).items
        else:
            units = await register.units_by_ids(unit_ids[:MAX_LABELS])
    labels = [{"unit": u, "qr": qr_svg(u["asset_tag"]), "barcode": code128_svg(u["asset_tag"])}
              for u in units]
    split = label_rules.pages(len(labels), chosen)
    return {"labels": labels, "stock": chosen, "stocks": list(label_rules.STOCKS.values()),
            "pages": [[labels[i] for i in page] for page in split],
            "chosen": {"unit": unit_ids, "tool_type": tool_type, "centre": centre}}


# --- CSV import ------------------------------------------------------------------------------

IMPORT_CHUNK = 200  # rows per INSERT: well under SQLite's limit of bound values


def import_page(plan: csvfiles.Plan | None = None, errors: dict[str, Any] | None = None, *,
                content: bytes = b"", done: dict[str, int] | None = None) -> dict[str, Any]:
    """The import page: the form, the rows of a checked file (with the file itself to confirm,
    when every row is valid), or what the last import added (`done`)."""
    return {
        "plan": plan, "errors": errors or {}, "done": done,
        "content": base64.b64encode(content).decode() if plan is not None and plan.ok else "",
        "tool_type_columns": csvfiles.TOOL_TYPE_COLUMNS[1:],
        "unit_columns": csvfiles.UNIT_COLUMNS[1:], "max_rows": csvfiles.MAX_ROWS,
        "part_columns": csvfiles.PART_COLUMNS[1:],
        "max_mb": csvfiles.MAX_BYTES // media.MB,
    }


async def preview_import(upload: Any, *, today: date) -> dict[str, Any]:
    """The dry run of an uploaded file: every row checked against the database, nothing
    written."""
    if upload is None or isinstance(upload, str) or not hasattr(upload, "read"):
        raise Invalid({"file": N_("Choose a CSV file.")})
    content = await upload.read(csvfiles.MAX_BYTES + 1)
    sheet = csvfiles.read_csv(content)
    if sheet.error is not None:
        raise Invalid({"file": sheet.error})
    return import_page(await _checked(sheet, today), content=content)


async def _checked(sheet: csvfiles.Sheet, today: date) -> csvfiles.Plan:
    async with read_transaction():
        known = await catalogue.known_for_import()
    return csvfiles.check_rows(sheet, known, today)


async def refused_import_page(encoded: Any, errors: dict[str, Any], *,
                              today: date) -> dict[str, Any]:
    """The import page after a refusal: a file that cannot be read with its error alone, else
    its rows checked again (`encoded`: the file the confirm form carries), the refusal above
    them."""
    content = _decoded(encoded)
    sheet = csvfiles.read_csv(content)
    if "file" in errors or sheet.error is not None:
        return import_page(None, errors if "file" in errors else {"file": sheet.error})
    return import_page(await _checked(sheet, today), errors, content=content)


def _decoded(encoded: Any) -> bytes:
    """The file the confirm form carries (base64); nothing if it is not base64."""
    try:
        return base64.b64decode(encoded if isinstance(encoded, str) else "", validate=True)
    except (binascii.Error, ValueError):
        return b""


async def import_file(encoded: Any, *, actor: Actor, today: date, now: datetime
                      ) -> csvfiles.Plan:
    """Confirming an import: the file the form carries (base64) is checked again from
    scratch, and imported if every row is valid (see import_catalogue)."""
    sheet = csvfiles.read_csv(_decoded(encoded))
    if sheet.error is not None:
        raise Invalid({"file": sheet.error})
    return await import_catalogue(sheet, actor=actor, today=today, now=now)


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


async def import_catalogue(sheet: csvfiles.Sheet, *, actor: Actor, today: date,
                           now: datetime) -> csvfiles.Plan:
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
            await _insert_chunked(ToolTypePart, [ToolTypePart(  # parts lists (inventory.parts)
                **{k: v for k, v in row.values.items() if k not in ("count", "tool_type")},
                tool_type=slugs[row.values["tool_type"]], quantity=row.values["count"],
            ) for row in plan.parts])
            if plan.parts:
                await audit_log.record("tool_type_part.import", "tool_type_part", None, now=now,
                                       actor_id=actor.id, after={"count": len(plan.parts)})
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
                await audit_log.record("tool_type.import", "tool_type", None, now=now,
                                       actor_id=actor.id,
                                       after={"count": len(new_types),
                                              "slugs": [r.values["slug"] for r in plan.tool_types]})
            by_centre: dict[int, list[str]] = {}
            for unit in inserted:
                by_centre.setdefault(unit["centre"], []).append(unit["asset_tag"])
            for centre_id, tags in by_centre.items():
                await audit_log.record("unit.import", "unit", None, now=now, actor_id=actor.id,
                                       centre_id=centre_id,
                                       after={"count": len(tags), "asset_tags": tags})
    except Exception as exc:
        if is_unique_violation(exc):
            raise Refused(N_("Someone added the same short name or asset tag meanwhile: "
                             "check the file again.")) from exc
        raise
    return plan
