"""Inventory's pure rules of inspections, lending and the catalogue search text, as tables of
cases. No database."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.rules import inspection_due_on, is_lendable, search_text

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

# --- inventory.rules -----------------------------------------------------------------------

JAN_1 = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("last", "interval", "expected"),
    [
        pytest.param(None, None, None, id="no-inspection-needed"),
        pytest.param(JAN_1, None, None, id="inspected-but-not-needed"),
        pytest.param(JAN_1, 0, None, id="zero-interval-means-none"),
        pytest.param(None, 180, date.min, id="never-inspected-due-at-once"),
        pytest.param(JAN_1, 30, date(2026, 1, 31), id="thirty-days"),
        pytest.param(date(2026, 12, 15), 30, date(2027, 1, 14), id="across-new-year"),
        pytest.param(date(2028, 2, 1), 29, date(2028, 3, 1), id="leap-february"),
    ],
)
def test_inspection_due_on(last, interval, expected):
    assert inspection_due_on(last, interval) == expected


@pytest.mark.parametrize(
    ("status", "last", "interval", "today", "expected"),
    [
        pytest.param("available", None, None, JAN_1, True, id="available-no-inspection"),
        pytest.param("maintenance", None, None, JAN_1, False, id="maintenance"),
        pytest.param("retired", None, None, JAN_1, False, id="retired"),
        pytest.param("lost", None, None, JAN_1, False, id="lost"),
        pytest.param("on_loan", None, None, JAN_1, False, id="unknown-status"),
        pytest.param("available", None, 30, JAN_1, False, id="never-inspected"),
        pytest.param("available", JAN_1, 30, JAN_1, True, id="inspected-today"),
        pytest.param("available", JAN_1, 30, date(2026, 1, 30), True, id="day-before-due"),
        pytest.param("available", JAN_1, 30, date(2026, 1, 31), False, id="due-day"),
        pytest.param("available", JAN_1, 30, date(2026, 3, 1), False, id="overdue"),
        pytest.param("maintenance", JAN_1, 30, JAN_1, False, id="inspected-but-maintenance"),
        pytest.param("available", date(2020, 1, 1), None, JAN_1, True, id="old-but-not-needed"),
    ],
)
def test_is_lendable(status, last, interval, today, expected):
    assert is_lendable(status, last, interval, today) is expected


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param(("ᲑᲣᲠᲦᲘ",), "ბურღი", id="mtavruli-folds"),
        pytest.param(("ბურღი",), "ბურღი", id="mkhedruli-unchanged"),
        pytest.param(("ДРЕЛЬ",), "дрель", id="cyrillic"),
        pytest.param(("Cordless  DRILL",), "cordless drill", id="latin"),
        pytest.param(
            ("ბურღი", "Drill\t Bosch", "Дрель\n"), "ბურღი drill bosch дрель", id="three-names"
        ),
        pytest.param(("  ხერხი  ",), "ხერხი", id="trimmed"),
        pytest.param(("ხერხი", "", "Saw"), "ხერხი saw", id="empty-name-skipped"),
        pytest.param((), "", id="nothing"),
    ],
)
def test_search_text(names, expected):
    assert search_text(*names) == expected


def test_search_text_skips_blank_names():
    assert search_text("Saw", "  ", "Drill") == "saw drill"
