"""Catalogue management pages: centres, categories, skills, tool types, units.

Controllers parse input, call one service, render. The signed-in user is read from the
request scope (set by the web kernel above); the audit recorder arrives as the `audit`
dependency, and `flash(response, level, message_id)` (the `flash` dependency) adds a message
shown once on the next page. Staff act only on units of their own centres; the services
enforce it.

Uploads (a tool type's photo and manual, a ticket's photo) are checked by their content before
anything is written, written only once the rest of the form is valid, and removed again when
the database transaction fails (see inventory.media).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Parameter
from litestar.response import File, Redirect, Template
from msgspec import Meta

from inventory import catalogue, csvfiles, media, register, services
from inventory.forms import (
    clean_category,
    clean_centre,
    clean_skill,
    clean_ticket,
    clean_tool_type,
    clean_unit,
)
from inventory.tables import UNIT_CONDITIONS, UNIT_STATUSES, Category, Skill, ToolType, Unit
from rental.kernel.db import read_transaction
from rental.kernel.i18n import N_
from rental.kernel.qr import qr_svg
from rental.kernel.values import (
    MAX_INT,
    BadValue,
    money_input,
    parse_date,
    parse_money,
    whole_number,
)
from rental.tables import Centre


def _user(request: Request) -> Any:
    return request.scope.get("user")


def _now(request: Request) -> datetime:
    return request.app.state.settings.clock.now()


def _today(request: Request) -> date:
    settings = request.app.state.settings
    return settings.clock.today(settings.default_timezone)


async def _form(request: Request) -> tuple[dict[str, Any], Any]:
    form = await request.form()
    return {key: form.get(key) for key in form}, form


def _http_error(exc: services.InventoryError) -> Exception:
    if isinstance(exc, services.NotAllowed):
        return PermissionDeniedException()
    return NotFoundException()


def _see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


def _text_values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _done(flash: Any, path: str, message: str) -> Redirect:
    """See the next page, with a success message on it (`message` is a message id)."""
    response = _see_other(path)
    flash(response, "success", message)
    return response


# --- uploads ---------------------------------------------------------------------------------


def _media_dir(request: Request) -> Any:
    return request.app.state.settings.media_dir


async def _upload(data: dict[str, Any], name: str, kind: media.Kind,
                  errors: dict[str, Any]) -> media.Pending | None:
    """The checked file of field `name`, or None (no file, or refused: then in `errors`)."""
    try:
        return await media.read_upload(data.get(name), kind)
    except BadValue as bad:
        errors[name] = bad.message
        return None


def _upload_too_large(request: Request, exc: RequestEntityTooLarge) -> Response[Any]:
    """A form bigger than any allowed file: the body is not read, so say so on a page of its own,
    with the way back to the form."""
    path = request.url.path
    return Template("inventory/upload_too_large.html", status_code=413, context={
        "back": path.removesuffix("/tickets"), "csv": path.startswith("/manage/import"),
        "photo_mb": media.PHOTO.max_bytes // media.MB,
        "manual_mb": media.MANUAL.max_bytes // media.MB,
        "csv_mb": csvfiles.MAX_BYTES // media.MB,
    })


TOOL_TYPE_UPLOAD: dict[str, Any] = {
    "request_max_body_size": media.TOOL_TYPE_FORM_MAX_BYTES,
    "exception_handlers": {RequestEntityTooLarge: _upload_too_large},
}
TICKET_UPLOAD: dict[str, Any] = {
    "request_max_body_size": media.TICKET_FORM_MAX_BYTES,
    "exception_handlers": {RequestEntityTooLarge: _upload_too_large},
}
CSV_UPLOAD: dict[str, Any] = {
    # the file, or on confirming it the same file in base64 (4/3 of its size), and the fields
    "request_max_body_size": csvfiles.MAX_BYTES * 4 // 3 + media.MB,
    "exception_handlers": {RequestEntityTooLarge: _upload_too_large},
}


async def _forget(request: Request, names: list[str]) -> None:
    """Remove replaced files that no row uses any more."""
    for name in names:
        if name and not await catalogue.media_in_use(name):
            media.remove(_media_dir(request), name)


class MediaController(Controller):
    path = "/media"
    opt = {"access": "public"}

    @get("/{name:str}", include_in_schema=False,
         cache_control=CacheControlHeader(max_age=31_536_000, public=True, immutable=True))
    async def file(self, request: Request, name: str) -> File:
        """An uploaded photo or manual. Names are random and never reused, so they may be cached
        for a year; anything but a generated name is not found."""
        path = media.path_for(_media_dir(request), name)
        if path is None:
            raise NotFoundException()
        return File(path=path, filename=name, content_disposition_type="inline",
                    media_type=media.CONTENT_TYPES[path.suffix[1:]],
                    headers={"X-Content-Type-Options": "nosniff"})


# --- centres ---------------------------------------------------------------------------------


def _centre_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: ("" if v is None else v) for k, v in row.items()}
    values["opens_at"] = row["opens_at"].strftime("%H:%M")
    values["closes_at"] = row["closes_at"].strftime("%H:%M")
    values["active"] = "1" if row["active"] else ""
    return values


def _days_of(mask: int) -> list[str]:
    return [str(day) for day in range(7) if mask >> day & 1]


class CentreController(Controller):
    path = "/manage/centres"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        centres = await Centre.select().order_by(Centre.id)
        return Template("inventory/centres.html", context={"centres": centres})

    @get("/new")
    async def new(self) -> Template:
        return self._form(None, {"timezone": "Asia/Tbilisi", "opens_at": "10:00",
                                 "closes_at": "19:00", "active": "1"},
                          ["0", "1", "2", "3", "4", "5"], {})

    @post("/new")
    async def create(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        return await self._save(request, audit, flash, None)

    @get("/{centre_id:int}/edit")
    async def edit(self, centre_id: int) -> Template:
        row = await Centre.select().where(Centre.id == centre_id).first()
        if row is None:
            raise NotFoundException()
        return self._form(row, _centre_values(row), _days_of(row["opening_days"]), {})

    @post("/{centre_id:int}/edit")
    async def update(self, request: Request, audit: Any, flash: Any,
                     centre_id: int) -> Response[Any]:
        return await self._save(request, audit, flash, centre_id)

    async def _save(self, request: Request, audit: Any, flash: Any,
                    centre_id: int | None) -> Response[Any]:
        data, form = await _form(request)
        days = [d for d in form.getall("opening_days", []) if isinstance(d, str)]
        values, errors = clean_centre(data, days, new=centre_id is None)
        centre = None
        if centre_id is not None:
            centre = await Centre.select().where(Centre.id == centre_id).first()
            if centre is None:
                raise NotFoundException()
        if not errors:
            try:
                await services.save_centre(values, centre_id, actor=_user(request),
                                           now=_now(request), audit=audit)
            except services.Invalid as invalid:
                errors = invalid.errors
            else:
                return _done(flash, "/manage/centres", N_("The centre is saved."))
        return self._form(centre, _text_values(data), days, errors, status=422)

    def _form(self, centre: dict | None, values: dict, days: list[str], errors: dict,
              status: int = 200) -> Template:
        return Template("inventory/centre_form.html", status_code=status,
                        context={"centre": centre, "values": values, "days": days,
                                 "errors": errors})


# --- categories and skills -------------------------------------------------------------------


class CategoryController(Controller):
    path = "/manage/categories"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        rows = await Category.select().order_by(Category.position, Category.id)
        return Template("inventory/categories.html", context={"categories": rows})

    @get("/new")
    async def new(self) -> Template:
        return _named_form("category", None, {"position": "0"}, {})

    @post("/new")
    async def create(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        return await _save_named(request, audit, flash, "category", None)

    @get("/{record_id:int}/edit")
    async def edit(self, record_id: int) -> Template:
        row = await Category.select().where(Category.id == record_id).first()
        if row is None:
            raise NotFoundException()
        return _named_form("category", row, {k: "" if v is None else v for k, v in row.items()},
                           {})

    @post("/{record_id:int}/edit")
    async def update(self, request: Request, audit: Any, flash: Any,
                     record_id: int) -> Response[Any]:
        return await _save_named(request, audit, flash, "category", record_id)


class SkillController(Controller):
    path = "/manage/skills"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        rows = await Skill.select().order_by(Skill.id)
        return Template("inventory/skills.html", context={"skills": rows})

    @get("/new")
    async def new(self) -> Template:
        return _named_form("skill", None, {}, {})

    @post("/new")
    async def create(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        return await _save_named(request, audit, flash, "skill", None)

    @get("/{record_id:int}/edit")
    async def edit(self, record_id: int) -> Template:
        row = await Skill.select().where(Skill.id == record_id).first()
        if row is None:
            raise NotFoundException()
        return _named_form("skill", row, {k: "" if v is None else v for k, v in row.items()},
                           {})

    @post("/{record_id:int}/edit")
    async def update(self, request: Request, audit: Any, flash: Any,
                     record_id: int) -> Response[Any]:
        return await _save_named(request, audit, flash, "skill", record_id)


NAMED = {
    "category": (Category, clean_category, services.save_category, "/manage/categories",
                 N_("The category is saved.")),
    "skill": (Skill, clean_skill, services.save_skill, "/manage/skills",
              N_("The skill is saved.")),
}


def _named_form(kind: str, record: dict | None, values: dict, errors: dict,
                status: int = 200) -> Template:
    return Template(f"inventory/{kind}_form.html", status_code=status,
                    context={"record": record, "values": values, "errors": errors})


async def _save_named(request: Request, audit: Any, flash: Any, kind: str,
                      record_id: int | None) -> Response[Any]:
    table, clean, save, back, saved = NAMED[kind]
    record = None
    if record_id is not None:
        record = await table.select().where(table.id == record_id).first()
        if record is None:
            raise NotFoundException()
    data, _form_data = await _form(request)
    values, errors = clean(data)
    if not errors:
        try:
            await save(values, record_id, actor=_user(request), now=_now(request), audit=audit)
        except services.Invalid as invalid:
            errors = invalid.errors
        else:
            return _done(flash, back, saved)
    return _named_form(kind, record, _text_values(data), errors, status=422)


# --- tool types ------------------------------------------------------------------------------


def _tool_type_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {k: ("" if v is None else v) for k, v in row.items()}
    values["daily_fee"] = money_input(row["daily_fee"])
    values["deposit"] = money_input(row["deposit"])
    values["saving_per_loan"] = ("" if row.get("saving_per_loan") is None
                                 else money_input(row["saving_per_loan"]))
    values["needs_inspection"] = "1" if row["inspection_interval_days"] else ""
    values["active"] = "1" if row["active"] else ""
    return values


class ToolTypeController(Controller):
    path = "/manage/tool-types"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(
        self,
        q: str = Parameter(default="", max_length=100),
        page: int = Parameter(default=1, ge=1, le=10_000),
    ) -> Template:
        found = await catalogue.all_tool_types(q, page)
        return Template("inventory/tool_types.html", context={"found": found, "q": q})

    @get("/new")
    async def new(self) -> Template:
        return await self._form(None, {"max_loan_days": "7", "daily_fee": "0.00",
                                       "deposit": "0.00", "active": "1"}, {})

    @post("/new", **TOOL_TYPE_UPLOAD)
    async def create(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        return await self._save(request, audit, flash, None)

    @get("/{tool_type_id:int}/edit")
    async def edit(self, tool_type_id: int) -> Template:
        row = await ToolType.select().where(ToolType.id == tool_type_id).first()
        if row is None:
            raise NotFoundException()
        return await self._form(row, _tool_type_values(row), {})

    @post("/{tool_type_id:int}/edit", **TOOL_TYPE_UPLOAD)
    async def update(self, request: Request, audit: Any, flash: Any,
                     tool_type_id: int) -> Response[Any]:
        return await self._save(request, audit, flash, tool_type_id)

    async def _save(self, request: Request, audit: Any, flash: Any,
                    tool_type_id: int | None) -> Response[Any]:
        record = None
        if tool_type_id is not None:
            record = await ToolType.select().where(ToolType.id == tool_type_id).first()
            if record is None:
                raise NotFoundException()
        data, _form_data = await _form(request)
        categories, skills = await catalogue.choices()
        values, errors = clean_tool_type(
            data, categories={c["id"] for c in categories}, skills={s["id"] for s in skills}
        )
        photo = await _upload(data, "photo", media.PHOTO, errors)
        manual = await _upload(data, "manual", media.MANUAL, errors)
        if photo:
            values["photo"] = photo.name
        elif data.get("remove_photo") in ("1", "on"):
            values["photo"] = ""
        if manual:  # an uploaded manual replaces the link
            values["manual_url"] = media.media_url(manual.name)
        if not errors:
            try:
                async with media.stored(_media_dir(request), [photo, manual]):
                    await services.save_tool_type(values, tool_type_id, actor=_user(request),
                                                  now=_now(request), audit=audit)
            except services.Invalid as invalid:
                errors = invalid.errors
            else:
                if record is not None:
                    await _forget(request, _replaced_media(record, values))
                return _done(flash, "/manage/tool-types", N_("The tool type is saved."))
        if photo or manual:  # browsers cannot fill in a file field again
            errors.setdefault("form", N_("Nothing was saved: correct the marked fields, then "
                                         "choose the files again."))
        return await self._form(record, _text_values(data), errors, status=422)

    async def _form(self, record: dict | None, values: dict, errors: dict,
                    status: int = 200) -> Template:
        categories, skills = await catalogue.choices()
        return Template("inventory/tool_type_form.html", status_code=status,
                        context={"record": record, "values": values, "errors": errors,
                                 "categories": categories, "skills": skills})


def _replaced_media(record: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Files of the tool type before the save that it no longer names."""
    old = [record["photo"], media.name_of_url(record["manual_url"] or "")]
    new = {values.get("photo", record["photo"]),
           media.name_of_url(values.get("manual_url") or "")}
    return [name for name in old if name and media.is_media_name(name) and name not in new]


