"""The units API (issue 22): the unit register (list, read, add), a unit's status, its transfer
to another centre, its maintenance tickets (open, resolve) and its electrical safety
inspections (record, the due list). Each route calls the service its page calls
(inventory.services), so the rules, the refusals and their messages are the pages': desk staff
act on the units of their own centres (another centre's: 403), coordinators and admins on
every centre's; the register itself is read by every desk, as on the page. A body's fields are
the page form's, so a refusal names the same fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter
from msgspec import Meta

from inventory import media, register, services
from rental.kernel import api, web
from rental.kernel.api import ApiController, Money, Named, PageParam, Paging, PerPageParam, named
from rental.kernel.values import MAX_INT, MAX_MONEY_TETRI, money_input
from rental.kernel.web import Id, current_user, days_in_window

UnitStatus = Literal["available", "maintenance", "retired", "lost"]
# an amount the forms take: more is a typing slip (a 400, as any number out of bounds)
Amount = Annotated[int, Meta(ge=0, le=MAX_MONEY_TETRI)]


# --- what the API answers ----------------------------------------------------------------------


@dataclass
class UnitItem:
    id: int
    asset_tag: str
    tool_type: Named
    centre: Named
    status: str  # available, maintenance, retired, lost
    status_reason: str  # why it was retired or lost
    condition: str  # new, good, fair, poor
    serial_number: str
    acquired_on: date | None
    cost_tetri: int | None
    cost: Money | None
    donor: str
    inspection_interval_days: int | None  # null: its tool type needs no inspections
    last_inspected_on: date | None
    last_inspection_result: str | None  # pass, fail
    inspection_due_on: date | None  # null: none needed, or never inspected (then "overdue")
    inspection_state: str | None  # ok, due_soon, overdue, failed; null: none needed


@dataclass
class UnitList(Paging):
    items: list[UnitItem]


@dataclass
class TicketOut:
    id: int
    unit_id: int
    status: str  # open, resolved
    opened_at: datetime
    opened_by: int | None  # the account's id
    description: str
    photo_url: str | None
    outcome: str | None  # repaired, beyond_repair
    work_notes: str
    parts_cost_tetri: int
    parts_cost: Money
    resolved_at: datetime | None
    resolved_by: int | None


@dataclass
class InspectionOut:
    id: int
    unit_id: int
    inspected_on: date
    inspector: str
    result: str  # pass, fail
    notes: str
    recorded_at: datetime
    recorded_by: int | None


@dataclass
class EventOut:
    at: datetime
    kind: str  # created, status, transfer, ticket_opened, ticket_resolved, inspection
    from_value: str
    to_value: str
    note: str
    actor: int | None


@dataclass
class PartOut:
    """A part that goes out with the unit; its id is what check-in's `missing_parts` names."""

    part: Named
    count: int  # this unit's (0: it lacks the part)
    type_count: int  # its tool type's
    replacement_cost_tetri: int
    replacement_cost: Money


@dataclass
class UnitDetail(UnitItem):
    parts: list[PartOut]  # in the order the desk's checklist shows them
    tickets: list[TicketOut]  # the latest first; at most one open
    inspections: list[InspectionOut]  # the latest first
    history: list[EventOut]  # the latest first


@dataclass
class InspectionDueList(Paging):
    items: list[UnitItem]  # by centre, then the day each is due


# --- what the API takes: the page forms' fields ------------------------------------------------


@dataclass
class UnitIn:
    tool_type: Id
    centre: Id  # one of the centres the account works for
    condition: str = "good"  # new, good, fair, poor
    serial_number: str = ""
    acquired_on: date | None = None
    cost_tetri: Amount | None = None
    donor: str = ""

    def __post_init__(self) -> None:
        days_in_window(self.acquired_on)


@dataclass
class StatusIn:
    status: str  # available, maintenance, retired, lost
    reason: str = ""  # required to retire it


@dataclass
class TransferIn:
    centre: Id  # an active centre, not the unit's


@dataclass
class TicketIn:
    description: str  # what is wrong


@dataclass
class ResolveIn:
    outcome: str  # repaired (available again) or beyond_repair (retired)
    work_notes: str = ""
    parts_cost_tetri: Amount = 0


