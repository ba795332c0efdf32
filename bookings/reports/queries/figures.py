"""The figures more than one report shows, each defined once: its named query, the function
that runs it and, in the function's docstring, what it counts. The dashboard and every report
that shows a figure take it from here, so they cannot disagree; a report's breakdown of a
figure (loans by tool type, new members by sex) selects its rows with the same fragment.

Every query reads the period and the one before it at once ($q0..$p1, see queries.common) and
answers per centre; `total()` adds the centres up (borrowers are people, so the scope's are
counted once by `borrowers()`, never added up).

| figure | shown by |
|---|---|
| loans | the dashboard, usage, donor |
| borrowers | the dashboard, usage, donor (by repair domain) |
| new members | the dashboard, usage, donor |
| collected | the dashboard, money |
| sessions held, attended | the dashboard, donor |"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bookings.reports import loan_summaries, summaries
from bookings.reports.queries.common import ATTENDED_BY_SESSION, Scope, compose, fetch, number

# --- the fragments a figure and its breakdowns select their rows with ---------------------------

# a loan of the period or the one before: a booking that went out of the door (out, returned
# or lost), in the period its first day falls in (a centre's calendar day), at the centre that
# lent it. `b.starts_on >= $p0` tells the period from the one before.
LOANED = "b.status IN {loan} AND b.starts_on BETWEEN $q0 AND $p1{in_centres[b.centre]}"

# a session held in the period or the one before: scheduled (not cancelled) and begun by the
# end of today ($h1, see common.held_values), at its centre. `s.starts_at >= $t0` tells them
# apart.
HELD = ("s.status = 'scheduled' AND s.starts_at >= $s0 AND s.starts_at < $h1"
        "{in_centres[s.centre]}")

# the new members of the period and the one before, one row each: (member, centre, first_day);
# see new_members(). `n.first_day >= $p0` tells the period from the one before. Read from
# report_first_membership, which triggers on membership and member keep equal to RAW_NEW_MEMBERS
# (read instead under summaries.raw(), the reference the equality tests compare with)
NEW_MEMBERS = """
    SELECT f.member, f.centre, f.first_day FROM report_first_membership f
    WHERE f.role = 'member' AND f.first_day BETWEEN $q0 AND $p1{in_centres[f.centre]}"""
RAW_NEW_MEMBERS = """
    SELECT m.id AS member, m.home_centre AS centre, f.first_day
    FROM member m JOIN (SELECT ms.member, MIN(ms.starts_on) AS first_day FROM membership ms
                        GROUP BY ms.member) f ON f.member = m.id
    WHERE m.role = 'member' AND f.first_day BETWEEN $q0 AND $p1
      {in_centres[m.home_centre]}"""

# --- the figures --------------------------------------------------------------------------------

# {loaned}: LOANED
LOANS_BY_CENTRE = """
    SELECT b.centre, SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS current,
      SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous
    FROM booking b WHERE {loaned}
    GROUP BY b.centre"""

# {loaned}: LOANED
BORROWERS_BY_CENTRE = """
    SELECT b.centre, COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS current,
      COUNT(DISTINCT CASE WHEN b.starts_on < $p0 THEN b.member END) AS previous
    FROM booking b WHERE {loaned}
    GROUP BY b.centre"""

# {loaned}: LOANED
BORROWERS = """
    SELECT COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS current,
      COUNT(DISTINCT CASE WHEN b.starts_on < $p0 THEN b.member END) AS previous
    FROM booking b WHERE {loaned}"""

# {new_members}: NEW_MEMBERS
NEW_MEMBERS_BY_CENTRE = """
    SELECT n.centre, SUM(CASE WHEN n.first_day >= $p0 THEN 1 ELSE 0 END) AS current,
      SUM(CASE WHEN n.first_day < $p0 THEN 1 ELSE 0 END) AS previous
    FROM ({new_members}) n GROUP BY n.centre"""

# {ledger}: summaries.LEDGER over the period and the one before
COLLECTED_BY_CENTRE = """
    SELECT e.centre, -SUM(CASE WHEN e.current = 1 THEN e.amount ELSE 0 END) AS current,
      -SUM(CASE WHEN e.current = 0 THEN e.amount ELSE 0 END) AS previous
    FROM ({ledger}) e
    WHERE e.kind IN ('payment', 'refund')
    GROUP BY e.centre"""

# {held}: HELD; {attended_by_session}: common.ATTENDED_BY_SESSION
SESSIONS_BY_CENTRE = """
    SELECT s.centre, CASE WHEN s.starts_at >= $t0 THEN 1 ELSE 0 END AS current,
      COUNT(*) AS sessions, SUM(COALESCE(a.people, 0)) AS attended
    FROM skill_session s LEFT JOIN ({attended_by_session}) a ON a.session = s.id
    WHERE {held}
    GROUP BY 1, 2"""


# the same from the loan summary: {loans} is loan_summaries.loans() by centre
SUMMARY_LOANS_BY_CENTRE = """
    SELECT x.item AS centre, SUM(CASE WHEN x.current = 1 THEN x.loans ELSE 0 END) AS current,
      SUM(CASE WHEN x.current = 0 THEN x.loans ELSE 0 END) AS previous
    FROM ({loans}) x GROUP BY x.item"""


@dataclass(frozen=True)
class Count:
    """A figure in the period and in the one before it."""
    current: int = 0
    previous: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.current + other.current, self.previous + other.previous)


ByCentre = dict[int | None, Count]  # None: members without a home centre


async def _summarised_until(scope: Scope, values: Mapping[str, Any]) -> date:
    """Where the loan summary stops answering (date.min: read the bookings themselves)."""
    if not loan_summaries.usable(scope):
        return date.min
    return await loan_summaries.summarised_until(values["today"])


def total(counts: Mapping[Any, Count]) -> Count:
    """A figure over the scope: its centres added up."""
    return sum(counts.values(), Count())


def loaned(scope: Scope) -> str:
    """LOANED for the scope, to put in a report's own query as its {loaned}."""
    return compose(LOANED, scope)