# --- units -----------------------------------------------------------------------------------


def _centre_choices(user: Any, centres: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in centres if user.can_act_for(c["id"])]


class UnitController(Controller):
    path = "/units"
    opt = {"access": "staff"}

    @get("/")
    async def index(
        self,
        request: Request,
        q: str = Parameter(default="", max_length=100),
        centre: int | None = Parameter(default=None, ge=1, le=MAX_INT),
        status: str = Parameter(default="", max_length=12),
        tool_type: int | None = Parameter(default=None, ge=1, le=MAX_INT),
        page: int = Parameter(default=1, ge=1, le=100_000),
    ) -> Template:
        if status and status not in UNIT_STATUSES:
            status = ""
        found = await register.units(today=_today(request), centre=centre, status=status or None,
                                     tool_type=tool_type, query=q, page=page)
        centres = await catalogue.active_centres()
        return Template("inventory/units.html", context={
            "found": found, "q": q, "centre": centre, "status": status, "tool_type": tool_type,
            "centres": centres, "statuses": UNIT_STATUSES,
        })

    @get("/lookup")
    async def lookup(self, code: str = Parameter(default="", max_length=100)) -> Response[Any]:
        """A scanned or typed asset tag -> the unit's page, or a clear 'unknown tag' page."""
        unit_id = await register.unit_id_for_tag(code) if code.strip() else None
        if unit_id is not None:
            return _see_other(f"/units/{unit_id}")
        return Template("inventory/lookup.html", context={"code": code.strip()},
                        status_code=404 if code.strip() else 200)

    @get("/new")
    async def new(self, request: Request,
                  tool_type: int | None = Parameter(default=None, ge=1, le=MAX_INT)) -> Template:
        user = _user(request)
        values = {"tool_type": str(tool_type or ""), "condition": "good"}
        if len(user.centre_ids) == 1:
            values["centre"] = str(next(iter(user.centre_ids)))
        return await self._form(request, values, {})

    @post("/new")
    async def create(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        data, _form_data = await _form(request)
        user = _user(request)
        centres = _centre_choices(user, await catalogue.active_centres())
        tool_types = await catalogue.tool_type_choices()
        values, errors = clean_unit(data, centres={c["id"] for c in centres},
                                    tool_types={t["id"] for t in tool_types},
                                    today=_today(request))
        if not errors:
            try:
                unit_id, _tag = await services.add_unit(values, actor=user, now=_now(request),
                                                        audit=audit)
            except services.Invalid as invalid:
                errors = invalid.errors
            except services.NotAllowed as exc:
                raise _http_error(exc) from None
            else:
                return _done(flash, f"/units/{unit_id}", N_("The unit is added."))
        return await self._form(request, _text_values(data), errors, status=422)

    async def _form(self, request: Request, values: dict, errors: dict,
                    status: int = 200) -> Template:
        centres = _centre_choices(_user(request), await catalogue.active_centres())
        tool_types = await catalogue.tool_type_choices()
        return Template("inventory/unit_form.html", status_code=status, context={
            "values": values, "errors": errors, "centres": centres, "tool_types": tool_types,
            "conditions": UNIT_CONDITIONS,
        })

    @get("/{unit_id:int}", opt={"scope": "centre"})
    async def show(self, request: Request, unit_id: int) -> Template:
        """Staff read their own centres' units; coordinators and admins every centre's."""
        await _guard(request, unit_id)
        return await _unit_page(request, unit_id, {}, {})

    @post("/{unit_id:int}/status", opt={"scope": "centre"})
    async def change_status(self, request: Request, audit: Any, flash: Any,
                            unit_id: int) -> Response[Any]:
        await _guard(request, unit_id)
        data, _form_data = await _form(request)
        status = data.get("status") if isinstance(data.get("status"), str) else ""
        reason = data.get("reason") if isinstance(data.get("reason"), str) else ""
        return await _act(
            request, unit_id, "status", data,
            services.change_unit_status(unit_id, status, reason, actor=_user(request),
                                        now=_now(request), audit=audit),
            flash, N_("The status is changed."),
        )

    @post("/{unit_id:int}/transfer", opt={"scope": "centre"})
    async def transfer(self, request: Request, audit: Any, flash: Any,
                       unit_id: int) -> Response[Any]:
        await _guard(request, unit_id)
        data, _form_data = await _form(request)
        centre_id = whole_number(data.get("centre")) or 0
        return await _act(
            request, unit_id, "transfer", data,
            services.transfer_unit(unit_id, centre_id, actor=_user(request), now=_now(request),
                                   audit=audit),
            flash, N_("The unit is transferred."),
        )

    @post("/{unit_id:int}/tickets", opt={"scope": "centre"}, **TICKET_UPLOAD)
    async def open_ticket(self, request: Request, audit: Any, flash: Any,
                          unit_id: int) -> Response[Any]:
        await _guard(request, unit_id)
        data, _form_data = await _form(request)
        values, errors = clean_ticket(data)
        photo = await _upload(data, "photo", media.PHOTO, errors)
        if errors:
            return await _unit_page(request, unit_id, {"ticket": errors},
                                    {"ticket": _text_values(data)}, status=422)

        async def open_with_photo() -> None:
            async with media.stored(_media_dir(request), [photo]):
                await services.open_ticket(unit_id, values["description"],
                                           photo=photo.name if photo else "",
                                           actor=_user(request), now=_now(request), audit=audit)

        return await _act(request, unit_id, "ticket", data, open_with_photo(),
                          flash, N_("The maintenance ticket is opened."))

    @post("/{unit_id:int}/inspections", opt={"scope": "centre"})
    async def inspect(self, request: Request, audit: Any, flash: Any,
                      unit_id: int) -> Response[Any]:
        await _guard(request, unit_id)
        data, _form_data = await _form(request)
        today = _today(request)
        text = {k: v if isinstance(v, str) else "" for k, v in data.items()}
        try:
            inspected_on = parse_date(text.get("inspected_on", ""))
        except BadValue as bad:
            return await _unit_page(request, unit_id, {"inspection": {"inspected_on":
                                                                      bad.message}},
                                    {"inspection": _text_values(data)}, status=422)
        return await _act(
            request, unit_id, "inspection", data,
            services.record_inspection(
                unit_id, inspected_on=inspected_on, inspector=text.get("inspector", ""),
                result=text.get("result", ""), notes=text.get("notes", ""),
                actor=_user(request), today=today, now=_now(request), audit=audit,
            ),
            flash, N_("The inspection is recorded."),
        )


class TicketController(Controller):
    path = "/tickets"
    opt = {"access": "staff"}

    @post("/{ticket_id:int}/resolve")
    async def resolve(self, request: Request, audit: Any, flash: Any,
                      ticket_id: int) -> Response[Any]:
        unit_id = await register.ticket_unit(ticket_id)
        if unit_id is None:
            raise NotFoundException()
        await _guard(request, unit_id)
        data, _form_data = await _form(request)
        text = {k: v if isinstance(v, str) else "" for k, v in data.items()}
        try:
            parts_cost = parse_money(text.get("parts_cost", ""), required=False) or 0
        except BadValue as bad:
            return await _unit_page(request, unit_id, {"resolve": {"parts_cost": bad.message}},
                                    {"resolve": _text_values(data)}, status=422)
        return await _act(
            request, unit_id, "resolve", data,
            services.resolve_ticket(ticket_id, work_notes=text.get("work_notes", ""),
                                    parts_cost=parts_cost, outcome=text.get("outcome", ""),
                                    actor=_user(request), now=_now(request), audit=audit),
            flash, N_("The maintenance ticket is resolved."),
        )


async def _guard(request: Request, unit_id: int) -> None:
    """404 for an unknown unit, 403 for staff of another centre, before reading any input (the
    service checks again inside its transaction)."""
    unit = await Unit.select(Unit.centre).where(Unit.id == unit_id).first()
    if unit is None:
        raise NotFoundException()
    if not _user(request).can_act_for(unit["centre"]):
        raise PermissionDeniedException()


async def _act(request: Request, unit_id: int, form_name: str, data: dict[str, Any],
               action: Any, flash: Any, done: str) -> Response[Any]:
    """Run one unit service; on bad input re-render the unit page with the errors at the form,
    else back to the unit page with the message `done`."""
    try:
        await action
    except services.Invalid as invalid:
        errors = invalid.errors
    except services.Refused as refused:
        errors = {refused.field: refused.message}
    except (services.NotFound, services.NotAllowed) as exc:
        raise _http_error(exc) from None
    else:
        return _done(flash, f"/units/{unit_id}", done)
    return await _unit_page(request, unit_id, {form_name: errors},
                            {form_name: _text_values(data)}, status=422)


async def _unit_page(request: Request, unit_id: int, errors: dict[str, dict],
                     values: dict[str, dict], status: int = 200) -> Template:
    page = await register.unit_page(unit_id, _today(request))
    if page is None:
        raise NotFoundException()
    user = _user(request)
    return Template("inventory/unit.html", status_code=status, context={
        "page": page, "unit": page.unit, "can_act": user.can_act_for(page.unit["centre"]),
        "errors": errors, "values": values, "statuses": UNIT_STATUSES, "today": _today(request),
    })


class InspectionController(Controller):
    path = "/inspections"
    opt = {"access": "staff"}

    @get("/due")
    async def due(self, request: Request) -> Template:
        user = _user(request)
        today = _today(request)
        centre_ids = None if user.all_centres else set(user.centre_ids)
        due = await register.inspections_due(today=today, centre_ids=centre_ids)
        centres = await catalogue.active_centres()
        return Template("inventory/inspections_due.html", context={
            "due": due, "centres": [c for c in centres if c["id"] in due], "today": today,
        })


MAX_LABELS = 300


class LabelController(Controller):
    path = "/labels"
    opt = {"access": "staff"}

    @get("/")
    async def sheet(
        self,
        request: Request,
        unit: list[Annotated[int, Meta(ge=1, le=MAX_INT)]] | None = None,
        tool_type: int | None = Parameter(default=None, ge=1, le=MAX_INT),
        centre: int | None = Parameter(default=None, ge=1, le=MAX_INT),
    ) -> Template:
        """An A4 sheet of labels: the chosen units, or every unit of a tool type (at a centre)."""
        if tool_type:
            found = await register.units(today=_today(request), tool_type=tool_type, centre=centre,
                                         per_page=MAX_LABELS)
            units = found.items
        else:
            units = await register.units_by_ids((unit or [])[:MAX_LABELS])
        labels = [{"unit": u, "qr": qr_svg(u["asset_tag"])} for u in units]
        return Template("inventory/labels.html", context={"labels": labels})


# --- CSV import and export -------------------------------------------------------------------


def _csv_download(content: bytes, name: str, today: date) -> Response[bytes]:
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{today.isoformat()}.csv"',
        "Cache-Control": "no-store",
    })


