"""The transfers API (issue 22): requests for units between centres, as the transfer pages have
them (issue 23): the list of the account's centres' requests in and out, one request with its
units, a new request, and the steps on it: the sender scans units out (dispatch) or declines
it, the receiver scans them in (receive) or cancels it. Each route calls the service its page
calls (bookings.lending.transfers; the list: transfer_list beside transfers_page, paged), so
the rules, the refusals and their messages are the pages': staff act for their own centres'
requests (an uninvolved centre's: 403, from the service, since a request names two centres and
the path none), coordinators and admins for every centre's. A body is turned into the page
form's mapping; a refusal names the body's fields (tool_type_id, sender_id, receiver_id,
asset_tag, ...), not the form's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter
from msgspec import Meta

from bookings.lending import transfers
from rental.kernel import api, web
from rental.kernel.api import ApiController, Named, PageParam, Paging, PerPageParam, named
from rental.kernel.values import MAX_INT
from rental.kernel.web import Id, current_user, days_in_window

TransferStatus = Literal["requested", "dispatched", "received", "declined", "cancelled"]
# the service checks the quantity (1 to 20, a 422 naming it); beyond these it is a 400
Quantity = Annotated[int, Meta(ge=-MAX_INT, le=MAX_INT)]


# --- what the API answers ----------------------------------------------------------------------


@dataclass
class TransferSummary:
    id: int
    tool_type: Named
    sender: Named  # the centre asked for the units
    sender_code: str
    receiver: Named  # the centre that asks
    receiver_code: str
    quantity: int  # units asked for
    needed_by: date | None
    reason: str
    status: str  # requested, dispatched, received, declined, cancelled
    requested_at: datetime
    dispatched_at: datetime | None  # the first unit sent
    received_at: datetime | None  # the last unit on the road received
    closed_at: datetime | None  # declined or cancelled
    close_reason: str
    sent: int  # units dispatched so far
    in_transit: int  # of them, not received yet
    steps: list[str]  # what the asker may do next: dispatch, receive, decline, cancel


@dataclass
class TransferUnit:
    unit_id: int
    asset_tag: str
    dispatched_at: datetime
    dispatched_by: int | None  # the account's id
    dispatched_by_name: str
    received_at: datetime | None  # null: on the road
    received_by: int | None
    received_by_name: str


@dataclass
class TransferDetail(TransferSummary):
    items: list[TransferUnit]  # in the order they were sent
    # a member's booking picked up at the receiver, whose unit this request brings
    booking_id: int | None = None


@dataclass
class TransferList(Paging):
    items: list[TransferSummary]  # the newest request first


# --- what the API takes ------------------------------------------------------------------------


@dataclass
class TransferIn:
    tool_type_id: Id  # an active tool type
    sender_id: Id  # the centre asked: another active centre
    receiver_id: Id  # the centre that asks: one the account works for
    quantity: Quantity = 1  # 1 to 20
    needed_by: date | None = None  # today or later
    reason: str = ""  # at most 300 characters

    def __post_init__(self) -> None:
        days_in_window(self.needed_by)


@dataclass
class TagIn:
    asset_tag: str  # the unit's tag, as scanned or typed


@dataclass
class ReasonIn:
    reason: str  # why: required, at most 300 characters


# --- from the services' rows -------------------------------------------------------------------


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return dict(
        id=row["id"], tool_type=named(row, "tool_name", "tool_type"),
        sender=named(row, "sender_name", "sender"), sender_code=row["sender_code"] or "",
        receiver=named(row, "receiver_name", "receiver"),
        receiver_code=row["receiver_code"] or "", quantity=row["quantity"],
        needed_by=row["needed_by"], reason=row["reason"] or "", status=row["status"],
        requested_at=row["requested_at"], dispatched_at=row["dispatched_at"],
        received_at=row["received_at"], closed_at=row["closed_at"],
        close_reason=row["close_reason"] or "", sent=row["sent"],
        in_transit=row["in_transit"], steps=list(row["steps"]))


def _detail(view: dict[str, Any]) -> TransferDetail:
    row = view["transfer"]
    return TransferDetail(**_summary(row), items=[TransferUnit(
        unit_id=unit["unit"], asset_tag=unit["tag"] or "", dispatched_at=unit["dispatched_at"],
        dispatched_by=unit["dispatched_by"], dispatched_by_name=unit["sent_by"] or "",
        received_at=unit["received_at"], received_by=unit["received_by"],
        received_by_name=unit["received_by_name"] or "") for unit in row["units"]],
        booking_id=row["booking"]["id"] if row["booking"] else None)


async def _read(request: Request, transfer_id: int) -> TransferDetail:
    return _detail(await transfers.request_page(transfer_id, current_user(request)))


@contextmanager
def _named_as(**fields: str) -> Iterator[None]:
    """A refusal names the body's fields where the form's differ (tag -> asset_tag)."""
    try:
        yield
    except transfers.TransferError as exc:
        raise transfers.TransferError(exc.kind, {
            fields.get(key, key): message for key, message in exc.errors.items()}) from None


# --- OpenAPI links and examples ----------------------------------------------------------------

FROM_THE_REQUEST = {
    "read": api.link_to("getTransfer", "transfer_id", "Read the request."),
    "dispatch": api.link_to("dispatchTransfer", "transfer_id", "Send a unit (the sender)."),
}
DRILL = {"id": 7, "name_ka": "აკუმულატორიანი დრელი", "name_en": "Cordless drill",
         "name_ru": "Аккумуляторная дрель"}
SAMGORI = {"id": 1, "name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre",
           "name_ru": "Центр Самгори"}
KUTAISI = {"id": 2, "name_ka": "ქუთაისის ცენტრი", "name_en": "Kutaisi centre",
           "name_ru": "Центр Кутаиси"}
REQUESTED = {
    "id": 5, "tool_type": DRILL, "sender": SAMGORI, "sender_code": "SMG", "receiver": KUTAISI,
    "receiver_code": "KUT", "quantity": 2, "needed_by": "2026-12-12",
    "reason": "Three members wait for one", "status": "requested",
    "requested_at": "2026-12-05T09:00:00Z", "dispatched_at": None, "received_at": None,
    "closed_at": None, "close_reason": "", "sent": 0, "in_transit": 0,
    "steps": ["dispatch", "decline"]}
SENT_UNIT = {"unit_id": 19, "asset_tag": "SMG-0012", "dispatched_at": "2026-12-05T11:00:00Z",
             "dispatched_by": 3, "dispatched_by_name": "გიორგი", "received_at": None,
             "received_by": None, "received_by_name": ""}
DISPATCHED = {**REQUESTED, "status": "dispatched", "dispatched_at": "2026-12-05T11:00:00Z",
              "sent": 1, "in_transit": 1, "steps": ["dispatch"], "items": [SENT_UNIT]}
RECEIVED = {**DISPATCHED, "status": "received", "received_at": "2026-12-06T10:00:00Z",
            "in_transit": 0, "steps": [], "items": [{
                **SENT_UNIT, "received_at": "2026-12-06T10:00:00Z", "received_by": 9,
                "received_by_name": "ქუთაისის დესკი"}]}
DECLINED = {**REQUESTED, "status": "declined", "closed_at": "2026-12-05T10:00:00Z",
            "close_reason": "Both are booked this week", "steps": [], "items": []}
CANCELLED = {**DECLINED, "status": "cancelled", "close_reason": "Bought one ourselves"}
REASON = {"reason": "Both are booked this week"}


# --- the controller ----------------------------------------------------------------------------


class TransfersApi(ApiController):
    path = "/api/v1/transfers"
    opt = {"access": "staff"}
    tags = ["transfers"]

    @get("/", operation_id="listTransfers", responses=api.answer(200, TransferList, {
        "items": [REQUESTED], "total": 1, "page": 1, "pages": 1, "next": None}))
    async def list_transfers(
        self, request: Request,
        status: Annotated[TransferStatus | None, Parameter(description="those in it")] = None,
        page: PageParam = 1, per_page: PerPageParam = 50,
    ) -> TransferList:
        """The requests of the account's centres, in and out (coordinators: every centre's),
        the newest first, each with what the account may do next."""
        rows, total = await transfers.transfer_list(current_user(request), status=status,
                                                    page=page, per_page=per_page)
        return TransferList(items=[TransferSummary(**_summary(row)) for row in rows],
                            **api.paging(request, total=total, page=page, per_page=per_page))

    @get("/{transfer_id:int}", operation_id="getTransfer",
         responses=api.answer(200, TransferDetail, DISPATCHED))
    async def read(self, request: Request, transfer_id: int) -> TransferDetail:
        """A request with its units: their tags, who sent each and when, who received it and
        when. For the staff of its two centres (another centre's: 403) and coordinators."""
        return await _read(request, transfer_id)

    @post("/", operation_id="requestTransfer", status_code=201,
          operation_class=api.linked(201, FROM_THE_REQUEST), responses={
              **api.refusals(422), **api.answer(201, TransferDetail, {**REQUESTED, "items": []},
                                                "Requested")})
    async def create(self, request: Request, data: Annotated[TransferIn, Body(examples=[
            Example(summary="Kutaisi asks Samgori for two drills", value={
                "tool_type_id": 7, "sender_id": 1, "receiver_id": 2, "quantity": 2,
                "needed_by": "2026-12-12", "reason": "Three members wait for one"})])],
    ) -> Response[TransferDetail]:
        """Ask another centre for units of a tool type, as on the request form: the receiver
        is one of the account's centres, the sender another; 1 to 20 units; the day needed
        today or later. 422 names the fields."""
        with _named_as(tool_type="tool_type_id", sender="sender_id", receiver="receiver_id"):
            transfer_id = await transfers.create_request({
                "tool_type": data.tool_type_id, "sender": data.sender_id,
                "receiver": data.receiver_id, "quantity": data.quantity,
                "needed_by": data.needed_by.isoformat() if data.needed_by else "",
                "reason": data.reason}, actor=current_user(request), today=web.today(request),
                now=web.now(request))
        return Response(await _read(request, transfer_id), status_code=201)

    @post("/{transfer_id:int}/dispatch", operation_id="dispatchTransfer", status_code=200,
          responses={**api.refusals(422), **api.answer(200, TransferDetail, DISPATCHED,
                                                        "Sent")})
    async def dispatch(self, request: Request, transfer_id: int, data: Annotated[
            TagIn, Body(examples=[Example(summary="a scanned unit",
                                          value={"asset_tag": "SMG-0012"})])],
    ) -> TransferDetail:
        """The sender scans a unit out: of the tool type asked for, at the sending centre,
        available and not reserved or out on loan; it is in transit until received. 422: no
        such unit, not one that may go, every unit asked for sent already, or the request
        moved on."""
        with _named_as(tag="asset_tag"):
            await transfers.dispatch(transfer_id, data.asset_tag, actor=current_user(request),
                                     today=web.today(request), now=web.now(request))
        return await _read(request, transfer_id)

    @post("/{transfer_id:int}/receive", operation_id="receiveTransfer", status_code=200,
          responses={**api.refusals(422), **api.answer(200, TransferDetail, RECEIVED,
                                                        "Received")})
    async def receive(self, request: Request, transfer_id: int, data: Annotated[
            TagIn, Body(examples=[Example(summary="a scanned unit",
                                          value={"asset_tag": "SMG-0012"})])],
    ) -> TransferDetail:
        """The receiver scans a unit in: it belongs to the receiving centre from now on; once
        none is on the road the request is received. 422: not a unit on its way with this
        request."""
        with _named_as(tag="asset_tag"):
            await transfers.receive(transfer_id, data.asset_tag, actor=current_user(request),
                                    now=web.now(request))
        return await _read(request, transfer_id)

    @post("/{transfer_id:int}/decline", operation_id="declineTransfer", status_code=200,
          responses={**api.refusals(422), **api.answer(200, TransferDetail, DECLINED,
                                                        "Declined")})
    async def decline(self, request: Request, transfer_id: int, data: Annotated[
            ReasonIn, Body(examples=[Example(summary="why not", value=REASON)])],
    ) -> TransferDetail:
        """The sender declines a request nothing was sent for yet, saying why."""
        await transfers.close(transfer_id, "decline", {"reason": data.reason},
                              actor=current_user(request), now=web.now(request))
        return await _read(request, transfer_id)

    @post("/{transfer_id:int}/cancel", operation_id="cancelTransfer", status_code=200,
          responses={**api.refusals(422), **api.answer(200, TransferDetail, CANCELLED,
                                                        "Cancelled")})
    async def cancel(self, request: Request, transfer_id: int, data: Annotated[
            ReasonIn, Body(examples=[Example(summary="not needed", value={
                "reason": "Bought one ourselves"})])],
    ) -> TransferDetail:
        """The receiver cancels its request before anything was sent, saying why."""
        await transfers.close(transfer_id, "cancel", {"reason": data.reason},
                              actor=current_user(request), now=web.now(request))
        return await _read(request, transfer_id)


CONTROLLERS = [TransfersApi]
