"""Languages, translations and the formatting of money, dates and times.

Catalogs are the .po files under rental/locale; they are compiled in memory at start-up, so
there is no build artefact to go stale. The locale of the current request lives in a context
variable, set once per request by the web layer, read by `gettext` and the formatters.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

from rental.kernel.settings import LANGUAGE_NAMES as LANGUAGE_NAMES  # the switch shows them
from rental.kernel.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parents[1] / "locale"  # rental/locale: one catalog for the project
DEFAULT_LOCALE = LANGUAGES[0]
# browsers' languages whose readers read Russian more readily than Georgian or English (many
# returning migrants come back from Ukraine and Belarus)
READ_AS = {"uk": "ru", "be": "ru"}

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def plain_gettext(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def plain_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def gettext(message: str, **params: object) -> str:
    text = translations(current_locale.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


@contextmanager
def in_locale(locale: str) -> Iterator[str]:
    """Translate and format in `locale` for the block (a message written in its reader's
    language, not the request's); an unknown language is the default one."""
    chosen = locale if locale in LANGUAGES else DEFAULT_LOCALE
    token = current_locale.set(chosen)
    try:
        yield chosen
    finally:
        current_locale.reset(token)


@dataclass(frozen=True)
class Plural:
    """A message whose words follow a number (1 day, 2 days; Russian has 1 день, 2 дня,
    5 дней), as a service reports it: chosen and written in the reader's language when it is
    shown. The number is %(num)s in both forms; `Plural` is an extraction keyword (1, 2)."""

    singular: str
    plural: str
    n: int
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return ngettext(self.singular, self.plural, self.n, **self.values)


Message = str | tuple[str, dict[str, object]] | Plural


def message_text(message: Message) -> str:
    """A message id, or one with its values, or a Plural (as services report errors),
    translated."""
    if isinstance(message, str):
        return gettext(message)
    if isinstance(message, Plural):
        return str(message)
    return gettext(message[0], **message[1])


def message_id(message: Message) -> str:
    """The untranslated id of a message, for the audit log."""
    if isinstance(message, str):
        return message
    return message.singular if isinstance(message, Plural) else message[0]


def choose_locale(
    user_language: str | None, cookie: str | None, accept_language: str | None
) -> str:
    """The user's setting, then the cookie, then the browser's Accept-Language, then Georgian."""
    for candidate in (user_language, cookie):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted(accept_language or ""):
        tag = READ_AS.get(tag, tag)
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LOCALE


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for _q, _p, tag in sorted(weighted)]


@cache
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


_CODE_BESIDE_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def format_money(tetri: int) -> str:
    """Integer tetri as GEL in the current locale: 1250 -> '12,50 ₾' (ka), 'GEL 12.50' (en),
    '12,50 ₾' (ru)."""
    return _money(tetri, current_locale.get())


LARI_SIGN = {"ru"}


@lru_cache(maxsize=4096)  # a catalogue page formats the same few fees dozens of times
def _money(tetri: int, locale: str) -> str:
    text = format_currency(Decimal(tetri) / 100, "GEL", locale=_babel_locale(locale))
    if locale in LARI_SIGN:  # CLDR's Russian writes the code; people in Georgia read the sign
        text = text.replace("GEL", "₾")
    # CLDR's currency spacing, which Babel does not apply: a letter code never touches a digit
    return _CODE_BESIDE_DIGIT.sub("\u00a0", text)


# One way to write a day, a time and a moment per language, Babel's own: the medium date
# ('5 დეკ. 2026', 'Dec 5, 2026'), the short time ('16:00', '4:00 PM') and the locale's way of
# joining them ('5 დეკ. 2026, 16:00'). Machine-readable places (inputs, <time datetime>, CSV,
# the API) write ISO instead.
DATE_FORMAT = "medium"
TIME_FORMAT = "short"


