"""Fuzz tests: generated values (wrong types, empty, huge, negative, unicode, NUL bytes, HTML,
far dates) in every path and query parameter of every GET route, every form field and every
JSON body, as every kind of visitor, with a valid CSRF token so the requests reach the handlers.

Whatever arrives, the app answers below 500; a refusal (4xx) says why, and writes no row.

The routes come from the app's route table and the fields from its own pages (fuzzing.py),
so a new route is fuzzed without a new test. Each route gets its own few Hypothesis examples
(every route is asked on every run, and a failure shrinks to the one value that causes it); the
test then lists every route that failed. In CI (CI set) the examples are the same on every run;
locally they differ each time, and FUZZ_EXAMPLES=50 hunts longer."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fuzzing import (
    FILES,
    UNSAFE,
    Crawler,
    Route,
    Site,
    app_routes,
    field_values,
    fill,
    int_values,
    json_body,
    mostly,
    repeated,
    row_count_query,
    template_fields,
)
from helpers import credentials, csrf_token, log_in, today
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure
from piccolo.conf.apps import Finder
from piccolo.querystring import QueryString

from rental.kernel.web import ACCESS_LEVELS, SESSION_COOKIE
from toollib.piccolo_conf import DB

log = logging.getLogger("tests.fuzz")

# Hypothesis warns when it describes a strategy of a dozen fields of 10,000 characters each.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

ROLES = ("anonymous", "member", "staff", "coordinator", "admin")

# Examples per route a visitor may use; a route the guard refuses them gets one (the refusal
# comes before any value is read).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))

# Every route's examples come from the one inner test function (see fuzz_routes), so a stored
# failing example would replay for another route: no example database. Slow examples are the
# point (a request, not a computation), and so are large ones.
settings.register_profile(
    "fuzz", deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
    print_blob=False, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.filter_too_much])
FUZZ = settings.get_profile("fuzz")

# Rows a refused request writes by design, so they are not counted: a failed login is
# recorded (rental.auth), and so is every attempt at a rate-limited form (rental.throttle).
# Sessions and API tokens are counted: no refused request may open one.
WRITTEN_WHEN_REFUSED = {"login_failure", "rate_event"}


# --- the visitors ---------------------------------------------------------------------------

_addresses = itertools.count(1)


class Visitor:
    """One kind of visitor's browser: a session (none for anonymous) and the CSRF token of its
    forms. A request may end the session (/logout): the next example logs in again, from a new
    address, since fuzzing /login fills the login throttle of the old one."""

    def __init__(self, app, role: str, login: tuple[str, str] | None):
        self.app, self.role, self.login = app, role, login
        self.client: httpx.AsyncClient | None = None
        self.token = ""

    async def open(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        n = next(_addresses)
        transport = httpx.ASGITransport(
            app=self.app, client=(f"10.9.{n // 250}.{n % 250 + 1}", 50000),
            raise_app_exceptions=False)  # an exception that escapes the app is a 500 too
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        if self.login:
            answer = await log_in(self.client, *self.login)
            assert answer.status_code == 303, f"{self.role} could not log in again"
        self.token = await csrf_token(self.client, "/")

    async def keep_session(self) -> None:
        if self.login and SESSION_COOKIE not in self.client.cookies:
            await self.open()

    def may_use(self, route: Route) -> bool:
        allowed = ACCESS_LEVELS[route.access]
        return allowed is None or self.role in allowed


@pytest.fixture
async def visitor(app, seeded, request):
    role = request.param
    you = Visitor(app, role, None if role == "anonymous" else credentials(seeded, role))
    await you.open()
    yield you
    await you.client.aclose()


# What each kind of visitor's pages show, read once per worker: every test starts from the
# same seeded database, so the ids and fields are the same in each.
SITES: dict[str, Site] = {}


async def site_of(app, you: Visitor) -> Site:
    if you.role not in SITES:
        SITES[you.role] = await Crawler(app_routes(app)).crawl(you.client)
    return SITES[you.role]


# --- one generated request ------------------------------------------------------------------


@dataclass
class Ask:
    """One generated request: the values of the path, and of the query, the form or the JSON
    body, as the route takes them."""

    path: dict[str, Any]
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    json: Any = None
    raw: bytes | None = None  # a body no browser would send: not JSON, or a broken form
    multipart: bool = False  # the form as multipart/form-data, with or without files
    headers: dict[str, str] = field(default_factory=dict)


URL_TEXT = 2_000  # the longest text in a path or query (a proxy refuses longer URLs)

NOT_JSON = (b"", b"{", b"\x00", b"null", b"[]", b'{"a":', "ხელსაწყო".encode(), b"\xff\xfe",
            b'{"member_id": 1e999}', b"NaN")
NOT_A_FORM = (b"%", b"%FF=%FE", b"a=%zz", b"\xff\xfe=\x00", b"=&=&&", b";;;", b"a" * 10_000,
              "ხ=ხ".encode(), b"member=1&member=1&member=x")


def asks(route: Route, site: Site, templates: list[str]) -> st.SearchStrategy[Ask]:
    """The requests to try on a route: every value either one the visitor's pages showed
    under that name or a generated one; sometimes as htmx sends it, for a fragment."""
    day = today()
    path = st.fixed_dictionaries({
        name: int_values(site.path_values[route.path][name]) if kind is int
        else field_values(site.path_values[route.path][name], day, URL_TEXT)
        for name, kind in route.path_params.items()})
    htmx = st.one_of(st.just({}), st.just({"hx-request": "true"}), st.builds(
        lambda target: {"hx-request": "true", "hx-target": target},
        st.sampled_from(sorted(site.hx_targets) or ["main"])))
    if route.method == "GET":
        known = site.query_values[route.path]
        names = sorted(set(route.query) | set(known))
        query = st.fixed_dictionaries({}, optional={  # values seen under the name elsewhere too
            name: repeated(field_values(known[name] | site.values_named(name), day, URL_TEXT))
            for name in names})
        return st.builds(Ask, path=path, query=query, headers=htmx)
    if route.body is not None:
        return st.builds(Ask, path=path, json=json_body(route.body, site, day),
                         raw=mostly(st.none(), st.sampled_from(NOT_JSON)))
    form = site.forms.get(route.path)
    names = sorted(form.fields) if form else template_fields(templates, route)
    fields = st.fixed_dictionaries({}, optional={  # a value any page showed under the name, too
        name: repeated(field_values((form.fields.get(name, set()) if form else set())
                                    | site.values_named(name), day)) for name in names})
    files = st.fixed_dictionaries({}, optional={name: FILES for name in sorted(form.files)}) \
        if form and form.files else st.just({})
    return st.builds(Ask, path=path, form=fields, files=files, multipart=st.booleans(),
                     raw=mostly(st.none(), st.sampled_from(NOT_A_FORM)), headers=htmx)


async def send(you: Visitor, route: Route, ask: Ask) -> httpx.Response:
    url = fill(route.path, ask.path)
    if route.method == "GET":
        params = [(name, value) for name, values in ask.query.items() for value in values]
        return await you.client.get(url, params=params, headers=ask.headers)
    if route.body is not None:
        headers = {"x-csrftoken": you.token, "content-type": "application/json"}
        if ask.raw is not None:
            return await you.client.request(route.method, url, content=ask.raw, headers=headers)
        return await you.client.request(route.method, url, json=ask.json, headers=headers)
    if ask.raw is not None:
        return await you.client.request(
            route.method, url, content=ask.raw + b"&_csrf_token=" + you.token.encode(),
            headers={"content-type": "application/x-www-form-urlencoded"})
    data = {"_csrf_token": you.token}
    if ask.multipart:  # every field a part of its own (a file part when it has a filename)
        parts = [(name, (None, value.encode())) for name, values in ask.form.items()
                 for value in values] + list(ask.files.items())
        return await you.client.request(route.method, url, data=data, files=parts,
                                        headers=ask.headers)
    return await you.client.request(route.method, url, data={**ask.form, **data},
                                    files=ask.files or None, headers=ask.headers)


# --- what every answer must be --------------------------------------------------------------


async def row_counts(tables: list[str]) -> dict[str, int]:
    return (await DB.run_querystring(QueryString(row_count_query(tables))))[0]


def says_why(response: httpx.Response) -> bool:
    """A refusal carries a message: a page or text, or JSON with a detail or the errors."""
    if "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and bool(body.get("detail") or body.get("errors"))
    return bool(response.text.strip())


class Errors(logging.Filter):
    """Takes the exceptions the app logs for its 500s (toollib.app._server_error) out of its
    log: shrinking a failure repeats it dozens of times, and the test logs each failure's
    traceback once (fuzz_routes)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[BaseException] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(record.exc_info[1])
        return False


