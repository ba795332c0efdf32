"""The rules of the coordinator reports, without I/O: which period a URL means and the one
before it, the age bands as dates, the changes between periods, small-cell suppression for
exports, and the geometry of the charts. Tested with tables of cases."""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from rental.kernel.i18n import N_, Plural
from rental.kernel.values import calendar_day

PERIOD_KINDS = ("month", "quarter", "year", "dates")
MAX_YEARS = 10
SMALL_CELL = 5  # fewer people than this are not shown in an export
SUPPRESSED = "<5"
HIDDEN = "x"  # a cell hidden so that a small one cannot be worked out from the total
YEARS = (1900, 2200)  # a report's dates, with room for the periods before and after
AGE_BANDS = ("under 18", "18-24", "25-34", "35-49", "50-64", "65+", "unknown")
_BAND_YEARS = ((18, "under 18"), (25, "18-24"), (35, "25-34"), (50, "35-49"), (65, "50-64"))


# --- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    starts: date
    ends: date  # inclusive

    @property
    def days(self) -> int:
        return (self.ends - self.starts).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before; for any dates, as many days before."""
        if self.kind == "dates":
            return Period("dates", self.starts - timedelta(days=self.days),
                          self.starts - timedelta(days=1))
        return period_of(self.kind, self.starts - timedelta(days=1))

    def next(self) -> Period:
        if self.kind == "dates":
            return Period("dates", self.ends + timedelta(days=1),
                          self.ends + timedelta(days=self.days))
        return period_of(self.kind, self.ends + timedelta(days=1))

    def query(self) -> dict[str, str]:
        """The URL parameters that name this period."""
        if self.kind == "dates":
            return {"period": "dates", "from": self.starts.isoformat(),
                    "to": self.ends.isoformat()}
        return {"period": self.kind, "on": self.starts.isoformat()}


def period_of(kind: str, on: date) -> Period:
    """The month, quarter or year that contains `on`."""
    if kind == "month":
        first = on.replace(day=1)
        return Period(kind, first, on.replace(day=calendar.monthrange(on.year, on.month)[1]))
    if kind == "quarter":
        month = (on.month - 1) // 3 * 3 + 1
        last = month + 2
        return Period(kind, date(on.year, month, 1),
                      date(on.year, last, calendar.monthrange(on.year, last)[1]))
    if kind == "year":
        return Period(kind, date(on.year, 1, 1), date(on.year, 12, 31))
    raise ValueError(kind)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_YEARS_ERROR = (N_("Choose a date between %(first)s and %(last)s."),
                {"first": YEARS[0], "last": YEARS[1]})


def _in_years(day: date) -> bool:
    return YEARS[0] <= day.year <= YEARS[1]


def parse_period(params: Mapping[str, str], today: date) -> tuple[Period, dict[str, Any]]:
    """The period a report's URL names, or errors by field (and this month to show instead).

    `period` is month, quarter or year with `on` any day in it (a month also as 2026-11), or
    `dates` with `from` and `to`. Nothing given means this month."""
    errors: dict[str, Any] = {}
    kind = params.get("period") or "month"
    fallback = period_of("month", today)
    if kind not in PERIOD_KINDS:
        return fallback, {"period": N_("Choose a month, a quarter, a year or dates.")}
    if kind != "dates":
        text = (params.get("on") or "").strip()
        on = calendar_day(text) or calendar_day(text + "-01") if text else today
        if on is None:
            return fallback, {"on": N_("Enter a date as YYYY-MM-DD.")}
        if not _in_years(on):
            return fallback, {"on": _YEARS_ERROR}
        return period_of(kind, on), errors
    starts, ends = calendar_day(params.get("from") or ""), calendar_day(params.get("to") or "")
    if starts is None:
        errors["from"] = N_("Enter a date as YYYY-MM-DD.")
    if ends is None:
        errors["to"] = N_("Enter a date as YYYY-MM-DD.")
    if errors:
        return fallback, errors
    assert starts is not None and ends is not None
    for name, day in (("from", starts), ("to", ends)):
        if not _in_years(day):
            errors[name] = _YEARS_ERROR
    if errors:
        return fallback, errors
    if ends < starts:
        return fallback, {"to": N_("The end is before the start.")}
    if ends >= _years_later(starts, MAX_YEARS):
        return fallback, {"to": Plural("Choose at most %(num)s year.",
                                       "Choose at most %(num)s years.", MAX_YEARS)}
    return Period("dates", starts, ends), errors


def months(period: Period) -> list[tuple[str, date, date]]:
    """('YYYY-MM', first day, last day) of each month the period touches, clipped to it."""
    found = []
    day = period.starts
    while day <= period.ends:
        last = min(day.replace(day=calendar.monthrange(day.year, day.month)[1]), period.ends)
        found.append((day.strftime("%Y-%m"), day, last))
        day = last + timedelta(days=1)
    return found


# --- people -----------------------------------------------------------------------------------


def band_limits(on: date) -> list[tuple[date, str]]:
    """(born after this day, band): someone born after the day is younger than the band's
    upper age on `on`. The same bands as rental.member_rules.age_band, as dates for SQL."""
    return [(_years_later(on, -years), band) for years, band in _BAND_YEARS]


def change(current: int | float | None, previous: int | float | None) -> float | None:
    """The change from the previous period in per cent; None when there is nothing to compare."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) * 100 / previous, 1)


