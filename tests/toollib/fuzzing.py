"""What the fuzz tests (test_fuzz.py) know about the app, all of it read from the app
itself: its route table, the forms and links its pages show each kind of visitor, the values
to send, and the row count of every table.

A route added later is fuzzed without editing anything here: its path parameters and query
parameters come from the handler's signature, its form fields from the pages that post to it
(or, when no page does, from the templates that name it), the keys of a JSON body from the
dataclass the handler reads, and the ids to try from the links the pages show."""

from __future__ import annotations

import dataclasses
import itertools
import re
import string
import types
import typing
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

from hypothesis import strategies as st
from litestar.constants import RESERVED_KWARGS
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.routes import HTTPRoute

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --- the route table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # the template, e.g. /desk/{centre_id:int}/basket
    method: str
    access: str
    path_params: dict[str, type]  # name -> int, str or Path, as the router parses it
    query: tuple[str, ...]  # the query parameters the handler's signature names
    body: Any = None  # the type of a JSON body (the handler's `data`), else None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(app) -> list[Route]:
    """Every (path, method) the app's own handlers serve. Not asked: the /admin mount (Piccolo
    Admin, an ASGI app with its own tests), what Litestar serves itself (static files, the
    OpenAPI schema), and the automatic OPTIONS and HEAD answers."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.fn.__module__.startswith("litestar."):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append(Route(
                    path=route.path, method=method, access=handler.opt["access"],
                    path_params={name: p.type for name, p in route.path_parameters.items()},
                    query=_query_parameters(handler, route),
                    body=_json_body(handler)))
    return found


def _query_parameters(handler, route) -> tuple[str, ...]:
    """The handler's parameters that come from the query string (by their query name)."""
    dependencies = handler.resolve_dependencies()
    names = []
    for name, parameter in handler.parsed_fn_signature.parameters.items():
        if name in RESERVED_KWARGS or name in dependencies or name in route.path_parameters:
            continue
        kwarg = parameter.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.header or kwarg.cookie:
                continue
            name = kwarg.query or name
        names.append(name)
    return tuple(names)


def _json_body(handler) -> Any:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    kwarg = data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and "json" not in str(kwarg.media_type).lower():
        return None  # a form the framework parses: fuzzed like the other forms
    return data.annotation


def path_pattern(template: str) -> re.Pattern[str]:
    """A regex that matches the concrete paths of a route template."""
    kinds = {"int": r"-?\d+", "path": r".*"}
    parts, last = [], 0
    for m in re.finditer(r"\{(\w+)(?::(\w+))?\}", template):
        parts.append(re.escape(template[last:m.start()]))
        parts.append(f"(?P<{m.group(1)}>{kinds.get(m.group(2) or 'str', '[^/]+')})")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


def fill(template: str, values: dict[str, Any]) -> str:
    """The concrete path: each parameter's value, percent-encoded."""
    return re.sub(r"\{(\w+)(?::\w+)?\}",
                  lambda m: quote(str(values[m.group(1)]), safe=""), template)


# --- what a visitor's pages show: links, forms and their fields -----------------------------


@dataclass
class Form:
    fields: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: set[str] = field(default_factory=set)


@dataclass
class Site:
    """What one kind of visitor saw, by route template."""

    path_values: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    query_values: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    forms: dict[str, Form] = field(default_factory=lambda: defaultdict(Form))
    hx_targets: set[str] = field(default_factory=set)
    pages: int = 0
    broken: list[str] = field(default_factory=list)  # pages that answered 5xx

    def values_named(self, name: str) -> set[str]:
        """Every value seen under this name anywhere: in paths, queries and forms."""
        seen: set[str] = set()
        for by_name in (*self.path_values.values(), *self.query_values.values()):
            seen |= by_name.get(name, set())
        for form in self.forms.values():
            seen |= form.fields.get(name, set())
        return seen


