"""The bookings' figures per closed month (issue 21), correct by construction: loans, loan-days,
cancellations, no-shows, returns and damaged returns per month, scope (a centre, or 0 for
every centre) and tool type (report_loan_month), and the members with a loan per month,
scope and category (or all), counted by the month of their previous loan in the same scope
and category (report_borrower_month). A report reads them for the whole closed months of its
period and the booking rows for the rest (a part-month at either end, the month the period
before ends in, the months not closed yet; that month, when it ends fewer days before the
period than in it, as its summary less the bookings of those days).

Distinct borrowers do not add up across months, so each month counts its borrowers by the
month of their previous loan: the borrowers of whole months a..b are those of a..b whose
previous loan was before a (or never), a sum. A borrower of the part-month before a counts
unless they had a loan from the period's first day to b (a NOT EXISTS per member of those
days, or of that month's days before the period when they are fewer: see borrowers()); a
borrower of the days after b counts unless their last loan before the first open month
(report_borrower_last, one lookup) was in the period.

The raw days find the loans still counting on them by their first day or their return:
report_loan_summary.loans_longest bounds how long a loan back before the first open month
lasted, so the loans out on an old day are read by their first day, not through every later
return.

Bookings change, unlike the ledger: a loan still out counts a day more every day, a reservation
is picked up or marked a no-show. A closed month's figures depend on a booking only through its
first day, kind, member, tool type, centre, the day it came back (a loan still out counts to
the month's end) and its return; triggers on booking (the migration bookings 21:40) record the
first day of any change to those that reaches a summarised month, and a tool type moved to
another category makes the whole summary stale. The reports read the summary only before that
month and the next build starts there, so a report is right whether or not the summary is up
to date. A build rebuilds every missing month in one transaction (the previous loans need the
history; at the bench's national scale the first build takes about 20 s on PostgreSQL and
70-90 s on SQLite, so after a bulk load run `rental report-summaries`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bookings.reports import summary_rules
from bookings.reports.queries.common import Scope, compose
from bookings.tables import Booking
from rental.kernel import db

LOAN_OR_MISSED = "('out', 'returned', 'lost', 'cancelled', 'no_show')"
DAMAGED = "('damaged', 'missing_parts')"
STATE = ("SELECT loans_open, loans_covered, loans_stale_from, loans_longest "
         "FROM report_loan_summary")

# {start_month}, {end_month}: the month of b.starts_on, b.ended_on; {months}: the months built
# as (month, m_first, m_last); {days}: a loan's days in month m. Four groupings: by centre and
# tool type, by tool type (scope 0), by centre (tool type 0), all (0, 0).
BUILD_LOANS = """
    INSERT INTO report_loan_month (month, scope, tool_type, loans, loan_days, cancelled,
                                   no_shows, returns, damaged)
    WITH figures AS (
      SELECT {start_month} AS month, b.centre, b.tool_type,
        CASE WHEN b.status IN {loan} THEN 1 ELSE 0 END AS loans, 0 AS loan_days,
        CASE WHEN b.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled,
        CASE WHEN b.status = 'no_show' THEN 1 ELSE 0 END AS no_shows, 0 AS returns,
        0 AS damaged
      FROM booking b WHERE b.starts_on >= $from AND b.starts_on < $until
        AND b.status IN """ + LOAN_OR_MISSED + """
      UNION ALL
      SELECT {end_month}, b.centre, b.tool_type, 0, 0, 0, 0, 1,
        CASE WHEN b.return_condition IN """ + DAMAGED + """ THEN 1 ELSE 0 END
      FROM booking b WHERE b.status = 'returned' AND b.ended_on >= $from
        AND b.ended_on < $until
      UNION ALL
      SELECT m.month, b.centre, b.tool_type, 0, {days} + 1, 0, 0, 0, 0
      FROM booking b JOIN ({months}) m
        ON b.starts_on <= m.m_last AND COALESCE(b.ended_on, $today) >= m.m_first
      WHERE b.status IN {loan} AND b.starts_on < $until
        AND COALESCE(b.ended_on, $today) >= $from)
    SELECT month, centre, tool_type, SUM(loans), SUM(loan_days), SUM(cancelled),
      SUM(no_shows), SUM(returns), SUM(damaged) FROM figures GROUP BY month, centre, tool_type
    UNION ALL
    SELECT month, 0, tool_type, SUM(loans), SUM(loan_days), SUM(cancelled), SUM(no_shows),
      SUM(returns), SUM(damaged) FROM figures GROUP BY month, tool_type
    UNION ALL
    SELECT month, centre, 0, SUM(loans), SUM(loan_days), SUM(cancelled), SUM(no_shows),
      SUM(returns), SUM(damaged) FROM figures GROUP BY month, centre
    UNION ALL
    SELECT month, 0, 0, SUM(loans), SUM(loan_days), SUM(cancelled), SUM(no_shows),
      SUM(returns), SUM(damaged) FROM figures GROUP BY month"""

# {month}: the month of b.starts_on; {item}: t.category or 0; {members}: narrows the history
# read to the members with a loan in the months built
BUILD_BORROWERS = """
    INSERT INTO report_borrower_month (month, scope, level, item, previous, borrowers)
    WITH lent AS (
      SELECT DISTINCT {month} AS month, b.centre AS scope, {item} AS item, b.member
      FROM booking b JOIN tool_type t ON t.id = b.tool_type
      WHERE b.status IN {loan} AND b.starts_on < $until{members}),
    scoped AS (
      SELECT month, scope, item, member FROM lent
      UNION ALL
      SELECT DISTINCT month, 0, item, member FROM lent),
    chained AS (
      SELECT month, scope, item,
        LAG(month) OVER (PARTITION BY scope, item, member ORDER BY month) AS previous
      FROM scoped)
    SELECT month, scope, $level, item, COALESCE(previous, ''), COUNT(*) FROM chained
    WHERE month >= $from_month GROUP BY month, scope, item, previous"""

# each member's last loan day before $until, per scope, level and item
BUILD_LAST = """
    INSERT INTO report_borrower_last (scope, level, item, member, last_day)
    WITH lent AS (
      SELECT b.centre, t.category, b.member, MAX(b.starts_on) AS last_day
      FROM booking b JOIN tool_type t ON t.id = b.tool_type
      WHERE b.status IN {loan} AND b.starts_on < $until
      GROUP BY b.centre, t.category, b.member)
    SELECT centre, 'category', category, member, last_day FROM lent
    UNION ALL
    SELECT 0, 'category', category, member, MAX(last_day) FROM lent GROUP BY category, member
    UNION ALL
    SELECT centre, 'all', 0, member, MAX(last_day) FROM lent GROUP BY centre, member
    UNION ALL
    SELECT 0, 'all', 0, member, MAX(last_day) FROM lent GROUP BY member"""

MEMBERS_OF_THE_MONTHS = """ AND b.member IN (
        SELECT o.member FROM booking o WHERE o.status IN {loan}
          AND o.starts_on >= $from AND o.starts_on < $until)"""

LEVELS = {"category": "t.category", "all": "0"}

# --- reading --------------------------------------------------------------------------------

# the summary's rows of some months as (current, month, key, figures ...); {key}, {rows}: which
SUMMARY_ROWS = """
    SELECT CASE WHEN s.month >= $loans_cut THEN 1 ELSE 0 END AS current, s.month,
      {key} AS item, s.loans, s.loan_days, s.cancelled, s.no_shows, s.returns, s.damaged
    FROM report_loan_month s WHERE s.month IN $loans_months AND {rows}"""

# the bookings' figures of the days $r0..$r1 (index i), as the summary's rows; {current}: 1 or
# 0; {sign}: '' or '-' for days taken away from a summarised month (split_less)
RAW_ROWS = """
    SELECT {current}, {month}, {key},
      {sign}CASE WHEN b.status IN {loan} AND b.starts_on >= $r0 THEN 1 ELSE 0 END,
      {sign}CASE WHEN b.status IN {loan} AND b.starts_on <= $r1
        AND COALESCE(b.ended_on, $today) >= $r0 THEN {days} + 1 ELSE 0 END,
      {sign}CASE WHEN b.status = 'cancelled' AND b.starts_on >= $r0 THEN 1 ELSE 0 END,
      {sign}CASE WHEN b.status = 'no_show' AND b.starts_on >= $r0 THEN 1 ELSE 0 END,
      {sign}CASE WHEN b.status = 'returned' AND b.ended_on BETWEEN $r0 AND $r1 THEN 1
        ELSE 0 END,
      {sign}CASE WHEN b.status = 'returned' AND b.ended_on BETWEEN $r0 AND $r1
        AND b.return_condition IN """ + DAMAGED + """ THEN 1 ELSE 0 END
    FROM booking b WHERE {which}{centres}"""
# each booking once: begun in the days, or before them and back (or not yet) in or after them.
# COALESCE(x, x) keeps a column's index out of a plan (SQLite takes the first that fits);
# the loans not back by booking_loans_not_back (its condition, word for word)
BEGUN = "b.starts_on BETWEEN $r0 AND $r1"
NOT_BACK = "b.ended_on IS NULL AND b.status NOT IN {not_loan} AND b.starts_on < $r0"
BACK_AFTER = "b.starts_on < $r0 AND b.ended_on >= $r0"
# the same in two parts when no loan back before the summary's first open month ($covered)
# lasted longer than $longest days: those by their first day, the others by their return
BACK_BEFORE_COVERED = ("b.starts_on >= $rb AND b.starts_on < $r0 "
                       "AND COALESCE(b.ended_on, b.ended_on) >= $r0 "
                       "AND COALESCE(b.ended_on, b.ended_on) < $covered")
BACK_SINCE_COVERED = "b.ended_on >= $rc AND COALESCE(b.starts_on, b.starts_on) < $r0"

# the borrowers of whole summarised months $a..$b (by scope and item)
SUMMARY_BORROWERS = """
    SELECT s.scope, s.item, SUM(s.borrowers) AS borrowers FROM report_borrower_month s
    WHERE s.level = $level AND {rows} AND s.month BETWEEN $a AND $b AND s.previous < $a
    GROUP BY s.scope, s.item"""

# the borrowers of the raw days ({days}) with no loan in the same scope and item in
# $lo..$hi (none: $lo after $hi)
RAW_BORROWERS = """
    SELECT {owner} AS scope, {item} AS item, COUNT(DISTINCT b.member) AS borrowers
    FROM booking b{types}
    WHERE b.status IN {loan} AND ({days}){in_centres[b.centre]}
      AND NOT EXISTS (SELECT 1 FROM booking o{other_types}
                      WHERE o.member = b.member AND o.status IN {loan}
                        AND o.starts_on BETWEEN $lo AND $hi{same})
    GROUP BY 1, 2"""

# the same for days from the summary's first open month on, whose members' last loan before
# it report_borrower_last holds: new unless it was on or after $lo
NEW_BORROWERS = """
    SELECT n.scope, n.item, COUNT(*) AS borrowers
    FROM (SELECT DISTINCT {owner} AS scope, {item} AS item, b.member
          FROM booking b{types}
          WHERE b.status IN {loan} AND ({days}){in_centres[b.centre]}) n
      LEFT JOIN report_borrower_last l ON l.member = n.member AND l.scope = n.scope
        AND l.level = $level AND l.item = n.item
    WHERE l.last_day IS NULL OR l.last_day < $lo
    GROUP BY n.scope, n.item"""


async def _run(sql: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    query, params = db.bind_named(sql, values)
    return await Booking.raw(query, *params)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _trusted(row: dict[str, Any] | None) -> date:
    """The first month of the summary not to read: not built yet, or changed since."""
    if row is None or not row["loans_open"]:
        return date.min
    until = date.fromisoformat(row["loans_open"] + "-01")
    stale = _day(row["loans_stale_from"])
    return min(until, stale.replace(day=1)) if stale is not None else until


async def summarised_until(today: date) -> date:
    """The first day of the first month the summary does not answer: every month before it is
    closed and summarised (date.min while summaries.raw() is on)."""
    from bookings.reports import summaries

    if summaries.reading_raw():
        return date.min
    rows = await _run(STATE, {})
    return min(_trusted(rows[0] if rows else None), summary_rules.open_from(today))


def usable(scope: Scope) -> bool:
    """The summary counts every centre and each centre; several of them are read raw (their
    borrowers would be counted once per centre)."""
    return scope.centres is None or len(scope.centres) == 1


def _scope_rows(scope: Scope, by: str) -> str:
    """Which of the summary's rows answer for the scope, by tool type, centre or in all."""
    tool = "s.tool_type <> 0" if by == "tool_type" else "s.tool_type = 0"
    if by == "centre":
        return f"{tool} AND s.scope <> 0{{in_centres[s.scope]}}"
    if scope.centres is None:
        return f"{tool} AND s.scope = 0"
    return f"{tool}{{in_centres[s.scope]}}"