def held(scope: Scope) -> str:
    """HELD for the scope, to put in a report's own query as its {held}."""
    return compose(HELD, scope)


def new_member_rows(scope: Scope) -> str:
    """NEW_MEMBERS for the scope, to put in a report's own query as its {new_members}."""
    return compose(RAW_NEW_MEMBERS if summaries.reading_raw() else NEW_MEMBERS, scope)


async def loans(scope: Scope, values: Mapping[str, Any]) -> ByCentre:
    """Loans: the bookings that went out of the door (out, returned or lost), each counted in
    the period its first day falls in, at the centre that lent it; a loan that spans two
    periods counts in the one it began in."""
    until = await _summarised_until(scope, values)
    if until > date.min:
        table, table_values = await loan_summaries.loans(
            scope, values["q0"], values["p1"], values["p0"], values["today"], "centre", until)
        rows = await fetch(SUMMARY_LOANS_BY_CENTRE, scope, {**values, **table_values},
                           loans=table)
    else:
        rows = await fetch(LOANS_BY_CENTRE, scope, values, loaned=loaned(scope))
    lent = {r["centre"]: Count(number(r["current"]), number(r["previous"])) for r in rows}
    return {centre: count for centre, count in lent.items() if count != Count()}


async def borrowers_by_centre(scope: Scope, values: Mapping[str, Any]) -> ByCentre:
    """Borrowers per centre: the members with a loan (see loans()) there, each once per centre
    (so the centres' borrowers do not add up: see borrowers())."""
    until = await _summarised_until(scope, values)
    if until > date.min:
        now = await loan_summaries.borrowers(scope, values["p0"], values["p1"], "all", until,
                                             by_centre=True)
        before = await loan_summaries.borrowers(scope, values["q0"], values["q1"], "all",
                                                until, by_centre=True)
        people = {centre: Count(now.get((centre, 0), 0), before.get((centre, 0), 0))
                  for centre, _ in {*now, *before}}
    else:
        people = {r["centre"]: Count(number(r["current"]), number(r["previous"]))
                  for r in await fetch(BORROWERS_BY_CENTRE, scope, values,
                                       loaned=loaned(scope))}
    return {centre: count for centre, count in people.items() if count != Count()}


async def borrowers(scope: Scope, values: Mapping[str, Any]) -> Count:
    """Borrowers over the scope: the members with a loan (see loans()) in the period, each
    once however many loans and centres."""
    until = await _summarised_until(scope, values)
    if until > date.min:
        now = await loan_summaries.borrowers(scope, values["p0"], values["p1"], "all", until)
        before = await loan_summaries.borrowers(scope, values["q0"], values["q1"], "all",
                                                until)
        return Count(sum(now.values()), sum(before.values()))
    rows = await fetch(BORROWERS, scope, values, loaned=loaned(scope))
    return Count(number(rows[0]["current"]), number(rows[0]["previous"])) if rows else Count()


async def new_members(scope: Scope, values: Mapping[str, Any]) -> ByCentre:
    """New members: community members (erased ones included: erasure keeps the statistics)
    whose FIRST membership started in the period (`membership.starts_on`, the centre's day the
    desk started it), counted at their home centre. A member without a home centre counts for
    the network only, under None.

    Why this one: a person becomes a member when the desk has seen their identity document and
    started a membership; that is who donors mean by the people who joined. Not the day the
    account was made: an online sign-up nobody verified cannot borrow, and one closed because
    its phone was reclaimed never was a member; a member registered in one month whose
    membership starts in the next joins in the next. Not a renewal, nor a membership started
    again after one lapsed: they joined once. Staff accounts are not members."""
    rows = await fetch(NEW_MEMBERS_BY_CENTRE, scope, values,
                       new_members=new_member_rows(scope))
    return {r["centre"]: Count(number(r["current"]), number(r["previous"])) for r in rows}


async def collected(scope: Scope, values: Mapping[str, Any]) -> ByCentre:
    """Collected: the money taken (ledger payments, cash or card) less the money paid back
    (refunds), by the instant it was entered on the centre's calendar, at the centre that took
    it, in tetri. Deposits taken are payments too; a reversal nets out its entry."""
    entries, entry_values = await summaries.ledger(scope, values["q0"], values["p1"],
                                                   values["p0"], values["today"])
    rows = await fetch(COLLECTED_BY_CENTRE, scope, {**values, **entry_values}, ledger=entries)
    return {r["centre"]: Count(number(r["current"]), number(r["previous"])) for r in rows}


async def sessions_held(scope: Scope, values: Mapping[str, Any]) -> dict[str, ByCentre]:
    """Sessions held: skills sessions that were not cancelled and began in the period, by the
    end of today (a session later this month is not held yet), at their centre. Attended: the
    places of those sessions taken by members marked as attending; a member at two sessions
    counts twice (the donor report's "session attendees" counts people instead).

    `values` needs held_values() and "yes". {"sessions": by centre, "attended": by centre}."""
    rows = await fetch(SESSIONS_BY_CENTRE, scope, values, held=held(scope),
                       attended_by_session=ATTENDED_BY_SESSION)
    found: dict[str, dict[int | None, Count]] = {"sessions": {}, "attended": {}}
    for row in rows:
        for key in found:
            value = number(row[key])
            part = Count(value, 0) if number(row["current"]) else Count(0, value)
            found[key][row["centre"]] = found[key].get(row["centre"], Count()) + part
    return found