class _PageParser(HTMLParser):
    """Links (href, hx-get), forms with their action, method and fields, and hx-targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self.targets: set[str] = set()
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("hx-target", "").startswith("#"):
            self.targets.add(a["hx-target"][1:])
        for link in (a.get("href"), a.get("hx-get")):
            if link and tag != "form":
                self.links.append(link)
        if tag == "form":
            method = "post" if "hx-post" in a else a.get("method", "get").lower()
            self._form = {"actions": {a.get("action", ""), a.get("hx-post", "")} - {""} or {""},
                          "method": method, "fields": defaultdict(set), "files": set()}
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if name == "_csrf_token":
            return  # the visitor's own token goes with every request
        if tag == "button" and (a.get("formaction") or a.get("hx-post")):
            form["actions"] |= {a.get("formaction", ""), a.get("hx-post", "")} - {""}
        if not name:
            if tag == "option" and self._select:
                form["fields"][self._select].add(a.get("value", ""))
            return
        if tag == "input" and a.get("type") == "file":
            form["files"].add(name)
        elif tag in ("input", "button", "textarea"):
            form["fields"][name].add(a.get("value", ""))
        elif tag == "select":
            self._select = name
            form["fields"][name]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class Crawler:
    """Walks a visitor's pages from every GET route without parameters, following links, and
    reads a route template only a few times (a different set of query names counts apart).
    Then it guesses the pages no link led to: each GET route with its parameters filled from
    values seen under the same name (a member card from a member id in another path), else 1
    to 3."""

    def __init__(self, routes: list[Route], max_pages: int = 150, per_template: int = 4):
        self.routes = {r.path: r for r in routes if r.method == "GET"}
        self.get = _matchers([r for r in routes if r.method == "GET"])
        self.unsafe = _matchers([r for r in routes if r.method in UNSAFE])
        self.max_pages, self.per_template = max_pages, per_template

    async def crawl(self, client) -> Site:
        site = Site()
        queue = deque(sorted(path for path, r in self.routes.items() if not r.path_params))
        visited: set[str] = set()
        per_template: Counter[str] = Counter()
        per_kind: Counter[tuple[str, frozenset[str]]] = Counter()  # template, query names
        for _ in range(3):  # the links, then guesses from what they showed, twice
            while queue and site.pages < self.max_pages:
                url = queue.popleft()
                template = _template(self.get, url)
                kind = (template, frozenset(k for k, _ in parse_qsl(urlsplit(url).query)))
                if (template is None or url in visited or per_kind[kind] >= 2
                        or per_template[template] >= self.per_template):
                    continue
                visited.add(url)
                per_kind[kind] += 1
                per_template[template] += 1
                await self._visit(client, site, url, queue)
            queue.extend(self._guesses(site, per_template))
        return site

    async def _visit(self, client, site: Site, url: str, queue: deque[str]) -> None:
        response = await client.get(url)
        site.pages += 1
        if response.status_code >= 500:
            site.broken.append(f"GET {url}: {response.status_code} (a page the crawl opened)")
        if response.status_code != 200 or "html" not in response.headers.get("content-type", ""):
            return
        page = _PageParser()
        page.feed(response.text)
        site.hx_targets |= page.targets
        for link in page.links:
            target = _same_site(url, link)
            if target:
                self._record(site, self.get, target)
                queue.append(target)
        for form in page.forms:
            for action in form["actions"]:
                self._record_form(site, url, action, form)

    def _guesses(self, site: Site, per_template: Counter[str]) -> list[str]:
        def seen(name: str) -> list[str]:
            names = {name, name.removesuffix("_id"), name + "_id"}
            in_paths = {v for by_name in site.path_values.values() for n in names
                        for v in by_name.get(n, ())}
            elsewhere = set().union(*(site.values_named(n) for n in names)) - in_paths
            # ids from paths first: a form's "0" (all centres) names no page
            return [v for group in (in_paths, elsewhere)
                    for v in sorted(group, key=lambda v: (len(v), v)) if v]

        urls = []
        for path, route in self.routes.items():
            if not route.path_params or per_template[path] >= self.per_template:
                continue
            choices = [seen(name) or ["1", "2", "3"] for name in route.path_params]
            query = urlencode({name: seen(name)[0] for name in route.query if seen(name)})
            for values in list(itertools.product(*choices))[:self.per_template]:
                url = fill(path, dict(zip(route.path_params, values, strict=True)))
                urls += [url, f"{url}?{query}"] if query else [url]
        return urls

    def _record(self, site: Site, matchers, url: str, method: str = "GET"):
        parts = urlsplit(url)
        for template, pattern in matchers:
            m = pattern.fullmatch(unquote(parts.path))
            if m:
                for name, value in m.groupdict().items():
                    site.path_values[template][name].add(value)
                for name, value in parse_qsl(parts.query, keep_blank_values=True):
                    site.query_values[template][name].add(value)
                return template, m
        return None, None

    def _record_form(self, site: Site, page_url: str, action: str, form: dict) -> None:
        target = _same_site(page_url, action or page_url)
        if target is None:
            return
        if form["method"] == "get":  # a search form: its fields are query parameters
            template, _ = self._record(site, self.get, target)
            if template:
                for name, values in form["fields"].items():
                    site.query_values[template][name] |= values
            return
        template, _ = self._record(site, self.unsafe, target)
        if template:
            for name, values in form["fields"].items():
                site.forms[template].fields[name] |= values
            site.forms[template].files |= form["files"]


def _template(matchers, url: str) -> str | None:
    path = unquote(urlsplit(url).path)
    return next((t for t, pattern in matchers if pattern.fullmatch(path)), None)


def _matchers(routes: list[Route]) -> list[tuple[str, re.Pattern[str]]]:
    # fixed paths first: /units/new is not /units/{unit_id}
    templates = sorted({r.path for r in routes}, key=lambda p: (p.count("{"), p))
    return [(t, path_pattern(t)) for t in templates]


def _same_site(page_url: str, link: str) -> str | None:
    url = urljoin(page_url, link.split("#")[0])
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "{{" in url:
        return None
    return url


def template_fields(directories: list[str], route: Route) -> list[str]:
    """For a route no page showed a form for: the field names of the templates that name the
    route's last fixed segment ("/check-out"), else of every template."""
    segments = [s for s in route.path.split("/") if s and "{" not in s]
    mark = "/" + segments[-1] if segments else None
    every: set[str] = set()
    mentioning: set[str] = set()
    for directory in directories:
        for template in Path(directory).rglob("*.html"):
            source = template.read_text()
            names = set(re.findall(r'\bname="([\w-]+)"', source))
            every |= names
            if mark and re.search(re.escape(mark) + r'\b(?!-)', source):
                mentioning |= names
    return sorted((mentioning or every) - {"_csrf_token"})