def _key(by: str, raw: bool) -> str:
    table = "b" if raw else "s"
    return {"tool_type": f"{table}.tool_type", "centre": f"{table}.centre" if raw else "s.scope",
            "total": "0"}[by]


def _days(start: str, end: str) -> str:
    """A loan's days from $start to $end (both included), less one."""
    back = "COALESCE(b.ended_on, $today)"
    return db.days_between(db.least(back, end), db.greatest("b.starts_on", start))


async def loans(scope: Scope, first: date, last: date, cut: date, today: date, by: str,
                until: date) -> tuple[str, dict[str, Any]]:
    """The bookings' figures of the scope's days `first`..`last` (those before `cut` are the
    period before) as one derived table (current, month, key, loans, loan_days, cancelled,
    no_shows, returns, damaged): a row per summarised month and key, and one per booking of
    the other days (and one, negated, per booking of a summarised month's days before the
    cut: summary_rules.split_less). `key`: the tool type, the centre or 0 (`by`); `month`: of
    the first day (loans, cancellations and no-shows by month). The SQL and the values it binds."""
    months, runs, less = summary_rules.split_less(first, last, until, cut)
    pieces: list[tuple[date, date, str]] = []  # (first day, last day, sign)
    for start, end in runs:  # each run on one side of the cut
        if start < cut <= end:
            pieces += [(start, cut - timedelta(days=1), ""), (cut, end, "")]
        else:
            pieces.append((start, end, ""))
    # the days before the cut of a month the summary answers whole, taken from its days after
    pieces += [(start, end, "-") for start, end in less]
    values: dict[str, Any] = {"loans_cut": summary_rules.month_key(cut),
                              "loans_months": months or [""], "today": today,
                              "centres": list(scope.centres or ())}
    parts = [SUMMARY_ROWS.replace("{key}", _key(by, False)).replace(
        "{rows}", _scope_rows(scope, by))]
    state = await _run(STATE, {})
    bounded = bool(state) and state[0]["loans_stale_from"] is None and (
        state[0]["loans_longest"] is not None and state[0]["loans_covered"] is not None)
    if bounded:
        values["covered"] = _day(state[0]["loans_covered"])
    for index, (start, end, sign) in enumerate(pieces):
        r0, r1 = f"$r0_{index}", f"$r1_{index}"
        values[f"r0_{index}"], values[f"r1_{index}"] = start, end
        which_of = [BEGUN, NOT_BACK, BACK_AFTER]
        if bounded:
            values[f"rb_{index}"] = start - timedelta(days=int(state[0]["loans_longest"]))
            values[f"rc_{index}"] = max(start, values["covered"])
            # days from the first open month on: no loan came back before them after its
            # first day, so BACK_BEFORE_COVERED has nothing (SQLite read it for 18 ms)
            which_of = [BEGUN, NOT_BACK, BACK_SINCE_COVERED]
            if start < values["covered"]:
                which_of.insert(2, BACK_BEFORE_COVERED)
        for which in which_of:
            slots = {"{current}": "1" if start >= cut or sign else "0", "{sign}": sign,
                     "{month}": db.month_of_day("b.starts_on"), "{key}": _key(by, True),
                     "{days}": _days("$r0", "$r1"), "{which}": which,
                     # a centre's index would read all its bookings before the days
                     "{centres}": "{in_centres[b.centre]}" if which == BEGUN
                     else "{in_centres[COALESCE(b.centre, b.centre)]}"}
            sql = RAW_ROWS
            for slot, text in slots.items():
                sql = sql.replace(slot, text)
            parts.append(sql.replace("$r0", r0).replace("$r1", r1).replace(
                "$rb", f"$rb_{index}").replace("$rc", f"$rc_{index}"))
    return compose("\nUNION ALL\n".join(parts), scope), values


