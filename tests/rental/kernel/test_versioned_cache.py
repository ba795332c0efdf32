"""What a worker keeps for one version of the data (rental.kernel.versioned_cache): the values
of that version only, a bounded number of them, and the `{% cache %}` tag that renders its
body once per version, key and language."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from rental.kernel import i18n
from rental.kernel.versioned_cache import RENDERED, CacheExtension, VersionedCache, clear_all

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(("steps", "expected"), [
    # (get or put, version, key[, value]) ... -> what the last get returns; a request gets
    # before it puts, with the version it read
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("get", 1, "a")], "A"),
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("get", 2, "a")], None),  # moved on: dropped
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("get", 2, "a"), ("get", 1, "a")], None),
    ([("put", 1, "a", "A"), ("get", 1, "a")], None),  # a version never asked for: not kept
    # a request that read version 1 finishes after one that read version 2: nothing kept of
    # it, and what the newer one kept stays
    ([("get", 1, "a"), ("get", 2, "b"), ("put", 2, "b", "B"), ("put", 1, "a", "A"),
      ("get", 2, "b")], "B"),
    ([("get", 1, "a"), ("get", 2, "b"), ("put", 1, "a", "A"), ("get", 2, "a")], None),
    ([("get", None, "a"), ("put", None, "a", "A"), ("get", None, "a")], None),  # no version
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("get", None, "a")], None),
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("put", 1, "b", "B"), ("put", 1, "c", "C"),
      ("get", 1, "a")], None),  # the oldest of three, with room for two
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("put", 1, "b", "B"), ("get", 1, "a"),
      ("put", 1, "c", "C"), ("get", 1, "a")], "A"),  # read since, so "b" went instead
    ([("get", 1, "a"), ("put", 1, "a", "A"), ("put", 1, "a", "A2"), ("get", 1, "a")], "A2"),
])
def test_kept_for_the_version_last_asked_for_and_a_few_keys(steps, expected):
    cache = VersionedCache(2)
    got = None
    for step in steps:
        if step[0] == "put":
            cache.put(*step[1:])
        else:
            got = cache.get(*step[1:])
    assert got == expected
    assert len(cache.values) <= 2


def test_clear_all_forgets_every_cache():
    one, two = VersionedCache(4), VersionedCache(4)
    for cache, version, key in ((one, 1, "a"), (two, 7, "b")):
        cache.get(version, key)
        cache.put(version, key, key.upper())
    clear_all()
    assert one.get(1, "a") is None and two.get(7, "b") is None


TEMPLATE = "{% cache version, ('card', name) %}{{ _('Search') }} {{ name }} {{ count() }}" \
           "{% endcache %}"


@pytest.fixture
def render():
    environment = Environment(autoescape=True, auto_reload=False,
                              extensions=["jinja2.ext.i18n", CacheExtension])
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.plain_gettext, i18n.plain_ngettext, newstyle=True)
    template = environment.from_string(TEMPLATE)
    rendered: list[str] = []

    def count() -> int:
        rendered.append("once more")
        return len(rendered)

    def render(version, name, locale="en"):
        i18n.current_locale.set(locale)
        return template.render(version=version, name=name, count=count)

    RENDERED.clear()
    yield render
    RENDERED.clear()
    i18n.current_locale.set(i18n.DEFAULT_LOCALE)


def test_with_templates_reloaded_the_tag_renders_every_time():
    environment = Environment(autoescape=True, auto_reload=True, extensions=[CacheExtension])
    template = environment.from_string("{% cache 1, 'k' %}{{ n }}{% endcache %}")
    assert [template.render(n=n) for n in (1, 2)] == ["1", "2"]


def test_the_tag_renders_once_per_version_key_and_language(render):
    assert render(1, "<drill>") == "Search &lt;drill&gt; 1"
    assert render(1, "<drill>") == "Search &lt;drill&gt; 1"  # kept, escaped once
    assert render(1, "saw") == "Search saw 2"
    assert render(1, "saw", "ka") == "ძიება saw 3"
    assert render(2, "saw") == "Search saw 4"  # the data moved on
    assert render(None, "saw") == "Search saw 5"
    assert render(None, "saw") == "Search saw 6"  # nothing to stand for: every time
