"""A centre's outbox for its desk staff and the coordinators (/desk/{centre}/messages): the
messages to its members, filtered, newest first, with their text on demand; "Send again" for
a failed one; the SMS sent per month. A plain GET form and a plain POST with its CSRF token,
so it all works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Template

from rental import outbox
from rental.kernel import web
from rental.kernel.i18n import N_
from rental.kernel.responses import go
from rental.kernel.web import current_user


class OutboxPages(Controller):
    path = "/desk/{centre_id:int}/messages"
    opt = {"access": "staff", "scope": "centre"}
    guards = [web.staff_of_the_centre]

    @get("/")
    async def outbox(self, request: Request, centre_id: int,
                     status: str = Parameter(default="", max_length=20),
                     channel: str = Parameter(default="", max_length=20),
                     kind: str = Parameter(default="", max_length=40),
                     page: int = Parameter(default=1, ge=1, le=10_000)) -> Template:
        view = await outbox.outbox_page(
            centre_id, current_user(request), status=status, channel=channel, kind=kind,
            page=page, today=web.today(request))
        return Template("rental/outbox.html", context=view)

    @post("/{message_id:int}/resend")
    async def resend(self, request: Request, centre_id: int, message_id: int) -> Response[Any]:
        await outbox.resend(message_id, centre_id, user=current_user(request),
                            now=web.now(request))
        return go(request, f"/desk/{centre_id}/messages",
                  N_("The message is queued to be sent again."))


CONTROLLERS = [OutboxPages]
