"""The member's messages (/me/messages): all of them, newest first, and "Mark all as read".
Never takes a member id: everyone reads only their own. The member's page (/me) shows the
latest few (bookings.lending draws it)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from rental import notifications
from rental.kernel import web
from rental.kernel.i18n import N_
from rental.kernel.responses import go
from rental.kernel.web import current_user


class MessagesController(Controller):
    path = "/me/messages"
    opt = {"access": "member"}

    @get("/")
    async def page(self, request: Request) -> Template:
        return Template("rental/messages.html",
                        context=await notifications.messages_page(current_user(request).id))

    @post("/read")
    async def mark_all_read(self, request: Request) -> Response[Any]:
        await notifications.mark_all_read(current_user(request).id, now=web.now(request))
        return go(request, "/me/messages", N_("All messages are marked as read."))


CONTROLLERS = [MessagesController]
