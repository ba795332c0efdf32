"""The donor indicators: members served (a loan or an attended session) and new members, by
sex, age band, situation and municipality; loans and household savings by repair domain;
sessions by audience with their attendees and certificates. Erased members count: erasure
keeps these fields. Ages are on the period's last day."""

from __future__ import annotations

from datetime import date
from typing import Any

from bookings.reports import loan_summaries
from bookings.reports.queries import figures
from bookings.reports.queries.common import (
    ATTENDED_BY_SESSION,
    Scope,
    compose,
    fetch,
    held_values,
    number,
    period_values,
)
from bookings.reports.rules import (
    AGE_BANDS,
    Chart,
    Column,
    Figure,
    Period,
    Table,
    band_limits,
)
from bookings.tables import AUDIENCES
from rental.kernel import municipalities
from rental.kernel.db import read_transaction
from rental.kernel.i18n import N_
from rental.tables import SEXES, SITUATIONS

DIMENSIONS = ("sex", "age_band", "situation", "municipality")
# a member's municipality: its code, UNRECOGNISED for text typed before the list that matched
# none of its names (rental.kernel.municipalities), '' for none given
UNRECOGNISED = "?"
MUNICIPALITY = (f"CASE WHEN m.municipality <> '' THEN m.municipality "
                f"WHEN m.municipality_text <> '' THEN '{UNRECOGNISED}' ELSE '' END")
# {age_band}: see _age_band
BREAKDOWN = "m.sex, {age_band} AS age_band, m.situation, " + MUNICIPALITY + " AS municipality"
BY_BREAKDOWN = "m.sex, age_band, m.situation, " + MUNICIPALITY

CERTIFIED_BY_SESSION = """
    SELECT c.session, COUNT(*) AS people FROM certificate c
    WHERE c.session IS NOT NULL AND c.revoked_at IS NULL GROUP BY c.session"""

# members with a loan in $first..$last or a session attended in [$start, $end): ids for IN
# (UNION ALL: IN takes each once; sorting out the repeats first cost SQLite 15 ms)
SERVED = """
    SELECT b.member FROM booking b WHERE b.status IN {loan}
      AND b.starts_on BETWEEN $first AND $last{in_centres[b.centre]}
    UNION ALL
    SELECT e.member FROM enrolment e JOIN skill_session s ON s.id = e.session
    WHERE e.status = 'enrolled' AND e.attended = $yes AND s.status = 'scheduled'
      AND s.starts_at >= $start AND s.starts_at < $end{in_centres[s.centre]}"""

# SERVED when loan_summaries.last_loans_cover() answers ($covered): the members whose last loan
# before $covered (report_borrower_last, by its report_borrower_last_day) was in the period,
# and the loans from $covered on; not every loan of the period ($scope: 0 or the one centre)
SERVED_SINCE = """
    SELECT l.member FROM report_borrower_last l
    WHERE l.scope = $scope AND l.level = 'all' AND l.item = 0 AND l.last_day >= $first
    UNION ALL
    SELECT b.member FROM booking b WHERE b.status IN {loan}
      AND b.starts_on BETWEEN $covered AND $last{in_centres[b.centre]}
    UNION ALL
    SELECT e.member FROM enrolment e JOIN skill_session s ON s.id = e.session
    WHERE e.status = 'enrolled' AND e.attended = $yes AND s.status = 'scheduled'
      AND s.starts_at >= $start AND s.starts_at < $end{in_centres[s.centre]}"""

# {held}: figures.HELD, the sessions held in the period and the one before
ATTENDED = """
    SELECT e.member FROM enrolment e JOIN skill_session s ON s.id = e.session
    WHERE e.status = 'enrolled' AND e.attended = $yes AND {held} AND s.starts_at >= $t0"""

CERTIFIED = """
    SELECT c.member FROM certificate c JOIN skill_session s ON s.id = c.session
    WHERE c.revoked_at IS NULL AND {held} AND s.starts_at >= $t0"""

