"""Catalogue management pages: centres, categories, skills, tool types, units, tickets,
inspections, labels, the catalogue as CSV, and the uploaded media.

Controllers parse the request, call one service (inventory.services) and answer: a page, or a
redirect with a message shown once. A refusal is a domain error the app's exception handler
answers (rental.kernel.responses): a form names its renderer (`on_error`), which draws it
again with the messages and the values sent. Staff act only on units of their own centres;
the services enforce it.

Uploads (a tool type's photo and manual, a ticket's photo) are checked by their content before
anything is written, written only once the rest of the form is valid, and removed again when
the database transaction fails (see inventory.media).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Parameter
from litestar.response import File, Template
from msgspec import Meta

from inventory import catalogue, csvfiles, label_rules, media, register, services
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.responses import Renderer, redirect, refusal_page
from rental.kernel.values import MAX_INT, whole_number
from rental.kernel.web import current_user, form_values, now, today


def _form_again(draw: Renderer) -> Renderer:
    """An `on_error` renderer: the refused form drawn again by `draw`, but a record that is not
    there or not the visitor's gets its error page, as on a page without a form."""

    async def render(request: Request, error: DomainError) -> Response:
        if error.kind in ("not_found", "forbidden"):
            return refusal_page(request, error)
        return await draw(request, error)

    return render


# --- uploads ---------------------------------------------------------------------------------


def _media_dir(request: Request) -> Any:
    return request.app.state.settings.media_dir


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


def _opening_days(form: Any) -> list[str]:
    return [day for day in form.getall("opening_days", []) if isinstance(day, str)]


@_form_again
async def _centre_form_again(request: Request, error: DomainError) -> Response:
    form = await request.form()
    page = await services.centre_form(request.path_params.get("centre_id"))
    return Template("inventory/centre_form.html", status_code=error.status, context={
        **page, "values": form_values(form), "days": _opening_days(form),
        "errors": error.errors})


class CentreController(Controller):
    path = "/manage/centres"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        return Template("inventory/centres.html", context=await services.centres_page())

    @get("/new")
    async def new(self) -> Template:
        return Template("inventory/centre_form.html", context=await services.centre_form())

    @post("/new", opt={"on_error": _centre_form_again})
    async def create(self, request: Request) -> Response[Any]:
        form = await request.form()
        await services.save_centre(form, _opening_days(form), actor=current_user(request),
                                   now=now(request))
        return redirect(request, "/manage/centres", N_("The centre is saved."))

    @get("/{centre_id:int}/edit")
    async def edit(self, centre_id: int) -> Template:
        return Template("inventory/centre_form.html",
                        context=await services.centre_form(centre_id))

    @post("/{centre_id:int}/edit", opt={"on_error": _centre_form_again})
    async def update(self, request: Request, centre_id: int) -> Response[Any]:
        form = await request.form()
        await services.save_centre(form, _opening_days(form), centre_id,
                                   actor=current_user(request), now=now(request))
        return redirect(request, "/manage/centres", N_("The centre is saved."))


# --- categories and skills -------------------------------------------------------------------


async def _named_form_again(kind: str, request: Request, error: DomainError) -> Response:
    page = await services.named_form(kind, request.path_params.get("record_id"))
    return Template(f"inventory/{kind}_form.html", status_code=error.status, context={
        **page, "values": form_values(await request.form()), "errors": error.errors})


@_form_again
async def _category_form_again(request: Request, error: DomainError) -> Response:
    return await _named_form_again("category", request, error)


@_form_again
async def _skill_form_again(request: Request, error: DomainError) -> Response:
    return await _named_form_again("skill", request, error)