class CatalogueFileController(Controller):
    """Coordinators: the catalogue and the unit register as CSV, and the import of tool types
    and units: upload, a dry run listing every row with its errors, then confirm. The confirm
    form carries the file itself (base64), which is checked again from scratch: nothing the
    browser says about the file being valid is believed."""

    path = "/manage"
    opt = {"access": "coordinator"}

    @get("/export/tool-types.csv")
    async def export_tool_types(self, request: Request) -> Response[bytes]:
        return _csv_download(await catalogue.export_tool_types(), "tool-types", _today(request))

    @get("/export/units.csv")
    async def export_units(self, request: Request) -> Response[bytes]:
        return _csv_download(await catalogue.export_units(), "units", _today(request))

    @get("/import")
    async def import_form(
        self,
        tool_types: int | None = Parameter(query="imported_tool_types", default=None, ge=0,
                                           le=MAX_INT),
        units: int | None = Parameter(query="imported_units", default=None, ge=0, le=MAX_INT),
    ) -> Template:
        done = None if tool_types is None or units is None else {"tool_types": tool_types,
                                                                 "units": units}
        return _import_page(None, {}, done=done)

    @post("/import", **CSV_UPLOAD)
    async def preview(self, request: Request) -> Template:
        """The dry run: every row checked against the database, nothing written."""
        data, _form_data = await _form(request)
        upload = data.get("file")
        if upload is None or isinstance(upload, str) or not hasattr(upload, "read"):
            return _import_page(None, {"file": N_("Choose a CSV file.")}, status=422)
        content = await upload.read(csvfiles.MAX_BYTES + 1)
        return await _checked(request, content)

    @post("/import/confirm", **CSV_UPLOAD)
    async def confirm(self, request: Request, audit: Any, flash: Any) -> Response[Any]:
        data, _form_data = await _form(request)
        raw = data.get("content")
        try:
            content = base64.b64decode(raw if isinstance(raw, str) else "", validate=True)
        except (binascii.Error, ValueError):
            content = b""
        sheet = csvfiles.read_csv(content)
        if sheet.error is not None:
            return _import_page(None, {"file": sheet.error}, status=422)
        try:
            plan = await services.import_catalogue(sheet, actor=_user(request),
                                                   today=_today(request), now=_now(request),
                                                   audit=audit)
        except services.Refused as refused:
            return await _checked(request, content, error=refused.message)
        if not plan.ok:
            return _import_page(plan, {}, content=content, status=422)
        response = _see_other(f"/manage/import?imported_tool_types={len(plan.tool_types)}"
                              f"&imported_units={len(plan.units)}")
        flash(response, "success", N_("The import is done."))
        return response