def share(part: int, whole: int) -> float | None:
    """A part of a whole in per cent: utilisation (loan-days over lendable unit-days), the
    damage rate (damaged returns over returns)."""
    if whole <= 0:
        return None
    return round(part * 100 / whole, 1)


def suppress(counts: list[int | None], total: int | None = None) -> list[int | str | None]:
    """Counts of people for an export: 1 to 4 become "<5". When a total is shown and exactly
    one cell is hidden, the next smallest is hidden too ("x"), else the total would give it
    away."""
    small = {i for i, n in enumerate(counts) if n is not None and 0 < n < SMALL_CELL}
    hidden: set[int] = set()
    if total is not None and len(small) == 1:
        others = [(n, i) for i, n in enumerate(counts) if n and i not in small]
        if others:
            hidden.add(min(others)[1])
    return [SUPPRESSED if i in small else HIDDEN if i in hidden else n
            for i, n in enumerate(counts)]


# --- report shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # a message id
    # text | name (localized name_ka/name_en) | localized (the key's _ka/_en, in the reader's
    # language) | choice (a CHOICE_LABELS key) | count | people
    # (a count of persons, suppressed in exports) | money | percent | days
    kind: str = "count"


@dataclass
class Table:
    name: str
    title: str  # a message id
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    note: str | None = None  # a message id


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # a message id
    value: Any
    previous: Any
    kind: str = "count"

    @property
    def change(self) -> float | None:
        return change(self.value, self.previous)


@dataclass
class Chart:
    title: str  # a message id
    points: list[tuple[str, float]]  # (label, value); a label may be a message id or a name
    kind: str = "count"  # of the values, for their labels
    style: str = "columns"  # columns (a trend) or bars (a breakdown)
    meta: dict[str, Any] = field(default_factory=dict)


# --- XLSX sheets --------------------------------------------------------------------------------

SHEET_LENGTH = 31  # Excel's longest sheet name
SHEET_FORBIDDEN = "[]:*?/\\"
# each table's sheet in an XLSX file: a short name (the table's title is the sheet's first row)
# that fits SHEET_LENGTH in every language; a table not listed is named by its title
SHEETS = {
    # usage
    "by_category": N_("By category"), "most_used": N_("Most used"),
    "least_used": N_("Least used"), "unmet": N_("Waitlist demand not met"),
    "never_lent": N_("Units never lent"),
    # condition
    "damage": N_("Damage"), "maintenance": N_("Maintenance"),
    # money
    "by_centre": N_("By centre"), "by_staff": N_("By staff member"), "waivers": N_("Waivers"),
    # donor
    "by_domain": N_("By repair domain"), "sessions": N_("Sessions by audience"),
    "by_sex": N_("By sex"), "by_age_band": N_("By age band"),
    "by_situation": N_("By situation"), "by_municipality": N_("By municipality"),
    # the dashboard
    "centres": N_("Centres"),
}


