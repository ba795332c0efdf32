"""Piccolo Admin at /admin: raw data for admins, behind the app's own login.

How the pieces fit (piccolo-admin 1.14 / piccolo-api 1.11):

- Access. The mount is a Litestar ASGI route with `opt={"access": "admin"}`, so our
  `access_guard` runs first: anonymous visitors are sent to /login (303), other roles get our
  403 page. Nobody logs in twice: Piccolo Admin's own login never runs.
- Identity. Piccolo Admin authenticates its API (`/admin/api/...`) with a session backend that
  reads piccolo's `piccolo_user` / `sessions` tables. We replace that backend with one that takes
  the member our RequestContextMiddleware already loaded, so there are no second user table,
  no second session (Piccolo's keeps tokens in plain text) and nothing to keep in sync: demoting
  an admin or logging out takes effect on the next request. `_install` checks the structure it
  relies on and refuses to start if a new piccolo-admin moved it.
- CSRF. Piccolo Admin keeps its own double-submit check (cookie `csrftoken`, header
  `X-CSRFToken`, which its JavaScript sends). Our Litestar check is switched off on this mount
  only (`exclude_from_csrf`): it uses the same header name with a different token (cookie
  `toollib_csrf`) and would refuse every admin write. On HTTPS Piccolo also checks Origin/Referer
  against `allowed_hosts`; we allow exactly the host the request was sent to (same origin).
- Data. Every table of the three packages, grouped by package. Columns named `*_hash`
  (password, session, reset-code and API-token hashes) are not in the admin's table classes at
  all, so they can be neither shown, filtered on nor written. The audit log is read-only here
  (and append-only in the database). Every change made through the admin is written to the
  audit log with the admin as actor, naming the fields, never their values.
- Piccolo's own account pages: its login sends to /login, its logout ends our session, its
  change-password form is refused (members change passwords on /me/password).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from litestar import asgi
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from piccolo.columns import Column
from piccolo.table import Table, create_table_class

from rental import audit, auth
from rental.kernel.identity import CurrentUser
from rental.kernel.values import whole_number
from rental.kernel.web import SESSION_COOKIE

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import Response

# piccolo-admin, piccolo-api, FastAPI and Starlette are imported on the first request to
# /admin, not when the app starts (about 0.4 s that commands and most workers never need).

MOUNT = "/admin"
MEMBER_KEY = "toollib.admin_member"  # scope key: the member, for the admin's auth backend
READ_ONLY_TABLES = frozenset({"audit_log", "ledger_entry", "receipt"})  # append-only records
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_AUDITED_BODY = 256 * 1024
_TABLE_WRITE = re.compile(r"^/api/tables/(?P<table>\w+)/(?:(?P<row>[^/]+)/)?$")


def is_hidden(column: Column) -> bool:
    """Secrets the admin never shows or writes: password, session, code and token hashes."""
    return column._meta.name.endswith("_hash")


# --- the tables -------------------------------------------------------------------------


def admin_table(table: type[Table]) -> type[Table]:
    """The table as the admin sees it: the same database table without the hidden columns.

    A separate class (not a flag on the shared columns), so the rest of the app is unchanged;
    the hidden columns are not attributes at all, so filters and writes naming them fail."""
    if not any(is_hidden(column) for column in table._meta.columns):
        return table
    return create_table_class(
        class_name=f"Admin{table.__name__}",
        class_kwargs={"tablename": table._meta.tablename},
        class_members={
            column._meta.name: column.copy()
            for column in table._meta.columns
            if not is_hidden(column)
        },
    )


def _refuse_writes(piccolo_crud: Any, request: Request) -> None:
    from starlette.exceptions import HTTPException

    if request.method.upper() in UNSAFE:
        raise HTTPException(status_code=405, detail="This table is read-only.")


def table_configs() -> list[Any]:
    """Every table of the three packages, in the sidebar under its package's name."""
    from piccolo_admin.endpoints import TableConfig
    from piccolo_api.crud.endpoints import Validators

    from toollib.piccolo_conf import APP_REGISTRY

    configs = []
    for app_name, app_config in APP_REGISTRY.app_configs.items():
        for table in app_config.table_classes:
            read_only = table._meta.tablename in READ_ONLY_TABLES
            configs.append(
                TableConfig(
                    admin_table(table),
                    menu_group=app_name,
                    validators=Validators(every=[_refuse_writes]) if read_only else None,
                )
            )
    return configs


