"""Every string the code and templates show is in the Georgian and English catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rental.kernel.i18n import LOCALE_DIR
from rental.kernel.settings import LANGUAGES, PROJECT_ROOT

pytestmark = pytest.mark.no_database  # reads the catalogs and the source, not the database

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "Plural": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]
# the app's own extensions, and loud: a template the extractor cannot parse must fail the test,
# not be skipped with its messages
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do,"
                                     "rental.kernel.versioned_cache.CacheExtension",
                       "trim_blocks": "true", "lstrip_blocks": "true", "silent": "false"}}


def source_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("rental", "inventory", "bookings", "toollib", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, METHOD_MAP, OPTIONS, keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


def test_the_source_has_messages():
    assert len(source_messages()) > 40


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    translated = {}
    for message in catalog(language):
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" not in message.flags and all(s.strip() for s in strings):
            translated[key] = strings
    missing = sorted(source_messages() - set(translated))
    assert not missing, (
        f"{language}: {len(missing)} messages need a translation (run `make messages`, then "
        f"edit rental/locale/{language}/LC_MESSAGES/messages.po): {missing[:15]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for message in catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[0])) - {"num"}
        for text in strings:
            assert wanted <= set(placeholder.findall(text)), (language, ids[0], text)


def test_georgian_catalog_is_in_georgian_script():
    georgian = [m for m in catalog("ka") if m.id and isinstance(m.string, str) and m.string]
    assert georgian
    in_mkhedruli = [m for m in georgian if any("\u10d0" <= ch <= "\u10ff" for ch in m.string)]
    assert len(in_mkhedruli) == len(georgian)


def test_catalog_files_are_where_the_app_reads_them():
    for language in LANGUAGES:
        assert Path(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").exists()