async def borrowers(scope: Scope, first: date, last: date, level: str, until: date,
                    by_centre: bool = False) -> dict[tuple[int, int], int]:
    """The members with a loan in the scope's days `first`..`last`, each once per item of the
    level ('category': by the tool type's category; 'all': 0) and, `by_centre`, per centre
    (else per scope: 0 for every centre, the centre for one): {(scope, item): borrowers}.

    The whole summarised months a..b are a sum. A part-month before them is counted from its
    own days, or, when fewer, as its whole month less the members of its days before `first`
    with no loan from `first` to b. The days after b: from report_borrower_last when they begin
    at the summary's first open month, else each member's loans."""
    months, runs = summary_rules.split(first, last, until)
    per_centre = by_centre or scope.centres is not None
    values: dict[str, Any] = {"level": level, "centres": list(scope.centres or ())}
    found: dict[tuple[int, int], int] = {}

    def add(rows: list[dict[str, Any]], sign: int = 1) -> None:
        for row in rows:
            key = (row["scope"], row["item"])
            found[key] = found.get(key, 0) + sign * int(row["borrowers"])

    def raw(query: str, days: list[tuple[date, date]], lo: date, hi: date
            ) -> tuple[str, dict[str, Any]]:
        bound = {**values, "lo": lo, "hi": hi}
        spans = []
        for index, (start, end) in enumerate(days):
            bound[f"d0_{index}"], bound[f"d1_{index}"] = start, end
            spans.append(f"b.starts_on BETWEEN $d0_{index} AND $d1_{index}")
        by_category = level == "category"  # else no tool type is needed
        same = (" AND ot.category = t.category" if by_category else "") + (
            " AND o.centre = b.centre" if per_centre else "")
        return compose(query, scope, owner="b.centre" if per_centre else "0",
                       item=LEVELS[level], days=" OR ".join(spans), same=same,
                       types=" JOIN tool_type t ON t.id = b.tool_type" if by_category else "",
                       other_types=" JOIN tool_type ot ON ot.id = o.tool_type"
                       if by_category else ""), bound

    if not months:
        sql, bound = raw(RAW_BORROWERS, runs, last + timedelta(days=1), last)
        add(await _run(sql, bound))
        return found
    a0 = date.fromisoformat(months[0] + "-01")
    b1 = summary_rules.next_month(date.fromisoformat(months[-1] + "-01")) - timedelta(days=1)
    head = [run for run in runs if run[1] < a0]
    tail = [run for run in runs if run[0] > b1]
    start = a0
    if head and (first - first.replace(day=1)) < (a0 - first):  # its whole month, less
        start = first.replace(day=1)
        sql, bound = raw(RAW_BORROWERS, [(start, first - timedelta(days=1))], first, b1)
        add(await _run(sql, bound), -1)
    elif head:
        sql, bound = raw(RAW_BORROWERS, head, a0, b1)
        add(await _run(sql, bound))
    rows = "s.scope <> 0{in_centres[s.scope]}" if by_centre else (
        "s.scope = 0" if scope.centres is None else "1 = 1{in_centres[s.scope]}")
    add(await _run(compose(SUMMARY_BORROWERS.replace("{rows}", rows), scope),
                   {**values, "a": summary_rules.month_key(start), "b": months[-1]}))
    if tail:
        state = await _run(STATE, {})
        covered = _day(state[0]["loans_covered"]) if state else None
        known = (covered == b1 + timedelta(days=1) == tail[0][0]
                 and state[0]["loans_stale_from"] is None)
        sql, bound = raw(NEW_BORROWERS if known else RAW_BORROWERS, tail, first, b1)
        add(await _run(sql, bound))
    return {key: count for key, count in found.items() if count}


