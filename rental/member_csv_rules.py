"""Members from and to a spreadsheet: reading a CSV file of members, checking each row with the
desk registration's own rules (member_rules.parse_contact and parse_desk_fields), finding the
duplicates inside the file and against the database, and the rows of the members' export.
Pure: bytes, rows and known values in; rows, values and errors out; no I/O, no clock.

The columns are stable English keys; the first line names them. A file with a column that is
not one of them is refused as a whole (a misspelt column would otherwise be silently empty),
and so is one without a required column. Export is written as UTF-8 with a byte-order mark,
which Excel needs to show Georgian.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rental.kernel import csvfile
from rental.kernel.i18n import N_
from rental.kernel.municipalities import recognise
from rental.member_rules import (
    Parsed,
    age_band,
    card_number,
    membership_state,
    parse_contact,
    parse_desk_fields,
)

MAX_ROWS = 2_000
MAX_BYTES = 2 * 1024 * 1024

REQUIRED_COLUMNS = ("name", "phone", "id_document_number", "birth_date", "sex", "situation",
                    "municipality", "home_centre")
OPTIONAL_COLUMNS = ("id_document_type", "email", "language", "notes")
COLUMNS = REQUIRED_COLUMNS[:2] + ("id_document_type",) + REQUIRED_COLUMNS[2:] + (
    "email", "language", "notes")

# What a donor may see: nothing that names or reaches a person.
DONOR_COLUMNS = ("card_number", "sex", "age_band", "situation", "municipality", "home_centre",
                 "membership", "joined")
PERSONAL_COLUMNS = ("card_number", "name", "phone", "email", "id_document_type",
                    "id_document_number", "birth_date", "language", "account_status",
                    *DONOR_COLUMNS[1:])
EXPORT_KINDS = ("donor", "personal")

DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")  # Excel's 23.11.1990

Errors = dict[str, Any]


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A parsed file: its rows as {column: text} with their line numbers, or what is wrong
    with the file as a whole (a message id)."""

    rows: list[tuple[int, dict[str, str]]]
    error: Any = None