# --- the values -----------------------------------------------------------------------------

# ids beyond every integer column's range (32 and 64 bits), and just inside them
HUGE_INTS = (0, -1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30,
             -2**31 - 1, -2**63, -2**63 - 1, -10**30)

TRICKY = (
    "", " ", "0", "-0", "007", "1e3", "0x1F", "١٢", "NaN", "Infinity", "-inf", "null", "None",
    "true", "[]", "{}", "1.5", "1,5", "99999999999999999999",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "${7*7}",
    "%(name)s", "%s%s%n", "' OR '1'='1", "'; DROP TABLE member; --", "\\", "../../etc/passwd",
    "%00", "\x00", "a\x00b", "\r\n", "\t", "\x1b[31m", "\x7f", "\u202e", "\ufeff", "\u200b",
    "ხელსაწყო", "ქუთაისი", "שלום", "مرحبا", "🔨🪚", "👩🏽‍🔧", "İ", "ß", "ﬀ", "ǅ",
    "²", "①", "１２", "𝟗",  # digits to str.isdigit(), not all of them to int()
    "+995555000011", "+995 555 00 00 12", "M00012", "a@b", "@", "all", "csv", "xlsx", "en", "ka",
)

# the first and last days (and months) a date can hold: a day before or after them overflows
FAR_DAYS = ("0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30")
FAR_MONTHS = ("0001-01", "9999-12")
# impossible and malformed days and months
ODD_DATES = (
    "0000-00-00", "10000-01-01", "-0001-01-01", "1900-02-29", "2026-02-30", "2026-13-01",
    "2026-00-10", "2026-1-1", "20261123", "2026-11-23T12:00", "2026-11-23 ", "0000-01",
    "10000-01", "2026-13", "2026-00", "-1--1", "2026-W48", "9999-W52", "9999-Q4", "0001-Q1",
)
DATES = FAR_DAYS + FAR_MONTHS + ODD_DATES


def mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any],
           one_in: int = 4) -> st.SearchStrategy[Any]:
    """`usual`, but one time in `one_in` `other` (a failure shrinks towards `usual`)."""
    return st.integers(1, one_in).flatmap(lambda n: other if n == one_in else usual)


def huge_text(longest: int) -> st.SearchStrategy[str]:
    """A character (or a short piece) repeated 101 to `longest` times."""
    return st.builds(lambda unit, times: unit * times,
                     st.sampled_from(["a", "ა", "7", "\x00", "<b>", "🔨", "'", " "]),
                     st.sampled_from([n for n in (101, 256, 1_001, 2_000, 10_000) if n <= longest]))


def dates_near(today: date) -> st.SearchStrategy[str]:
    """Days around the test's day, mostly the next two weeks: plausible values that get past
    validation (a booking's days, a loan's return day) to the code behind it."""
    return mostly(st.integers(0, 14), st.integers(-40, 400)).map(
        lambda days: (today + timedelta(days=days)).isoformat())


def text_values(today: date, longest: int = 10_000) -> st.SearchStrategy[str]:
    """Any text a form or URL can carry: empty, tricky (HTML, SQL, NUL, RTL, Georgian, emoji),
    numbers huge and negative, dates far, odd and near, and long text up to `longest`."""
    return st.one_of(
        st.sampled_from(TRICKY),
        st.text(max_size=30),  # any unicode, control characters and NUL included
        st.text(string.digits + "-:+. ", max_size=12),
        st.sampled_from(HUGE_INTS).map(str),
        st.integers().map(str),
        st.floats().map(repr),
        st.sampled_from(DATES),
        dates_near(today),
        st.dates().map(date.isoformat),
        st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}"),
        huge_text(longest),
    )


def int_values(known: set[str]) -> st.SearchStrategy[int]:
    """An id the pages showed (first, so failures shrink to real ids), or any integer."""
    ids = sorted({int(v) for v in known if re.fullmatch(r"-?\d{1,18}", v)})
    return st.one_of(
        *([st.sampled_from(ids)] if ids else []),
        st.integers(1, 20),
        st.sampled_from(HUGE_INTS),
        st.integers(),
    )


def field_values(known: set[str], today: date, longest: int = 10_000) -> st.SearchStrategy[str]:
    """A form field or query parameter: a value the page offered (first, so a failing example
    shrinks to real values but for the culprit), one shaped like those (a day where the page
    had days, a number where it had numbers), or any generated one."""
    choices = sorted(v for v in known if v)
    shaped = [strategy for pattern, strategy in _shapes(today)
              if any(re.fullmatch(pattern, v) for v in choices)]
    return st.one_of(*([st.sampled_from(choices)] if choices else []), *shaped,
                     text_values(today, longest))