@dataclass
class InspectionIn:
    inspected_on: date  # today or before
    inspector: str
    result: str  # pass, fail
    notes: str = ""

    def __post_init__(self) -> None:
        days_in_window(self.inspected_on)


# --- from rows to answers ----------------------------------------------------------------------


def _unit(row: dict[str, Any]) -> dict[str, Any]:
    due = row["inspection_due_on"]
    return dict(
        id=row["id"], asset_tag=row["asset_tag"], tool_type=named(row, "tool_name", "tool_type"),
        centre=named(row, "centre_name", "centre"), status=row["status"],
        status_reason=row["status_reason"] or "", condition=row["condition"],
        serial_number=row["serial_number"] or "", acquired_on=row["acquired_on"],
        cost_tetri=row["cost"], cost=None if row["cost"] is None else api.money(row["cost"]),
        donor=row["donor"] or "", inspection_interval_days=row["interval_days"],
        last_inspected_on=row["last_inspected_on"],
        last_inspection_result=row["last_inspection_result"],
        inspection_due_on=None if due == date.min else due,  # date.min: never inspected
        inspection_state=row["inspection_state"])


def _ticket(row: dict[str, Any]) -> TicketOut:
    return TicketOut(
        id=row["id"], unit_id=row["unit"],
        status="open" if row["resolved_at"] is None else "resolved",
        opened_at=row["opened_at"], opened_by=row["opened_by"], description=row["description"],
        photo_url=media.media_url(row["photo"]) if row["photo"] else None,
        outcome=row["outcome"], work_notes=row["work_notes"] or "",
        parts_cost_tetri=row["parts_cost"], parts_cost=api.money(row["parts_cost"]),
        resolved_at=row["resolved_at"], resolved_by=row["resolved_by"])


def _inspection(row: dict[str, Any]) -> InspectionOut:
    return InspectionOut(
        id=row["id"], unit_id=row["unit"], inspected_on=row["inspected_on"],
        inspector=row["inspector"], result=row["result"], notes=row["notes"] or "",
        recorded_at=row["recorded_at"], recorded_by=row["recorded_by"])


def _detail(view: dict[str, Any]) -> UnitDetail:
    page = view["page"]
    return UnitDetail(
        **_unit(page.unit), parts=[PartOut(
            part=named(part, "name", "id"), count=part["count"], type_count=part["type_count"],
            replacement_cost_tetri=part["replacement_cost"],
            replacement_cost=api.money(part["replacement_cost"])) for part in view["parts"]],
        tickets=[_ticket(row) for row in page.tickets],
        inspections=[_inspection(row) for row in page.inspections],
        history=[EventOut(at=e["at"], kind=e["kind"], from_value=e["from_value"] or "",
                          to_value=e["to_value"] or "", note=e["note"] or "", actor=e["actor"])
                 for e in page.events])


async def _unit_view(request: Request, unit_id: int) -> dict[str, Any]:
    return await services.unit_page(unit_id, actor=current_user(request),
                                     today=web.today(request))