def format_date(value: date, format: str = DATE_FORMAT) -> str:
    return babel_format_date(value, format=format, locale=_babel_locale(current_locale.get()))


def format_time(value: time | datetime, tz: str | None = None) -> str:
    """A time of day ('16:00', '4:00 PM'); an aware timestamp is shown in the zone `tz`."""
    if isinstance(value, datetime) and value.tzinfo is not None and tz:
        value = value.astimezone(ZoneInfo(tz))
    return babel_format_time(value, format=TIME_FORMAT, locale=_babel_locale(current_locale.get()))


def format_datetime(value: datetime, tz: str, format: str | None = None) -> str:
    """A stored UTC timestamp shown in the centre's time zone, as the one date and time of
    the reader's language (unless a Babel `format` is asked for)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: timestamps are stored and passed as aware UTC")
    locale = _babel_locale(current_locale.get())
    return babel_format_datetime(
        value.astimezone(UTC),
        format=format or _moment_pattern(locale),
        tzinfo=ZoneInfo(tz),
        locale=locale,
    )


@cache
def _moment_pattern(locale: Locale) -> str:
    joined = str(locale.datetime_formats[DATE_FORMAT])
    return joined.replace("{1}", locale.date_formats[DATE_FORMAT].pattern).replace(
        "{0}", locale.time_formats[TIME_FORMAT].pattern)


def format_number(value: int | float | None) -> str:
    """A count or a measure with the locale's digit grouping; nothing is a dash."""
    if value is None:
        return "—"
    return format_decimal(value, locale=_babel_locale(current_locale.get()))


def format_share(percent: float | None, signed: bool = False) -> str:
    """A share given in per cent (12.5 -> '12.5%' or '+12.5%'); nothing is a dash."""
    if percent is None:
        return "—"
    text = format_percent(percent / 100, "#,##0.#%", locale=_babel_locale(current_locale.get()))
    return f"+{text}" if signed and percent > 0 else text


def format_month(label: str, format: str = "MMM y") -> str:
    """'2026-11' as the locale's month: 'Nov 2026', 'ნოე. 2026'."""
    year, month = (int(part) for part in label.split("-"))
    return babel_format_date(date(year, month, 1), format=format,
                             locale=_babel_locale(current_locale.get()))


# where a text not written in the reader's language is read instead: a Russian reader is
# likelier to read English than Georgian; Georgian is always written
FALLBACK = {"ka": ("en",), "en": ("ka",), "ru": ("en", "ka")}


def localized(record: object, field: str) -> str:
    """`record.<field>_<locale>`, or the first of the locale's FALLBACK that is written."""
    locale = current_locale.get()
    get = record.get if isinstance(record, dict) else lambda key: getattr(record, key, None)
    prefix = f"{field}_" if field else ""
    for language in (locale, *FALLBACK.get(locale, ("ka", "en"))):
        if text := get(f"{prefix}{language}"):
            return text
    return ""


def weekday_names(width: str = "abbreviated") -> list[str]:
    """The names of the days of the week in the reader's language, Monday first (Babel's)."""
    names = get_day_names(width, locale=_babel_locale(current_locale.get()))
    return [names[day] for day in range(7)]


@dataclass(frozen=True)
class Names:
    """A name people read in several languages (a session's title, a skill, a funder), as a
    value of a message: written in the reader's language when the message is shown."""

    ka: str
    en: str = ""
    ru: str = ""

    @classmethod
    def of(cls, record: object, field: str) -> Names:
        get = record.get if isinstance(record, dict) else lambda key: getattr(record, key, None)
        return cls(*(get(f"{field}_{code}") or "" for code in ("ka", "en", "ru")))

    def __str__(self) -> str:
        return localized(self, "")


@dataclass(frozen=True)
class Day:
    """A day as a value of a message, written the one way of the reader's language."""

    value: date

    def __str__(self) -> str:
        return format_date(self.value)