# one row per breakdown with each measure's people; {served}, {attended}, {certified}: the
# queries above; {new_members}: figures.NEW_MEMBERS, whose members before the period
# ('joined_before') are the headline's previous figure (figures.new_members() need not read
# them again). One pass over the members with each set probed, not a pass and a grouping a
# measure: nearly every member is in one of them (SQLite 310 ms against 200)
PEOPLE = """
    SELECT {dims},
      SUM(CASE WHEN m.id IN ({served}) THEN 1 ELSE 0 END) AS served,
      SUM(CASE WHEN n.first_day >= $p0 THEN 1 ELSE 0 END) AS new,
      SUM(CASE WHEN n.first_day < $p0 THEN 1 ELSE 0 END) AS joined_before,
      SUM(CASE WHEN m.id IN ({attended}) THEN 1 ELSE 0 END) AS attended,
      SUM(COALESCE(c.certificates, 0)) AS certificates
    FROM member m
      LEFT JOIN ({new_members}) n ON n.member = m.id
      LEFT JOIN (SELECT c.member, COUNT(*) AS certificates FROM ({certified}) c
                 GROUP BY c.member) c ON c.member = m.id
    GROUP BY {group}"""
MEASURES = ("served", "new", "attended", "certificates")

# {served}: SERVED for the period before
SERVED_BEFORE = """
    SELECT COUNT(*) AS served FROM member m WHERE m.id IN ({served})"""

# {loaned}: figures.LOANED
LOANS_BY_DOMAIN = """
    SELECT c.id, c.name_ka, c.name_en, c.name_ru, c.position,
      SUM(CASE WHEN b.starts_on >= $p0 THEN 1 ELSE 0 END) AS loans,
      COUNT(DISTINCT CASE WHEN b.starts_on >= $p0 THEN b.member END) AS borrowers,
      SUM(CASE WHEN b.starts_on >= $p0 THEN COALESCE(t.saving_per_loan, 0) ELSE 0 END)
        AS savings,
      SUM(CASE WHEN b.starts_on >= $p0 AND t.saving_per_loan IS NULL THEN 1 ELSE 0 END)
        AS without_figure,
      SUM(CASE WHEN b.starts_on < $p0 THEN 1 ELSE 0 END) AS previous_loans,
      SUM(CASE WHEN b.starts_on < $p0 THEN COALESCE(t.saving_per_loan, 0) ELSE 0 END)
        AS previous_savings
    FROM booking b JOIN tool_type t ON t.id = b.tool_type
      JOIN category c ON c.id = t.category
    WHERE {loaned}
    GROUP BY c.id, c.name_ka, c.name_en, c.name_ru, c.position"""

# the same from the loan summary: {loans} is loan_summaries.loans() by tool type over the
# period and the one before (the borrowers: loan_summaries.borrowers() by category); added up
# per tool type first, then joined to its saving and category
SUMMARY_BY_DOMAIN = """
    SELECT c.id, c.name_ka, c.name_en, c.name_ru, c.position,
      SUM(x.loans) AS loans,
      SUM(x.loans * COALESCE(t.saving_per_loan, 0)) AS savings,
      SUM(CASE WHEN t.saving_per_loan IS NULL THEN x.loans ELSE 0 END) AS without_figure,
      SUM(x.previous_loans) AS previous_loans,
      SUM(x.previous_loans * COALESCE(t.saving_per_loan, 0)) AS previous_savings
    FROM (SELECT x.item, SUM(CASE WHEN x.current = 1 THEN x.loans ELSE 0 END) AS loans,
            SUM(CASE WHEN x.current = 0 THEN x.loans ELSE 0 END) AS previous_loans
          FROM ({loans}) x GROUP BY x.item) x
      JOIN tool_type t ON t.id = x.item JOIN category c ON c.id = t.category
    GROUP BY c.id, c.name_ka, c.name_en, c.name_ru, c.position"""

# {held}: figures.HELD
SESSIONS_BY_AUDIENCE = """
    SELECT CASE WHEN s.starts_at >= $t0 THEN 1 ELSE 0 END AS current, s.audience,
      COUNT(*) AS sessions, SUM(s.capacity) AS places, SUM(s.enrolled) AS enrolled,
      SUM(COALESCE(a.people, 0)) AS attended, SUM(COALESCE(k.people, 0)) AS certificates
    FROM skill_session s
      LEFT JOIN ({attended_by_session}) a ON a.session = s.id
      LEFT JOIN ({certified_by_session}) k ON k.session = s.id
    WHERE {held}
    GROUP BY 1, 2"""


def _age_band(on: date) -> tuple[str, dict[str, Any]]:
    """A member's age band on a day, as SQL and the birth dates it binds ($born0 ...)."""
    values, cases = {}, []
    for index, (born_after, band) in enumerate(band_limits(on)):
        values[f"born{index}"] = born_after
        cases.append(f"WHEN m.birth_date > $born{index} THEN '{band}'")
    return (f"CASE WHEN m.birth_date IS NULL THEN 'unknown' {' '.join(cases)} ELSE '65+' END",
            values)