# --- who the admin's API sees -------------------------------------------------------------


class MemberBackend:
    """Piccolo Admin's API user (a Starlette authentication backend): the admin our own session
    middleware loaded for this request.

    Piccolo expects a piccolo `BaseUser`; it reads `.admin`, `.superuser`, `.active`, `.id` and
    `.username` from it. We hand it an unsaved one: nothing is stored in piccolo's tables."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[Any, Any]:
        from piccolo.apps.user.tables import BaseUser
        from piccolo_api.shared.auth import User
        from starlette.authentication import AuthCredentials, AuthenticationError

        member: CurrentUser | None = conn.scope.get(MEMBER_KEY)
        if member is None or member.role != "admin":
            raise AuthenticationError("Admins only")
        user = BaseUser(id=member.id, username=member.name, admin=True, superuser=False,
                        active=True)
        return AuthCredentials(scopes=["authenticated"]), User(user=user)


_request_host: ContextVar[str | None] = ContextVar("admin_request_host", default=None)


class _ThisHost(Sequence[str]):
    """Piccolo's CSRF check, on HTTPS, wants the Origin/Referer host in `allowed_hosts`: allow
    exactly the host this request was sent to, under whatever name the site is served."""

    def __contains__(self, host: object) -> bool:
        return bool(host) and host == _request_host.get()

    def __getitem__(self, index: Any) -> Any:
        raise IndexError(index)

    def __len__(self) -> int:
        return 0


async def _log_out(request: Request) -> Response:
    """Piccolo Admin's "log out" (after its CSRF check): ends our session, the only one."""
    from starlette.responses import JSONResponse

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await auth.log_out(token)
    response = JSONResponse({"detail": "Logged out"})
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


async def _to_our_login(request: Request) -> Response:
    from starlette.responses import RedirectResponse

    return RedirectResponse("/login?next=" + quote(MOUNT + "/"), status_code=303)


async def _no_password_here(request: Request) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"detail": "Change your password on /me/password."}, status_code=404)


@cache
def admin_app() -> Any:
    """Piccolo Admin, built once on the first request to /admin."""
    from piccolo_admin.endpoints import create_admin
    from piccolo_admin.translations.data import ENGLISH, RUSSIAN

    admin = create_admin(
        tables=table_configs(),
        auto_include_related=False,  # FKs point at our tables; they are all in the list
        site_name="Tool library admin",
        default_language_code="en",
        translations=[ENGLISH, RUSSIAN],
        allowed_hosts=_ThisHost(),
        sidebar_links={"Tool library": "/", "Change my password": "/me/password"},
    )
    _install(admin)
    return admin


def _install(admin: Any) -> None:
    """Swap Piccolo's session backend for ours and take over its account endpoints.

    The routes go first in the admin's own router, so its CSRF middleware still guards them."""
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.routing import Mount, Route

    api = [r for r in admin.router.routes if isinstance(r, Mount) and r.path == "/api"]
    if len(api) != 1 or not isinstance(api[0].app, AuthenticationMiddleware):
        raise RuntimeError("piccolo-admin changed: no authenticated /api mount to attach to")
    api[0].app.backend = MemberBackend()
    admin.router.routes[:0] = [
        Route("/public/login/", _to_our_login, methods=["GET", "POST"]),
        Route("/public/logout/", _log_out, methods=["POST"]),
        Route("/api/change-password/", _no_password_here, methods=["GET", "POST"]),
    ]