def sheet_name(text: str, taken: Collection[str] = ()) -> str:
    """A sheet's name as Excel allows it: none of []:*?/\\, no apostrophe at either end, at
    most 31 characters, and not one of `taken` (Excel compares them without case). A longer
    name is cut after its last whole word that fits, with "…"; a second sheet of the same name
    gets " 2", " 3" ... in the same room."""
    clean = " ".join("".join(" " if ch in SHEET_FORBIDDEN else ch for ch in text).split())
    clean = clean.strip("'").strip() or "Sheet"
    used = {name.casefold() for name in taken}
    name, number = _fit(clean, SHEET_LENGTH), 2
    while name.casefold() in used:
        suffix = f" {number}"
        name, number = _fit(clean, SHEET_LENGTH - len(suffix)) + suffix, number + 1
    return name


def _fit(text: str, room: int) -> str:
    """The text, or its whole words that fit in `room` characters with "…" (a word longer
    than the room is cut)."""
    if len(text) <= room:
        return text
    words = text[:room].rsplit(" ", 1)[0] if " " in text[:room] else ""
    kept = words.rstrip(" ,;.–-")
    if not kept or len(kept) + 1 > room:
        kept = text[:room - 1].rstrip()
    return kept + "…"


def suppressed_table(table: Table) -> Table:
    """The table as an export shows it: every column of people counts suppressed."""
    people = [c.key for c in table.columns if c.kind == "people"]
    if not people:
        return table
    rows = [dict(row) for row in table.rows]
    total = dict(table.total) if table.total else None
    for key in people:
        cells = suppress([row.get(key) for row in rows], total.get(key) if total else None)
        for row, cell in zip(rows, cells, strict=True):
            row[key] = cell
        if total is not None:
            total[key] = suppress([total.get(key)])[0]
    return replace(table, rows=rows, total=total)


# --- chart geometry ---------------------------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The axis top: the smallest 1, 2, 2.5 or 5 times a power of ten at or above value."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


CHART_FONT = 17  # the size of a chart's texts in its SVG units (.chart-label, static/app.css)
GLYPH_EM = 0.62  # a character's width in em, measured conservatively: Georgian letters are wide
LABEL_GAP = 12  # the least room between two labels side by side
AXIS_GAP = 10  # between the axis's numbers and the bars


def text_width(text: str, font: float = CHART_FONT) -> float:
    """How wide a text is drawn in a chart, in its SVG units: an estimate on the safe side,
    every character (Georgian, Latin, a digit, a space) as wide as a wide Georgian letter."""
    return round(len(text) * GLYPH_EM * font, 1)


def columns(points: list[tuple[Any, float]], width: int = 600, height: int = 180, *,
            labels: list[str] | None = None,
            format_value: Callable[[float], str] = str) -> dict[str, Any]:
    """Bars of a trend in an SVG box: x, y, width, height of each, the axis top, which bars are
    labelled and the margins the texts need.

    `labels` are the texts shown under the bars (the points' labels as text unless given),
    `format_value` writes the axis's numbers (its top and 0). A label is centred under its bar
    and every `every`th bar has one: no more than six, and far enough apart that the widest
    label fits between its neighbours. `left` and `right` are the room outside the bars the
    axis's numbers and the labels at the ends need; the box is (-left, -12, left + width +
    right, height + 44)."""
    top = nice_ceiling(max((value for _, value in points), default=0))
    slot = width / max(len(points), 1)
    bar = max(slot * 0.7, 1)
    bars = []
    for index, (label, value) in enumerate(points):
        h = round(value / top * height, 1)
        bars.append({"label": label, "value": value, "x": round(index * slot + (slot - bar) / 2, 1),
                     "y": round(height - h, 1), "w": round(bar, 1), "h": h})
    texts = labels if labels is not None else [str(label) for label, _ in points]
    widest = max((text_width(text) for text in texts), default=0)
    every = max(1, -(-len(points) // 6), math.ceil((widest + LABEL_GAP) / slot))
    overhang = max(0, widest / 2 - slot / 2)  # a label wider than its bar's slot
    top_text = format_value(top)
    axis = max(text_width(top_text), text_width(format_value(0)))
    return {"bars": bars, "top": top, "top_text": top_text, "width": width, "height": height,
            "every": every, "left": round(max(axis + AXIS_GAP, overhang) + 4, 1),
            "right": round(overhang + 4, 1)}


def sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    """An SVG polyline's points for a small trend; a flat line when there is nothing."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{round(i * step, 1)},{round(height - v / top * (height - 2) - 1, 1)}"
                    for i, v in enumerate(values))