def _municipality_names(key: str) -> dict[str, str]:
    """A breakdown row's names: the municipality's in each language, or what stands for it
    ('Not recognised', 'Not known') in the reader's language."""
    place = municipalities.BY_CODE.get(key)
    names = {f"name_{language}": place.name(language) if place else ""
             for language in municipalities.NAME_LANGUAGES}
    if place is None:
        names["fallback"] = (N_("Not recognised") if key == UNRECOGNISED
                             else key if key else "unknown")
    return names


async def _domains(scope: Scope, v: dict[str, Any]) -> list[dict[str, Any]]:
    """Loans, borrowers and savings by repair domain: from the loan summary for the whole closed
    months and the bookings for the other days, or from the bookings alone."""
    until = (await loan_summaries.summarised_until(v["today"])
             if loan_summaries.usable(scope) else date.min)
    if until == date.min:
        return await fetch(LOANS_BY_DOMAIN, scope, v, loaned=figures.loaned(scope))
    table, values = await loan_summaries.loans(scope, v["q0"], v["p1"], v["p0"], v["today"],
                                               "tool_type", until)
    rows = await fetch(SUMMARY_BY_DOMAIN, scope, {**v, **values}, loans=table)
    people = await loan_summaries.borrowers(scope, v["p0"], v["p1"], "category", until)
    by_category = {item: count for (_, item), count in people.items()}
    return [{**row, "borrowers": by_category.get(row["id"], 0)} for row in rows]