async def last_loans_cover(scope: Scope, first: date, last: date, today: date) -> date | None:
    """Whether report_borrower_last answers who had a loan in the scope's days first..last:
    the day it was built up to (its members' last loan before it is there), when that day is
    within first..last + 1 and nothing since changed a summarised month; the loans from it on
    are then the bookings'. None when it does not answer (or summaries.raw() is on)."""
    if not usable(scope) or await summarised_until(today) == date.min:
        return None
    state = await _run(STATE, {})
    covered = _day(state[0]["loans_covered"]) if state else None
    if (covered is None or state[0]["loans_stale_from"] is not None
            or not first <= covered <= last + timedelta(days=1)):
        return None
    return covered


# --- building -------------------------------------------------------------------------------

def _stale_from(row: dict[str, Any] | None, today: date) -> date | None:
    """The first month to rebuild (date.min: from the first booking's), None if none."""
    trusted = _trusted(row)
    return trusted if trusted < summary_rules.open_from(today) else None


async def _build(today: date) -> bool:
    """Under the summary's row lock: rebuild every month from the first missing or stale one
    to the last closed one. False when there was none."""
    await _run("INSERT INTO report_loan_summary (id, loans_open) VALUES (1, '') "
               "ON CONFLICT (id) DO NOTHING", {})
    # two reports building at once would add the months twice: the second waits here
    await _run("UPDATE report_loan_summary SET loans_open = loans_open", {})
    rows = await _run(STATE, {})
    month = _stale_from(rows[0] if rows else None, today)
    if month is None:
        return False
    opened = summary_rules.open_from(today)
    first = await _run("SELECT MIN(b.starts_on) AS day FROM booking b", {})
    earliest = (_day(first[0]["day"]) if first else None) or opened
    whole = month <= earliest
    month = max(month, earliest.replace(day=1))
    key = summary_rules.month_key(month)
    await _run("DELETE FROM report_loan_month WHERE month >= $month", {"month": key})
    await _run("DELETE FROM report_borrower_month WHERE month >= $month", {"month": key})
    if month < opened:
        values: dict[str, Any] = {"from": month, "until": opened, "today": today,
                                  "from_month": key}
        listed, at = [], month
        while at < opened:
            after = summary_rules.next_month(at)
            index = len(listed)
            values[f"m{index}"] = summary_rules.month_key(at)
            values[f"mf{index}"], values[f"ml{index}"] = at, after - timedelta(days=1)
            listed.append(f"SELECT $m{index} AS month, $mf{index} AS m_first, "
                          f"$ml{index} AS m_last")
            at = after
        days = db.days_between(db.least("COALESCE(b.ended_on, $today)", "m.m_last"),
                               db.greatest("b.starts_on", "m.m_first"))
        await _run(compose(BUILD_LOANS, Scope(None, "UTC"),
                           start_month=db.month_of_day("b.starts_on"),
                           end_month=db.month_of_day("b.ended_on"),
                           months=" UNION ALL ".join(listed), days=days), values)
        members = "" if whole else compose(MEMBERS_OF_THE_MONTHS, Scope(None, "UTC"))
        await _run("DELETE FROM report_borrower_last", {})
        await _run(compose(BUILD_LAST, Scope(None, "UTC")), {"until": opened})
        for level, item in LEVELS.items():
            await _run(compose(BUILD_BORROWERS, Scope(None, "UTC"),
                               month=db.month_of_day("b.starts_on"), item=item,
                               members=members),
                       {"until": opened, "from": month, "from_month": key, "level": level})
    longest = await _run(
        "SELECT MAX(" + db.days_between("b.ended_on", "b.starts_on") + ") AS days "
        "FROM booking b WHERE b.status IN ('out', 'returned', 'lost') "
        "AND b.ended_on < $covered", {"covered": opened})
    await _run("UPDATE report_loan_summary SET loans_open = $open, loans_covered = $covered, "
               "loans_stale_from = NULL, loans_longest = $longest",
               {"open": summary_rules.month_key(opened), "covered": opened,
                "longest": int(longest[0]["days"] or 0) if longest else 0})
    return True


async def bring_up_to_date(today: date) -> bool:
    """Build the summary's missing or stale closed months in one write transaction; nothing is
    written when it is up to date (one small query says so). Whether it built."""
    async with db.read_transaction():
        rows = await _run(STATE, {})
    if _stale_from(rows[0] if rows else None, today) is None:
        return False
    async with db.write_transaction():
        return await _build(today)