@dataclass(frozen=True)
class TimeOfDay:
    """A moment's time of day in a zone, as a value of a message ('16:00', '4:00 PM')."""

    value: datetime
    tz: str

    def __str__(self) -> str:
        return format_time(self.value, self.tz)


# The languages' names in running text, in the reader's language; a language switcher names
# each language in its own (LANGUAGE_NAMES).
LANGUAGE_LABELS = {"ka": N_("Georgian"), "en": N_("English"), "ru": N_("Russian")}


def language_label(code: str) -> str:
    return plain_gettext(LANGUAGE_LABELS[code]) if code in LANGUAGE_LABELS else code


def format_weekdays(mask: int) -> str:
    """Opening days (bit 0 = Monday) as short names, runs joined: 'Mon–Sat', 'Mon, Wed–Fri'."""
    names = get_day_names("abbreviated", locale=_babel_locale(current_locale.get()))
    days = [day for day in range(7) if mask >> day & 1]
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}" for run in runs
    )


# Stored choices (statuses, sexes, conditions, ledger kinds...) as people read them; the
# templates' label() shows one in the reader's language.
CHOICE_LABELS = {
    "personal_number": N_("Georgian personal number"),
    "passport": N_("Passport"),
    "other": N_("Other"),
    "female": N_("Female"),
    "male": N_("Male"),
    "prefer_not": N_("Prefer not to say"),
    "returning_migrant": N_("Returning migrant"),
    "idp": N_("Internally displaced person"),
    "local_resident": N_("Local resident"),
    "pending": N_("Waiting for the desk"),
    "active": N_("Active"),
    "suspended": N_("Suspended"),
    "expired": N_("Expired"),
    "erased": N_("Erased"),
    "reserved": N_("Booked"),
    "walk_in": N_("Walk-in loan"),  # how a loan went out (the audit trail)
    "pickup": N_("Booking picked up"),
    "out": N_("Borrowed"),
    "returned": N_("Returned"),
    "cancelled": N_("Cancelled"),
    "no_show": N_("Not picked up"),
    "lost": N_("Lost"),
    # who a skills session is for
    "everyone": N_("Everyone"),
    "youth": N_("Youth"),
    "returning_migrants": N_("Returning migrants"),
    # how a tool came back
    "fine": N_("Fine"),
    "needs_cleaning": N_("Needs cleaning"),
    "damaged": N_("Damaged"),
    "missing_parts": N_("Missing parts"),
    # ledger entries and receipts
    "fee": N_("Rental fee"),
    "deposit": N_("Deposit"),
    "late_fee": N_("Late fee"),
    "damage": N_("Damage"),
    "replacement": N_("Replacement"),
    "refund": N_("Refund"),
    "payment": N_("Payment"),
    "waiver": N_("Waiver"),
    "deposit_return": N_("Deposit returned"),
    "cash": N_("Cash"),
    "card": N_("Card terminal"),
    "check_out": N_("Check-out"),
    "check_in": N_("Check-in"),
    "renewal": N_("Renewal"),
    "reversal": N_("Correction"),
    "member": N_("Member"),
    "staff": N_("Desk staff"),
    "coordinator": N_("Coordinator"),
    "admin": N_("Administrator"),
    # the donor reports' age bands and rows
    "under 18": N_("Under 18"),
    "18-24": N_("18–24"),
    "25-34": N_("25–34"),
    "35-49": N_("35–49"),
    "50-64": N_("50–64"),
    "65+": N_("65 and over"),
    "unknown": N_("Not known"),
    "tickets_repaired": N_("Tickets resolved: repaired"),
    "tickets_beyond_repair": N_("Tickets resolved: beyond repair"),
    "units_lost": N_("Units lost"),
    "units_retired": N_("Units retired"),
    "inspections_passed": N_("Inspections passed"),
    "inspections_failed": N_("Inspections failed"),
    "waived_by_coordinator": N_("Waived by a coordinator"),
    "no_category": N_("Concession (category not recorded)"),
}
