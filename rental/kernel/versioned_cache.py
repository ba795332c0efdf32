"""What a worker read or rendered from the database as it stood at one version, kept until
the version moves (issue 21: the catalogue answers a search it has answered before without
reading or rendering it again).

The version is a token the database changes in the same transaction as the rows it stands
for (a table's triggers: see bookings' migration 2026-12-06T06:50). A reader reads the token
first and the rows after it, so what it keeps is at least as new as the token says; the moment
a writer commits, the token differs and everything kept under the old one is dropped.

In a template: ``{% cache version, key %}...{% endcache %}`` renders its body once per version,
key and language. The key must name everything the body shows besides the rows the version
stands for (the query, the reader's centre, today ...): two requests with equal keys are
shown the same HTML. A version of None (nothing to stand for) renders every time."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from rental.kernel import i18n


class VersionedCache:
    """At most `size` values, least recently used out first, all for one version: the one
    last asked for, which is the newest a request has read (a request that read an older one
    and finishes later keeps nothing, rather than drop what the newer one kept)."""

    every: list[VersionedCache] = []  # noqa: RUF012 - all the process's, for clear_all()

    def __init__(self, size: int) -> None:
        self.size = size
        self.version: int | None = None
        self.values: OrderedDict[Hashable, Any] = OrderedDict()
        VersionedCache.every.append(self)

    def get(self, version: int | None, key: Hashable) -> Any | None:
        """What is kept for `key` at `version`; asking with another version than the last
        drops everything kept for that one."""
        if version is None:
            return None
        if version != self.version:
            self.version = version
            self.values.clear()
            return None
        value = self.values.get(key)
        if value is not None:
            self.values.move_to_end(key)
        return value

    def put(self, version: int | None, key: Hashable, value: Any) -> None:
        """Keep `value` if `version` is still the one last asked for (see get)."""
        if version is None or version != self.version:
            return
        self.values[key] = value
        self.values.move_to_end(key)
        while len(self.values) > self.size:
            self.values.popitem(last=False)

    def clear(self) -> None:
        self.version = None
        self.values.clear()


def clear_all() -> None:
    """Forget everything kept (the tests, each on a database of its own)."""
    for cache in VersionedCache.every:
        cache.clear()


# the last 32 searches' cards (about 90 KB each in memory: Georgian takes two bytes a letter
# in a str) and the few parts of the page kept beside them: 3 MB a worker at most
RENDERED = VersionedCache(32)


class CacheExtension(Extension):
    """The ``{% cache version, key %}`` tag (module docstring)."""

    tags = {"cache"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        version = parser.parse_expression()
        parser.stream.expect("comma")
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_rendered", [version, key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _rendered(self, version: int | None, key: Hashable, caller: Callable[[], str]) -> str:
        if self.environment.auto_reload:
            return caller()  # DEBUG: a template edited shows at once
        full_key = (key, i18n.current_locale.get())
        html = RENDERED.get(version, full_key)
        if html is None:
            html = caller()  # Markup: the body was escaped as it rendered
            RENDERED.put(version, full_key, html)
        return html
