"""The Litestar app factory: the only composition root of the three packages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from granian.utils.proxies import wrap_asgi_with_proxy_headers
from litestar import Litestar, MediaType, Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Receive, Scope, Send

import inventory.controllers
import inventory.services
import rental.controllers
import rental.member_controllers
import toollib.admin
from bookings.catalogue import controllers as catalogue_pages
from bookings.lending import controllers as booking_pages
from bookings.lending import desk_controllers as desk_pages
from bookings.lending.reservations import BookingError
from bookings.reports import controllers as report_pages
from bookings.sessions import controllers as session_pages
from rental import audit, members
from rental.kernel import i18n
from rental.kernel.i18n import N_
from rental.kernel.settings import PROJECT_ROOT, Settings, load_settings
from rental.kernel.values import MAX_INT
from rental.kernel.web import (
    CONTROL_CHARACTERS,
    SESSION_COOKIE,
    AppRequest,
    CSRFUnlessBearer,
    FragmentJinjaEngine,
    RequestContextMiddleware,
    access_guard,
    current_user,
    locale_for_scope,
    login_url,
    make_environment,
    security_headers,
)
from rental.ledger import MoneyError

log = logging.getLogger("rental")

CONTROLLERS = [
    *rental.controllers.CONTROLLERS,
    *rental.member_controllers.CONTROLLERS,
    *inventory.controllers.CONTROLLERS,
    *catalogue_pages.CONTROLLERS,
    *booking_pages.CONTROLLERS,
    *desk_pages.CONTROLLERS,
    *session_pages.CONTROLLERS,
    *report_pages.CONTROLLERS,
]


class ToolLibrary(Litestar):
    """The app. Behind trusted reverse proxies it takes the client's address from their
    X-Forwarded-For (granian's wrapper), so per-address limits count people, not the proxy;
    a HEAD request is answered as its GET, without the body (monitoring and link checkers ask
    HEAD; Litestar routes only the methods a handler declares)."""

    def behind(self, proxies: tuple[str, ...]) -> None:
        self._entry = wrap_asgi_with_proxy_headers(self._answer, trusted_hosts=list(proxies))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = getattr(self, "_entry", None)
        await (entry or self._answer)(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await super().__call__(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
                if message.get("more_body"):
                    return
            await send(message)

        await super().__call__({**scope, "method": "GET"}, receive, headers_only)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    @asynccontextmanager
    async def database_pool(app: Litestar) -> AsyncIterator[None]:
        from toollib.piccolo_conf import DB

        if DB.engine_type == "postgres":
            await DB.start_connection_pool(min_size=1, max_size=10)
        try:
            yield
        finally:
            if DB.engine_type == "postgres":
                await DB.close_connection_pool()

    @asynccontextmanager
    async def periodic_jobs(app: Litestar) -> AsyncIterator[None]:
        """No-shows and lapsed waitlist offers, every few minutes (`rental bookings expire`
        does the same from a timer). Safe in several workers: each run is one transaction."""
        if not settings.expire_interval_seconds:
            yield
            return

        async def loop() -> None:
            from bookings.lending.reservations import expire

            while True:
                await asyncio.sleep(settings.expire_interval_seconds)
                try:
                    await expire(now=settings.clock.now())
                except Exception:  # noqa: BLE001 - logged; the next round tries again
                    log.exception("booking expiry failed")

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()

    static = create_static_files_router(
        path="/static",
        directories=[PROJECT_ROOT / "static"],
        opt={"access": "public"},
        cache_control=CacheControlHeader(max_age=31_536_000, public=True),
        include_in_schema=False,
    )

    app = ToolLibrary(
        route_handlers=[*CONTROLLERS, static, toollib.admin.admin_mount],
        request_class=AppRequest,
        template_config=TemplateConfig(
            engine=FragmentJinjaEngine.from_environment(
                make_environment(settings.debug, settings.default_timezone))
        ),
        middleware=[
            DefineMiddleware(RequestContextMiddleware, settings=settings),
            # after the user is known: bearer-token API requests need no CSRF token
            DefineMiddleware(CSRFUnlessBearer, config=CSRFConfig(
                secret=settings.secret_key,
                cookie_name="toollib_csrf",  # not "csrftoken": mounted apps (Piccolo Admin) use it
                cookie_httponly=True,  # pages carry the token; scripts never read the cookie
                cookie_secure=settings.secure_cookies,
                cookie_samesite="lax",
            )),
        ],
        guards=[access_guard],
        # Lower packages write the audit log through this, without importing rental.
        dependencies={
            "audit": Provide(lambda: audit.record, sync_to_thread=False),
            # flash(response, level, message_id): a message shown once on the next page
            "flash": Provide(
                lambda: lambda response, level, message_id: response.cookies.append(
                    rental.kernel.web.flash_cookie(settings, level, i18n.gettext(message_id))
                ),
                sync_to_thread=False,
            ),
        },
        exception_handlers={
            **{error: _domain_error for error in DOMAIN_ERRORS},
            NotAuthorizedException: _not_logged_in,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=[database_pool, periodic_jobs],
        before_request=_path_names_something,
        before_send=[security_headers(settings)],
        # The schema only: the documentation UIs load scripts from CDNs, which centres lack.
        openapi_config=OpenAPIConfig(
            title="Tool library API",
            version="1",
            path="/api/v1/schema",
            render_plugins=[JsonRenderPlugin()],
            openapi_router=Router(path="/api/v1/schema", route_handlers=[],
                                  opt={"access": "public"}),
        ),
        state=State({"settings": settings}),
        debug=False,  # our own error pages; tracebacks go to the log, never to the user
    )
    _check_every_route_declares_access(app)
    if settings.trusted_proxies:
        app.behind(settings.trusted_proxies)
    return app


async def _path_names_something(request: Request) -> None:
    """An id in the path beyond the database's integer, or a path text with control characters,
    names nothing: 404 here, where the path is parsed, not an error in the database. (Query
    numbers are bounded by their Parameter, forms and JSON by their parsers, and their text is
    cleaned at the edge; tests/test_access.py checks every route.)"""
    for value in request.path_params.values():
        if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
            raise NotFoundException()
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise NotFoundException()


def _check_every_route_declares_access(app: Litestar) -> None:
    missing = [
        f"{route.path} {handler.handler_name}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if "access" not in handler.opt and handler.http_methods != {"OPTIONS"}
    ]
    if missing:
        raise RuntimeError("routes without an access level: " + ", ".join(missing))


# --- error pages in the user's language ---------------------------------------------------


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def _error_page(request: Request, status: int, title: str, message: Any) -> Response:
    """`title` and `message` are message ids (the message may come with its values),
    translated here once the language is known."""
    # A 404 never reaches the route middleware, so pick the language here too.
    i18n.current_locale.set(locale_for_scope(request.scope, current_user(request)))
    if _wants_json(request):
        return Response({"status": status, "detail": i18n.message_text(message)},
                        status_code=status)
    return Template(
        template_name="error.html",
        context={"status": status, "title": i18n.gettext(title),
                 "message": i18n.message_text(message)},
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Vary": "HX-Request, HX-Target"},
    )


# Domain errors a handler did not turn into its own form (a centre deactivated meanwhile, say):
# the error page or JSON body with the status the error means and its first message.
DOMAIN_ERRORS = (BookingError, MoneyError, members.MemberError, members.NotFound,
                 inventory.services.InventoryError)
_STATUS_OF_KIND = {"invalid": 422, "forbidden": 403, "conflict": 409, "not_found": 404}
_STATUS_OF_CLASS = {inventory.services.NotFound: 404, inventory.services.NotAllowed: 403,
                    inventory.services.Refused: 409, members.NotFound: 404}
_TITLES = {403: N_("Not allowed"), 404: N_("Page not found")}


def _domain_error(request: Request, exc: Exception) -> Response:
    status = _STATUS_OF_CLASS.get(type(exc)) or _STATUS_OF_KIND.get(getattr(exc, "kind", ""), 422)
    errors = getattr(exc, "errors", None) or {}
    message = getattr(exc, "message", None) or next(iter(errors.values()), None) or (
        N_("There is no page at this address.") if status == 404
        else N_("Check the address or the form and try again."))
    if _wants_json(request) and errors:
        return Response({"status": status, "errors": {
            field: i18n.message_text(text) for field, text in errors.items()}},
            status_code=status)
    return _error_page(request, status, _TITLES.get(status, N_(
        "Something is wrong with the request")), message)


def _not_logged_in(request: Request, exc: NotAuthorizedException) -> Response:
    if _wants_json(request):
        return _error_page(request, 401, N_("Please log in."), N_("Please log in."))
    target = login_url(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if request.headers.get("hx-request") == "true":
        return Response(b"", status_code=204, headers={"HX-Redirect": target})
    response = Redirect(target, status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE)
    return response


def _http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotFoundException) or status == 404:
        return _error_page(
            request, 404, N_("Page not found"), N_("There is no page at this address.")
        )
    if isinstance(exc, PermissionDeniedException) or status == 403:
        if "CSRF" in str(exc.detail):
            message = N_(
                "This form has expired or was sent from another site. "
                "Reload the page and try again."
            )
        else:
            message = N_("You do not have access to this page.")
        return _error_page(request, 403, N_("Not allowed"), message)
    if status == 405:
        return _error_page(
            request, 405, N_("Not allowed"), N_("This address does not accept that.")
        )
    if 400 <= status < 500:
        return _error_page(
            request, status, N_("Something is wrong with the request"),
            N_("Check the address or the form and try again."),
        )
    return _server_error(request, exc)


def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(
        request, 500, N_("Something went wrong"),
        N_("We could not finish this. Please try again in a moment; "
           "if it happens again, tell the staff."),
    )