async def _checked(request: Request, content: bytes, error: str | None = None) -> Template:
    sheet = csvfiles.read_csv(content)
    if sheet.error is not None:
        return _import_page(None, {"file": sheet.error}, status=422)
    async with read_transaction():
        known = await catalogue.known_for_import()
    plan = csvfiles.check_rows(sheet, known, _today(request))
    errors = {"form": error} if error else {}
    return _import_page(plan, errors, content=content,
                        status=200 if plan.ok and not error else 422)


def _import_page(plan: csvfiles.Plan | None, errors: dict[str, Any], *, content: bytes = b"",
                 done: dict[str, int] | None = None, status: int = 200) -> Template:
    return Template("inventory/import.html", status_code=status, context={
        "plan": plan, "errors": errors, "done": done,
        "content": base64.b64encode(content).decode() if plan is not None and plan.ok else "",
        "tool_type_columns": csvfiles.TOOL_TYPE_COLUMNS[1:],
        "unit_columns": csvfiles.UNIT_COLUMNS[1:], "max_rows": csvfiles.MAX_ROWS,
        "max_mb": csvfiles.MAX_BYTES // media.MB,
    })


CONTROLLERS: list[type] = [
    MediaController,
    CatalogueFileController,
    CentreController,
    CategoryController,
    SkillController,
    ToolTypeController,
    UnitController,
    TicketController,
    InspectionController,
    LabelController,
]
