"""The web kernel: request context (user, language), access rules, fragments, flash messages.

Every controller in every package returns a plain Litestar `Template`. For an htmx request the
engine below renders only the block named by `HX-Target` (the component's own target), falling
back to the `main` block, so pages and their fragments come from one template and one handler.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes, select_autoescape
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, FormMultiDict, MutableScopeHeaders
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from msgspec import Meta

from rental.kernel import i18n, municipalities, token_rules, wire
from rental.kernel.errors import DomainError
from rental.kernel.i18n import CHOICE_LABELS, N_
from rental.kernel.identity import STAFF_ROLES, CurrentUser
from rental.kernel.phones import display_phone
from rental.kernel.settings import PROJECT_ROOT, Settings
from rental.kernel.values import FIRST_DAY, LAST_DAY, MAX_INT, money_input
from rental.kernel.versioned_cache import CacheExtension

SESSION_COOKIE = "session"
LANGUAGE_COOKIE = "lang"
FLASH_COOKIE = "flash"

# Who may use a route: every handler declares opt={"access": ...}; the app refuses to start
# when one does not (see rental.app), and tests/test_access.py walks the route table.
ACCESS_LEVELS = {
    "public": None,
    "member": ("member", "staff", "coordinator", "admin"),
    "staff": ("staff", "coordinator", "admin"),
    "coordinator": ("coordinator", "admin"),
    "admin": ("admin",),
}


def now(connection: ASGIConnection) -> datetime:
    """The app clock's instant (UTC): never the system clock directly, so tests choose it."""
    return connection.app.state.settings.clock.now()


def today(connection: ASGIConnection) -> date:
    """The calendar day it is now where the app's centres are."""
    settings = connection.app.state.settings
    return settings.clock.today(settings.default_timezone)


def session_cookies(token: str, language: str, *, session_days: int,
                    secure: bool) -> list[Cookie]:
    """What a browser keeps after logging in: the session, out of reach of scripts, and the
    language of the account, for the pages before the next login."""
    return [Cookie(key=SESSION_COOKIE, value=token, max_age=session_days * 86400,
                   httponly=True, secure=secure, samesite="lax"),
            language_cookie(language)]


def language_cookie(language: str) -> Cookie:
    """The visitor's language for a year, logged in or not."""
    return Cookie(key=LANGUAGE_COOKIE, value=language, max_age=365 * 86400, httponly=False,
                  secure=False, samesite="lax")


def form_text(form: Any, name: str, limit: int = 500) -> str:
    """A form field as typed, trimmed and cut to `limit`; "" when missing or not text."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def form_values(form: Any) -> dict[str, Any]:
    """The form's text fields as sent, to draw the form again."""
    return {key: form.get(key) for key in form if isinstance(form.get(key), str)}


# What a JSON body may carry: ids and amounts the database holds, days in the window (a
# dataclass with days calls days_in_window in __post_init__); beyond, a 400, not a 500.
Id = Annotated[int, Meta(ge=1, le=MAX_INT)]
Tetri = Annotated[int, Meta(ge=0, le=MAX_INT)]