async def donor(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    """Members served (a loan or an attended session) and new members, by sex, age band,
    situation and municipality; loans and household savings by repair domain; sessions by
    audience and their attendees and certificates by the same breakdowns. Erased members
    count: erasure keeps these fields. Ages are on the period's last day."""
    v = period_values(scope, period, today)
    v["yes"] = True
    v.update(held_values(v, scope, today))
    band, born = _age_band(period.ends)
    served = compose(SERVED, scope)
    served_now = {"first": v["p0"], "last": v["p1"], "start": v["t0"], "end": v["h1"]}
    served_before = {"first": v["q0"], "last": v["q1"], "start": v["s0"], "end": v["g1"]}
    held = figures.held(scope)
    async with read_transaction():
        covered = await loan_summaries.last_loans_cover(scope, v["p0"], v["p1"], today)
        if covered is not None:  # each member's last loan, not each loan of the period
            served_now.update(covered=covered, scope=scope.centres[0] if scope.centres else 0)
        people = await fetch(PEOPLE, scope, {**v, **born, **served_now},
                             dims=BREAKDOWN.format(age_band=band), group=BY_BREAKDOWN,
                             served=served if covered is None else compose(SERVED_SINCE, scope),
                             attended=ATTENDED.format(held=held),
                             certified=CERTIFIED.format(held=held),
                             new_members=figures.new_member_rows(scope))
        before = await fetch(SERVED_BEFORE, scope, {**v, **served_before}, served=served)
        domains = await _domains(scope, v)
        sessions = await fetch(SESSIONS_BY_AUDIENCE, scope, v, held=held,
                               attended_by_session=ATTENDED_BY_SESSION,
                               certified_by_session=CERTIFIED_BY_SESSION)
        lent = figures.total(await figures.loans(scope, v))
        sessions_held = await figures.sessions_held(scope, v)

    # the new members before the period: only their number, for the headline
    joined_before = sum(number(row["joined_before"]) for row in people)
    breakdowns: dict[str, dict[str, dict[str, int]]] = {d: {} for d in DIMENSIONS}
    for row in people:
        if not any(number(row[measure]) for measure in MEASURES):
            continue  # a breakdown's value shows when someone it counts has it
        for dimension in DIMENSIONS:
            cell = breakdowns[dimension].setdefault(row[dimension] or "", dict.fromkeys(
                MEASURES, 0))
            for measure in MEASURES:
                cell[measure] += number(row[measure])
    totals = {measure: sum(cell[measure] for cell in breakdowns["sex"].values())
              for measure in MEASURES}
    order = {"sex": SEXES, "age_band": AGE_BANDS, "situation": SITUATIONS}
    people_columns = [Column("served", N_("Members served"), "people"),
                      Column("new", N_("New members"), "people"),
                      Column("attended", N_("Session attendees"), "people"),
                      Column("certificates", N_("Certificates"), "people")]
    tables = []
    for dimension, title, heading in (
            ("sex", N_("By sex"), N_("Sex")), ("age_band", N_("By age band"), N_("Age band")),
            ("situation", N_("By situation"), N_("Situation")),
            ("municipality", N_("By municipality"), N_("Municipality"))):
        cells = breakdowns[dimension]
        if dimension == "municipality":  # named in the reader's language, in the list's order
            keys = municipalities.ordered([k for k in cells if k not in (UNRECOGNISED, "")])
            keys += [k for k in (UNRECOGNISED, "") if k in cells]
            rows = [{"value": k or "—", **_municipality_names(k), **cells[k]} for k in keys]
            tables.append(Table("by_municipality", title, [Column("value", heading, "name"),
                                                           *people_columns],
                                rows, total={"value": N_("Total"), **totals},
                                note=N_("“Not recognised”: the municipality was typed before "
                                        "the list and matches none of its names; the Members "
                                        "page lists these members, to choose it for each.")
                                if UNRECOGNISED in cells else None))
            continue
        keys = [k for k in order.get(dimension, ()) if k in cells] or sorted(cells)
        keys += sorted(k for k in cells if k not in keys)
        tables.append(Table(f"by_{dimension}", title, [Column("value", heading, "choice"),
                                                       *people_columns],
                            [{"value": k or "—", **cells[k]} for k in keys],
                            total={"value": N_("Total"), **totals}))

    domain_rows = sorted(({**row, **{k: number(row[k]) for k in (
        "loans", "borrowers", "savings", "without_figure", "previous_loans",
        "previous_savings")}} for row in domains), key=lambda r: (r["position"], r["name_en"]))
    previous_savings = sum(row["previous_savings"] for row in domain_rows)
    domain_rows = [row for row in domain_rows if row["loans"]]
    loans = sum(row["loans"] for row in domain_rows)
    savings = sum(row["savings"] for row in domain_rows)
    tables.insert(0, Table(
        "by_domain", N_("Loans by repair domain"),
        [Column("name", N_("Repair domain"), "name"), Column("loans", N_("Loans")),
         Column("borrowers", N_("Borrowers"), "people"),
         Column("savings", N_("Estimated household savings"), "money")],
        domain_rows, total={"name": N_("Total"), "loans": loans, "savings": savings},
        note=N_("Savings are each loan times its tool type's saving per loan; loans of tool "
                "types without that figure count as nothing.")))

    audience_rows = {a: {"audience": a, "sessions": 0, "places": 0, "enrolled": 0,
                         "attended": 0, "certificates": 0} for a in AUDIENCES}
    previous_sessions = {"sessions": 0, "attended": 0, "certificates": 0}
    for row in sessions:
        target = audience_rows[row["audience"]] if number(row["current"]) else previous_sessions
        for key in target:
            if key != "audience":
                target[key] += number(row[key])
    session_rows = [row for row in audience_rows.values() if row["sessions"]]
    session_total = {k: sum(r[k] for r in session_rows) for k in (
        "sessions", "places", "enrolled", "attended", "certificates")}
    tables.insert(1, Table(
        "sessions", N_("Skills sessions held by audience"),
        [Column("audience", N_("For"), "choice"), Column("sessions", N_("Sessions held")),
         Column("places", N_("Places offered")), Column("enrolled", N_("Enrolled"), "people"),
         Column("attended", N_("Attended"), "people"),
         Column("certificates", N_("Certificates issued"), "people")],
        session_rows, total={"audience": N_("Total"), **session_total}))

    prior = before[0] if before else {}
    held_total = figures.total(sessions_held["sessions"])
    attended_total = figures.total(sessions_held["attended"])
    headline = [
        Figure("served", N_("Members served"), totals["served"], number(prior.get("served")),
               "people"),
        Figure("new", N_("New members"), totals["new"], joined_before, "people"),
        Figure("loans", N_("Loans"), lent.current, lent.previous),
        Figure("sessions", N_("Sessions held"), held_total.current, held_total.previous),
        Figure("attended", N_("Attended"), attended_total.current, attended_total.previous),
        Figure("certificates", N_("Certificates issued"), session_total["certificates"],
               previous_sessions["certificates"]),
        Figure("savings", N_("Estimated household savings"), savings, previous_savings,
               "money"),
    ]
    charts = [
        Chart(N_("Loans by repair domain"), [(row, row["loans"]) for row in domain_rows],
              style="bars"),
        Chart(N_("Members served by situation"),
              [(row["value"], row["served"]) for row in tables[4].rows], "people", "bars"),
    ]
    return {"headline": headline, "tables": tables, "charts": charts}
