"""Kits: a tool type's parts list on its manage page (coordinators: add, change, remove a
part) and a unit's own counts on the unit's page (staff of its centre). Each handler calls one
service (inventory.parts); a refused form is drawn again with its messages by its fields."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from inventory import parts, services
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.responses import redirect, refusal_page
from rental.kernel.web import current_user, form_values, now, today


async def _parts_again(request: Request, error: DomainError) -> Response:
    """The parts page with the refused form's messages and values (a part's, or the new
    one's); a tool type or part that is not there gets its error page."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    page = await parts.parts_page(request.path_params["tool_type_id"], errors=error.errors,
                                  values=form_values(await request.form()),
                                  editing=request.path_params.get("part_id"))
    return Template("inventory/tool_type_parts.html", status_code=error.status, context=page)


class ToolTypePartController(Controller):
    path = "/manage/tool-types/{tool_type_id:int}/parts"
    opt = {"access": "coordinator"}

    @get("/")
    async def index(self, tool_type_id: int) -> Template:
        return Template("inventory/tool_type_parts.html",
                        context=await parts.parts_page(tool_type_id))

    @post("/", opt={"on_error": _parts_again})
    async def add(self, request: Request, tool_type_id: int) -> Response[Any]:
        await parts.add_part(tool_type_id, await request.form(), actor=current_user(request),
                             now=now(request))
        return redirect(request, f"/manage/tool-types/{tool_type_id}/parts",
                        N_("The part is added."))

    @post("/{part_id:int}/edit", opt={"on_error": _parts_again})
    async def change(self, request: Request, tool_type_id: int, part_id: int) -> Response[Any]:
        await parts.change_part(tool_type_id, part_id, await request.form(),
                                actor=current_user(request), now=now(request))
        return redirect(request, f"/manage/tool-types/{tool_type_id}/parts",
                        N_("The part is saved."))

    @post("/{part_id:int}/delete", opt={"on_error": _parts_again})
    async def remove(self, request: Request, tool_type_id: int, part_id: int) -> Response[Any]:
        await parts.remove_part(tool_type_id, part_id, actor=current_user(request),
                                now=now(request))
        return redirect(request, f"/manage/tool-types/{tool_type_id}/parts",
                        N_("The part is removed."))


async def _unit_again(request: Request, error: DomainError) -> Response:
    """The unit page with the parts form's messages and values."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    page = await services.unit_page(request.path_params["unit_id"],
                                    actor=current_user(request), today=today(request))
    return Template("inventory/unit.html", status_code=error.status, context={
        **page, "errors": {"parts": error.errors},
        "values": {"parts": form_values(await request.form())}})


class UnitPartController(Controller):
    path = "/units/{unit_id:int}/parts"
    opt = {"access": "staff", "scope": "centre"}

    @post("/", opt={"on_error": _unit_again})
    async def save(self, request: Request, unit_id: int) -> Response[Any]:
        """Staff say how many of each part this unit has where it differs from its type."""
        await parts.set_unit_counts(unit_id, await request.form(),
                                    actor=current_user(request), now=now(request))
        return redirect(request, f"/units/{unit_id}", N_("The parts are saved."))


CONTROLLERS: list[type] = [ToolTypePartController, UnitPartController]