def days_in_window(*days: date | None) -> None:
    for day in days:
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(f"choose a day from {FIRST_DAY} to {LAST_DAY}")


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def staff_of_the_centre(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of the pages of one centre (/desk/{centre_id}/...): its staff and the
    coordinators."""
    if not current_user(connection).can_act_for(connection.path_params["centre_id"]):
        raise PermissionDeniedException()


def client_ip(connection: ASGIConnection) -> str:
    client = connection.scope.get("client")
    return client[0] if client else ""


def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return  # Litestar's automatic OPTIONS answers: they only list the allowed methods
    level = handler.opt.get("access")
    if level not in ACCESS_LEVELS:
        raise PermissionDeniedException(f"route {connection.url.path} declares no access level")
    roles = ACCESS_LEVELS[level]
    if roles is None:
        return
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException()
    if user.role not in roles:
        raise PermissionDeniedException()
    if user.scopes is not None:  # an API token: what the route asks of it (token_rules)
        needed = token_rules.scope_needed(level, connection.scope["method"])
        if needed not in user.scopes:
            raise DomainError("forbidden", {"form": (
                N_("This API token lacks the “%(scope)s” scope."), {"scope": needed})})


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a user to another host after login."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def landing_path(role: str) -> str:
    """Where a login without a `next` lands: desk staff at their desk, members on their page."""
    return "/desk" if role in STAFF_ROLES else "/me"


# The main menu, in groups: (group label, items); an item is (access level, path, label, the
# paths it stands for). A visitor sees the items their role may open; the current item is the
# one standing for the longest prefix of the path ("/" stands for the home page alone).
MENU = (
    ("", (("public", "/", N_("Catalogue"), ("/", "/tool-types")),
          ("public", "/sessions", N_("Sessions"), ("/sessions", "/verify", "/manage/sessions")),
          ("member", "/me", N_("My page"), ("/me", "/certificates")))),
    (N_("For staff"), (("staff", "/desk", N_("Desk"), ("/desk",)),
                       ("staff", "/members", N_("Members"), ("/members",)),
                       ("staff", "/units", N_("Units"), ("/units", "/labels")),
                       ("staff", "/inspections/due", N_("Inspections due"), ("/inspections",)),
                       ("staff", "/transfers", N_("Transfers"), ("/transfers",)),
                       ("staff", "/reports", N_("Reports"), ("/reports",)),
                       ("staff", "/audit", N_("Audit trail"), ("/audit",)))),
    (N_("Manage"), (("coordinator", "/manage/tool-types", N_("Manage the catalogue"), ("/manage",)),
                    ("coordinator", "/policy", N_("Memberships and concessions"), ("/policy",)),
                    ("coordinator", "/booking-policy", N_("Lending rules"),
                     ("/booking-policy",)),
                    ("coordinator", "/manage/translations", N_("Missing translations"),
                     ("/manage/translations",)))),
)


def main_menu(user: CurrentUser | None, path: str) -> list[dict[str, Any]]:
    """The menu groups the visitor sees: {label, items: [{path, label, current, unread,
    unread_label}]}; `unread`: the messages not read yet on the member's page ("My page")."""
    def matched(prefixes: tuple[str, ...]) -> int:
        return max((len(p) for p in prefixes if path == p
                    or (p != "/" and path.startswith(p + "/"))), default=0)

    seen = [(label, [(item, matched(item[3])) for item in items if ACCESS_LEVELS[item[0]] is None
                     or (user is not None and user.role in ACCESS_LEVELS[item[0]])])
            for label, items in MENU]
    best = max((length for _label, items in seen for _item, length in items), default=0)
    unread = user.unread_messages if user is not None else 0
    return [{"label": label, "items": [
        {"path": item[1], "label": item[2], "current": bool(best) and length == best,
         "unread": unread if item[1] == "/me" else 0, "unread_label": UNREAD_LABEL}
        for item, length in items]} for label, items in seen if items]


UNREAD_LABEL = N_("Unread messages: %(count)s")  # beside "My page" for a screen reader


# --- text as people send it: no control characters ---------------------------------------

# NUL and the other C0 controls (but tab and line breaks) and DEL are nothing a person types;
# PostgreSQL refuses NUL in text and SQLite's search index stumbles on it.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENCODED_CONTROL = re.compile(
    rb"%(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(value: Any) -> Any:
    """The value with control characters taken out of every string in it (JSON-shaped)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, list):
        return [without_control_characters(item) for item in value]
    if isinstance(value, dict):
        return {without_control_characters(k): without_control_characters(v)
                for k, v in value.items()}
    return value


def clean_query_string(raw: bytes) -> bytes:
    """A query string without encoded control characters (rewritten only when it has some)."""
    if not _ENCODED_CONTROL.search(raw):
        return raw
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return urlencode([(without_control_characters(k), without_control_characters(v))
                      for k, v in pairs]).encode()


class AppRequest(HTMXRequest):
    """The request every handler gets: forms (URL-encoded or multipart) and JSON bodies come
    without control characters; the query string is cleaned by RequestContextMiddleware. So
    text is cleaned once, at the edge, whatever the field."""

    async def form(self) -> FormMultiDict:
        try:
            form = await super().form()
        except UnicodeDecodeError:  # a multipart field that is not text (a file without a name)
            raise ClientException("the form has a field that is not text") from None
        return FormMultiDict([(key, without_control_characters(value))
                              for key, value in form.multi_items()])

    async def json(self) -> Any:
        return without_control_characters(await super().json())


# --- security headers on every response ----------------------------------------------------

# Pages run only the app's own scripts and styles (htmx and static/app.js; htmx's inline
# indicator style is switched off in base.html) and are never framed by another site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def security_headers(settings: Settings):
    """A before-send hook that adds the security headers to every response, 404s and error
    pages included. Piccolo Admin (/admin) brings its own scripts: it is not held to the
    policy, only never framed."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        if headers.get("content-type", "").startswith("text/html"):
            admin = scope.get("path", "").startswith("/admin")
            headers["Content-Security-Policy"] = (
                "frame-ancestors 'none'" if admin else CONTENT_SECURITY_POLICY)
        if settings.secure_cookies:  # served over HTTPS
            headers["Strict-Transport-Security"] = "max-age=31536000"

    return add_headers


# --- flash messages: a short signed cookie, shown once on the next page -------------------


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def flash_cookie(settings: Settings, level: str, message: str) -> Cookie:
    # unpadded: a '=' would make the cookie value quoted
    payload = base64.urlsafe_b64encode(json.dumps([level, message]).encode()).decode().rstrip("=")
    return Cookie(
        key=FLASH_COOKIE,
        value=f"{payload}.{_sign(settings.secret_key, payload.encode())}",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=60,
    )


def read_flash(settings: Settings, raw: str | None) -> tuple[str, str] | None:
    if not raw or "." not in raw:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not (signature.isascii() and payload.isascii()):
        return None  # cookies arrive as latin-1; ours are ASCII
    if not hmac.compare_digest(signature, _sign(settings.secret_key, payload.encode())):
        return None
    try:
        level, message = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    if level not in ("success", "error", "info"):
        return None
    return level, str(message)


# --- the request context middleware -----------------------------------------------------


# Who sent a request: (session cookie, bearer token, now) -> the user or None. The composition
# root passes rental.auth's, which reads the accounts the kernel knows nothing of.
Identify = Callable[[str | None, str | None, datetime], Awaitable[CurrentUser | None]]


class RequestContextMiddleware:
    """Loads the session user and picks the language; clears a flash once it has been shown."""

    def __init__(self, app: ASGIApp, settings: Settings, identify: Identify) -> None:
        self.app = app
        self.settings = settings
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["query_string"] = clean_query_string(scope.get("query_string", b""))
        cookies = _cookies(scope)
        user = None
        token = cookies.get(SESSION_COOKIE)
        authorization = _header(scope, b"authorization") or ""
        if authorization.lower().startswith("bearer "):
            # scripts and other systems: the token alone counts, never a cookie beside it, so
            # such a request cannot ride on a browser's session (and needs no CSRF token)
            token = None
            user = await self.identify(None, authorization[7:].strip(), self.settings.clock.now())
            scope["auth"] = "bearer"  # type: ignore[typeddict-unknown-key]
        elif token:
            user = await self.identify(token, None, self.settings.clock.now())
        scope["user"] = user  # type: ignore[typeddict-unknown-key]
        locale = locale_for_scope(scope, user)
        i18n.current_locale.set(locale)
        flash = read_flash(self.settings, cookies.get(FLASH_COOKIE))
        scope.setdefault("state", {})["flash"] = flash  # type: ignore[typeddict-item]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                is_html = headers.get("content-type", "").startswith("text/html")
                if is_html and "vary" not in headers:
                    headers.add("vary", "HX-Request, HX-Target")
                if flash and not 300 <= message["status"] < 400:
                    headers.add("set-cookie", f"{FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly")
                if token and user is None and not _sets_cookie(headers, SESSION_COOKIE):
                    headers.add("set-cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly")
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _sets_cookie(headers: MutableScopeHeaders, name: str) -> bool:
    return any(v.startswith(f"{name}=") for v in headers.getall("set-cookie", []))


def _cookies(scope: Scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1")
    jar: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name not in jar:
            # a quoted value (RFC 6265) is the same value without its quotes
            jar[name] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return jar


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def locale_for_scope(scope: Scope, user: CurrentUser | None) -> str:
    accepted = _header(scope, b"accept-language")
    if accepted and scope.get("path", "").startswith("/api/"):
        # the API answers in the language asked: a kiosk's reader, whoever its token's account
        return i18n.choose_locale(None, None, accepted)
    return i18n.choose_locale(
        user.language if user else None,
        _cookies(scope).get(LANGUAGE_COOKIE),
        _header(scope, b"accept-language"),
    )


# --- templates: full page or the block the htmx component targets -------------------------


class FragmentTemplate:
    def __init__(self, environment: Environment, template_name: str) -> None:
        self.environment = environment
        self.template = environment.get_template(template_name)

    def render(self, *args: Any, **context: Any) -> str:
        request = context.get("request")
        chain = template_chain(self.environment, self.template.name)
        blocks = {name for template in chain for name in template.blocks}
        block = fragment_block(request.headers if request is not None else {}, blocks)
        if block is None:
            return self.template.render(*args, **context)
        return render_block(chain, block, dict(*args, **context))


def fragment_block(headers: Mapping[str, str], blocks: set[str]) -> str | None:
    """For an htmx request: the block named like the target element, else `main`.

    Block names cannot hold hyphens, so element `member-results` is block `member_results`."""
    if headers.get("hx-request") != "true" or headers.get("hx-history-restore-request"):
        return None
    target = (headers.get("hx-target") or "").replace("-", "_")
    if target and target in blocks:
        return target
    return "main" if "main" in blocks else None


def template_chain(environment: Environment, name: str) -> list[Any]:
    """The template and the templates it extends, child first."""
    chain = [environment.get_template(name)]
    while parent := _parent_name(environment, chain[-1].name):
        chain.append(environment.get_template(parent))
    return chain


@cache
def _parent_name(environment: Environment, name: str) -> str | None:
    source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
    extends = environment.parse(source).find(nodes.Extends)
    if extends is None:
        return None
    if not isinstance(extends.template, nodes.Const):
        raise ValueError(f"{name}: fragments need a literal {{% extends %}} name")
    return extends.template.value


def render_block(chain: list[Any], block: str, variables: dict[str, Any]) -> str:
    """Render one block as the page would: overrides from the child, the rest from parents.

    Other code outside blocks does not run (so no top-level {% set %}), except the imports
    of macros, which the blocks need."""
    environment = chain[0].environment
    context = chain[0].new_context(variables)
    for template in chain:
        for source, names in _top_level_imports(environment, template.name):
            module = environment.get_template(source).module
            for name, alias in names:
                context.vars[alias] = module if name is None else getattr(module, name)
    for parent in chain[1:]:
        for name, function in parent.blocks.items():
            context.blocks.setdefault(name, []).append(function)
    return environment.concat(context.blocks[block][0](context))


@cache
def _top_level_imports(
    environment: Environment, name: str
) -> tuple[tuple[str, tuple[tuple[str | None, str], ...]], ...]:
    """`{% from "x" import a, b as c %}` and `{% import "x" as y %}` at a template's top level."""
    source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
    found = []
    for node in environment.parse(source).body:
        if isinstance(node, nodes.FromImport) and isinstance(node.template, nodes.Const):
            pairs = tuple((n, n) if isinstance(n, str) else (n[0], n[1]) for n in node.names)
            found.append((node.template.value, pairs))
        elif isinstance(node, nodes.Import) and isinstance(node.template, nodes.Const):
            found.append((node.template.value, ((None, node.target),)))
    return tuple(found)


class FragmentJinjaEngine(JinjaTemplateEngine):
    def get_template(self, template_name: str) -> FragmentTemplate:  # type: ignore[override]
        return FragmentTemplate(self.engine, template_name)


@cache
def _static_version(path: str) -> str:
    file = PROJECT_ROOT / "static" / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.exists() else "0"


def static_url(path: str) -> str:
    """A static file's URL with a content hash, so browsers may cache it for a long time."""
    return f"/static/{path}?v={_static_version(path)}"


def choice_label(key: str) -> str:
    """A stored choice (a status, a sex, an age band...) in the reader's language."""
    return i18n.plain_gettext(CHOICE_LABELS.get(key, key))


def municipality_name(code: str | None) -> str:
    """A municipality's code as the reader names it (rental/data/municipalities.json)."""
    return municipalities.name(code, i18n.current_locale.get())


def municipality_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The municipalities by region, named in the reader's language, for a form's select."""
    return municipalities.choices(i18n.current_locale.get())


def make_environment(debug: bool, timezone: str = "Asia/Tbilisi") -> Environment:
    """`timezone`: where timestamps are shown when no centre's own zone applies."""
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do", CacheExtension],
        undefined=StrictUndefined,  # a misspelt variable fails the tests instead of rendering blank
        auto_reload=debug,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: Jinja fills in %(name)s itself, escaping the values
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.plain_gettext, i18n.plain_ngettext, newstyle=True
    )
    env.globals.update(
        static_url=static_url,
        format_money=i18n.format_money,
        money_input=money_input,
        format_date=i18n.format_date,
        format_datetime=i18n.format_datetime,
        format_number=i18n.format_number,
        format_share=i18n.format_share,
        format_month=i18n.format_month,
        localized=i18n.localized,
        weekdays=i18n.format_weekdays,
        weekday_names=i18n.weekday_names,
        phone=display_phone,
        label=choice_label,
        municipality_name=municipality_name,
        municipality_choices=municipality_choices,
        current_locale=i18n.current_locale.get,
        main_menu=main_menu,
        language_names=i18n.LANGUAGE_NAMES,
        language_label=i18n.language_label,
        format_time=i18n.format_time,
        default_timezone=timezone,
    )
    return env


class CSRFUnlessBearer(CSRFMiddleware):
    """Litestar's double-submit CSRF check, except for requests authenticated by an API bearer
    token: a browser never attaches one by itself, so a forged cross-site request cannot. Pages
    carry the token masked afresh for each response (rental.kernel.wire)."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        super().__init__(wire.masking_csrf_token(app), config)

    def _csrf_tokens_match(self, request_csrf_token: str, cookie_csrf_token: str) -> bool:
        return super()._csrf_tokens_match(wire.unmasked(request_csrf_token), cookie_csrf_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # an API request of nobody rides on no session: its route answers 401 (or serves it)
        nobody = scope.get("user") is None and scope.get("path", "").startswith("/api/")
        if scope.get("auth") == "bearer" or nobody:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
