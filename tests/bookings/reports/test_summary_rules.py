"""Which days of a period the monthly summaries answer and which the raw rows do."""

from datetime import date

import pytest

from bookings.reports.summary_rules import month_keys, open_from, split, split_less

D = date


@pytest.mark.parametrize(("today", "opened"), [
    (D(2026, 12, 1), D(2026, 11, 1)),  # November's last midnight has just passed: not closed
    (D(2026, 12, 2), D(2026, 12, 1)),
    (D(2026, 12, 31), D(2026, 12, 1)),
    (D(2027, 1, 1), D(2026, 12, 1)),
    (D(2027, 1, 2), D(2027, 1, 1)),
])
def test_a_month_is_closed_once_the_day_after_it_has_passed(today, opened):
    assert open_from(today) == opened


@pytest.mark.parametrize(("first", "last", "until", "cut", "months", "raw"), [
    # whole closed months from the summary, the open one raw
    (D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 1), None,
     month_keys(D(2026, 1, 1), D(2026, 10, 1)), [(D(2026, 11, 1), D(2026, 12, 31))]),
    # a period starting and ending mid-month: its two ends raw
    (D(2025, 3, 17), D(2025, 6, 9), D(2026, 11, 1), None,
     ["2025-04", "2025-05"], [(D(2025, 3, 17), D(2025, 3, 31)), (D(2025, 6, 1), D(2025, 6, 9))]),
    # the month the period before ends in is read raw, so that the two stay apart
    (D(2025, 1, 15), D(2025, 4, 14), D(2026, 11, 1), D(2025, 2, 14),
     ["2025-03"], [(D(2025, 1, 15), D(2025, 2, 28)), (D(2025, 4, 1), D(2025, 4, 14))]),
    # a cut on a month's first day splits nothing
    (D(2025, 1, 1), D(2025, 2, 28), D(2026, 11, 1), D(2025, 2, 1),
     ["2025-01", "2025-02"], []),
    # nothing summarised yet: all raw, in one run
    (D(2025, 1, 1), D(2025, 3, 31), D.min, D(2025, 2, 1),
     [], [(D(2025, 1, 1), D(2025, 3, 31))]),
    # one day
    (D(2025, 5, 5), D(2025, 5, 5), D(2026, 11, 1), D(2025, 5, 5),
     [], [(D(2025, 5, 5), D(2025, 5, 5))]),
])
def test_split(first, last, until, cut, months, raw):
    assert split(first, last, until, cut) == (months, raw)


def test_every_day_is_read_once():
    first, last, until = D(2024, 2, 10), D(2026, 12, 20), D(2026, 7, 1)
    months, raw = split(first, last, until, D(2025, 6, 3))
    days = set()
    for key in months:
        month = date.fromisoformat(key + "-01")
        days |= {month.toordinal() + n for n in range(31)
                 if date.fromordinal(month.toordinal() + n).month == month.month}
    for start, end in raw:
        span = set(range(start.toordinal(), end.toordinal() + 1))
        assert not span & days
        days |= span
    assert days == set(range(first.toordinal(), last.toordinal() + 1))


@pytest.mark.parametrize(("first", "last", "until", "cut", "months", "raw", "less"), [
    # five years from the 6th: December 2021 is its month less its first five days
    (D(2016, 12, 5), D(2026, 12, 6), D(2026, 12, 1), D(2021, 12, 6),
     [*month_keys(D(2017, 1, 1), D(2026, 11, 1))],
     [(D(2016, 12, 5), D(2016, 12, 31)), (D(2021, 12, 1), D(2021, 12, 5)),
      (D(2026, 12, 1), D(2026, 12, 6))],
     [(D(2021, 12, 1), D(2021, 12, 5))]),
    # more days before the cut than after it: the month read raw, as split() does
    (D(2025, 1, 1), D(2025, 3, 31), D(2026, 11, 1), D(2025, 2, 20),
     ["2025-01", "2025-03"], [(D(2025, 2, 1), D(2025, 2, 28))], []),
    # the cut month not summarised yet, or not whole in the days: as split()
    (D(2025, 1, 1), D(2025, 3, 31), D(2025, 2, 1), D(2025, 2, 3),
     ["2025-01"], [(D(2025, 2, 1), D(2025, 3, 31))], []),
    (D(2025, 2, 2), D(2025, 3, 31), D(2026, 11, 1), D(2025, 2, 3),
     ["2025-03"], [(D(2025, 2, 2), D(2025, 2, 28))], []),
    # the cut month joined to a raw part-month before it keeps that part
    (D(2025, 1, 15), D(2025, 3, 31), D(2026, 11, 1), D(2025, 2, 3),
     ["2025-02", "2025-03"], [(D(2025, 1, 15), D(2025, 2, 2))],
     [(D(2025, 2, 1), D(2025, 2, 2))]),
])
def test_split_less(first, last, until, cut, months, raw, less):
    assert split_less(first, last, until, cut) == (months, raw, less)