# --- the mount ----------------------------------------------------------------------------


def _full_path(scope: Scope) -> str:
    """The path under the site root. Litestar hands a mount only the rest after /admin (with a
    slash added), which would also make the login page send people back to the wrong place."""
    raw = scope.get("raw_path")
    if not raw:
        return scope["path"]
    path = unquote(raw.decode("latin-1")).split("?", 1)[0]
    root_path = scope.get("root_path", "")
    return path[len(root_path):] if root_path and path.startswith(root_path + "/") else path


def _restore_full_path(app: ASGIApp) -> ASGIApp:
    """Runs before the guard, so "log in first" sends people back to the admin page they asked."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        scope["path"] = _full_path(scope)
        await app(scope, receive, send)

    return middleware


@asgi(MOUNT, is_mount=True, copy_scope=True, middleware=[_restore_full_path],
      opt={"access": "admin", "exclude_from_csrf": True})
async def admin_mount(scope: Scope, receive: Receive, send: Send) -> None:
    """Runs after our guard let an admin through."""
    member: CurrentUser | None = scope.get("user")  # type: ignore[assignment]
    if scope["type"] != "http":
        await send({"type": "websocket.close", "code": 1008})
        return
    if member is None or member.role != "admin":
        await _send(send, 403, b"Admins only")
        return
    if scope.get("auth") == "bearer":
        # API tokens are for /api/v1; the admin is for people logged in through /login
        await _send(send, 403, b"Log in through /login to use the admin")
        return
    full_path = scope["path"]
    if full_path == MOUNT:  # the admin's page loads its scripts relative to /admin/
        query = scope.get("query_string", b"").decode("latin-1")
        await _send(send, 308, b"", location=MOUNT + "/" + (f"?{query}" if query else ""))
        return
    root_path = scope.get("root_path", "")
    child: dict[str, Any] = {
        **scope,
        "root_path": root_path + MOUNT,
        "path": root_path + full_path,
        MEMBER_KEY: member,
    }
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
    _request_host.set(urlsplit(f"//{host}").hostname)
    method = scope["method"].upper()
    write = _TABLE_WRITE.match(full_path[len(MOUNT):]) if method in UNSAFE else None
    if write is None:
        await admin_app()(child, receive, send)
        return
    await _audited(child, receive, send, member, method, write)


async def _audited(scope: Scope, receive: Receive, send: Send, member: CurrentUser,
                   method: str, write: re.Match[str]) -> None:
    """Pass a table write through, then record it in the audit log if it succeeded."""
    clock = scope["app"].state.settings.clock  # before the admin's Starlette app replaces it
    body = bytearray()
    status = 0
    response = bytearray()

    async def receive_copy() -> Message:
        message = await receive()
        if message["type"] == "http.request" and len(body) < MAX_AUDITED_BODY:
            body.extend(message.get("body", b""))
        return message

    async def send_copy(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and len(response) < MAX_AUDITED_BODY:
            response.extend(message.get("body", b""))
        await send(message)

    await admin_app()(scope, receive_copy, send_copy)
    if not 200 <= status < 300:
        return
    row = write["row"]
    if method == "POST" and row is None:
        action, row = "admin.create", _created_id(bytes(response))
    elif method == "DELETE":
        action = "admin.delete"
    else:
        action = "admin.update"
    fields = _field_names(bytes(body)) if action != "admin.delete" else None
    await audit.record(
        action, write["table"], whole_number(row),
        now=clock.now(), actor_id=member.id,
        after={"fields": fields} if fields is not None else None,
    )


def _field_names(body: bytes) -> list[str] | None:
    """Which fields a write sent (the admin's edit form sends them all): never their values,
    which may be personal data."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return sorted(str(key) for key in data) if isinstance(data, dict) else None


def _created_id(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return str(data[0].get("id", "")) or None
    return None


async def _send(send: Send, status: int, body: bytes, location: str | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if location:
        headers.append((b"location", location.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