async def _staff_of_the_units_centre(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Another centre's desk is refused (403) before the body is read, so it learns nothing
    from a 400 or 422; the service checks again inside its transaction."""
    centre = await register.unit_centre(connection.path_params["unit_id"])
    if centre is not None and not current_user(connection).can_act_for(centre):
        raise PermissionDeniedException()


# Routes on one unit: for the desk of the unit's centre (the role matrix refuses another's).
def _of_the_centre() -> dict[str, Any]:
    return {"opt": {"scope": "centre"}, "guards": [_staff_of_the_units_centre]}


# --- OpenAPI links and examples ----------------------------------------------------------------

FROM_THE_UNIT = {
    "read": api.link_to("getUnit", "unit_id", "Read the unit."),
    "status": api.link_to("changeUnitStatus", "unit_id", "Change its status."),
    "ticket": api.link_to("openTicket", "unit_id", "Report a fault."),
    "inspection": api.link_to("recordInspection", "unit_id", "Record an inspection."),
}
DRILL = {"id": 7, "name_ka": "აკუმულატორიანი დრელი", "name_en": "Cordless drill",
         "name_ru": "Аккумуляторная дрель"}
SAMGORI = {"id": 1, "name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre",
           "name_ru": "Центр Самгори"}
UNIT = {"id": 19, "asset_tag": "SMG-0012", "tool_type": DRILL, "centre": SAMGORI,
        "status": "available", "status_reason": "", "condition": "good",
        "serial_number": "DF-331-0912", "acquired_on": "2026-01-05", "cost_tetri": 24990,
        "cost": {"tetri": 24990, "text": "249,90 ₾"}, "donor": "UNDP",
        "inspection_interval_days": 180, "last_inspected_on": "2026-10-01",
        "last_inspection_result": "pass", "inspection_due_on": "2027-03-30",
        "inspection_state": "ok"}
TICKET = {"id": 3, "unit_id": 19, "status": "open", "opened_at": "2026-12-05T09:30:00Z",
          "opened_by": 3, "description": "The chuck slips under load.", "photo_url": None,
          "outcome": None, "work_notes": "", "parts_cost_tetri": 0,
          "parts_cost": {"tetri": 0, "text": "0,00 ₾"}, "resolved_at": None,
          "resolved_by": None}
RESOLVED = {**TICKET, "status": "resolved", "outcome": "repaired",
            "work_notes": "New chuck fitted.", "parts_cost_tetri": 1850,
            "parts_cost": {"tetri": 1850, "text": "18,50 ₾"},
            "resolved_at": "2026-12-06T11:00:00Z", "resolved_by": 3}
INSPECTION = {"id": 12, "unit_id": 19, "inspected_on": "2026-12-05",
              "inspector": "ნინო ბერიძე", "result": "pass", "notes": "",
              "recorded_at": "2026-12-05T10:00:00Z", "recorded_by": 3}
CHARGER = {"part": {"id": 4, "name_ka": "დამტენი", "name_en": "Charger",
                    "name_ru": "Зарядное устройство"},
           "count": 1, "type_count": 1, "replacement_cost_tetri": 3500,
           "replacement_cost": {"tetri": 3500, "text": "35,00 ₾"}}
DETAIL = {**UNIT, "parts": [CHARGER], "tickets": [RESOLVED], "inspections": [INSPECTION],
          "history": [
    {"at": "2026-12-06T11:00:00Z", "kind": "ticket_resolved", "from_value": "maintenance",
     "to_value": "available", "note": "New chuck fitted.", "actor": 3}]}
NEW_UNIT = {"tool_type": 7, "centre": 1, "condition": "new", "serial_number": "DF-331-0913",
            "acquired_on": "2026-12-01", "cost_tetri": 24990, "donor": "UNDP"}


# --- the controllers ---------------------------------------------------------------------------


class UnitsApi(ApiController):
    path = "/api/v1/units"
    opt = {"access": "staff"}
    tags = ["units"]

    @get("/", operation_id="listUnits", responses=api.answer(200, UnitList, {
        "items": [UNIT], "total": 1, "page": 1, "pages": 1, "next": None}))
    async def list_units(
        self, request: Request,
        q: Annotated[str, Parameter(max_length=100, description=(
            "an asset tag, or words of the tool type's name"))] = "",
        centre: Annotated[int | None, Parameter(ge=1, le=MAX_INT, description=(
            "the centre's id"))] = None,
        tool_type: Annotated[int | None, Parameter(ge=1, le=MAX_INT, description=(
            "the tool type's id"))] = None,
        status: Annotated[UnitStatus | None, Parameter(description="those in it")] = None,
        page: PageParam = 1, per_page: PerPageParam = 50,
    ) -> UnitList:
        """The unit register, as on the units page (every centre's, for every desk), by
        centre and asset tag; past the last page, the last one."""
        found = (await services.units_page(
            today=web.today(request), query=q, centre=centre, status=status or "",
            tool_type=tool_type, page=page, per_page=per_page))["found"]
        return UnitList(items=[UnitItem(**_unit(row)) for row in found.items], **api.paging(
            request, total=found.total, page=found.page, per_page=per_page))

    @get("/{unit_id:int}", operation_id="getUnit", opt={"scope": "centre"},
         responses=api.answer(200, UnitDetail, DETAIL))
    async def read(self, request: Request, unit_id: int) -> UnitDetail:
        """A unit with its tickets, inspections and history: the desk of its centre, or a
        coordinator (another centre's desk: 403)."""
        return _detail(await _unit_view(request, unit_id))

    @post("/", operation_id="addUnit", status_code=201,
          operation_class=api.linked(201, FROM_THE_UNIT), responses={
              **api.refusals(422), **api.answer(201, UnitDetail, {
                  **DETAIL, "parts": [], "tickets": [], "inspections": [], "history": [
                      {"at": "2026-12-05T09:00:00Z", "kind": "created", "from_value": "",
                       "to_value": "SMG-0012", "note": "", "actor": 3}]}, "Added")})
    async def add(self, request: Request, data: Annotated[UnitIn, Body(examples=[
            Example(summary="a donated drill at Samgori", value=NEW_UNIT)])],
    ) -> Response[UnitDetail]:
        """Add a unit of a tool type at one of the account's centres, with the centre's next
        asset tag (the new unit form's fields, checks and messages)."""
        unit_id = await services.add_unit_from_form({
            "tool_type": str(data.tool_type), "centre": str(data.centre),
            "condition": data.condition, "serial_number": data.serial_number,
            "acquired_on": data.acquired_on.isoformat() if data.acquired_on else "",
            "cost": money_input(data.cost_tetri), "donor": data.donor,
        }, actor=current_user(request), today=web.today(request), now=web.now(request))
        return Response(_detail(await _unit_view(request, unit_id)), status_code=201)

    @post("/{unit_id:int}/status", operation_id="changeUnitStatus", status_code=200,
          **_of_the_centre(), responses={**api.refusals(422), **api.answer(200, UnitDetail, {
              **DETAIL, "status": "retired", "status_reason": "cracked housing"}, "Changed")})
    async def change_status(self, request: Request, unit_id: int, data: Annotated[
            StatusIn, Body(examples=[Example(summary="retired", value={
                "status": "retired", "reason": "cracked housing"})])]) -> UnitDetail:
        """Change a unit's status as on its page: a reason to retire it; 422 while a
        maintenance ticket is open (resolve it), or when it has this status already."""
        await services.change_unit_status(unit_id, data.status, data.reason,
                                          actor=current_user(request), now=web.now(request))
        return _detail(await _unit_view(request, unit_id))

    @post("/{unit_id:int}/transfer", operation_id="transferUnit", status_code=200,
          **_of_the_centre(), responses={**api.refusals(422), **api.answer(200, UnitItem, {
              **UNIT, "centre": {"id": 2, "name_ka": "ქუთაისის ცენტრი",
                                   "name_en": "Kutaisi centre", "name_ru": "Центр Кутаиси"}},
              "Transferred")})
    async def transfer(self, request: Request, unit_id: int, data: Annotated[
            TransferIn, Body(examples=[Example(summary="to Kutaisi", value={"centre": 2})])],
    ) -> UnitItem:
        """Move a unit to another active centre at once, as on its page: 422 while it is
        reserved or out on loan, or on its way between centres (a transfer request's unit is
        received by scanning it in at /transfers). The answer: the unit as the register lists
        it now (its page is its new centre's desk's)."""
        await services.transfer_unit(unit_id, data.centre, actor=current_user(request),
                                     now=web.now(request))
        return UnitItem(**_unit(await services.register_entry(unit_id,
                                                                today=web.today(request))))

    @post("/{unit_id:int}/tickets", operation_id="openTicket", status_code=201,
          **_of_the_centre(), responses={**api.refusals(422), **api.answer(
              201, TicketOut, TICKET, "Opened")})
    async def open_ticket(self, request: Request, unit_id: int, data: Annotated[
            TicketIn, Body(examples=[Example(summary="a fault", value={
                "description": "The chuck slips under load."})])]) -> Response[TicketOut]:
        """Report a fault: the unit goes to maintenance until the ticket is resolved (one
        open ticket a unit; 422 for a retired or lost unit). A photo: on the unit's page."""
        ticket_id = await services.report_fault(
            unit_id, {"description": data.description},
            media_dir=request.app.state.settings.media_dir, actor=current_user(request),
            now=web.now(request))
        return Response(await _ticket_of(request, unit_id, ticket_id), status_code=201)

    @post("/{unit_id:int}/tickets/{ticket_id:int}/resolve", operation_id="resolveTicket",
          status_code=200, **_of_the_centre(), responses={**api.refusals(422), **api.answer(
              200, TicketOut, RESOLVED, "Resolved")})
    async def resolve_ticket(self, request: Request, unit_id: int, ticket_id: int, data:
                             Annotated[ResolveIn, Body(examples=[Example(
                                 summary="repaired", value={
                                     "outcome": "repaired", "work_notes": "New chuck fitted.",
                                     "parts_cost_tetri": 1850})])]) -> TicketOut:
        """Close the unit's ticket, as on its page: repaired, the unit is available again;
        beyond repair, it is retired. 422 when the ticket is resolved already."""
        await services.resolve_ticket(ticket_id, {
            "outcome": data.outcome, "work_notes": data.work_notes,
            "parts_cost": money_input(data.parts_cost_tetri)}, unit_id=unit_id,
            actor=current_user(request), now=web.now(request))
        return await _ticket_of(request, unit_id, ticket_id)

    @post("/{unit_id:int}/inspections", operation_id="recordInspection", status_code=201,
          **_of_the_centre(), responses={**api.refusals(422), **api.answer(
              201, InspectionOut, INSPECTION, "Recorded")})
    async def inspect(self, request: Request, unit_id: int, data: Annotated[
            InspectionIn, Body(examples=[Example(summary="passed", value={
                "inspected_on": "2026-12-05", "inspector": "ნინო ბერიძე",
                "result": "pass"})])]) -> Response[InspectionOut]:
        """Record an electrical safety inspection, as on the unit's page (422: its tool type
        needs none, a day in the future, a missing inspector)."""
        inspection_id = await services.record_inspection(unit_id, {
            "inspected_on": data.inspected_on.isoformat(), "inspector": data.inspector,
            "result": data.result, "notes": data.notes}, actor=current_user(request),
            today=web.today(request), now=web.now(request))
        view = await _unit_view(request, unit_id)
        return Response(next(_inspection(row) for row in view["page"].inspections
                             if row["id"] == inspection_id), status_code=201)


async def _ticket_of(request: Request, unit_id: int, ticket_id: int) -> TicketOut:
    view = await _unit_view(request, unit_id)
    return next(_ticket(row) for row in view["page"].tickets if row["id"] == ticket_id)


class InspectionsApi(ApiController):
    path = "/api/v1/inspections"
    opt = {"access": "staff"}
    tags = ["units"]

    @get("/due", operation_id="listInspectionsDue", responses=api.answer(
        200, InspectionDueList, {"items": [{**UNIT, "inspection_state": "due_soon",
                                            "inspection_due_on": "2026-12-12"}],
                                 "total": 1, "page": 1, "pages": 1, "next": None}))
    async def due(
        self, request: Request,
        centre: Annotated[int | None, Parameter(ge=1, le=MAX_INT, description=(
            "one of the account's centres (another: 403); none: all of them"))] = None,
        within_days: Annotated[int, Parameter(ge=0, le=366, description=(
            "those due within this many days, besides the failed and the overdue"))] = 14,
        page: PageParam = 1, per_page: PerPageParam = 50,
    ) -> InspectionDueList:
        """Units in circulation whose inspection failed, is overdue or is due soon, at the
        account's centres (coordinators: every centre), as on the inspections page."""
        due = await services.inspections_due_list(
            current_user(request), web.today(request), centre=centre, within_days=within_days)
        start = (page - 1) * per_page
        return InspectionDueList(
            items=[UnitItem(**_unit(row)) for row in due[start:start + per_page]],
            **api.paging(request, total=len(due), page=page, per_page=per_page))


CONTROLLERS = [UnitsApi, InspectionsApi]