@pytest.fixture
def app_errors():
    errors = Errors()
    app_log, httpx_log = logging.getLogger("rental"), logging.getLogger("httpx")
    saved = app_log.level, httpx_log.level
    app_log.setLevel(logging.ERROR)
    httpx_log.setLevel(logging.WARNING)  # not a line per request
    app_log.addFilter(errors)
    yield errors
    app_log.removeFilter(errors)
    app_log.level, httpx_log.level = saved


def short(value: Any) -> str:
    """A repr that keeps every key but not every character: 'ა'×10000, 'abc'…(512 long)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {short(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(short(item) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, str | bytes) and len(value) > 40:
        for size in (1, 2, 3, 4):
            if value == value[:size] * (len(value) // size):
                return f"{value[:size]!r}×{len(value) // size}"
        return f"{value[:24]!r}…({len(value)} long)"
    return repr(value)


def described(you: Visitor, route: Route, ask: Ask, response: httpx.Response) -> str:
    """The request as one line, each long value cut short."""
    sent = {"path": ask.path, "query": ask.query}
    if ask.raw is not None:  # the body sent instead of the form or JSON
        sent["raw"] = ask.raw
    elif route.body is not None:
        sent["json"] = ask.json
    else:
        sent |= {"form": ask.form, "multipart": ask.multipart,
                 "files": {name: (filename, f"{len(content)} bytes", kind)
                           for name, (filename, content, kind) in ask.files.items()}}
    sent["headers"] = ask.headers
    shown = [f"{name}={short(value)}" for name, value in sent.items()
             if value or name in ("raw", "json")]
    return f"{route} as {you.role}: {response.status_code} for " + ", ".join(shown)


async def check(you: Visitor, route: Route, ask: Ask, tables: list[str], errors: Errors) -> None:
    await you.keep_session()
    before = await row_counts(tables)
    mark = len(errors.seen)
    response = await send(you, route, ask)
    what = described(you, route, ask, response)
    if response.status_code >= 500:
        # raised from the app's exception: Hypothesis tells failures apart by their cause
        cause = errors.seen[-1] if len(errors.seen) > mark else None
        shown = f" [{type(cause).__name__}: {str(cause)[:200]}]" if cause else ""
        raise AssertionError(what + shown) from cause
    if 400 <= response.status_code < 500:
        assert says_why(response), f"{what}: a refusal without a message"
        after = await row_counts(tables)
        assert before == after, f"{what}: refused, but wrote rows " + str(
            {t: (before[t], after[t]) for t in tables if before[t] != after[t]})


def _in_loop(loop, you: Visitor, route: Route, tables: list[str],
             errors: Errors) -> Callable[[Ask], None]:
    """The example Hypothesis calls in its thread: the check, run on the tests' event loop
    (where the database pool lives), waited for."""

    def example(ask: Ask) -> None:
        try:
            asyncio.run_coroutine_threadsafe(check(you, route, ask, tables, errors),
                                             loop).result()
        except httpx.InvalidURL:
            reject()  # over 64 KiB: httpx refuses to send it, as any proxy would

    return example


# --- the tests ------------------------------------------------------------------------------


async def fuzz_routes(app, you: Visitor, errors: Errors, chosen: Callable[[Route], bool],
                      failures: list[str] | None = None) -> None:
    """Each chosen route gets its own Hypothesis run, driven from a thread while this loop
    serves the requests (Hypothesis runs examples synchronously); the failures of all the
    routes are reported together."""
    site = await site_of(app, you)
    tables = sorted({t._meta.tablename for t in Finder().get_table_classes()}
                    - WRITTEN_WHEN_REFUSED)
    templates = app.template_engine.engine.loader.searchpath
    loop = asyncio.get_running_loop()
    failures = failures or []
    for route in filter(chosen, app_routes(app)):
        examples = EXAMPLES if you.may_use(route) else 1
        run = settings(FUZZ, max_examples=examples)(
            given(asks(route, site, templates))(_in_loop(loop, you, route, tables, errors)))
        try:
            await asyncio.to_thread(run)
        except (AssertionError, ExceptionGroup) as failure:  # all the routes, then one report
            for line, cause in _failures(failure):
                failures.append(line)
                if cause is not None:  # the app's traceback, once per failure
                    log.error("%s", line, exc_info=cause)
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures), pytrace=False)


def _failures(failure: BaseException, once: str = "") -> list[tuple[str, Any]]:
    """Each failure's line and the app's exception behind it: Hypothesis groups several bugs,
    or a failure it could not reproduce (the database had changed), in an ExceptionGroup."""
    if isinstance(failure, BaseExceptionGroup):
        once = "(did not fail again) " if isinstance(failure, FlakyFailure) else once
        return [found for inner in failure.exceptions for found in _failures(inner, once)]
    return [(once + str(failure).splitlines()[0], failure.__cause__)]


@pytest.mark.parametrize("visitor", ROLES, indirect=True)
async def test_every_page_and_api_read_survives_generated_parameters(app, visitor, app_errors):
    site = await site_of(app, visitor)  # a page that broke while crawling fails the test too
    await fuzz_routes(app, visitor, app_errors, lambda route: route.method == "GET",
                      failures=list(site.broken))


@pytest.mark.parametrize("visitor", ROLES, indirect=True)
async def test_every_form_and_json_endpoint_survives_generated_values(app, visitor, app_errors):
    await fuzz_routes(app, visitor, app_errors, lambda route: route.method in UNSAFE)
