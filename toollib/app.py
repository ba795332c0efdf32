"""The Litestar app factory: the only composition root of the three packages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from zoneinfo import ZoneInfo

from granian.utils.proxies import wrap_asgi_with_proxy_headers
from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import (
    NotFoundException,
)
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Receive, Scope, Send

import inventory.controllers
import inventory.parts_controllers
import inventory.unit_api
import rental.controllers
import rental.member_api
import rental.member_controllers
import rental.notification_controllers
import rental.outbox_controllers
import toollib.admin
import toollib.api_docs
from bookings.catalogue import controllers as catalogue_pages
from bookings.lending import booking_api, loan_api, transfer_api
from bookings.lending import controllers as booking_pages
from bookings.lending import desk_controllers as desk_pages
from bookings.lending import transfer_controllers as transfer_pages
from bookings.reports import audit_controllers, report_api
from bookings.reports import controllers as report_pages
from bookings.sessions import controllers as session_pages
from bookings.sessions import session_api
from rental import auth
from rental.kernel import api, wire
from rental.kernel.observe import answer_logged, configure_logging, job_run, note_user
from rental.kernel.responses import EXCEPTION_HANDLERS
from rental.kernel.settings import PROJECT_ROOT, Settings, load_settings, use_settings
from rental.kernel.values import MAX_INT
from rental.kernel.web import (
    CONTROL_CHARACTERS,
    AppRequest,
    CSRFUnlessBearer,
    FragmentJinjaEngine,
    RequestContextMiddleware,
    access_guard,
    make_environment,
    security_headers,
)
from rental.retention import purge
from toollib.metrics import PROMETHEUS, metrics

log = logging.getLogger("rental")

CONTROLLERS = [
    *rental.controllers.CONTROLLERS,
    *rental.member_controllers.CONTROLLERS,
    *rental.member_api.CONTROLLERS,
    *rental.notification_controllers.CONTROLLERS,
    *rental.outbox_controllers.CONTROLLERS,
    *inventory.controllers.CONTROLLERS,
    *inventory.parts_controllers.CONTROLLERS,
    *inventory.unit_api.CONTROLLERS,
    *catalogue_pages.CONTROLLERS,
    *booking_pages.CONTROLLERS,
    *desk_pages.CONTROLLERS,
    *transfer_pages.CONTROLLERS,
    *booking_api.CONTROLLERS,
    *loan_api.CONTROLLERS,
    *transfer_api.CONTROLLERS,
    *session_pages.CONTROLLERS,
    *session_api.CONTROLLERS,
    *report_pages.CONTROLLERS,
    *report_api.CONTROLLERS,
    *audit_controllers.CONTROLLERS,
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
        await answer_logged(entry or self._answer, scope, receive, send)  # its id, its log line

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


SEND_EVERY_SECONDS = 60
PURGE_EVERY_SECONDS = 3600
SUMMARISE_EVERY_SECONDS = 3600  # a month closes once a day; an hour late is soon enough
BACKUP_CHECK_SECONDS = 900


def _backup_age(settings: Settings):
    """/healthz and the coordinators' pages ask this for the age of the newest good backup in
    hours (None: there is none); the pages below toollib cannot import toollib.backup."""
    from toollib.backup import backup_age_hours

    return lambda: backup_age_hours(settings, now=settings.clock.now())


def _backup_warning(backup_age):
    """Whether this person's pages warn that the backups stopped: coordinators and admins, when
    the newest good backup (`backup_age`, the provider above) is over two days old or
    missing."""
    from toollib.backup_rules import backup_overdue

    return lambda user: bool(user and user.all_centres and backup_overdue(backup_age()))


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    use_settings(settings)  # the services that ask for a setting deep in a call get these
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def database_pool(app: Litestar) -> AsyncIterator[None]:
        from toollib.piccolo_conf import DB

        if DB.engine_type == "postgres":
            await DB.start_connection_pool(min_size=1, max_size=10)
        else:  # a worker serves a request or two at once; a few connections cover them
            await DB.start_connection_pool(max_size=4)
        try:
            yield
        finally:
            await DB.close_connection_pool()

    @asynccontextmanager
    async def periodic_jobs(app: Litestar) -> AsyncIterator[None]:
        """No-shows and lapsed waitlist offers, every few minutes (`rental bookings expire`
        does the same from a timer); the members' reminders every hour or so, and the e-mails
        and SMS due every minute, since a waitlist offer is held for hours, not days (`rental
        notify` does both). Safe in several workers: each run is one transaction, a message's
        unique key makes the sweep queue it once, and each message is claimed by one sender.
        An interval of 0 leaves the job out (NOTIFY_INTERVAL_SECONDS=0: both)."""
        from bookings.lending.reminders import notifications_sweep
        from bookings.lending.reservations import expire
        from bookings.reports.summaries import bring_up_to_date
        from rental.sending import send_due
        from toollib.backup import scheduled_backup

        async def send(now) -> None:
            await send_due(now=now, settings=settings)

        async def summarise(now) -> None:  # reports do it too; this keeps their first view fast
            zone = settings.default_timezone
            await bring_up_to_date(zone, now.astimezone(ZoneInfo(zone)).date())

        async def purge_old(now) -> None:
            purged = await purge(now=now, login_window_minutes=settings.login_window_minutes)
            log.info("retention purge: %s", purged)

        async def loop(seconds: int, job, name: str) -> None:
            from rental.kernel.leases import lease

            while True:
                await asyncio.sleep(seconds)
                try:
                    # every worker of every host wakes; the one that takes the lease runs it
                    async with lease(name, seconds, settings.clock) as ours:
                        if ours:
                            with job_run(name, settings.clock):  # its log line; lag metric
                                await job(now=settings.clock.now())
                except Exception:  # noqa: BLE001 - logged; the next round tries again
                    log.exception("%s failed", name)

        jobs = [(settings.expire_interval_seconds, expire, "booking expiry"),
                (settings.notify_interval_seconds, notifications_sweep, "the reminders sweep")]
        if settings.notify_interval_seconds and (settings.email or settings.sms):
            jobs.append((SEND_EVERY_SECONDS, send, "sending e-mail and SMS"))
        jobs.append((PURGE_EVERY_SECONDS, purge_old, "the retention purge"))
        jobs.append((SUMMARISE_EVERY_SECONDS, summarise, "the report summaries"))
        if settings.backup_interval_hours:  # checks often; backs up when the last is that old
            jobs.append((BACKUP_CHECK_SECONDS, partial(scheduled_backup, settings), "the backup"))
        tasks = [asyncio.create_task(loop(seconds, job, name))
                 for seconds, job, name in jobs if seconds]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    static = create_static_files_router(
        path="/static",
        directories=[PROJECT_ROOT / "static"],
        opt={"access": "public"},
        cache_control=CacheControlHeader(max_age=31_536_000, public=True),
        include_in_schema=False,
    )

    backup_age = _backup_age(settings)
    app = ToolLibrary(
        route_handlers=[*CONTROLLERS, static, toollib.admin.admin_mount, metrics,
                        toollib.api_docs.api_docs],
        request_class=AppRequest,
        template_config=TemplateConfig(
            engine=FragmentJinjaEngine.from_environment(
                make_environment(settings.debug, settings.default_timezone))
        ),
        middleware=[
            wire.compression(),  # outermost: what the others send is what gets compressed
            wire.ConditionalGet,  # tags the body as written, before compression
            PROMETHEUS.middleware,  # requests by route template, for /metrics
            DefineMiddleware(RequestContextMiddleware, settings=settings,
                             identify=auth.request_user),
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
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[database_pool, periodic_jobs],
        before_request=_path_names_something,
        before_send=[security_headers(settings), note_user],
        # Only the API is documented: its controllers opt in (rental.kernel.api.ApiController),
        # so a page can never leak into the schema. People read it at /api/v1/docs.
        include_in_schema=False,
        openapi_config=OpenAPIConfig(
            title="Tool library API",
            version="1",
            description=api.DOCUMENTATION,
            components=api.COMPONENTS,
            path="/api/v1/schema",
            render_plugins=[JsonRenderPlugin()],
            openapi_router=Router(path="/api/v1/schema", route_handlers=[],
                                  opt={"access": "public"}),
        ),
        state=State({"settings": settings, "backup_age_hours": backup_age,
                     "backup_warning": _backup_warning(backup_age)}),
        debug=False,  # our own error pages; tracebacks go to the log, never to the user
        logging_config=None,  # configure_logging's, not a second handler of Litestar's
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
