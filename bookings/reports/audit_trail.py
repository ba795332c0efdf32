"""The audit trail as staff read it: the audit log searched by member, unit, staff member,
action, centre and days, a page at a time or as a CSV file.

Desk staff see the rows of their centres; coordinators and admins see every row, also those
that belong to no centre (logins, a member's own changes). A row about a member's booking,
enrolment, waitlist entry, receipt or ledger entry is found by the member; a row about a unit's
booking or repair ticket by the unit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from bookings.reports.audit_rules import (
    ACTIONS,
    EXPORT_ROWS,
    PER_PAGE,
    Search,
    action_label,
    changes,
    entity_label,
    field_label,
    parse_search,
)
from bookings.tables import Booking
from inventory.tables import ToolType, Unit
from rental.kernel import csvfile, db, i18n
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.values import calendar_day
from rental.kernel.web import choice_label
from rental.ledger import local_day_bounds
from rental.member_rules import card_number
from rental.tables import Centre, Member, StaffCentre

CHOICE_FIELDS = frozenset({"status", "kind", "method", "condition", "channel", "role"})
_ROWS = """
SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.centre, a.before, a.after,
       a.actor, p.name AS actor_name
FROM audit_log a LEFT JOIN member p ON p.id = a.actor
WHERE a.at >= $starts AND a.at < $ends{where}
ORDER BY a.at DESC, a.id DESC
LIMIT $limit OFFSET $offset"""

_ABOUT_MEMBER = """ AND ((a.entity = 'member' AND a.entity_id = $member)
  OR (a.entity = 'booking' AND a.entity_id IN (SELECT id FROM booking WHERE member = $member))
  OR (a.entity = 'enrolment' AND a.entity_id IN
        (SELECT id FROM enrolment WHERE member = $member))
  OR (a.entity = 'waitlist_entry' AND a.entity_id IN
        (SELECT id FROM waitlist_entry WHERE member = $member))
  OR (a.entity = 'receipt' AND a.entity_id IN (SELECT id FROM receipt WHERE member = $member))
  OR (a.entity = 'notification' AND a.entity_id IN
        (SELECT id FROM notification WHERE member = $member))
  OR (a.entity = 'ledger_entry' AND {ledger_member} = $member))"""

_ABOUT_UNIT = """ AND ((a.entity = 'unit' AND a.entity_id = $unit)
  OR (a.entity = 'booking' AND a.entity_id IN (SELECT id FROM booking WHERE unit = $unit))
  OR (a.entity = 'maintenance_ticket' AND a.entity_id IN
        (SELECT id FROM maintenance_ticket WHERE unit = $unit)))"""


class AuditSearchError(DomainError):
    """The visitor asked for a centre they do not work at."""


def _ledger_member() -> str:
    # a ledger line's row names its member in `after` (it is written before the line has an id)
    if db.is_postgres():
        return "CAST(a.after::jsonb ->> 'member' AS INTEGER)"
    return "CAST(json_extract(a.after, '$.member') AS INTEGER)"


async def _member_id(search: Search) -> int:
    """The member a card number or a phone names (0 when nobody has it)."""
    if search.member_id is not None:
        return search.member_id
    found = await Member.select(Member.id).where(Member.phone == search.member_phone).first()
    return found["id"] if found else 0


def _moment(value: Any) -> datetime:
    """A timestamp from a raw row: SQLite hands back its stored text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _decoded(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        value = json.loads(value) if value else None
    return value if isinstance(value, dict) else None


async def _search(visitor: CurrentUser, search: Search, centres: list[dict[str, Any]],
                  *, limit: int, offset: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    where, values, errors = "", {"limit": limit, "offset": offset}, {}
    zone = next((c["timezone"] for c in centres if c["id"] == search.centre),
                centres[0]["timezone"] if centres else "Asia/Tbilisi")
    assert search.starts is not None and search.ends is not None
    values["starts"] = local_day_bounds(search.starts, zone)[0]
    values["ends"] = local_day_bounds(search.ends, zone)[1]
    if search.centre is not None:
        if not any(c["id"] == search.centre for c in centres):
            errors["centre"] = N_("There is no such centre.")
        elif not visitor.can_act_for(search.centre):
            raise AuditSearchError("forbidden", {"centre": N_(
                "You do not have access to this page.")})
        where += " AND a.centre = $centre"
        values["centre"] = search.centre
    elif not visitor.all_centres:
        where += " AND a.centre IN $mine"
        values["mine"] = sorted(visitor.centre_ids) or [-1]
    if search.member_id is not None or search.member_phone:
        values["member"] = await _member_id(search)
        where += _ABOUT_MEMBER.format(ledger_member=_ledger_member())
    if search.unit:
        unit = await Unit.select(Unit.id).where(Unit.asset_tag == search.unit.upper()).first()
        if unit is None:
            errors["unit"] = N_("There is no unit with this tag.")
        values["unit"] = unit["id"] if unit else 0
        where += _ABOUT_UNIT
    if search.actor is not None:
        where += " AND a.actor = $actor"
        values["actor"] = search.actor
    if search.action is not None:
        where += " AND a.action = $action"
        values["action"] = search.action
    if errors:
        return [], errors
    sql, params = db.bind_named(_ROWS.format(where=where), values)
    return await Booking.raw(sql, *params), {}


async def _names(rows: list[dict[str, Any]]) -> dict[str, dict[int, str]]:
    """The units' tags and the tool types' names the rows' fields name by id (two queries)."""
    wanted: dict[str, set[int]] = {"unit": set(), "tool_type": set()}
    for row in rows:
        for side in (_decoded(row["before"]) or {}, _decoded(row["after"]) or {}):
            for key, ids in wanted.items():
                if isinstance(side.get(key), int):
                    ids.add(side[key])
        if row["entity"] in wanted and row["entity_id"] is not None:
            wanted[row["entity"]].add(row["entity_id"])
    units = await Unit.select(Unit.id, Unit.asset_tag).where(
        Unit.id.is_in(sorted(wanted["unit"]))) if wanted["unit"] else []
    types = await ToolType.select(ToolType.id, ToolType.name_ka, ToolType.name_en,
                                  ToolType.name_ru).where(
        ToolType.id.is_in(sorted(wanted["tool_type"]))) if wanted["tool_type"] else []
    return {"unit": {u["id"]: u["asset_tag"] for u in units},
            "tool_type": {t["id"]: i18n.localized(t, "name") for t in types},
            "member": {}}


def _shown(row: dict[str, Any], centres: dict[int, dict[str, Any]], default_zone: str,
           names: dict[str, dict[int, str]]) -> dict[str, Any]:
    centre = centres.get(row["centre"])
    zone = centre["timezone"] if centre else default_zone
    at = _moment(row["at"])
    return {
        "id": row["id"], "at": at, "when": i18n.format_datetime(at, zone),
        "actor": row["actor"], "actor_name": row["actor_name"] or "",
        "action": row["action"], "what": i18n.gettext(action_label(row["action"])),
        "entity": row["entity"], "entity_id": row["entity_id"],
        "record": i18n.gettext(entity_label(row["entity"])),
        "link": _link(row["entity"], row["entity_id"]),
        "centre_name": i18n.localized(centre, "name") if centre else "",
        "named": names.get(row["entity"], {}).get(row["entity_id"] or 0, ""),
        "changes": [{"field": i18n.gettext(field_label(key)), "key": key,
                     "before": _value(key, old, money, names),
                     "after": _value(key, new, money, names)}
                    for key, old, new, money in changes(_decoded(row["before"]),
                                                        _decoded(row["after"]))],
    }


def _link(entity: str, entity_id: int | None) -> str | None:
    if entity_id is None:
        return None
    return {"member": f"/members/{entity_id}", "unit": f"/units/{entity_id}"}.get(entity)


def _value(key: str, value: Any, money: bool, names: dict[str, dict[int, str]]) -> str:
    """A field's value as the reader reads it: money, a card number, a unit's tag, a tool
    type's name, a day, a stored choice in their language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n.gettext(N_("yes") if value else N_("no"))
    if isinstance(value, int):
        if money:
            return i18n.format_money(value)
        if key == "member":
            return card_number(value)
        if key in names and value in names[key]:
            return names[key][value]
        return str(value)
    if isinstance(value, str) and key in CHOICE_FIELDS:
        return choice_label(value)
    if isinstance(value, str) and (day := calendar_day(value)) is not None and len(value) == 10:
        return i18n.format_date(day)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


async def _staff_choices(visitor: CurrentUser) -> list[tuple[str, str]]:
    """The people whose actions the visitor may look for: the staff of their centres (all
    staff for coordinators), coordinators and admins."""
    rows = await Member.select(Member.id, Member.name, Member.role).where(
        Member.role.is_in(["staff", "coordinator", "admin"]) & Member.erased_at.is_null()
    ).order_by(Member.name)
    if not visitor.all_centres:
        colleagues = {r["member"] for r in await StaffCentre.select(StaffCentre.member).where(
            StaffCentre.centre.is_in(sorted(visitor.centre_ids) or [-1]))}
        rows = [r for r in rows if r["role"] != "staff" or r["id"] in colleagues]
    return [(str(r["id"]), r["name"]) for r in rows]


async def audit_page(visitor: CurrentUser, params: dict[str, str], *, today: date,
                     default_zone: str) -> dict[str, Any]:
    """One page of the search, newest first, with the choices its form offers."""
    search, errors = parse_search(params, today)
    async with db.read_transaction():
        centres = await Centre.select(Centre.id, Centre.name_ka, Centre.name_en, Centre.name_ru,
                                      Centre.timezone).order_by(Centre.id)
        rows, found_errors = ([], {}) if errors else await _search(
            visitor, search, centres, limit=PER_PAGE + 1, offset=(search.page - 1) * PER_PAGE)
        rows = rows[:PER_PAGE + 1]
        names = await _names(rows[:PER_PAGE])
        staff = await _staff_choices(visitor)
    errors.update(found_errors)
    by_id = {c["id"]: c for c in centres}
    query = {key: params.get(key, "") for key in
             ("member", "unit", "actor", "action", "from", "to", "centre")}
    return {
        "search": search, "errors": errors, "params": query,
        "rows": [_shown(row, by_id, default_zone, names) for row in rows[:PER_PAGE]],
        "page": search.page, "has_next": len(rows) > PER_PAGE,
        "previous_query": urlencode({**query, "page": search.page - 1}),
        "next_query": urlencode({**query, "page": search.page + 1}),
        "export_query": urlencode(query),
        "actions": sorted(((key, i18n.gettext(label)) for key, label in ACTIONS.items()),
                          key=lambda item: item[1]),
        "staff": staff,
        "centre_options": [(str(c["id"]), i18n.localized(c, "name")) for c in centres
                           if visitor.can_act_for(c["id"])],
        "card_number": card_number,
    }


CSV_COLUMNS = (N_("When"), N_("Who"), N_("What"), N_("Record"), N_("Centre"), N_("Field"),
               N_("Before"), N_("After"))


async def audit_csv(visitor: CurrentUser, params: dict[str, str], *, today: date,
                    default_zone: str) -> bytes | None:
    """The search's rows as CSV (a line per changed field), at most EXPORT_ROWS rows; None
    when the search has errors."""
    search, errors = parse_search(params, today)
    if errors:
        return None
    async with db.read_transaction():
        centres = await Centre.select(Centre.id, Centre.name_ka, Centre.name_en, Centre.name_ru,
                                      Centre.timezone).order_by(Centre.id)
        rows, errors = await _search(visitor, search, centres, limit=EXPORT_ROWS, offset=0)
        names = await _names(rows)
    if errors:
        return None
    by_id = {c["id"]: c for c in centres}
    headings = [i18n.gettext(column) for column in CSV_COLUMNS]
    lines = []
    for row in rows:
        shown = _shown(row, by_id, default_zone, names)
        record = f"{shown['record']} {shown['named'] or shown['entity_id'] or ''}".strip()
        for change in shown["changes"] or [{"field": "", "before": "", "after": ""}]:
            lines.append(dict(zip(headings, (
                shown["when"], shown["actor_name"], shown["what"], record,
                shown["centre_name"], change["field"], change["before"], change["after"]),
                strict=True)))
    # what people typed (notes, reasons) is in it: no cell may become a formula
    return csvfile.to_csv(headings, lines)
