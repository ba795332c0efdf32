"""CSV files as spreadsheets read and write them (pure: bytes in, rows out, and back).

Read: UTF-8 with or without a byte-order mark, a comma, semicolon (Excel's CSV in many
languages) or tab between the columns, the first line naming the columns, empty lines
skipped. Written: UTF-8 with a byte-order mark (Excel needs it to show Georgian), commas, CRLF
line ends, and a ' before a cell that a spreadsheet would take for a formula, which reading
takes away again. The catalogue's and the members' files check their own columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rental.kernel.i18n import N_, Plural

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; writing puts a ' before it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A file read: its column names (stripped, lower case, in order) and its rows as
    (line number, cells), or what is wrong with the file as a whole (a message id)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    error: Any = None


def refused(error: Any) -> Table:
    return Table([], [], error)


def read_table(content: bytes, *, max_bytes: int, max_rows: int) -> Table:
    if len(content) > max_bytes:
        return refused((N_("The file is too large: at most %(mb)s MB."),
                        {"mb": max_bytes // (1024 * 1024)}))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return refused(N_("Save the file as “CSV UTF-8” and choose it again."))
    if "\x00" in text:
        return refused(N_("This is not a CSV file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader, None) or []]
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                return refused(Plural("Import at most %(num)s row at a time.",
                                      "Import at most %(num)s rows at a time.", max_rows))
            rows.append((reader.line_num, [uncell(cell) for cell in cells]))
    except csv.Error:
        return refused(N_("This is not a CSV file."))
    return Table(header, rows)


def uncell(text: str) -> str:
    """What writing put there: a ' before a formula-like text is taken away again."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]],
           guarded: Callable[[str], bool] = lambda column: True) -> bytes:
    """The rows' `columns`, with a formula-like text made plain in the `guarded` columns
    (numbers such as -5 stay numbers where a column is not guarded)."""
    columns = tuple(columns)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) if guarded(column)
                         else ("" if row.get(column) is None else str(row.get(column)))
                         for column in columns])
    return buffer.getvalue().encode("utf-8")
