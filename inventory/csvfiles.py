"""The catalogue and the unit register as CSV files, and the import of tool types and units.
Pure: text and known values in, rows, values and errors out; no I/O.

One file format for both: every row names its `record` (`tool_type`, `part` or `unit`), and
the columns are stable English keys, so an exported file can be edited and imported again.
A tool type's parts list is one `part` row a part (its tool type's short name in `tool_type`,
its names, `count`, `replacement_cost` in GEL, `position`), right after the tool type's row in
an export: a spreadsheet user adds, copies or deletes a part as a row, and never edits a list
packed into one cell.
Files are written as UTF-8 with a byte-order mark, which Excel needs to show Georgian.

Import is create-only: a tool type's short name, a unit's asset tag or a part's name in its
tool type that exists already is an error, like one used twice in the file. A unit or a part
names its tool type by short name (in the database or earlier in the same file), a unit its
centre by code; its asset tag may be left empty, and is then generated from the centre's
sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from inventory.forms import Form, clean_tool_type
from inventory.part_rules import clean_part
from inventory.rules import normalise_asset_tag
from inventory.tables import UNIT_CONDITIONS
from rental.kernel import csvfile
from rental.kernel.i18n import N_
from rental.kernel.values import money_input, parse_date, parse_money

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024

TOOL_TYPE_COLUMNS = (
    "record", "slug", "category", "name_ka", "name_en", "name_ru",
    "description_ka", "description_en", "description_ru", "safety_notes_ka", "safety_notes_en",
    "safety_notes_ru", "daily_fee", "deposit", "max_loan_days", "required_skill",
    "inspection_interval_days", "manual_url", "active",
)
UNIT_COLUMNS = (
    "record", "tool_type", "centre", "asset_tag", "serial_number", "condition", "acquired_on",
    "cost", "donor",
)
PART_COLUMNS = (
    "record", "tool_type", "name_ka", "name_en", "name_ru", "count", "replacement_cost",
    "position",
)
# the catalogue export: the tool types' columns, then what a part row adds
CATALOGUE_COLUMNS = (*TOOL_TYPE_COLUMNS, "tool_type", "count", "replacement_cost", "position")
# written by the unit export for people reading it; not read back
UNIT_EXPORT_EXTRA = ("status", "tool_name_ka", "last_inspected_on")
KNOWN_COLUMNS = frozenset(TOOL_TYPE_COLUMNS) | frozenset(UNIT_COLUMNS) | frozenset(PART_COLUMNS)
RECORDS = ("tool_type", "part", "unit")
TEXT_COLUMNS = frozenset({
    "name_ka", "name_en", "name_ru", "description_ka", "description_en", "description_ru",
    "safety_notes_ka", "safety_notes_en", "safety_notes_ru", "serial_number", "donor",
    "tool_name_ka",
})
YES = ("", "1", "yes", "true", "on", "y")
NO = ("0", "no", "false", "off", "n")

Errors = dict[str, Any]


# --- writing ---------------------------------------------------------------------------------


def to_csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, comma-separated, CRLF line ends (what Excel expects); a
    formula-like text is made plain in the text columns (a cost of -5 stays a number)."""
    return csvfile.to_csv(columns, rows, guarded=TEXT_COLUMNS.__contains__)


