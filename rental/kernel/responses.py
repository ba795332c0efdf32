"""How the web layer answers, in one place: a refusal (DomainError) becomes the form it came
from, re-rendered with the messages next to their fields (pages), the API's error body, or a
flash message on the page it came from; errors of the framework become error pages in the
reader's language; a handler's success is a redirect with a flash message (go).

A page whose form can be refused names its renderer: `opt={"on_error": renderer}`, an
`async (request, error) -> Response` that draws the page again with `error.errors` and the
submitted values. Handlers then only parse, call one service and answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template

from rental.kernel import api, i18n
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.observe import request_id
from rental.kernel.web import (
    SESSION_COOKIE,
    current_user,
    flash_cookie,
    locale_for_scope,
    login_url,
    safe_next,
)

log = logging.getLogger("rental")

Renderer = Callable[[Request, DomainError], Awaitable[Response]]


def redirect(request: Request, path: str, message: Any = None,
             level: str = "success") -> Redirect:
    """See Other to `path`, with a message (an id, or one with its values) shown there once."""
    response = Redirect(path, status_code=303)
    if message:
        response.cookies.append(flash_cookie(request.app.state.settings, level,
                                             i18n.message_text(message)))
    return response


def go(request: Request, path: str, message: Any = None, level: str = "success") -> Response:
    """After a write: a full navigation to `path`, also when htmx sent the form (which would
    otherwise swap the next page into the fragment)."""
    if request.headers.get("hx-request") != "true":
        return redirect(request, path, message, level)
    response: Response = Response(b"", status_code=204, headers={"HX-Redirect": path})
    if message:
        response.cookies.append(flash_cookie(request.app.state.settings, level,
                                             i18n.message_text(message)))
    return response


class Later(Response):
    """A response made when it is sent: exception handlers are synchronous, and re-rendering
    a form may need the database (its choices, the record)."""

    def __init__(self, make: Callable[[], Awaitable[Response]]) -> None:
        super().__init__(content=None)
        self.make = make

    def to_asgi_response(self, app: Any, request: Request, **kwargs: Any) -> Any:
        async def send_when_made(scope: Any, receive: Any, send: Any) -> None:
            response = await self.make()
            await response.to_asgi_response(app, request, **kwargs)(scope, receive, send)

        return send_when_made


# --- the exception handlers the app registers ------------------------------------------------


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", ""))


def refusal(request: Request, error: DomainError) -> Response:
    """A service refused: the form again (the route's `on_error`), the API's body, or else the
    first message on the page the form was on (or the error page of its status)."""
    if wants_json(request):
        minutes = getattr(error, "minutes", None)  # a throttle's window: when to come back
        return api.error_response(request, error.status, error.errors,
                                  retry_after=minutes * 60 if minutes else None)
    render: Renderer | None = request.route_handler.opt.get("on_error")
    if render is not None:  # it decides, e.g. a wrong card number is a message, not a 404
        return Later(lambda: render(request, error))
    if error.kind in ("not_found", "forbidden") or request.method in ("GET", "HEAD"):
        return refusal_page(request, error)
    back = safe_next(request.headers.get("referer", "").partition(request.base_url.netloc)[2]
                     or None, "/")
    return redirect(request, back, error.first, "error")


def refusal_page(request: Request, error: DomainError) -> Response:
    """The error page of a refusal of the page itself (no such record, no access)."""
    return error_page(request, error.status, TITLES.get(error.status, TITLES[400]), error.first)


TITLES = {400: N_("Something is wrong with the request"), 403: N_("Not allowed"),
          404: N_("Page not found"), 405: N_("Not allowed")}


def error_page(request: Request, status: int, title: str, message: Any,
               reference: str | None = None) -> Response:
    """`title` and `message` are message ids (the message may come with its values),
    translated here once the language is known; `reference`: the request id a person quotes
    to the staff (server errors), which finds the stack trace in the log."""
    # A 404 never reaches the route middleware, so pick the language here too.
    i18n.current_locale.set(locale_for_scope(request.scope, current_user(request)))
    if wants_json(request):
        response = api.error_response(request, status, {"form": message})
        if reference:  # the one body, and the id that finds the trace in the log
            response.content["request_id"] = reference
        return response
    return Template(
        template_name="error.html",
        context={"status": status, "title": i18n.gettext(title),
                 "message": i18n.message_text(message), "reference": reference},
        status_code=status, media_type=MediaType.HTML,
        headers={"Vary": "HX-Request, HX-Target"},
    )


def not_logged_in(request: Request, exc: NotAuthorizedException) -> Response:
    if wants_json(request):
        return error_page(request, 401, N_("Please log in."), N_("Please log in."))
    target = login_url(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if request.headers.get("hx-request") == "true":
        return Response(b"", status_code=204, headers={"HX-Redirect": target})
    response = Redirect(target, status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE)
    return response


def http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotFoundException) or status == 404:
        return error_page(request, 404, TITLES[404], N_("There is no page at this address."))
    if isinstance(exc, PermissionDeniedException) or status == 403:
        message = N_("This form has expired or was sent from another site. Reload the page and "
                     "try again.") if "CSRF" in str(exc.detail) else N_(
            "You do not have access to this page.")
        return error_page(request, 403, TITLES[403], message)
    if isinstance(exc, ValidationException) and wants_json(request):
        return unreadable(request, exc)
    if status == 405:
        return error_page(request, 405, TITLES[405], N_("This address does not accept that."))
    if 400 <= status < 500:
        return error_page(request, status, TITLES[400],
                          N_("Check the address or the form and try again."))
    return server_error(request, exc)


def unreadable(request: Request, exc: ValidationException) -> Response:
    """400: the API could not read the request (malformed JSON, a wrong type, a missing field,
    a number out of bounds); each field named, else the whole request."""
    i18n.current_locale.set(locale_for_scope(request.scope, current_user(request)))
    fields = [problem.get("key") for problem in exc.extra or [] if isinstance(problem, dict)]
    errors: dict[str, Any] = {
        str(key): N_("This value is missing or of the wrong kind.") for key in fields if key}
    return api.error_response(request, 400, errors or {
        "form": N_("Check the address or the form and try again.")})


def server_error(request: Request, exc: Exception) -> Response:
    # the log line carries the request id the page shows, to find this trace by it
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, N_("Something went wrong"), N_(
        "We could not finish this. Please try again in a moment; if it happens again, tell "
        "the staff."), reference=request_id())


EXCEPTION_HANDLERS = {
    DomainError: refusal,
    NotAuthorizedException: not_logged_in,
    HTTPException: http_error,
    Exception: server_error,
}
