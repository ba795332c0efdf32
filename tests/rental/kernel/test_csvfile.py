"""CSV files as spreadsheets read and write them: a table of files in, the table or the
refusal out; what is written reads back the same."""

from __future__ import annotations

import pytest

from rental.kernel import csvfile
from rental.kernel.i18n import Plural

pytestmark = pytest.mark.no_database

BIG = 1024 * 1024


def read(content: bytes, max_rows: int = 3):
    return csvfile.read_table(content, max_bytes=BIG, max_rows=max_rows)


@pytest.mark.parametrize(("content", "header", "rows"), [
    (b"Name,Phone\r\nNino,555\r\n", ["name", "phone"], [(2, ["Nino", "555"])]),
    ("\ufeffname;phone\nნინო;555\n".encode(), ["name", "phone"], [(2, ["ნინო", "555"])]),
    (b"name\tphone\n\n  \nNino\t'=1+1\n", ["name", "phone"], [(4, ["Nino", "=1+1"])]),
    (b'name,notes\n"Nino","two\nlines"\n', ["name", "notes"], [(3, ["Nino", "two\nlines"])]),
    (b"name\n", ["name"], []),
])
def test_a_file_read(content, header, rows):
    table = read(content)
    assert (table.error, table.header, table.rows) == (None, header, rows)


@pytest.mark.parametrize(("content", "error"), [
    (b"x" * (BIG + 1), ("The file is too large: at most %(mb)s MB.", {"mb": 1})),
    ("name\nნინო\n".encode("utf-16"), "Save the file as “CSV UTF-8” and choose it again."),
    (b"name\x00\n", "This is not a CSV file."),
    (b"name\na\nb\nc\nd\n", Plural("Import at most %(num)s row at a time.",
                                   "Import at most %(num)s rows at a time.", 3)),
])
def test_a_file_refused(content, error):
    table = read(content)
    assert table.error == error and table.rows == []


def test_what_is_written_reads_back_and_no_cell_is_a_formula():
    rows = [{"name": "=HYPERLINK(\"x\")", "phone": "+995555123456", "cost": -5, "none": None}]
    written = csvfile.to_csv(("name", "phone", "cost", "none"), rows,
                             guarded=lambda column: column != "cost")
    text = written.decode("utf-8")
    assert text.startswith("\ufeffname,phone,cost,none\r\n")
    assert "'=HYPERLINK" in text and "'+995555123456" in text and ",-5," in text
    table = read(written)
    assert table.rows == [(2, ['=HYPERLINK("x")', "+995555123456", "-5", ""])]
