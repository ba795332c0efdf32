"""Transfer pages (issue 23): the list of requests in and out (with the network's stock against
demand and the suggested transfers for coordinators), the request form (a suggestion links to
it prefilled), and a request's page, where the sender scans units out and the receiver scans
them in, or declines or cancels it.

Staff see and act for their own centres' requests (an uninvolved centre's: 403, from the
service, since a request has two centres and none is in the path); coordinators and admins for
every centre. Each handler calls one service of bookings.lending.transfers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Template

from bookings.lending import transfers
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.responses import redirect, refusal_page
from rental.kernel.values import MAX_INT
from rental.kernel.web import current_user, form_values, now, today

Id = Parameter(default=None, ge=1, le=MAX_INT)


async def _form_again(request: Request, error: DomainError) -> Response:
    form = await request.form()
    page = await transfers.request_form(current_user(request))
    return Template("bookings/transfer_form.html", status_code=error.status, context={
        **page, "values": form_values(form), "errors": error.errors})


async def _request_again(request: Request, error: DomainError) -> Response:
    """The request's page with the message beside the refused form's field."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    form_name = request.route_handler.opt["form"]
    values = form_values(await request.form())
    page = await transfers.request_page(request.path_params["request_id"],
                                        current_user(request))
    return Template("bookings/transfer.html", status_code=error.status, context={
        **page, "errors": {form_name: error.errors}, "values": {form_name: values},
        "focus": form_name, "rejected": (values.get("tag") or "").strip()[:40]})


def _on(form_name: str) -> dict[str, Any]:
    return {"on_error": _request_again, "form": form_name}


class TransferController(Controller):
    path = "/transfers"
    opt = {"access": "staff"}

    @get("/")
    async def index(self, request: Request) -> Template:
        return Template("bookings/transfers.html", context=await transfers.transfers_page(
            current_user(request), today=today(request), now=now(request)))

    @get("/new")
    async def new(self, request: Request, tool_type: int | None = Id, sender: int | None = Id,
                  receiver: int | None = Id,
                  quantity: int | None = Parameter(default=None, ge=1, le=20)) -> Template:
        return Template("bookings/transfer_form.html", context=await transfers.request_form(
            current_user(request), tool_type=tool_type, sender=sender, receiver=receiver,
            quantity=quantity))

    @post("/new", opt={"on_error": _form_again})
    async def create(self, request: Request) -> Response[Any]:
        request_id = await transfers.create_request(
            await request.form(), actor=current_user(request), today=today(request),
            now=now(request))
        return redirect(request, f"/transfers/{request_id}", N_("The request is sent."))

    @get("/{request_id:int}")
    async def show(self, request: Request, request_id: int) -> Template:
        page = await transfers.request_page(request_id, current_user(request))
        steps = page["transfer"]["steps"]
        return Template("bookings/transfer.html", context={
            **page, "errors": {}, "values": {}, "rejected": "",
            "focus": next((s for s in ("receive", "dispatch") if s in steps), "")})

    @post("/{request_id:int}/dispatch", opt=_on("dispatch"))
    async def dispatch(self, request: Request, request_id: int) -> Response[Any]:
        tag = await transfers.dispatch(request_id, (await request.form()).get("tag", ""),
                                       actor=current_user(request), today=today(request),
                                       now=now(request))
        return redirect(request, f"/transfers/{request_id}",
                        (N_("%(tag)s is on its way."), {"tag": tag}))

    @post("/{request_id:int}/receive", opt=_on("receive"))
    async def receive(self, request: Request, request_id: int) -> Response[Any]:
        tag = await transfers.receive(request_id, (await request.form()).get("tag", ""),
                                      actor=current_user(request), now=now(request))
        return redirect(request, f"/transfers/{request_id}",
                        (N_("%(tag)s is received here."), {"tag": tag}))

    @post("/{request_id:int}/decline", opt=_on("decline"))
    async def decline(self, request: Request, request_id: int) -> Response[Any]:
        await transfers.close(request_id, "decline", await request.form(),
                              actor=current_user(request), now=now(request))
        return redirect(request, "/transfers", N_("The request is declined."))

    @post("/{request_id:int}/cancel", opt=_on("cancel"))
    async def cancel(self, request: Request, request_id: int) -> Response[Any]:
        await transfers.close(request_id, "cancel", await request.form(),
                              actor=current_user(request), now=now(request))
        return redirect(request, "/transfers", N_("The request is cancelled."))


CONTROLLERS: list[type] = [TransferController]