class CategoryController(Controller):
    path = "/manage/categories"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        return Template("inventory/categories.html", context=await services.categories_page())

    @get("/new")
    async def new(self) -> Template:
        return Template("inventory/category_form.html",
                        context=await services.named_form("category"))

    @post("/new", opt={"on_error": _category_form_again})
    async def create(self, request: Request) -> Response[Any]:
        await services.save_category(await request.form(), actor=current_user(request),
                                     now=now(request))
        return redirect(request, "/manage/categories", N_("The category is saved."))

    @get("/{record_id:int}/edit")
    async def edit(self, record_id: int) -> Template:
        return Template("inventory/category_form.html",
                        context=await services.named_form("category", record_id))

    @post("/{record_id:int}/edit", opt={"on_error": _category_form_again})
    async def update(self, request: Request, record_id: int) -> Response[Any]:
        await services.save_category(await request.form(), record_id,
                                     actor=current_user(request), now=now(request))
        return redirect(request, "/manage/categories", N_("The category is saved."))


class SkillController(Controller):
    path = "/manage/skills"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self) -> Template:
        return Template("inventory/skills.html", context=await services.skills_page())

    @get("/new")
    async def new(self) -> Template:
        return Template("inventory/skill_form.html", context=await services.named_form("skill"))

    @post("/new", opt={"on_error": _skill_form_again})
    async def create(self, request: Request) -> Response[Any]:
        await services.save_skill(await request.form(), actor=current_user(request),
                                  now=now(request))
        return redirect(request, "/manage/skills", N_("The skill is saved."))

    @get("/{record_id:int}/edit")
    async def edit(self, record_id: int) -> Template:
        return Template("inventory/skill_form.html",
                        context=await services.named_form("skill", record_id))

    @post("/{record_id:int}/edit", opt={"on_error": _skill_form_again})
    async def update(self, request: Request, record_id: int) -> Response[Any]:
        await services.save_skill(await request.form(), record_id, actor=current_user(request),
                                  now=now(request))
        return redirect(request, "/manage/skills", N_("The skill is saved."))


# --- tool types ------------------------------------------------------------------------------


@_form_again
async def _tool_type_form_again(request: Request, error: DomainError) -> Response:
    page = await services.tool_type_form(request.path_params.get("tool_type_id"))
    return Template("inventory/tool_type_form.html", status_code=error.status, context={
        **page, "values": form_values(await request.form()), "errors": error.errors})


class ToolTypeController(Controller):
    path = "/manage/tool-types"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(
        self,
        q: str = Parameter(default="", max_length=100),
        page: int = Parameter(default=1, ge=1, le=10_000),
    ) -> Template:
        return Template("inventory/tool_types.html",
                        context=await services.tool_types_page(q, page))

    @get("/new")
    async def new(self) -> Template:
        return Template("inventory/tool_type_form.html", context=await services.tool_type_form())

    @post("/new", opt={"on_error": _tool_type_form_again}, **TOOL_TYPE_UPLOAD)
    async def create(self, request: Request) -> Response[Any]:
        await services.save_tool_type(await request.form(), media_dir=_media_dir(request),
                                      actor=current_user(request), now=now(request))
        return redirect(request, "/manage/tool-types", N_("The tool type is saved."))

    @get("/{tool_type_id:int}/edit")
    async def edit(self, tool_type_id: int) -> Template:
        return Template("inventory/tool_type_form.html",
                        context=await services.tool_type_form(tool_type_id))

    @post("/{tool_type_id:int}/edit", opt={"on_error": _tool_type_form_again},
          **TOOL_TYPE_UPLOAD)
    async def update(self, request: Request, tool_type_id: int) -> Response[Any]:
        await services.save_tool_type(await request.form(), tool_type_id,
                                      media_dir=_media_dir(request), actor=current_user(request),
                                      now=now(request))
        return redirect(request, "/manage/tool-types", N_("The tool type is saved."))


# --- units -----------------------------------------------------------------------------------


@_form_again
async def _unit_form_again(request: Request, error: DomainError) -> Response:
    page = await services.unit_form(current_user(request))
    return Template("inventory/unit_form.html", status_code=error.status, context={
        **page, "values": form_values(await request.form()), "errors": error.errors})