def tool_type_row(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A tool type as read from the database (with `category_slug`, `skill_slug`) -> CSV row."""
    return {
        **{k: tool.get(k) for k in TOOL_TYPE_COLUMNS},
        "record": "tool_type",
        "category": tool["category_slug"],
        "required_skill": tool.get("skill_slug") or "",
        "daily_fee": money_input(tool["daily_fee"]),
        "deposit": money_input(tool["deposit"]),
        "active": "1" if tool["active"] else "0",
    }


def part_row(part: Mapping[str, Any]) -> dict[str, Any]:
    """A tool type's part (with `tool_type_slug`, `count`) -> CSV row."""
    return {"record": "part", "tool_type": part["tool_type_slug"], "name_ka": part["name_ka"],
            "name_en": part["name_en"], "name_ru": part["name_ru"], "count": part["count"],
            "replacement_cost": money_input(part["replacement_cost"]),
            "position": part["position"]}


def unit_row(unit: Mapping[str, Any]) -> dict[str, Any]:
    """A unit (with `tool_type_slug`, `centre_code`, `tool_name_ka`) -> CSV row."""
    return {
        "record": "unit",
        "tool_type": unit["tool_type_slug"],
        "centre": unit["centre_code"],
        "asset_tag": unit["asset_tag"],
        "serial_number": unit["serial_number"],
        "condition": unit["condition"],
        "acquired_on": unit["acquired_on"].isoformat() if unit["acquired_on"] else "",
        "cost": money_input(unit["cost"]),
        "donor": unit["donor"],
        "status": unit["status"],
        "tool_name_ka": unit["tool_name_ka"],
        "last_inspected_on": (unit["last_inspected_on"].isoformat()
                              if unit["last_inspected_on"] else ""),
    }


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A parsed file: its rows as {column: text} with their line numbers, the columns it has
    that import does not read, and what is wrong with the file as a whole (a message id)."""

    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: tuple[str, ...] = ()
    error: Any = None


def read_csv(content: bytes) -> Sheet:
    """Bytes of a CSV file -> rows (rental.kernel.csvfile reads it); the columns import does
    not know are listed, not read."""
    table = csvfile.read_table(content, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if table.error is not None:
        return Sheet([], error=table.error)
    if "record" not in table.header:
        return Sheet([], error=N_("The first line must name the columns, among them “record”."))
    if not table.rows:
        return Sheet([], error=N_("The file has no rows to import."))
    rows = [(line, {name: cells[i] if i < len(cells) else ""
                    for i, name in enumerate(table.header) if name in KNOWN_COLUMNS})
            for line, cells in table.rows]
    ignored = tuple(n for n in dict.fromkeys(table.header) if n and n not in KNOWN_COLUMNS)
    return Sheet(rows, ignored)


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What the database holds, by the keys a file uses."""

    categories: Mapping[str, int]  # slug -> id
    skills: Mapping[str, int]  # slug -> id
    centres: Mapping[str, int]  # code -> id
    tool_types: Mapping[str, int]  # slug -> id
    asset_tags: frozenset[str]
    # a tool type's parts' names (Georgian and English), by its slug
    part_names: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class Row:
    line: int
    record: str
    key: str  # the slug or the asset tag, as typed
    name: str  # what to call the row on the preview page
    values: dict[str, Any]
    errors: Errors


@dataclass
class Plan:
    """Every row of a file, checked. Only an `ok` plan is imported."""

    rows: list[Row] = field(default_factory=list)
    error: Any = None
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def tool_types(self) -> list[Row]:
        return [r for r in self.rows if r.record == "tool_type"]

    @property
    def parts(self) -> list[Row]:
        return [r for r in self.rows if r.record == "part"]

    @property
    def units(self) -> list[Row]:
        return [r for r in self.rows if r.record == "unit"]

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def check_tool_type(row: Mapping[str, str], known: Known) -> tuple[dict[str, Any], Errors]:
    """One tool type row -> (values as the database takes them, errors by column)."""
    data = {k: v for k, v in row.items() if k not in ("category", "required_skill", "active")}
    errors: Errors = {}
    category = row.get("category", "").strip().lower()
    skill = row.get("required_skill", "").strip().lower()
    interval = row.get("inspection_interval_days", "").strip()
    active = row.get("active", "").strip().lower()
    data["category"] = str(known.categories.get(category, ""))
    data["required_skill"] = str(known.skills.get(skill, "")) if skill else ""
    data["needs_inspection"] = "1" if interval else ""
    data["active"] = "" if active in NO else "1"
    values, found = clean_tool_type(data, categories=set(known.categories.values()),
                                    skills=set(known.skills.values()))
    errors.update(found)
    if not category:
        errors["category"] = N_("This field is required.")
    elif category not in known.categories:
        errors["category"] = N_("Unknown category: use the short name of one, e.g. electrical.")
    if skill and skill not in known.skills:
        errors["required_skill"] = N_("Unknown skill: use the short name of one.")
    if active not in YES and active not in NO:
        errors["active"] = N_("Write 1 (yes) or 0 (no).")
    if values["slug"] and "slug" not in errors and values["slug"] in known.tool_types:
        errors["slug"] = N_("A tool type with this short name exists already.")
    return values, errors


def check_unit(row: Mapping[str, str], known: Known, *, file_tool_types: set[str],
               today: date) -> tuple[dict[str, Any], Errors]:
    """One unit row -> (values: `tool_type` slug, `centre` id, ...; errors by column)."""
    form = Form(row)
    code = row.get("centre", "").strip().upper()
    slug = row.get("tool_type", "").strip().lower()
    values: dict[str, Any] = {
        "tool_type": slug,
        "centre": known.centres.get(code),
        "serial_number": form.text("serial_number", 100),
        "condition": (form.choice("condition", UNIT_CONDITIONS)
                      if row.get("condition", "").strip() else "good"),
        "acquired_on": form.parsed("acquired_on", lambda t: parse_date(t, required=False)),
        "cost": form.parsed("cost", lambda t: parse_money(t, required=False)),
        "donor": form.text("donor", 200),
        "asset_tag": None,
    }
    errors = form.errors
    if not code:
        errors["centre"] = N_("This field is required.")
    elif values["centre"] is None:
        errors["centre"] = N_("Unknown centre: use its code, e.g. SMG.")
    if not slug:
        errors["tool_type"] = N_("This field is required.")
    elif slug not in known.tool_types and slug not in file_tool_types:
        errors["tool_type"] = N_("Unknown tool type: use the short name of one in the catalogue "
                                 "or in this file.")
    if values["acquired_on"] and values["acquired_on"] > today:
        errors["acquired_on"] = N_("This date is in the future.")
    typed = row.get("asset_tag", "").strip()
    if typed:
        tag = normalise_asset_tag(typed)
        if tag is None:
            errors["asset_tag"] = N_("Write an asset tag such as SMG-0042, or leave it empty.")
        elif code and not tag.startswith(code + "-"):
            errors["asset_tag"] = N_("An asset tag starts with the code of its centre.")
        elif tag in known.asset_tags:
            errors["asset_tag"] = N_("A unit with this asset tag exists already.")
        values["asset_tag"] = tag
    return values, errors


def check_part(row: Mapping[str, str], known: Known, *, file_tool_types: set[str]
               ) -> tuple[dict[str, Any], Errors]:
    """One part row -> (values: `tool_type` slug, names, count, cost in tetri, position;
    errors by column)."""
    slug = row.get("tool_type", "").strip().lower()
    values, errors = clean_part(row)
    values["tool_type"] = slug
    if not slug:
        errors["tool_type"] = N_("This field is required.")
    elif slug not in known.tool_types and slug not in file_tool_types:
        errors["tool_type"] = N_("Unknown tool type: use the short name of one in the catalogue "
                                 "or in this file.")
    taken = known.part_names.get(slug, frozenset())
    for name in ("name_ka", "name_en"):
        if values[name] and name not in errors and values[name] in taken:
            errors[name] = N_("This tool type has a part with this name already.")
    return values, errors


def check_rows(sheet: Sheet, known: Known, today: date) -> Plan:
    """Every row of a file against the database and the file's other rows. A short name or an
    asset tag used twice is an error on its second row."""
    plan = Plan(error=sheet.error, ignored_columns=sheet.ignored_columns)
    file_tool_types = {
        row.get("slug", "").strip().lower() for _line, row in sheet.rows
        if row.get("record", "").strip().lower() == "tool_type"
    }
    seen_slugs: set[str] = set()
    seen_tags: set[str] = set()
    seen_parts: set[tuple[str, str]] = set()  # (tool type, a name in either language)
    for line, row in sheet.rows:
        record = row.get("record", "").strip().lower()
        if record == "tool_type":
            values, errors = check_tool_type(row, known)
            key, name = values["slug"], values["name_ka"]
            if key and key in seen_slugs and "slug" not in errors:
                errors["slug"] = N_("This short name is in the file twice.")
            seen_slugs.add(key)
        elif record == "unit":
            values, errors = check_unit(row, known, file_tool_types=file_tool_types,
                                        today=today)
            key, name = values["asset_tag"] or "", values["tool_type"]
            if key and key in seen_tags and "asset_tag" not in errors:
                errors["asset_tag"] = N_("This asset tag is in the file twice.")
            if key:
                seen_tags.add(key)
        elif record == "part":
            values, errors = check_part(row, known, file_tool_types=file_tool_types)
            key, name = values["tool_type"], values["name_ka"]
            for column in ("name_ka", "name_en"):
                named = (key, values[column])
                if values[column] and named in seen_parts and column not in errors:
                    errors[column] = N_("This part is in the file twice.")
                seen_parts.add(named)
        else:
            values, key, name = {}, "", ""
            errors = {"record": N_("Write tool_type, part or unit.")}
        plan.rows.append(Row(line, record, key, name, values, errors))
    return plan
