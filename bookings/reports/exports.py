"""Report tables as CSV and XLSX files: headings in the visitor's language, money in GEL,
and counts of people under five suppressed so no one can be identified."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from bookings.reports.rules import SHEETS, Table, sheet_name, suppressed_table
from rental.kernel import i18n
from rental.kernel.web import choice_label

MONEY_FORMAT = '#,##0.00" ₾"'


def heading(column: Any) -> str:
    text = i18n.plain_gettext(column.heading)
    return f"{text} (GEL)" if column.kind == "money" else text


def cell(row: dict[str, Any], column: Any) -> Any:
    """A cell as a spreadsheet wants it: numbers stay numbers, money in GEL."""
    value = row.get(column.key)
    if column.kind == "name":
        fallback = row.get("fallback")
        return i18n.localized(row, "name") or (choice_label(fallback) if fallback else "")
    if column.kind == "localized":
        return i18n.localized(row, column.key)
    if column.kind == "choice":
        return choice_label(value) if value else ""
    if column.kind == "money":
        return None if value is None else Decimal(value) / 100
    if column.kind == "sparkline":
        return " ".join(str(v) for v in value or ())
    if column.kind == "date":
        return value.isoformat() if value else ""
    return value


def _rows(table: Table) -> list[list[Any]]:
    shown = suppressed_table(table)
    rows = [[cell(row, column) for column in shown.columns] for row in shown.rows]
    if shown.total:
        first = i18n.plain_gettext("Total")
        rows.append([first] + [cell(shown.total, column) if column.key in shown.total else None
                               for column in shown.columns[1:]])
    return rows


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(column) for column in table.columns])
    writer.writerows(["" if value is None else value for value in row] for row in _rows(table))
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read it as UTF-8


def xlsx_bytes(title: str, tables: list[Table], period: str) -> bytes:
    """One sheet per table, named by its short name (rules.SHEETS) in the reader's language,
    its full title and the period above the headings."""
    from openpyxl import Workbook  # here: 6 MB in every worker for a download a few ask for
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(sheet_name(
            i18n.plain_gettext(SHEETS.get(table.name, table.title)), book.sheetnames))
        sheet.append([f"{title}: {i18n.plain_gettext(table.title)}"])
        sheet.append([period])
        sheet.append([heading(column) for column in table.columns])
        for cell_ in sheet[3]:
            cell_.font = Font(bold=True)
        for values in _rows(table):
            sheet.append(values)
            for column, target in zip(table.columns, sheet[sheet.max_row], strict=True):
                if column.kind == "money":
                    target.number_format = MONEY_FORMAT
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(3, index).column_letter].width = (
                max(12, len(heading(column)) + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