def read_csv(content: bytes) -> Sheet:
    """Bytes of a CSV file -> rows (rental.kernel.csvfile reads it); every column must be one
    this import knows, and the required ones there."""
    table = csvfile.read_table(content, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if table.error is not None:
        return Sheet([], table.error)
    unknown = [h for h in table.header if h not in COLUMNS]
    if unknown:
        return Sheet([], (N_("Unknown columns: %(unknown)s. The columns are: %(columns)s."),
                          {"unknown": ", ".join(h or '""' for h in unknown),
                           "columns": ", ".join(COLUMNS)}))
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        return Sheet([], (N_("The first line must name the columns; these are missing: "
                             "%(columns)s."), {"columns": ", ".join(missing)}))
    if len(set(table.header)) != len(table.header):
        return Sheet([], N_("A column is named twice on the first line."))
    if not table.rows:
        return Sheet([], N_("The file has no rows to import."))
    return Sheet([(line, {name: cells[i] if i < len(cells) else ""
                          for i, name in enumerate(table.header)})
                  for line, cells in table.rows])


# --- checking --------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, Any]  # as member_rules.desk_form gives them, home_centre an id
    errors: Errors
    name: str = ""  # what to call the row on the preview page
    centre: str = ""  # the home centre's code as typed


@dataclass
class Plan:
    """Every row of a file, checked. Only an `ok` plan is imported."""

    rows: list[Row] = field(default_factory=list)
    error: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def as_form(row: Mapping[str, str]) -> dict[str, str]:
    """A file's row -> the fields of the desk's form: a municipality by its code or a name,
    a day also as 23.11.1990, an empty document type a personal number."""
    form = {key: (value or "").strip() for key, value in row.items()}
    for key in ("id_document_type", "sex", "situation", "language"):
        form[key] = form.get(key, "").lower()
    form["id_document_type"] = form["id_document_type"] or "personal_number"
    form["language"] = form["language"] or "ka"
    place = form.get("municipality", "")
    form["municipality"] = (recognise(place) or place) if place else ""
    day = DAY_MONTH_YEAR.match(form.get("birth_date", ""))
    if day:
        form["birth_date"] = f"{day[3]}-{int(day[2]):02d}-{int(day[1]):02d}"
    return form


def check_row(row: Mapping[str, str], centres: Mapping[str, int], *, today: date
              ) -> tuple[dict[str, Any], Errors]:
    """One row -> (values, errors by column): the desk registration's rules, and a home centre
    by its code among `centres` (code -> id: those the importer may give)."""
    form = as_form(row)
    parsed = Parsed()
    parse_contact(form, parsed)
    parse_desk_fields(form, parsed, today=today)
    if "municipality" in parsed.errors and form["municipality"]:
        parsed.errors["municipality"] = N_(
            "Unknown municipality: write its name in Georgian, English or Russian, or its code.")
    code = form.get("home_centre", "").upper()
    if not code:
        parsed.errors["home_centre"] = N_("This field is required.")
    elif code not in centres:
        parsed.errors["home_centre"] = N_("Unknown centre: use the code of an open centre, "
                                          "e.g. SMG.")
    else:
        parsed.values["home_centre"] = centres[code]
    return parsed.values, parsed.errors


def document(values: Mapping[str, Any]) -> tuple[str, str] | None:
    if values.get("id_document_number"):
        return values["id_document_type"], values["id_document_number"]
    return None


def check_rows(sheet: Sheet, centres: Mapping[str, int], *, today: date) -> Plan:
    """Every row of a file, and the phones, e-mails and documents used twice in it: an error
    on the later row, naming the line of the first."""
    plan = Plan(error=sheet.error)
    first: dict[tuple[str, Any], int] = {}
    for line, row in sheet.rows:
        values, errors = check_row(row, centres, today=today)
        for column, key, message in (
            ("phone", values.get("phone"), N_("This phone number is in the file twice "
                                              "(line %(line)s).")),
            ("email", values.get("email"), N_("This e-mail is in the file twice "
                                              "(line %(line)s).")),
            ("id_document_number", document(values),
             N_("This document is in the file twice (line %(line)s).")),
        ):
            if key is None or column in errors:
                continue
            if (column, key) in first:
                errors[column] = (message, {"line": first[column, key]})
            else:
                first[column, key] = line
        plan.rows.append(Row(line, values, errors, values.get("name", ""),
                             row.get("home_centre", "").strip().upper()))
    return plan


def keys(plan: Plan) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """The phones, e-mails and documents of a plan's rows, to be looked up in the database."""
    phones = {r.values["phone"] for r in plan.rows if r.values.get("phone")}
    emails = {r.values["email"] for r in plan.rows if r.values.get("email")}
    documents = {d for r in plan.rows if (d := document(r.values))}
    return phones, emails, documents


def mark_taken(plan: Plan, *, phones: set[str], emails: set[str],
               documents: set[tuple[str, str]]) -> Plan:
    """The rows whose phone, e-mail or document an account has already (the messages of the
    desk's registration)."""
    for row in plan.rows:
        values = row.values
        if values.get("phone") in phones and "phone" not in row.errors:
            row.errors["phone"] = N_("An account with this phone number exists already.")
        if values.get("email") in emails and "email" not in row.errors:
            row.errors["email"] = N_("An account with this e-mail exists already.")
        if document(values) in documents and "id_document_number" not in row.errors:
            row.errors["id_document_number"] = N_(
                "A member with this document is registered already.")
    return plan


# --- writing ---------------------------------------------------------------------------------


def to_csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (rental.kernel.csvfile), every formula-like text plain:
    a phone's + too, which Excel would otherwise read as a number."""
    return csvfile.to_csv(columns, rows)


def export_columns(kind: str) -> tuple[str, ...]:
    return PERSONAL_COLUMNS if kind == "personal" else DONOR_COLUMNS


def export_row(member: Mapping[str, Any], *, kind: str, today: date) -> dict[str, Any]:
    """A member as read (with `centre_code`, `timezone`, and their current membership's
    `membership_status` and `ends_on`, None without one) -> the export's row of that kind."""
    status = member.get("membership_status")
    joined: datetime = member["created_at"]
    row: dict[str, Any] = {
        "card_number": card_number(member["id"]),
        "sex": member["sex"],
        "age_band": age_band(member["birth_date"], today),
        "situation": member["situation"],
        "municipality": member["municipality"],
        "home_centre": member.get("centre_code") or "",
        "membership": membership_state(status, member["ends_on"], today) if status else "none",
        "joined": joined.astimezone(ZoneInfo(member.get("timezone") or "Asia/Tbilisi")
                                    ).date().isoformat(),
    }
    if kind == "personal":
        born = member["birth_date"]
        row.update({
            "name": member["name"], "phone": member["phone"], "email": member["email"] or "",
            "id_document_type": member["id_document_type"],
            "id_document_number": member["id_document_number"],
            "birth_date": born.isoformat() if born else "", "language": member["language"],
            "account_status": member["status"],
        })
    return row
