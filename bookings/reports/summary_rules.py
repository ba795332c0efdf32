"""Which days of a report's period the monthly summaries answer and which the raw rows must
(pure; bookings/reports/summaries.py runs the SQL).

A month is closed once the day after it has passed too (`open_from`): a transaction that wrote
at its last midnight has long committed by then. The summaries answer whole closed months
inside the days asked for; the rest (a part of a month at either end, the month a period is
cut in two by `cut`, and every month not closed or not summarised yet) is read from the raw
rows, but a summarised month cut early is its summary less the raw rows of its days before
the cut (`split_less`)."""

from __future__ import annotations

from datetime import date, timedelta


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def open_from(today: date) -> date:
    """The first day of the first month not closed on `today`."""
    return (today - timedelta(days=1)).replace(day=1)


def month_keys(first: date, last: date) -> list[str]:
    """The months from `first`'s to `last`'s, both included."""
    keys, month = [], first.replace(day=1)
    while month <= last:
        keys.append(month_key(month))
        month = next_month(month)
    return keys


def split(first: date, last: date, until: date, cut: date | None = None
          ) -> tuple[list[str], list[tuple[date, date]]]:
    """The days `first`..`last` as (the whole months before `until` the summaries answer, the
    runs of days, first and last included, the raw rows answer). A month with `cut` in it
    other than on its first day is read raw, so that the days before and after the cut stay
    apart."""
    months: list[str] = []
    raw: list[tuple[date, date]] = []
    day = first
    while day <= last:
        month_end = next_month(day) - timedelta(days=1)
        whole = (day.day == 1 and month_end <= last and month_end < until
                 and not (cut is not None and day < cut <= month_end))
        if whole:
            months.append(month_key(day))
        elif raw and raw[-1][1] == day - timedelta(days=1):
            raw[-1] = (raw[-1][0], min(month_end, last))
        else:
            raw.append((day, min(month_end, last)))
        day = month_end + timedelta(days=1)
    return months, raw


def split_less(first: date, last: date, until: date, cut: date
               ) -> tuple[list[str], list[tuple[date, date]], list[tuple[date, date]]]:
    """split(), but a summarised month cut in two with fewer days before the cut than after
    it is answered as its whole month less its days before the cut: (the months, the raw runs,
    the runs among them to take away from the days after the cut). Those days are read twice,
    fewer than the days after them once (the bench's five-year period starts on the 6th)."""
    months, raw = split(first, last, until, cut)
    start = cut.replace(day=1)
    month_end = next_month(start) - timedelta(days=1)
    if not (first <= start < cut <= month_end <= last and month_end < until
            and (cut - start) < (month_end - cut)):
        return months, raw, []
    before = (start, cut - timedelta(days=1))
    runs: list[tuple[date, date]] = []
    for run in raw:  # the run holding the month keeps its other days
        if run[0] <= start and month_end <= run[1]:
            runs += [piece for piece in ((run[0], cut - timedelta(days=1)),
                                         (next_month(start), run[1]))
                     if piece[0] <= piece[1]]
        else:
            runs.append(run)
    return sorted([*months, month_key(start)]), runs, [before]