@_form_again
async def _unit_page_again(request: Request, error: DomainError) -> Response:
    """The unit page with the messages at the refused form (the route's opt "form")."""
    form_name = request.route_handler.opt["form"]
    page = await services.unit_page(request.path_params.get("unit_id"),
                                    ticket_id=request.path_params.get("ticket_id"),
                                    actor=current_user(request), today=today(request))
    return Template("inventory/unit.html", status_code=error.status, context={
        **page, "errors": {form_name: error.errors},
        "values": {form_name: form_values(await request.form())}})


def _unit_form_opt(form_name: str) -> dict[str, Any]:
    """A form of the unit page: for staff of the unit's centre, drawn again when refused."""
    return {"scope": "centre", "on_error": _unit_page_again, "form": form_name}


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
        return Template("inventory/units.html", context=await services.units_page(
            today=today(request), query=q, centre=centre, status=status, tool_type=tool_type,
            page=page))

    @get("/lookup")
    async def lookup(self, request: Request,
                     code: str = Parameter(default="", max_length=100)) -> Response[Any]:
        """A scanned or typed asset tag -> the unit's page, or a clear 'unknown tag' page."""
        unit_id = await register.unit_id_for_tag(code) if code.strip() else None
        if unit_id is not None:
            return redirect(request, f"/units/{unit_id}")
        return Template("inventory/lookup.html", context={"code": code.strip()},
                        status_code=404 if code.strip() else 200)

    @get("/new")
    async def new(self, request: Request,
                  tool_type: int | None = Parameter(default=None, ge=1, le=MAX_INT)) -> Template:
        return Template("inventory/unit_form.html",
                        context=await services.unit_form(current_user(request),
                                                         tool_type=tool_type))

    @post("/new", opt={"on_error": _unit_form_again})
    async def create(self, request: Request) -> Response[Any]:
        unit_id = await services.add_unit_from_form(
            await request.form(), actor=current_user(request), today=today(request),
            now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The unit is added."))

    @get("/{unit_id:int}", opt={"scope": "centre"})
    async def show(self, request: Request, unit_id: int) -> Template:
        """Staff read their own centres' units; coordinators and admins every centre's."""
        return Template("inventory/unit.html", context=await services.unit_page(
            unit_id, actor=current_user(request), today=today(request)))

    @post("/{unit_id:int}/status", opt=_unit_form_opt("status"))
    async def change_status(self, request: Request, unit_id: int) -> Response[Any]:
        fields = form_values(await request.form())
        await services.change_unit_status(unit_id, fields.get("status", ""),
                                          fields.get("reason", ""), actor=current_user(request),
                                          now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The status is changed."))

    @post("/{unit_id:int}/transfer", opt=_unit_form_opt("transfer"))
    async def transfer(self, request: Request, unit_id: int) -> Response[Any]:
        centre_id = whole_number((await request.form()).get("centre")) or 0
        await services.transfer_unit(unit_id, centre_id, actor=current_user(request),
                                     now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The unit is transferred."))

    @post("/{unit_id:int}/tickets", opt=_unit_form_opt("ticket"), **TICKET_UPLOAD)
    async def open_ticket(self, request: Request, unit_id: int) -> Response[Any]:
        await services.report_fault(unit_id, await request.form(), media_dir=_media_dir(request),
                                    actor=current_user(request), now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The maintenance ticket is opened."))

    @post("/{unit_id:int}/inspections", opt=_unit_form_opt("inspection"))
    async def inspect(self, request: Request, unit_id: int) -> Response[Any]:
        await services.record_inspection(unit_id, await request.form(),
                                         actor=current_user(request), today=today(request),
                                         now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The inspection is recorded."))


class TicketController(Controller):
    path = "/tickets"
    opt = {"access": "staff"}

    @post("/{ticket_id:int}/resolve", opt={"on_error": _unit_page_again, "form": "resolve"})
    async def resolve(self, request: Request, ticket_id: int) -> Response[Any]:
        unit_id = await services.resolve_ticket(ticket_id, await request.form(),
                                                actor=current_user(request), now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The maintenance ticket is resolved."))


class InspectionController(Controller):
    path = "/inspections"
    opt = {"access": "staff"}

    @get("/due")
    async def due(self, request: Request) -> Template:
        return Template("inventory/inspections_due.html",
                        context=await services.inspections_due_page(current_user(request),
                                                                    today(request)))


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
        stock: str = Parameter(default=label_rules.DEFAULT, max_length=40),
    ) -> Template:
        """Labels on the chosen stock: the chosen units, or every unit of a tool type (at a
        centre)."""
        return Template("inventory/labels.html", context=await services.label_sheet(
            today=today(request), unit_ids=unit or [], tool_type=tool_type, centre=centre,
            stock=stock))

    @get("/stock.css", media_type="text/css", cache_control=CacheControlHeader(max_age=3600))
    async def stylesheet(self) -> str:
        """Each stock's sizes, from the one table (no inline styles: the CSP forbids them)."""
        return label_rules.stylesheet()


# --- CSV import and export -------------------------------------------------------------------


def _csv_download(content: bytes, name: str, day: date) -> Response[bytes]:
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}-{day.isoformat()}.csv"',
        "Cache-Control": "no-store",
    })


@_form_again
async def _import_page_again(request: Request, error: DomainError) -> Response:
    page = await services.refused_import_page((await request.form()).get("content"),
                                              error.errors, today=today(request))
    return Template("inventory/import.html", status_code=error.status, context=page)


class CatalogueFileController(Controller):
    """Coordinators: the catalogue and the unit register as CSV, and the import of tool types
    and units: upload, a dry run listing every row with its errors, then confirm. The confirm
    form carries the file itself (base64), which is checked again from scratch: nothing the
    browser says about the file being valid is believed."""

    path = "/manage"
    opt = {"access": "coordinator"}

    @get("/export/tool-types.csv")
    async def export_tool_types(self, request: Request) -> Response[bytes]:
        return _csv_download(await catalogue.export_tool_types(), "tool-types", today(request))

    @get("/export/units.csv")
    async def export_units(self, request: Request) -> Response[bytes]:
        return _csv_download(await catalogue.export_units(), "units", today(request))

    @get("/import")
    async def import_form(
        self,
        tool_types: int | None = Parameter(query="imported_tool_types", default=None, ge=0,
                                           le=MAX_INT),
        units: int | None = Parameter(query="imported_units", default=None, ge=0, le=MAX_INT),
    ) -> Template:
        done = None if tool_types is None or units is None else {"tool_types": tool_types,
                                                                 "units": units}
        return Template("inventory/import.html", context=services.import_page(done=done))

    @post("/import", opt={"on_error": _import_page_again}, **CSV_UPLOAD)
    async def preview(self, request: Request) -> Template:
        """The dry run: every row checked against the database, nothing written."""
        page = await services.preview_import((await request.form()).get("file"),
                                             today=today(request))
        return Template("inventory/import.html", context=page,
                        status_code=200 if page["plan"].ok else 422)

    @post("/import/confirm", opt={"on_error": _import_page_again}, **CSV_UPLOAD)
    async def confirm(self, request: Request) -> Response[Any]:
        plan = await services.import_file((await request.form()).get("content"),
                                          actor=current_user(request), today=today(request),
                                          now=now(request))
        if not plan.ok:  # the database changed since the dry run: its rows again
            return Template("inventory/import.html", status_code=422,
                            context=services.import_page(plan))
        return redirect(request, f"/manage/import?imported_tool_types={len(plan.tool_types)}"
                        f"&imported_units={len(plan.units)}", N_("The import is done."))


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