def _shapes(today: date) -> list[tuple[str, st.SearchStrategy[str]]]:
    """Values shaped like a field's own, the extremes apart so that they come up often."""
    return [
        (r"\d{4}-\d\d-\d\d", st.sampled_from(FAR_DAYS)),
        (r"\d{4}-\d\d-\d\d", st.one_of(st.sampled_from(ODD_DATES), dates_near(today),
                                      st.dates().map(date.isoformat))),
        (r"\d{4}-\d\d", st.sampled_from(FAR_MONTHS)),
        (r"\d{4}-\d\d", st.one_of(st.sampled_from(ODD_DATES), st.dates().map(
            lambda d: f"{d.year:04d}-{d.month:02d}"))),
        (r"-?\d+", st.sampled_from(HUGE_INTS).map(str)),
        (r"-?\d+", st.integers().map(str)),
    ]


def repeated(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Usually one value, sometimes the name twice (a list where one is expected)."""
    return st.lists(values, min_size=1, max_size=2)


# an upload: its filename (empty when the visitor chose no file), its bytes, its type
FILES = st.tuples(
    st.one_of(st.sampled_from(["photo.jpg", "tools.csv", "", "../../x", "ხ.png", "a\x00.jpg"]),
              st.text(max_size=20)),
    st.one_of(st.sampled_from([b"", b"\x00" * 1000, b"GIF89a\x00", b"\xff\xd8\xff\xe0",
                               b"asset_tag,name\n\x00,\xff\n", "ხელსაწყო;".encode() * 500]),
              st.binary(max_size=200)),
    st.sampled_from(["image/jpeg", "image/png", "text/csv", "application/octet-stream", ""]),
)


def json_values(today: date) -> st.SearchStrategy[Any]:
    """Any JSON: wrong types (lists, objects, null, booleans) as well as odd numbers and text."""
    scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(HUGE_INTS), st.integers(),
                        st.floats(allow_nan=False, allow_infinity=False), text_values(today))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
        max_leaves=6)


def json_body(annotation: Any, site: Site, today: date) -> st.SearchStrategy[Any]:
    """A body for a handler's `data` type: mostly its keys, each with a plausible value (an id
    the pages showed, a day near today, but also a huge id or a far day) or now and then a
    wrong one, now and then keys missing; sometimes a body of another shape altogether."""
    return mostly(_json_for(annotation, "", site, today), json_values(today))


def _json_for(annotation: Any, name: str, site: Site, today: date) -> st.SearchStrategy[Any]:
    anything = json_values(today)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:  # Annotated[int, Meta(ge=1)]: the type, not its limits
        return _json_for(args[0], name, site, today)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_json_for(a, name, site, today) for a in args))
    if annotation is type(None):
        return st.none()
    if origin in (list, tuple, set, frozenset):
        inner = _json_for(args[0] if args else Any, name.removesuffix("s"), site, today)
        return st.one_of(st.lists(inner, max_size=3), anything)
    if dataclasses.is_dataclass(annotation) or typing.is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)  # Annotated[...] comes back as the type
        required = {f.name for f in dataclasses.fields(annotation)
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING} if dataclasses.is_dataclass(
            annotation) else set(hints)
        keys = {key: _json_for(hint, key, site, today) for key, hint in hints.items()}
        complete = st.fixed_dictionaries({k: v for k, v in keys.items() if k in required},
                                          optional={k: v for k, v in keys.items()
                                                    if k not in required})
        return mostly(complete, st.fixed_dictionaries({}, optional=keys))
    # member_id: the member ids seen; asset_tag: the tags seen under "tag"
    known = set().union(*(site.values_named(n) for n in (
        name, name.removesuffix("_id"), name.rsplit("_", 1)[-1])))
    if annotation is int:
        plausible: st.SearchStrategy[Any] = int_values(known)
    elif annotation is date:
        plausible = st.one_of(dates_near(today), st.sampled_from(FAR_DAYS),
                              st.sampled_from(ODD_DATES), st.dates().map(date.isoformat))
    elif annotation is str:
        plausible = field_values(known, today)
    else:
        plausible = anything
    return mostly(plausible, anything)


# --- the database ---------------------------------------------------------------------------


def row_count_query(tables: list[str]) -> str:
    """One query that counts the rows of every table."""
    return "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}") AS "{t}"' for t in tables)
