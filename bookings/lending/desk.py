"""The front desk: find a member, fill a basket by scanning labels, check it out in one
transaction with its fees, deposit and payment; check in, renew, overdue loans, lost units,
receipts and a member's account.

Each page's data comes from one function that reads in one transaction (`desk_page`,
`receipt_page`, `account_page`, `overdue`). Each public function that writes owns one
transaction and takes `today` (the centre's date) and `now` (UTC). A loan is a booking with
status `out`, so "one open loan per unit" is the booking invariant: PostgreSQL's exclusion
constraint refuses a second one; on SQLite the write transaction starts with BEGIN IMMEDIATE,
so the check and the write cannot interleave."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Sum

from bookings.lending import availability, reservations
from bookings.lending.reservations import BookingError, lost_to_another_request
from bookings.lending.rules import (
    DAY_LIST_ROWS,
    DAY_LISTS,
    NO_RETURN_DAY,
    MemberStanding,
    PeriodLimits,
    Verdict,
    check_out_payment_problems,
    default_return_day,
    free_units,
    member_blocks,
    overlaps,
    period_problems,
    scan_verdict,
)
from bookings.sessions.services import certified_skills, member_certificates
from bookings.tables import (
    ACTIVE_STATUSES,
    DEFAULT_POLICY,
    NEEDS_REPAIR,
    RETURN_CONDITIONS,
    Booking,
    BookingPolicy,
    DeskBasketLine,
    DeskReturnLine,
    WaitlistEntry,
)
from inventory import kits, part_rules
from inventory import services as inventory
from inventory.rules import is_lendable, normalise_asset_tag
from inventory.tables import Unit
from inventory.transfer_rules import OPEN_STATUSES
from rental import audit, ledger, members, notifications, outbox
from rental.fees import Quote, days_late, extension_quote, late_fee, refund_due, rental_quote
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.i18n import N_, Day, Names, Plural, TimeOfDay, message_id
from rental.kernel.identity import CurrentUser
from rental.kernel.values import calendar_day
from rental.member_rules import membership_state, parse_card_number
from rental.tables import (
    PAYMENT_METHODS,
    AuditLog,
    Centre,
    LedgerEntry,
    Member,
    Receipt,
)

MAX_BASKET = 20
PAY_METHODS = (*PAYMENT_METHODS, "waiver")  # a waiver: coordinators only


class DeskError(BookingError):
    """Like a booking error; `errors` may name a scanned tag under "scan"."""


def desk_centres(user: CurrentUser) -> frozenset[int] | None:
    """The centres whose loans a user handles at the desk; None: every centre."""
    return None if user.all_centres else user.centre_ids


# --- finding the member -----------------------------------------------------------------------


async def find_members(query: str) -> list[dict[str, Any]]:
    """By card number (M00042), name, phone digits or identity document number."""
    member_id = parse_card_number(query)
    if member_id is not None:
        row = await members.member_row(member_id)
        return [row] if row else []
    return await members.search(query)


# The member, their membership and concession, their loans out and their balance: what the
# desk's standing needs, in one statement (a membership or concession `.first()` would pick).
_STANDING_SQL = """
SELECT m.id, m.name, m.phone, m.status, m.role, m.language,
       ms.status AS membership_status, ms.ends_on AS membership_ends_on, mt.max_tools_out,
       mc.category AS concession, cc.discount_percent, cc.funder_ka, cc.funder_en,
       cc.funder_ru,
       (SELECT COUNT(*) FROM booking b WHERE b.member = m.id AND b.status = 'out') AS tools_out,
       (SELECT COUNT(*) FROM booking b WHERE b.member = m.id AND b.status = 'out'
          AND b.ends_on < {}) AS overdue,
       (SELECT SUM(e.amount) FROM ledger_entry e WHERE e.member = m.id) AS balance
FROM member m
LEFT JOIN membership ms ON ms.member = m.id AND ms.status != 'closed'
LEFT JOIN membership_type mt ON mt.id = ms.membership_type
LEFT JOIN member_concession mc ON mc.member = m.id AND mc.revoked_at IS NULL
     AND mc.expires_on >= {}
LEFT JOIN concession_category cc ON cc.id = mc.category
WHERE m.id = {}
LIMIT 1"""


async def _standing(member_id: int, today: date, policy: dict[str, int]) -> tuple[
        dict[str, Any], MemberStanding, int]:
    """The member, their standing at the desk and their concession discount (one query)."""
    rows = await Member.raw(_STANDING_SQL, today, today, member_id)
    if not rows or rows[0]["status"] == "erased":
        raise DeskError("not_found", {"member": N_("There is no such member.")})
    row = rows[0]
    member = {key: row[key] for key in ("id", "name", "phone", "status", "role", "language")}
    has_membership = row["membership_status"] is not None
    standing = MemberStanding(
        status=member["status"],
        membership=membership_state(row["membership_status"],
                                    _day(row["membership_ends_on"]), today)
        if has_membership else None,
        balance=int(row["balance"] or 0),
        balance_limit=policy["balance_limit"],
        overdue=int(row["overdue"]),
        tools_out=int(row["tools_out"]),
        max_tools_out=row["max_tools_out"] if has_membership else None,
    )
    concession = row["concession"] is not None
    member["discount_percent"] = row["discount_percent"] if concession else 0
    # the ledger records the funder's Georgian name; pages show localized(member, "funder")
    for key in ("funder_ka", "funder_en", "funder_ru"):
        member[key] = row[key] if concession else ""
    member["funder"] = member["funder_ka"]
    member["concession"] = row["concession"]
    return member, standing, member["discount_percent"]


def _day(value: Any) -> date | None:
    """A date column as a date (raw SQL on SQLite may give its ISO text)."""
    return value if isinstance(value, date) or value is None else date.fromisoformat(value)


def _standing_of(member: dict[str, Any], membership: dict[str, Any] | None,
                 out_until: list[date], balance: int, policy: dict[str, int],
                 today: date) -> MemberStanding:
    """`out_until`: the return days of the member's loans that are out."""
    return MemberStanding(
        status=member["status"],
        membership=membership_state(membership["status"], membership["ends_on"], today)
        if membership else None,
        balance=balance,
        balance_limit=policy["balance_limit"],
        overdue=sum(1 for day in out_until if day < today),
        tools_out=len(out_until),
        max_tools_out=membership["max_tools_out"] if membership else None,
    )


@functools.cache  # a joined, aliased column costs Piccolo deep copies to build: build it once
def _loan_columns() -> tuple[Any, ...]:
    return (
        *Booking.all_columns(),
        *reservations.tool_type_and_centre_names(Booking),
        Booking.unit.asset_tag.as_alias("asset_tag"),
        Booking.tool_type.daily_fee.as_alias("daily_fee"),
        Booking.member.name.as_alias("member_name"),
        Booking.member.phone.as_alias("member_phone"),
    )


@functools.cache
def _unit_columns() -> tuple[Any, ...]:
    """What the basket needs of a scanned unit and its tool type."""
    return (
        Unit.id, Unit.asset_tag, Unit.tool_type, Unit.centre, Unit.status,
        Unit.last_inspected_on, Unit.last_inspection_result,
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
        Unit.tool_type.required_skill.as_alias("required_skill"),
        Unit.tool_type.daily_fee.as_alias("daily_fee"),
        Unit.tool_type.deposit.as_alias("deposit"),
        Unit.tool_type.max_loan_days.as_alias("max_loan_days"),
        Unit.tool_type.name_ka.as_alias("name_ka"), Unit.tool_type.name_en.as_alias("name_en"),
        Unit.tool_type.name_ru.as_alias("name_ru"),
        Unit.tool_type.safety_notes_ka.as_alias("safety_notes_ka"),
        Unit.tool_type.safety_notes_en.as_alias("safety_notes_en"),
        Unit.tool_type.safety_notes_ru.as_alias("safety_notes_ru"),
        Unit.tool_type.manual_url.as_alias("manual_url"),
    )


async def member_panel(member_id: int, centre_id: int, today: date) -> dict[str, Any]:
    """What the desk sees about a member: standing and warnings, tools out (with any late fee
    so far), reservations ready for pick-up here, and the balance."""
    panel = await _panel(member_id, centre_id, today)
    if panel is None:
        raise DeskError("not_found", {"member": N_("There is no such member.")})
    return panel


async def _panel(member_id: int, centre_id: int, today: date) -> dict[str, Any] | None:
    async with read_transaction():
        policy = await ledger.fee_policy(centre_id)
        try:
            card = await members.card(member_id, today=today)
        except members.NotFound:
            card = None
        if card is None or card.member["status"] == "erased":
            return None
        loans = await Booking.select(*_loan_columns()).where(
            (Booking.member == member_id) & Booking.status.is_in(["reserved", "out"])
        ).order_by(Booking.ends_on)
        balance = await ledger.balance(member_id)
        certificates = await member_certificates(member_id, today)
    out = [loan for loan in loans if loan["status"] == "out"]
    for loan in out:
        loan["late_fee"] = _late_fee(loan["ends_on"], today, policy)
        loan["days_late"] = days_late(loan["ends_on"], today)
    standing = _standing_of(card.member, card.membership, [loan["ends_on"] for loan in out],
                            balance, policy, today)
    hard, soft = member_blocks(standing)
    return {
        "member": card.member, "card": card, "standing": standing, "hard": hard, "soft": soft,
        "over_limit": standing.balance > standing.balance_limit,  # a renewal needs a reason
        "certificates": [c for c in certificates if c["valid"]],
        "out": out,
        "ready": [loan for loan in loans if loan["status"] == "reserved"
                  and loan["centre"] == centre_id and loan["starts_on"] <= today],
    }


def _late_fee(due_on: date, today: date, policy: dict[str, int]) -> int:
    return late_fee(due_on, today, per_day=policy["late_fee_per_day"],
                    grace_days=policy["late_grace_days"], cap=policy["late_fee_cap"])


# --- the basket -------------------------------------------------------------------------------


@dataclass
class Line:
    tag: str
    unit: dict[str, Any] | None
    verdict: Verdict
    quote: Quote | None = None
    return_on: date | None = None  # the line's own return day, as the desk set it


@dataclass
class Basket:
    member: dict[str, Any]
    standing: MemberStanding
    lines: list[Line]
    return_on: date | None
    errors: dict[str, Any] = field(default_factory=dict)
    hard: list[Any] = field(default_factory=list)
    soft: list[Any] = field(default_factory=list)
    rejected: str = ""  # the tag just scanned and refused (not added); its reason: errors["scan"]

    @property
    def lendable(self) -> list[Line]:
        return [line for line in self.lines if line.verdict.kind != "refused"]

    @property
    def fee(self) -> int:
        return sum(line.quote.fee for line in self.lendable if line.quote)

    @property
    def waived(self) -> int:
        return sum(line.quote.waived for line in self.lendable if line.quote)

    @property
    def deposit(self) -> int:
        return sum(line.quote.deposit for line in self.lendable if line.quote)

    @property
    def due(self) -> int:
        """What the member should pay now: this basket and what they owed before, less what
        the centre owes them (never below zero)."""
        return max(0, self.fee + self.deposit + self.standing.balance)


def clean_tags(tags: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Normalised tags in scan order; a tag scanned twice is reported, kept once."""
    seen: list[str] = []
    errors: dict[str, Any] = {}
    for raw in tags:
        tag = normalise_asset_tag(raw or "")
        if not raw or not raw.strip():
            continue
        if tag is None:
            errors["scan"] = (N_("“%(tag)s” is not an asset tag."), {"tag": raw.strip()[:20]})
        elif tag in seen:
            errors["scan"] = (N_("%(tag)s is in the basket already."), {"tag": tag})
        else:
            seen.append(tag)
    if len(seen) > MAX_BASKET:
        errors["scan"] = Plural("At most %(num)s unit at once.", "At most %(num)s units at once.",
                                MAX_BASKET)
        seen = seen[:MAX_BASKET]
    return seen, errors


async def _basket(member_id: int, centre: dict[str, Any], tags: list[str],
                  return_on: date | None, today: date, *, lock: bool = False,
                  ends: dict[str, date | None] | None = None) -> Basket:
    """Evaluate every scanned unit for this member (a fixed number of queries). A walk-in comes
    back on its line's own day (`ends`, by tag), else on `return_on`."""
    ends = ends or {}
    policy = await ledger.fee_policy(centre["id"])
    member, standing, discount = await _standing(member_id, today, policy)
    query = Unit.select(*_unit_columns()).where(
        Unit.asset_tag.is_in(tags or ["-"])).order_by(Unit.asset_tag)
    if lock and is_postgres():  # in tag order, as bookings lock them: no deadlock between us
        query = query.lock_rows(of=(Unit,))
    units = {row["asset_tag"]: row for row in await query}
    moving = {row["unit"] for row in await availability.on_the_road()}  # between centres
    for row in units.values():
        if row["id"] in moving:  # not lendable until received (bookings.lending.transfers)
            row["status"] = "in_transit"
    ids = [row["id"] for row in units.values()] or [-1]
    holds = await Booking.select(Booking.id, Booking.unit, Booking.member, Booking.status,
                                 Booking.centre, Booking.starts_on, Booking.ends_on).where(
        Booking.unit.is_in(ids) & (
            (Booking.status == "out")  # an overdue loan is still out
            | ((Booking.status == "reserved") & (Booking.ends_on >= today))))
    ready = await Booking.select(Booking.id, Booking.tool_type, Booking.unit, Booking.starts_on,
                                 Booking.ends_on).where(
        (Booking.member == member_id) & (Booking.centre == centre["id"])
        & (Booking.status == "reserved") & (Booking.starts_on <= today)
        & (Booking.ends_on >= today)).order_by(Booking.starts_on)
    certified = await certified_skills(member_id, today)
    lines: list[Line] = []
    claimed: set[int] = set()  # a reservation is picked up once, whatever is scanned
    for tag in tags:
        unit = units.get(tag)
        line_return_on = ends.get(tag, return_on)
        through = line_return_on or today
        verdict = scan_verdict(
            unit, centre_id=centre["id"], member_id=member_id, today=today,
            return_on=line_return_on,
            lendable=bool(unit) and is_lendable(unit["status"], unit["last_inspected_on"],
                                                unit["interval_days"], through,
                                                unit["last_inspection_result"]),
            # a reservation already taken by another scanned unit no longer holds this one
            holds=[h for h in holds if unit and h["unit"] == unit["id"]
                   and h["id"] not in claimed],
            reservations=[r for r in ready if r["id"] not in claimed], certified=certified,
        )
        if verdict.kind == "walk_in":
            problems = period_problems(today, verdict.ends_on, PeriodLimits(
                today=today, horizon_days=0, max_loan_days=unit["max_loan_days"],
                opening_days=centre["opening_days"]))
            if problems:
                verdict = Verdict("refused", problems.get("ends_on") or problems["starts_on"])
        quote = None
        if verdict.kind != "refused":
            claimed.add(verdict.booking or 0)
            quote = rental_quote(unit["daily_fee"], unit["deposit"], today, verdict.ends_on,
                                 discount)
        lines.append(Line(tag, unit, verdict, quote, line_return_on))
    await _keep_offers_held(lines, member_id, centre, today)
    basket = Basket(member, standing, lines, return_on)
    basket.hard, basket.soft = member_blocks(standing, adding=len(basket.lendable))
    return basket


async def _keep_offers_held(lines: list[Line], member_id: int, centre: dict[str, Any],
                            today: date) -> None:
    """A walk-in may not take the unit a waitlist offer holds for another member: such lines
    are refused. One query, and two more a tool type only when offers are open."""
    walk_ins = [line for line in lines if line.verdict.kind == "walk_in"]
    last = max((line.verdict.ends_on for line in walk_ins), default=today)
    centre_id = centre["id"]
    offers = await WaitlistEntry.select(  # also for no walk-in: the same queries every time
        WaitlistEntry.tool_type, WaitlistEntry.starts_on, WaitlistEntry.ends_on,
        WaitlistEntry.offer_expires_at).where(
        WaitlistEntry.tool_type.is_in(list({line.unit["tool_type"] for line in walk_ins}) or [-1])
        & (WaitlistEntry.centre == centre_id) & (WaitlistEntry.status == "offered")
        & (WaitlistEntry.member != member_id) & (WaitlistEntry.starts_on <= last)
        & (WaitlistEntry.ends_on >= today))
    for tool_type in {offer["tool_type"] for offer in offers}:
        units = await availability.lendable_units(tool_type, centre_id, last)
        busy = await availability.active_periods(units, today, last)
        taken = 0  # by the walk-ins of this tool type scanned before
        for line in (line for line in walk_ins if line.unit["tool_type"] == tool_type):
            period = (today, line.verdict.ends_on)
            held = [o for o in offers if o["tool_type"] == tool_type
                    and overlaps((o["starts_on"], o["ends_on"]), period)]
            if len(free_units(units, busy, period)) - taken - 1 < len(held):
                until = min(o["offer_expires_at"] for o in held)
                day = until.astimezone(ZoneInfo(centre["timezone"])).date()
                line.verdict = Verdict("refused", (N_(
                    "This unit is held for a member on the waitlist until %(day)s at "
                    "%(time)s."), {"day": Day(day), "time": TimeOfDay(until, centre["timezone"])}))
                line.quote = None
            else:
                taken += 1


async def centre(centre_id: int) -> dict[str, Any] | None:
    return await Centre.select().where((Centre.id == centre_id) & Centre.active.eq(True)).first()


async def _centre(centre_id: int) -> dict[str, Any]:
    found = await centre(centre_id)
    if found is None:
        raise DeskError("not_found", {"form": N_("There is no such tool or centre.")})
    return found


async def basket_view(member_id: int, centre_id: int, tags: list[str], return_on: date | None,
                      today: date, scanned: str = "") -> Basket:
    """The basket as it stands (writes nothing). A `scanned` unit that cannot be lent is not
    added: its reason goes to the scan field."""
    async with read_transaction():
        return await _scanned_basket(member_id, await _centre(centre_id), tags, return_on, today,
                                     scanned)


async def _scanned_basket(member_id: int, centre: dict[str, Any], tags: list[str],
                          return_on: date | None, today: date, scanned: str) -> Basket:
    cleaned, errors = clean_tags(tags)
    basket = await _basket(member_id, centre, cleaned, return_on, today)
    scanned = normalise_asset_tag(scanned) or ""
    last = basket.lines[-1] if basket.lines else None
    if last and last.tag == scanned and last.verdict.kind == "refused" and not errors:
        basket.lines.pop()
        errors["scan"] = last.verdict.reason
        basket.rejected = last.tag
        basket.hard, basket.soft = member_blocks(basket.standing, adding=len(basket.lendable))
    basket.errors.update(errors)
    if return_on is not None and return_on < today:
        basket.errors["return_on"] = N_("The return day has passed.")
    return basket


# --- the basket and the return list the server keeps -------------------------------------------
#
# Per staff member and centre (DeskBasketLine, DeskReturnLine): a reload, another page or
# another member opened in between never loses them. A basket is for one member (its lines
# name them); the return list is one member's loans at this centre.


async def _basket_lines(staff_id: int, centre_id: int, member_id: int) -> list[dict[str, Any]]:
    """A member's basket at this desk, in scan order: each unit's tag and its line's day."""
    return await DeskBasketLine.select(
        DeskBasketLine.id, DeskBasketLine.unit, DeskBasketLine.return_on,
        DeskBasketLine.unit.asset_tag.as_alias("tag"),
        DeskBasketLine.unit.tool_type.max_loan_days.as_alias("max_loan_days"),
    ).where((DeskBasketLine.staff == staff_id) & (DeskBasketLine.centre == centre_id)
            & (DeskBasketLine.member == member_id)).order_by(DeskBasketLine.id)


async def _basket_member(staff_id: int, centre_id: int) -> int | None:
    """The member this desk last scanned a unit for: the basket a reload comes back to."""
    row = await DeskBasketLine.select(DeskBasketLine.member).where(
        (DeskBasketLine.staff == staff_id) & (DeskBasketLine.centre == centre_id)
    ).order_by(DeskBasketLine.id, ascending=False).first()
    return row["member"] if row else None


def _line_days(lines: list[dict[str, Any]], asked: dict[str, str], centre: dict[str, Any],
               today: date) -> tuple[dict[str, date], dict[str, Any]]:
    """The return days the desk typed for its lines (`asked`: tag -> the day as sent), checked
    against each tool type's longest loan and the centre's open days: (the good ones, a message
    for each bad one under "ends_on.<tag>"). Lines not asked about keep their day."""
    days: dict[str, date] = {}
    errors: dict[str, Any] = {}
    for line in lines:
        if line["tag"] not in asked:
            continue
        day = calendar_day(asked[line["tag"]])
        key = f"ends_on.{line['tag']}"
        if day is None:
            errors[key] = N_("Choose the return day.")
        elif day < today:
            errors[key] = N_("The return day has passed.")
        else:
            problem = period_problems(today, day, PeriodLimits(
                today=today, horizon_days=0, max_loan_days=line["max_loan_days"],
                opening_days=centre["opening_days"])).get("ends_on")
            if problem:
                errors[key] = problem
            else:
                days[line["tag"]] = day
    return days, errors


async def _save_days(lines: list[dict[str, Any]], asked: dict[str, str],
                     centre: dict[str, Any], today: date) -> dict[str, date]:
    """Keep the days the desk set on its lines; a bad one refuses them all (nothing changes).
    Returns every line's day."""
    days, errors = _line_days(lines, asked, centre, today)
    if errors:
        raise DeskError("invalid", errors)
    for line in lines:
        if line["tag"] in days and days[line["tag"]] != line["return_on"]:
            await DeskBasketLine.update({DeskBasketLine.return_on: days[line["tag"]]}).where(
                DeskBasketLine.id == line["id"])
    return {line["tag"]: days.get(line["tag"], line["return_on"]) for line in lines}


async def _scan_into_basket(staff_id: int, centre: dict[str, Any], member_id: int,
                            lines: list[dict[str, Any]], days: dict[str, date], scan: str,
                            wanted: date | None, today: date, now: datetime
                            ) -> tuple[dict[str, Any], str]:
    """Add a scanned unit to the member's basket with its own return day (the earliest its tool
    type allows, or the basket's `wanted` day when allowed), unless it cannot be lent: then
    (its reason under "scan", the tag refused) and nothing is added."""
    tag = normalise_asset_tag(scan)
    if tag is None:
        return {"scan": (N_("“%(tag)s” is not an asset tag."), {"tag": scan.strip()[:20]})}, ""
    tags = [line["tag"] for line in lines]
    if tag in tags:
        return {"scan": (N_("%(tag)s is in the basket already."), {"tag": tag})}, ""
    if len(tags) >= MAX_BASKET:
        return {"scan": Plural("At most %(num)s unit at once.",
                               "At most %(num)s units at once.", MAX_BASKET)}, tag
    unit = await Unit.select(Unit.id, Unit.tool_type.max_loan_days.as_alias("max_loan_days")
                             ).where(Unit.asset_tag == tag).first()
    day = default_return_day(today, unit["max_loan_days"], centre["opening_days"],
                             wanted) if unit else None
    basket = await _basket(member_id, centre, [*tags, tag], None, today,
                           ends={**days, tag: day})
    verdict = basket.lines[-1].verdict
    if verdict.kind == "refused":
        return {"scan": verdict.reason}, tag
    await DeskBasketLine.delete().where(  # from another member's basket at this desk
        (DeskBasketLine.staff == staff_id) & (DeskBasketLine.centre == centre["id"])
        & (DeskBasketLine.unit == unit["id"]))
    await DeskBasketLine.insert(DeskBasketLine(
        staff=staff_id, centre=centre["id"], member=member_id, unit=unit["id"],
        return_on=verdict.ends_on or day or today, added_at=now))
    return {}, ""


class _ScanRefused(Exception):
    """A scan the desk cannot take: the change it came with is rolled back."""

    def __init__(self, errors: dict[str, Any], rejected: str) -> None:
        super().__init__(errors)
        self.errors, self.rejected = errors, rejected


async def change_basket(centre_id: int, *, user: CurrentUser, member_id: int, today: date,
                        now: datetime, scan: str = "", remove: str = "", clear: bool = False,
                        days: dict[str, str] | None = None, wanted: date | None = None,
                        block: str | None = None) -> dict[str, Any] | None:
    """The desk changes a member's basket: the return days typed on its lines (`days`, by tag;
    one bad day refuses the change, its message by its line), a unit taken out (`remove`), all
    of them (`clear`), a unit `scan`ned in. Returns the desk page after it, read in the same
    transaction (None: no such centre or member). A refused scan changes nothing (not even
    what came with it): its reason is under "scan", `refused` is set."""
    try:
        return await _change_basket(centre_id, user, member_id, today, now, scan, remove, clear,
                                    days or {}, wanted, block)
    except _ScanRefused as refused:
        return await desk_page(centre_id, user=user, today=today, member_id=member_id,
                               errors=refused.errors, rejected=refused.rejected, days=days,
                               block=block)


async def _change_basket(centre_id, user, member_id, today, now, scan, remove, clear, days,
                         wanted, block) -> dict[str, Any] | None:
    async with write_transaction():
        here = await centre(centre_id)
        if here is None or await _panel(member_id, centre_id, today) is None:
            return None
        mine = (DeskBasketLine.staff == user.id) & (DeskBasketLine.centre == centre_id) & (
            DeskBasketLine.member == member_id)
        lines = await _basket_lines(user.id, centre_id, member_id)
        line_days = await _save_days(lines, days, here, today)
        if clear:
            await DeskBasketLine.delete().where(mine)
        elif remove:
            gone = normalise_asset_tag(remove) or ""
            await DeskBasketLine.delete().where(mine & DeskBasketLine.unit.is_in(
                [line["unit"] for line in lines if line["tag"] == gone] or [-1]))
        if scan.strip():
            lines = await _basket_lines(user.id, centre_id, member_id)
            errors, rejected = await _scan_into_basket(
                user.id, here, member_id, lines, line_days, scan, wanted, today, now)
            if errors:
                raise _ScanRefused(errors, rejected)
        return await _desk_page(here, user=user, today=today, member_id=member_id,
                                block=block)


async def _return_lines(staff_id: int, centre_id: int) -> list[dict[str, Any]]:
    """The loans scanned back in at this desk, in scan order."""
    return await DeskReturnLine.select(
        DeskReturnLine.id, DeskReturnLine.booking,
        DeskReturnLine.booking.unit.asset_tag.as_alias("asset_tag"),
        DeskReturnLine.booking.member.as_alias("member"),
    ).where((DeskReturnLine.staff == staff_id) & (DeskReturnLine.centre == centre_id)
            ).order_by(DeskReturnLine.id)


async def _scan_into_returns(staff: CurrentUser, centre_id: int, tag: str,
                             now: datetime) -> None:
    """Add the loan a returned unit is on to this desk's return list: one member's loans of
    this centre, each once."""
    loan = await _open_loan(tag, desk_centres(staff))
    if loan["centre"] != centre_id:
        raise DeskError("forbidden", {"tag": N_("This unit was lent by another centre.")})
    listed = await _return_lines(staff.id, centre_id)
    if any(line["booking"] == loan["id"] for line in listed):
        raise DeskError("invalid", {"tag": (N_("%(tag)s is in the return list already."),
                                            {"tag": loan["asset_tag"]})})
    if listed and listed[0]["member"] != loan["member"]:
        raise DeskError("invalid", {"tag": N_(
            "This unit was lent to another member: finish this return first.")})
    await DeskReturnLine.insert(DeskReturnLine(staff=staff.id, centre=centre_id,
                                               booking=loan["id"], added_at=now))


async def change_returns(centre_id: int, *, user: CurrentUser, today: date, now: datetime,
                         tag: str = "", remove: int = 0, clear: bool = False,
                         block: str | None = None) -> dict[str, Any] | None:
    """The desk changes its return list: a unit scanned back (`tag`; why it cannot be is a
    message at the scan field, and nothing is added), a loan taken out (`remove`), all of them
    (`clear`). Returns the desk page after it, read in the same transaction (None: no such
    centre). A refused scan changes nothing."""
    try:
        return await _change_returns(centre_id, user, today, now, tag, remove, clear, block)
    except _ScanRefused as refused:
        return await desk_page(centre_id, user=user, today=today, errors=refused.errors,
                               rejected_tag=refused.rejected, focus="tag", block=block)


async def _change_returns(centre_id, user, today, now, tag, remove, clear,
                          block) -> dict[str, Any] | None:
    async with write_transaction():
        here = await centre(centre_id)
        if here is None:
            return None
        mine = (DeskReturnLine.staff == user.id) & (DeskReturnLine.centre == centre_id)
        if clear:
            await DeskReturnLine.delete().where(mine)
        elif remove:
            await DeskReturnLine.delete().where(mine & (DeskReturnLine.booking == remove))
        if tag.strip():
            try:
                await _scan_into_returns(user, centre_id, tag, now)
            except DeskError as error:  # why this unit cannot be taken back, by its field
                # the tag named before its message, unless the message names it
                raise _ScanRefused(error.errors, normalise_asset_tag(tag) or "") from None
        return await _desk_page(here, user=user, today=today, focus="tag",
                                block=block)


async def _returns_view(staff_id: int, centre_id: int, today: date) -> list[dict[str, Any]]:
    """The return list with each loan's due day, late fee if it came back now and deposit."""
    ids = [line["booking"] for line in await _return_lines(staff_id, centre_id)]
    if not ids:
        return []
    policy = await ledger.fee_policy(centre_id)
    loans = {loan["id"]: loan for loan in await Booking.select(*_loan_columns()).where(
        Booking.id.is_in(ids))}
    held = await _deposits_held(ids)
    shown = []
    for booking in ids:
        loan = loans[booking]
        loan["days_late"] = days_late(loan["ends_on"], today)
        loan["late_fee"] = _late_fee(loan["ends_on"], today, policy)
        loan["deposit_held"] = held.get(booking, 0)
        shown.append(loan)
    return shown


# --- the desk page ----------------------------------------------------------------------------


async def desk_page(centre_id: int, *, user: CurrentUser, today: date,
                    member_id: int | None = None, query: str = "",
                    errors: dict[str, Any] | None = None, days: dict[str, str] | None = None,
                    rejected: str = "", rejected_tag: str = "", focus: str | None = None,
                    block: str | None = None, whole: tuple[str, date] | None = None
                    ) -> dict[str, Any] | None:
    """A centre's desk, read at once (see `_desk_page`)."""
    async with read_transaction():
        here = await centre(centre_id)
        if here is None:
            return None
        return await _desk_page(here, user=user, today=today, member_id=member_id,
                                query=query, errors=errors, days=days, rejected=rejected,
                                rejected_tag=rejected_tag, focus=focus, block=block,
                                whole=whole)


async def _desk_page(here: dict[str, Any], *, user: CurrentUser, today: date,
                     member_id: int | None = None, query: str = "",
                     errors: dict[str, Any] | None = None, days: dict[str, str] | None = None,
                     rejected: str = "", rejected_tag: str = "", focus: str | None = None,
                     block: str | None = None, whole: tuple[str, date] | None = None
                     ) -> dict[str, Any] | None:
    """The member (`member_id`, the one `query` finds, else the one this desk's basket is for)
    with their panel and the basket the server keeps for them (`days`: return days typed on
    its lines and refused, drawn as typed; `rejected`: a scanned tag refused, its reason in
    `errors`), this desk's return list, and the day's pick-ups and returns: the first
    `DAY_LIST_ROWS` of each list and its count, `whole` (the list, "pickups" or "returns", and
    its day) in full. `block`: the one block an htmx request draws (None: the page), and only
    what it shows is read. `errors`: a refusal to show on it.
    `refused`: a scan was refused, `rejected_tag` the tag refused for the return list when its
    message does not name it. `focus`: the field the desk waits on next (the return scan after
    one, the basket's scan once there is a member, else the member search). None: there is no
    such member."""
    errors = dict(errors or {})
    centre_id = here["id"]
    found: list[dict[str, Any]] = []
    panel = basket = None
    if block in (None, "desk_member", "basket"):
        member = await _desk_member(here, user, today, member_id, query, errors, days, rejected)
        if member is None:
            return None
        found, panel, basket = member
    returns = await _returns_view(user.id, centre_id, today) if block in (None, "check_in") else []
    # what goes out with each unit in the basket and what should come back: one query
    kit_of = await kits.unit_parts(
        [line.unit["id"] for line in (basket.lines if basket else []) if line.unit]
        + [loan["unit"] for loan in returns])
    found_days = ({"days": await _day_lists(centre_id, today, whole)}
                  if block in (None, "desk_days") else {})
    refused = bool(rejected or errors.get("scan") or errors.get("tag"))
    focus = focus or ("scan" if basket is not None else "q")
    return {"centre": here, "today": today, "query": query, "found": found, "panel": panel,
            "basket": basket, "errors": errors, "refused": refused, "returns": returns,
            "rejected_tag": rejected_tag, "focus": focus, "kits": kit_of,
            "conditions": RETURN_CONDITIONS, "may_waive": user.all_centres,
            "methods": PAY_METHODS if user.all_centres else PAYMENT_METHODS, **found_days}


async def _desk_member(here: dict[str, Any], user: CurrentUser, today: date,
                       member_id: int | None, query: str, errors: dict[str, Any],
                       days: dict[str, str] | None, rejected: str) -> tuple[
                           list[dict[str, Any]], dict[str, Any] | None, Basket | None] | None:
    """The members the query finds, and the member's panel and basket (see `_desk_page`);
    "No member matches." goes into `errors`. None: the member asked for is not there."""
    centre_id = here["id"]
    found: list[dict[str, Any]] = []
    if query and member_id is None:
        found = await find_members(query)
        if len(found) == 1:
            member_id = found[0]["id"]
        elif not found:
            errors["q"] = N_("No member matches.")
    asked = member_id is not None
    if member_id is None and not query:
        member_id = await _basket_member(user.id, centre_id)
    panel = basket = None
    if member_id is not None:
        panel = await _panel(member_id, centre_id, today)
        if panel is None and asked:
            return None
    if panel is not None:
        lines = await _basket_lines(user.id, centre_id, member_id)
        if not lines:  # nothing scanned yet: the panel already knows the standing
            basket = Basket(panel["member"], panel["standing"], [], None,
                            hard=panel["hard"], soft=panel["soft"])
        else:
            typed, _ = _line_days(lines, days or {}, here, today)
            ends = {line["tag"]: typed.get(line["tag"], line["return_on"]) for line in lines}
            basket = await _basket(member_id, here, list(ends), None, today, ends=ends)
        basket.rejected = rejected
        basket.errors = errors
    return found, panel, basket


# --- the day's pick-ups and returns -----------------------------------------------------------

# A busy centre has hundreds a day: the page shows the first rows of each list and how many
# there are, and the whole list when asked (the desk finds a member by the search above).

# Each list with its rows numbered and counted: reserved bookings starting on the day, loans
# out due back on it. The inner queries use (status, starts_on …) and (status, ends_on).
_DAY_LISTS_SQL = """
SELECT l.kind, l.n, l.total, b.id, b.member, b.starts_on, b.ends_on, m.name AS member_name,
       t.name_ka AS tool_name_ka, t.name_en AS tool_name_en, t.name_ru AS tool_name_ru,
       u.asset_tag, r.status AS transfer_status, s.name_ka AS from_name_ka,
       s.name_en AS from_name_en, s.name_ru AS from_name_ru
FROM (SELECT d.*,
             ROW_NUMBER() OVER (PARTITION BY d.kind, d.on_day ORDER BY d.starts_on, d.id) AS n,
             COUNT(*) OVER (PARTITION BY d.kind, d.on_day) AS total
      FROM (SELECT 'pickups' AS kind, starts_on AS on_day, starts_on, id FROM booking
            WHERE status = 'reserved' AND starts_on IN ({}, {}) AND centre = {}
            UNION ALL
            SELECT 'returns', ends_on, starts_on, id FROM booking
            WHERE status = 'out' AND ends_on IN ({}, {}) AND centre = {}) d) l
JOIN booking b ON b.id = l.id
JOIN member m ON m.id = b.member
JOIN tool_type t ON t.id = b.tool_type
LEFT JOIN unit u ON u.id = b.unit
LEFT JOIN transfer_request r ON r.id = b.transfer
LEFT JOIN centre s ON s.id = r.sender
WHERE l.n <= {} OR (l.kind = {} AND l.on_day = {})
ORDER BY l.n"""


async def _day_lists(centre_id: int, today: date, whole: tuple[str, date] | None
                     ) -> dict[date, dict[str, Any]]:
    """Today's and tomorrow's lists: {day: {"pickups": rows, "pickups_count": n, …}}."""
    tomorrow = today + timedelta(days=1)
    wanted, wanted_day = whole or ("", today)
    rows = await Booking.raw(_DAY_LISTS_SQL, today, tomorrow, centre_id, today, tomorrow,
                             centre_id, DAY_LIST_ROWS, wanted, wanted_day)
    days: dict[date, dict[str, Any]] = {
        day: {**{kind: [] for kind in DAY_LISTS}, **{kind + "_count": 0 for kind in DAY_LISTS}}
        for day in (today, tomorrow)}
    for row in rows:
        kind = row["kind"]
        day = _day(row["starts_on"] if kind == "pickups" else row["ends_on"])
        row["arriving"] = kind == "pickups" and row["transfer_status"] in OPEN_STATUSES
        days[day][kind].append(row)
        days[day][kind + "_count"] = int(row["total"])
    return days


# --- check-out --------------------------------------------------------------------------------


async def check_out(*, member_id: int, centre_id: int, tags: list[str], return_on: date | None,
                    payment: dict[str, Any], override_reason: str, actor: Any, today: date,
                    now: datetime) -> int:
    """Lend the whole basket or nothing; returns the receipt id."""
    if not actor.can_act_for(centre_id):
        raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
    cleaned, errors = clean_tags(tags)
    if errors:
        raise DeskError("invalid", errors)
    if not cleaned:
        raise DeskError("invalid", {"scan": N_("Scan at least one unit.")})
    if return_on is not None and return_on < today:
        raise DeskError("invalid", {"return_on": N_("The return day has passed.")})
    with _first_desk_wins():
        return await _check_out_once(member_id, centre_id, cleaned, return_on, payment,
                                     override_reason.strip()[:500], actor, today, now)


LENT_BY_ANOTHER_DESK = {"scan": N_(
    "Another desk has just lent or booked one of these units. Scan again to see which.")}


@contextmanager
def _first_desk_wins(errors: dict[str, Any] = LENT_BY_ANOTHER_DESK):
    """A loan or booking another desk committed first becomes a conflict the desk can read
    (`errors`); the domain's own refusals pass as they are."""
    try:
        yield
    except (BookingError, ledger.MoneyError):
        raise
    except Exception as exc:
        if not lost_to_another_request(exc):
            raise
        raise DeskError("conflict", errors) from None


async def check_out_basket(*, member_id: int, centre_id: int, shown: list[str] | None,
                           days: dict[str, str], payment: dict[str, Any], override_reason: str,
                           actor: CurrentUser, today: date, now: datetime) -> int:
    """Lend the basket this desk keeps for the member, each unit until its line's day (`days`:
    return days typed on the lines, checked first: one bad day refuses it all), and empty it,
    all in one transaction; returns the receipt id. `shown`: the tags the desk's form was drawn
    with, when it says; a basket changed since (in another window) is not lent unseen."""
    if not actor.can_act_for(centre_id):
        raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
    with _first_desk_wins():
        async with write_transaction():
            centre = await _centre(centre_id)
            lines = await _basket_lines(actor.id, centre_id, member_id)
            if not lines:
                raise DeskError("invalid", {"scan": N_("Scan at least one unit.")})
            tags = [line["tag"] for line in lines]
            if shown is not None and sorted(shown) != sorted(tags):
                raise DeskError("conflict", {"scan": N_(
                    "The basket has changed in another window: check it, then check out "
                    "again.")})
            line_days, errors = _line_days(lines, days, centre, today)
            if errors:
                raise DeskError("invalid", errors)
            ends = {line["tag"]: line_days.get(line["tag"], line["return_on"])
                    for line in lines}
            receipt = await _lend_basket(member_id, centre, tags, None, payment,
                                         override_reason.strip()[:500], actor, today, now,
                                         ends=ends)
            await DeskBasketLine.delete().where(
                (DeskBasketLine.staff == actor.id) & (DeskBasketLine.centre == centre_id)
                & (DeskBasketLine.member == member_id))
        return receipt


async def _check_out_once(member_id, centre_id, tags, return_on, payment, override_reason,
                          actor, today, now) -> int:
    async with write_transaction():
        return await _lend_basket(member_id, await _centre(centre_id), tags, return_on,
                                  payment, override_reason, actor, today, now)


async def _lend_basket(member_id, centre, tags, return_on, payment, override_reason, actor,
                       today, now, ends: dict[str, date | None] | None = None) -> int:
    """Lend these units (inside the caller's write transaction): the whole basket or nothing."""
    centre_id = centre["id"]
    basket = await _basket(member_id, centre, tags, return_on, today, lock=True, ends=ends)
    refused = [line for line in basket.lines if line.verdict.kind == "refused"]
    if refused:
        # unknown tags and a missing return day are the request's fault, the rest the
        # units' state; every refused tag also gets its own reason (the API shows them)
        bad_input = any(line.unit is None or line.verdict.reason == NO_RETURN_DAY
                        for line in refused)
        raise DeskError("invalid" if bad_input else "conflict", {
            "scan": N_("Some units cannot be lent (see why in the list): take them out, "
                       "then check out again."),
            **{line.tag: line.verdict.reason for line in refused}})
    if basket.hard:
        raise DeskError("forbidden", {"form": basket.hard[0]})
    paid, owing_reason = payment.get("amount", 0), payment.get("owing_reason", "").strip()
    problems = check_out_payment_problems(
        paid, basket.due, leave_owing=bool(payment.get("leave_owing")),
        owing_reason=owing_reason, balance_limit=basket.standing.balance_limit)
    if basket.soft and not override_reason:
        raise DeskError("invalid", {**problems, "override_reason": N_(
            "Write why you lend despite the warnings, or resolve them first.")})
    receipt = await ledger.open_receipt(member_id, centre_id, "check_out",
                                        actor_id=actor.id, now=now)
    postings = ledger.Postings(receipt, member_id, centre_id, now=now, actor_id=actor.id)
    loans = await _lend(basket.lines, member_id, centre_id, receipt, actor.id, today, now)
    kit_of = await kits.unit_parts([line.unit["id"] for line in basket.lines])  # one query
    for line, loan in zip(basket.lines, loans, strict=True):
        # the parts that went out, as they were named then: the receipt reads them here
        postings.audit("loan.check_out", "booking", loan, after={
            "unit": line.unit["id"], "member": member_id, "kind": line.verdict.kind,
            "ends_on": line.verdict.ends_on.isoformat(), "receipt": receipt,
            "parts": part_rules.parts_snapshot(kit_of[line.unit["id"]])})
        _charge(postings, loan, line.quote, basket.member)
    if paid:  # how it is paid is checked first (method, slip, waiver); nothing paid: no line
        # the balance read with the member's standing, in this transaction, and this basket
        ledger.add_payment(postings, payment, owed=basket.standing.balance + postings.total,
                           may_waive=actor.all_centres)
    if problems:  # not what is due, and not by choice: the whole check-out rolls back
        raise ledger.MoneyError("invalid", problems)
    if paid < basket.due:
        postings.audit("loan.left_owing", "receipt", receipt, after={
            "due": basket.due, "paid": paid, "owing": basket.due - paid,
            "reason": owing_reason[:500]})
    if basket.soft:
        postings.audit("loan.override", "receipt", receipt, after={
            "reason": override_reason, "warnings": [message_id(w) for w in basket.soft]})
    await postings.write()
    return receipt


def _charge(postings: ledger.Postings, loan: int, quote: Quote, member: dict[str, Any]) -> None:
    """A loan's fee, the concession's share as a waiver naming its category and funder (for
    the donor reports), and the deposit (zero amounts write nothing)."""
    postings.post("fee", quote.full_fee, loan=loan)
    postings.post("waiver", -quote.waived, loan=loan, funder=member["funder"] or "-",
                  concession=member["concession"])
    postings.post("deposit", quote.deposit, loan=loan)


def _settle_deposit(postings: ledger.Postings, loan: int, held: int, owed_before: int) -> None:
    """The loan's deposit (`held`) comes back, applied first to what the member owes
    (`owed_before` this action's lines); what is left is handed back in cash."""
    postings.post("deposit_return", -held, loan=loan)
    refund = refund_due(owed_before + postings.total, held)
    postings.post("refund", refund, loan=loan, method="cash")


async def _lend(lines: list[Line], member_id: int, centre_id: int, receipt: int, actor_id: int,
                today: date, now: datetime) -> list[int]:
    """The loans of these lines, in their order: a reservation picked up, or a walk-in's new
    booking (all of them in one statement)."""
    loans: dict[int, int] = {}  # by the line's index
    for index, line in enumerate(lines):
        if line.verdict.kind != "pickup":
            continue
        rows = await Booking.update({
            Booking.status: "out", Booking.checked_out_at: now, Booking.out_receipt: receipt,
            Booking.unit: line.unit["id"],
        }).where((Booking.id == line.verdict.booking) & (Booking.status == "reserved")
                 ).returning(Booking.id)
        if not rows:
            raise DeskError("conflict", {"scan": N_(
                "Another desk has just lent or booked one of these units. Scan again to see "
                "which.")})
        loans[index] = rows[0]["id"]
    walk_ins = [index for index in range(len(lines)) if index not in loans]
    if walk_ins:
        rows = await Booking.insert(*[Booking(
            member=member_id, tool_type=lines[index].unit["tool_type"],
            unit=lines[index].unit["id"], centre=centre_id, starts_on=today,
            ends_on=lines[index].verdict.ends_on, status="out", created_at=now,
            created_by=actor_id, checked_out_at=now, out_receipt=receipt,
        ) for index in walk_ins]).returning(Booking.id)
        # one statement numbers its rows in the order of its VALUES
        loans.update(zip(walk_ins, sorted(row["id"] for row in rows), strict=True))
    return [loans[index] for index in range(len(lines))]


# --- check-in ---------------------------------------------------------------------------------


async def _open_loan(tag: str, centre_ids: frozenset[int] | None, *, lock: bool = False
                     ) -> dict[str, Any]:
    normal = normalise_asset_tag(tag or "")
    if normal is None:
        if (tag or "").strip():  # scanned or typed, but not a tag: say what it was
            raise DeskError("invalid", {"tag": (N_("“%(tag)s” is not an asset tag."),
                                                {"tag": tag.strip()[:20]})})
        raise DeskError("invalid", {"tag": N_("Scan or type an asset tag.")})
    query = Booking.select(*_loan_columns()).where(
        (Booking.unit.asset_tag == normal) & (Booking.status == "out"))
    if lock and is_postgres():
        query = query.lock_rows(of=(Booking,))
    loan = await query.first()
    if loan is None:
        if not await Unit.exists().where(Unit.asset_tag == normal):
            raise DeskError("not_found", {"tag": N_("There is no unit with this tag.")})
        raise DeskError("invalid", {"tag": N_("This unit is not out.")})
    if centre_ids is not None and loan["centre"] not in centre_ids:
        raise DeskError("forbidden", {"tag": N_("This unit was lent by another centre.")})
    return loan


async def _open_loans(tags: list[str], *, lock: bool = False) -> dict[str, dict[str, Any]]:
    """The open loans of these units (normalised tags), by tag, in one query."""
    query = Booking.select(*_loan_columns()).where(
        Booking.unit.asset_tag.is_in(tags or ["-"]) & (Booking.status == "out")
    ).order_by(Booking.unit.asset_tag)
    if lock and is_postgres():  # in tag order, as a check-out locks units: no deadlock
        query = query.lock_rows(of=(Booking,))
    return {loan["asset_tag"]: loan for loan in await query}


async def _deposit_held(loan_id: int) -> int:
    row = await LedgerEntry.select(
        Sum(LedgerEntry.amount).as_alias("total")
    ).where((LedgerEntry.loan == loan_id)
            & LedgerEntry.kind.is_in(["deposit", "deposit_return"])).first()
    return int((row or {}).get("total") or 0)


async def _deposits_held(loan_ids: list[int]) -> dict[int, int]:
    """The deposit each of these loans still holds, by loan id (one query)."""
    rows = await LedgerEntry.select(
        LedgerEntry.loan, Sum(LedgerEntry.amount).as_alias("total")
    ).where(LedgerEntry.loan.is_in(loan_ids or [-1])
            & LedgerEntry.kind.is_in(["deposit", "deposit_return"])).group_by(LedgerEntry.loan)
    return {row["loan"]: int(row["total"] or 0) for row in rows}


# Each loan's deposit still held (by loan) and, on the row without a loan, what the member
# owes: one statement for the check-in.
_HELD_AND_OWED_SQL = """
SELECT e.loan, SUM(e.amount) AS total FROM ledger_entry e
WHERE e.loan IN ({loans}) AND e.kind IN ('deposit', 'deposit_return') GROUP BY e.loan
UNION ALL
SELECT NULL, SUM(e.amount) FROM ledger_entry e WHERE e.member = {{}}"""


async def _held_and_owed(loan_ids: list[int], member_id: int) -> tuple[dict[int, int], int]:
    """`_deposits_held` and the member's balance (`ledger.balance`), read at once."""
    ids = loan_ids or [-1]
    rows = await LedgerEntry.raw(_HELD_AND_OWED_SQL.format(loans=", ".join("{}" for _ in ids)),
                                 *ids, member_id)
    held = {row["loan"]: int(row["total"] or 0) for row in rows if row["loan"] is not None}
    return held, sum(int(row["total"] or 0) for row in rows if row["loan"] is None)


async def loan_for_check_in(tag: str, centre_ids: frozenset[int] | None,
                            today: date) -> dict[str, Any]:
    """The loan a scanned unit is on, its due day, the late fee if it came back now and the
    deposit held."""
    async with read_transaction():
        loan = await _open_loan(tag, centre_ids)
        policy = await ledger.fee_policy(loan["centre"])
        loan["deposit_held"] = await _deposit_held(loan["id"])
    loan["days_late"] = days_late(loan["ends_on"], today)
    loan["late_fee"] = _late_fee(loan["ends_on"], today, policy)
    return loan


@dataclass(frozen=True)
class Returned:
    """How a unit came back: its condition, what is wrong with it, a damage charge (tetri), the
    name of the stored photo of the damage ("" without one), the parts that did not come back
    (`missing`: how many of each, by part id) and why their charge is waived ("": it is not)."""

    condition: str
    notes: str = ""
    damage_charge: int = 0
    photo: str = ""
    missing: dict[int, int] = field(default_factory=dict)
    waive_reason: str = ""

    def tidied(self) -> Returned:
        """As it is recorded: the notes without surrounding blanks, at most 2,000 characters;
        the waiver's reason at most 500; parts all back left out."""
        return replace(self, notes=self.notes.strip()[:2000],
                       waive_reason=" ".join(self.waive_reason.split())[:500],
                       missing={part: n for part, n in self.missing.items() if n})


def returned_problems(returned: Returned) -> dict[str, Any]:
    """What is wrong with how the desk says a unit came back, by field; empty when it can be
    recorded."""
    if returned.condition not in RETURN_CONDITIONS:
        return {"condition": N_("Choose the condition it came back in.")}
    if (returned.condition in NEEDS_REPAIR and not returned.notes.strip()
            and not (returned.condition == "missing_parts" and any(returned.missing.values()))):
        return {"notes": N_("Describe the damage or what is missing.")}  # ticked parts say it
    if returned.damage_charge < 0:
        return {"damage_charge": N_("Enter an amount of zero or more.")}
    if returned.damage_charge and returned.condition not in NEEDS_REPAIR:
        return {"damage_charge": N_(
            "A damage charge needs the condition “damaged” or “missing parts”.")}
    return {}


async def check_in(*, tag: str, centre_ids: frozenset[int] | None, condition: str, notes: str,
                   damage_charge: int, photo: str, actor: Any, today: date,
                   now: datetime, missing: dict[int, int] | None = None,
                   waive_reason: str = "") -> int:
    """Take a unit back: late fee, damage charge, parts not brought back (`missing`, by part
    id: their replacement cost, unless waived with `waive_reason`), the deposit returned and
    applied to what is owed, the rest handed back; damage or a missing part opens a
    maintenance ticket. Returns the receipt id."""
    returned = Returned(condition, notes, damage_charge, photo, dict(missing or {}),
                        waive_reason).tidied()
    problems = returned_problems(returned)
    if problems:
        raise DeskError("invalid", problems)
    async with write_transaction():
        loan = await _open_loan(tag, centre_ids, lock=True)
        return await _take_back([(loan, returned)], actor=actor, today=today, now=now)


async def finish_returns(centre_id: int, *, returned: dict[int, Returned], actor: CurrentUser,
                         today: date, now: datetime) -> int:
    """Take back every loan on this desk's return list at once, each as `returned` says (by
    loan id), on ONE receipt: late fees and damage charges, the deposits returned and applied
    to what is owed, the rest handed back; damage opens maintenance tickets. The list is
    emptied in the same transaction. A line without a good condition refuses them all, its
    message by its line ("<field>.<loan id>"); nothing is written then."""
    if not actor.can_act_for(centre_id):
        raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
    async with write_transaction():
        await _centre(centre_id)
        lines = await _return_lines(actor.id, centre_id)
        if not lines:
            raise DeskError("invalid", {"tag": N_("Scan the returned units first.")})
        errors: dict[str, Any] = {}
        for line in lines:
            said = returned.get(line["booking"]) or Returned("")
            for name, message in returned_problems(said).items():
                errors[f"{name}.{line['booking']}"] = message
        if errors:
            raise DeskError("invalid", errors)
        taken = []
        open_loans = await _open_loans([line["asset_tag"] for line in lines], lock=True)
        for line in lines:
            loan = open_loans.get(line["asset_tag"])
            if loan is None or not actor.can_act_for(loan["centre"]):
                loan = await _open_loan(line["asset_tag"], desk_centres(actor))  # says why
            if loan["id"] != line["booking"]:  # taken back (and lent again) by another desk
                raise DeskError("conflict", {"tag": (N_("%(tag)s is not out any more."),
                                                     {"tag": line["asset_tag"]})})
            taken.append((loan, returned[line["booking"]].tidied()))
        receipt = await _take_back(taken, actor=actor, today=today, now=now)
        await DeskReturnLine.delete().where(
            (DeskReturnLine.staff == actor.id) & (DeskReturnLine.centre == centre_id))
    return receipt


async def _take_back(taken: list[tuple[dict[str, Any], Returned]], *, actor: Any, today: date,
                     now: datetime) -> int:
    """One member's loans of one centre back on one receipt (inside the caller's write
    transaction): every late fee and damage charge first, then each deposit returned and
    applied to what is owed; damage opens a ticket; an undamaged unit may serve the waitlist."""
    member, centre = taken[0][0]["member"], taken[0][0]["centre"]
    kit_of = await kits.unit_parts([loan["unit"] for loan, _ in taken])  # one query
    _check_missing(taken, kit_of)
    policy = await ledger.fee_policy(centre)
    receipt = await ledger.open_receipt(member, centre, "check_in", actor_id=actor.id, now=now)
    postings = ledger.Postings(receipt, member, centre, now=now, actor_id=actor.id)
    for loan, returned in taken:
        postings.post("late_fee", _late_fee(loan["ends_on"], today, policy), loan=loan["id"])
        postings.post("damage", returned.damage_charge, loan=loan["id"],
                      reason=returned.notes[:500])
        _charge_missing(postings, loan, returned, kit_of[loan["unit"]])
    # this action's lines are not written yet: what was owed before it
    held, owed_before = await _held_and_owed([loan["id"] for loan, _ in taken], member)
    for loan, _ in taken:
        _settle_deposit(postings, loan["id"], held.get(loan["id"], 0), owed_before)

    async def audit_later(action: str, entity: str, entity_id: int | None, **row: Any) -> None:
        postings.audit_rows.append(audit.entry(action, entity, entity_id, **row))

    freed: list[int] = []  # a tool type once a unit freed
    returns: dict[tuple[str, str, int | None], list[int]] = {}  # loans by how they came back
    for loan, returned in taken:
        ticket = None
        kit = kit_of[loan["unit"]]
        gone = part_rules.missing_note(kit, returned.missing)
        if gone and returned.condition not in NEEDS_REPAIR:  # what the checklist says
            returned = replace(returned, condition="missing_parts")
        if returned.condition in NEEDS_REPAIR:
            said = "; ".join(text for text in (returned.notes, gone) if text)
            ticket = await inventory.open_ticket(
                loan["unit"], f"{loan['member_name']} ({loan['asset_tag']}): {said}",
                photo=returned.photo, actor=actor, now=now, audit=audit_later)
        if gone:  # the unit's list says what it has now, until staff replace the parts
            await kits.record_missing(loan["unit"], part_rules.counts_after(
                kit, returned.missing))
        # back early or on time, and lendable: it may serve the waitlist
        if ticket is None and loan["tool_type"] not in freed:
            freed.append(loan["tool_type"])
        returns.setdefault((returned.condition, returned.notes, ticket), []).append(loan["id"])
        postings.audit("loan.check_in", "booking", loan["id"], before={"status": "out"}, after={
            "status": "returned", "condition": returned.condition, "ticket": ticket,
            "receipt": receipt, "days_late": days_late(loan["ends_on"], today),
            "parts": _parts_back(kit, returned.missing)})
    for (condition, notes, ticket), ids in returns.items():
        await Booking.update({
            Booking.status: "returned", Booking.returned_at: now, Booking.ended_on: today,
            Booking.in_receipt: receipt, Booking.return_condition: condition,
            Booking.return_notes: notes, Booking.return_ticket: ticket,
        }).where(Booking.id.is_in(ids))
    await postings.write()
    for tool_type in await reservations.waited_for(freed, centre, today):
        await reservations.offer_freed_period(tool_type, centre, now=now, today=today)
    return receipt


def _check_missing(taken: list[tuple[dict[str, Any], Returned]],
                   kit_of: dict[int, list[dict[str, Any]]]) -> None:
    """Refuse missing parts that are not on a unit's list or more than went out, each by its
    line ("parts.<loan id>"); nothing is written then."""
    errors: dict[str, Any] = {}
    for loan, returned in taken:
        for _part, message in part_rules.missing_problems(
                kit_of[loan["unit"]], returned.missing).items():
            errors[f"parts.{loan['id']}"] = message
    if errors:
        raise DeskError("invalid", errors)


def _charge_missing(postings: ledger.Postings, loan: dict[str, Any], returned: Returned,
                    kit: list[dict[str, Any]]) -> None:
    """The parts not brought back at their replacement cost (a "replacement" line: the centre
    buys them again, as it buys a lost unit again), and, when staff waive it, a waiver of the
    same amount with their reason (no funder: the centre bears it)."""
    charge = part_rules.missing_charge(kit, returned.missing)
    note = part_rules.missing_note(kit, returned.missing)
    postings.post("replacement", charge, loan=loan["id"], reason=note[:500])
    if charge and returned.waive_reason:
        postings.post("waiver", -charge, loan=loan["id"], reason=returned.waive_reason,
                      funder="")
        postings.audit("loan.parts_waived", "booking", loan["id"], after={
            "amount": charge, "parts": note[:500], "reason": returned.waive_reason})


def _parts_back(kit: list[dict[str, Any]], missing: dict[int, int]) -> list[dict[str, Any]]:
    """What went out and came back of each part, as the receipt keeps it."""
    return [{k: line[k] for k in ("name_ka", "name_en", "name_ru", "out", "back")}
            for line in part_rules.missing_lines(kit, missing) if line["out"]]


# --- renewals ---------------------------------------------------------------------------------


async def renew_as(user: CurrentUser, booking_id: int, new_ends_on: date | None, *,
                   today: date, now: datetime, override_reason: str = "") -> int:
    """A member renews their own loan; desk staff one of their centres'."""
    return await renew(booking_id, new_ends_on, member_id=None if user.is_staff else user.id,
                       centre_ids=desk_centres(user) if user.is_staff else None,
                       actor_id=user.id, today=today, now=now, override_reason=override_reason)


async def renew(booking_id: int, new_ends_on: date | None, *, member_id: int | None,
                centre_ids: frozenset[int] | None, actor_id: int, today: date,
                now: datetime, override_reason: str = "") -> int:
    """Move a loan's return day later when nothing else needs the unit then and the centre's
    renewal limit allows; the added days are charged. `member_id`: a member renewing their own
    loan; `centre_ids`: desk staff of these centres (None: every centre). Over the centre's
    balance limit a member may not renew, and the desk only with a written reason (as at
    check-out). Returns the receipt."""
    if new_ends_on is None:
        raise DeskError("invalid", {"ends_on": N_("Choose the new return day.")})
    with _first_desk_wins({"ends_on": N_("Someone has just booked this unit for those days.")}):
        async with write_transaction():
            return await _renew(booking_id, new_ends_on, member_id, centre_ids, actor_id,
                                today, now, override_reason.strip()[:500])


async def _renew(booking_id, new_ends_on, member_id, centre_ids, actor_id, today, now,
                 override_reason) -> int:
    query = Booking.select(*_loan_columns(),
                           Booking.tool_type.max_loan_days.as_alias("max_loan_days"),
                           Booking.centre.opening_days.as_alias("opening_days")).where(
        Booking.id == booking_id)
    if is_postgres():
        query = query.lock_rows(of=(Booking,))
    loan = await query.first()
    if loan is None or (member_id is not None and loan["member"] != member_id):
        raise DeskError("not_found", {"form": N_("There is no such loan.")})
    if centre_ids is not None and loan["centre"] not in centre_ids:
        raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
    if loan["status"] != "out":
        raise DeskError("invalid", {"form": N_("Only a tool that is out can be renewed.")})
    if member_id is not None and loan["ends_on"] < today:
        raise DeskError("invalid", {"form": N_(
            "This loan is overdue: bring the tool back, or renew it at the desk.")})
    policy = await BookingPolicy.select().where(BookingPolicy.centre == loan["centre"]).first()
    limit = (policy or DEFAULT_POLICY)["max_renewals"]
    if loan["renewals"] >= limit:
        raise DeskError("invalid", {"form": Plural(
            "This loan has been renewed %(num)s time, the most the centre allows.",
            "This loan has been renewed %(num)s times, the most the centre allows.", limit)})
    if new_ends_on <= loan["ends_on"]:
        raise DeskError("invalid", {"ends_on": N_("Choose a day after the current return day.")})
    if new_ends_on < today:
        raise DeskError("invalid", {"ends_on": N_("The return day has passed.")})
    member, standing, discount = await _standing(loan["member"], today,
                                                 await ledger.fee_policy(loan["centre"]))
    hard, _ = member_blocks(standing)
    if hard:
        raise DeskError("forbidden", {"form": hard[0]})
    if standing.balance > standing.balance_limit:
        if member_id is not None:
            raise DeskError("forbidden", {"form": N_(
                "You owe more than the centre allows: pay at the desk first, then renew.")})
        if not override_reason:
            raise DeskError("invalid", {"override_reason": N_(
                "The unpaid balance is over the centre's limit: take a payment first, or write "
                "why you renew anyway.")})
        await audit.record("loan.override", "booking", booking_id, now=now, actor_id=actor_id,
                           centre_id=loan["centre"], after={
                               "reason": override_reason,
                               "warnings": ["The unpaid balance is over the centre's limit."]})
    problems = period_problems(loan["ends_on"], new_ends_on, PeriodLimits(
        today=loan["ends_on"], horizon_days=0, max_loan_days=loan["max_loan_days"],
        opening_days=loan["opening_days"]))
    if problems.get("ends_on"):
        raise DeskError("invalid", {"ends_on": problems["ends_on"]})
    clash = await Booking.exists().where(
        (Booking.unit == loan["unit"]) & (Booking.id != booking_id)
        & Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.starts_on <= new_ends_on) & (Booking.ends_on > loan["ends_on"]))
    if clash:
        raise DeskError("conflict", {"ends_on": N_(
            "Another member has booked this unit for those days: it cannot be renewed that "
            "long.")})
    quote = extension_quote(loan["daily_fee"], loan["ends_on"], new_ends_on, discount)
    await Booking.update({Booking.ends_on: new_ends_on, Booking.renewals: loan["renewals"] + 1}
                         ).where(Booking.id == booking_id)
    receipt = await ledger.open_receipt(loan["member"], loan["centre"], "renewal",
                                        actor_id=actor_id, now=now)
    postings = ledger.Postings(receipt, loan["member"], loan["centre"], now=now,
                               actor_id=actor_id)
    _charge(postings, booking_id, quote, member)
    postings.audit("loan.renew", "booking", booking_id,
                   before={"ends_on": loan["ends_on"].isoformat()},
                   after={"ends_on": new_ends_on.isoformat(), "receipt": receipt})
    await postings.write()
    return receipt


# --- overdue and lost -------------------------------------------------------------------------


async def overdue(centre_id: int, today: date,
                  channels: frozenset[str] | None = None) -> dict[str, Any]:
    """Loans past their return day at a centre, most late first, with the late fee so far,
    whether they may be declared lost and when the member was last reminded (`reminded`);
    and the call list: the overdue members whom neither SMS nor e-mail reaches (`channels`:
    those set up; by default, as the app runs)."""
    channels = outbox.configured_channels() if channels is None else channels
    async with read_transaction():
        centre = await _centre(centre_id)
        policy = await ledger.fee_policy(centre_id)
        loans = await Booking.select(*_loan_columns()).where(
            (Booking.centre == centre_id) & (Booking.status == "out")
            & (Booking.ends_on < today)).order_by(Booking.ends_on)
        # the overdue reminders' event keys: 'overdue:booking 812:<return day>:day 3'
        reminded = await outbox.last_reminders(
            "overdue", {loan["id"]: f"overdue:booking {loan['id']}:" for loan in loans},
            [loan["member"] for loan in loans], centre["timezone"])
        call_list = await outbox.call_list(loans, channels)
    for loan in loans:
        loan["days_late"] = days_late(loan["ends_on"], today)
        loan["late_fee"] = _late_fee(loan["ends_on"], today, policy)
        loan["may_declare_lost"] = loan["days_late"] >= policy["lost_after_days"]
        loan["reminded"] = reminded.get(loan["id"])
    return {"centre": centre, "loans": loans, "policy": policy, "call_list": call_list,
            "channels": channels, "channel_labels": outbox.CHANNEL_LABELS,
            "status_labels": outbox.STATUS_LABELS}


async def declare_lost(booking_id: int, *, replacement: int | None, centre_ids: frozenset[int]
                       | None, actor: Any, today: date, now: datetime) -> int:
    """After the centre's number of days late: the unit is lost, the member is charged its
    replacement (what the unit cost, else what staff enter) and the late fee; the deposit is
    applied to it. Returns the receipt id."""
    if replacement is not None and replacement < 0:
        raise DeskError("invalid", {"replacement": N_("Enter an amount of zero or more.")})
    async with write_transaction():
        query = Booking.select(*_loan_columns(), Booking.unit.cost.as_alias("unit_cost")).where(
            Booking.id == booking_id)
        if is_postgres():
            query = query.lock_rows(of=(Booking,))
        loan = await query.first()
        if loan is None:
            raise DeskError("not_found", {"form": N_("There is no such loan.")})
        if centre_ids is not None and loan["centre"] not in centre_ids:
            raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
        if loan["status"] != "out":
            raise DeskError("invalid", {"form": N_("Only a tool that is out can be lost.")})
        member, centre = loan["member"], loan["centre"]
        policy = await ledger.fee_policy(centre)
        if days_late(loan["ends_on"], today) < policy["lost_after_days"]:
            raise DeskError("invalid", {"form": Plural(
                "A loan can be declared lost after %(num)s day late.",
                "A loan can be declared lost after %(num)s days late.",
                policy["lost_after_days"])})
        cost = replacement if replacement is not None else loan["unit_cost"]
        if cost is None:
            raise DeskError("invalid", {"replacement": N_(
                "The unit's cost is not recorded: enter the replacement cost.")})
        receipt = await ledger.open_receipt(member, centre, "lost", actor_id=actor.id, now=now)
        postings = ledger.Postings(receipt, member, centre, now=now, actor_id=actor.id)
        fee = _late_fee(loan["ends_on"], today, policy)
        postings.post("late_fee", fee, loan=booking_id)
        postings.post("replacement", cost, loan=booking_id)
        await notifications.queue(
            member, "declared_lost", {"tool": Names.of(loan, "tool_name"),
                                      "ends": Day(loan["ends_on"]),
                                      "charge": notifications.Money(fee + cost)},
            now=now, centre_id=centre, event_key=f"declared_lost:booking {booking_id}")
        _settle_deposit(postings, booking_id, await _deposit_held(booking_id),
                        await ledger.balance(member))  # before this receipt's lines
        await postings.write()
        await Booking.update({Booking.status: "lost", Booking.lost_at: now, Booking.ended_on: today,
                              Booking.in_receipt: receipt}).where(Booking.id == booking_id)
        await inventory.change_unit_status(
            loan["unit"], "lost", f"{loan['member_name']}, {today.isoformat()}", actor=actor,
            now=now, audit=audit.record)
        await audit.record("loan.lost", "booking", booking_id, now=now, actor_id=actor.id,
                           centre_id=centre, before={"status": "out"},
                           after={"status": "lost", "replacement": cost, "receipt": receipt})
    return receipt


# --- receipts ---------------------------------------------------------------------------------


async def receipt_view(receipt_id: int) -> dict[str, Any] | None:
    """A receipt as it was at its moment, the same whenever it is read: who, where, when, what
    it did to each loan (`moment`), its lines in words with positive amounts, its totals (what
    the member owed after it) and `total`, the sum of its entries."""
    async with read_transaction():
        found = await ledger.receipt_entries(receipt_id)
        if found is None:
            return None
        receipt, entries = found
        loans = await _receipt_loans(receipt, entries)
        still_out = [loan["id"] for loan in loans if loan["moment"]["what"] in _STILL_OUT]
        owed_after = await ledger.balance_after(receipt["member"], receipt_id)
        deposit_held = await ledger.deposits_held_after(still_out, receipt_id)
    tags = {loan["id"]: loan["asset_tag"] for loan in loans}
    lines = [{**line, "asset_tag": tags.get(line["loan"], "")}  # which tool a line is for
             for line in ledger.receipt_lines(entries)]
    return {"receipt": receipt, "entries": entries, "loans": loans, "lines": lines,
            "totals": ledger.receipt_totals(entries, owed_after=owed_after,
                                            deposit_held=deposit_held),
            "total": sum(e["amount"] for e in entries)}


# What the desk's audit rows, written in the transaction of the receipt they name, say the
# receipt did to a loan; a receipt reads them (they are append-only), not the loan's state now:
# their `after` keys `receipt`, `ends_on` and `condition`, and a renewal's `before.ends_on`.
_MOMENTS = {"loan.check_out": "out", "loan.renew": "renewed", "loan.check_in": "returned",
            "loan.lost": "lost"}
_STILL_OUT = ("out", "renewed")


async def _receipt_loans(receipt: dict[str, Any], entries: list[dict[str, Any]]
                         ) -> list[dict[str, Any]]:
    """The loans a receipt touched, each with its `moment`: what the receipt did to it (`what`:
    out, renewed, returned, lost, or None when it only names it, as a correction does), the
    return day it set (`ends_on`) and the condition it came back in (`condition`)."""
    receipt_id = receipt["id"]
    named = sorted({e["loan"] for e in entries if e["loan"]})
    condition = (Booking.out_receipt == receipt_id) | (Booking.in_receipt == receipt_id)
    if named:
        condition |= Booking.id.is_in(named)
    if receipt["kind"] == "renewal":  # a free tool's renewal writes no entry naming the loan
        condition |= ((Booking.member == receipt["member"])
                      & (Booking.centre == receipt["centre"]) & (Booking.renewals > 0)
                      & (Booking.checked_out_at <= receipt["created_at"]))
    loans = await Booking.select(*_receipt_loan_columns()).where(condition).order_by(Booking.id)
    history: dict[int, list[dict[str, Any]]] = {loan["id"]: [] for loan in loans}
    if loans:
        for row in await AuditLog.select(
                AuditLog.entity_id, AuditLog.action, AuditLog.before, AuditLog.after).where(
                (AuditLog.entity == "booking") & AuditLog.entity_id.is_in(sorted(history))
                & AuditLog.action.is_in(list(_MOMENTS))).order_by(AuditLog.id).output(
                load_json=True):
            history[row["entity_id"]].append(row)
    shown = []
    for loan in loans:
        moment = _moment(loan, receipt_id, history[loan["id"]], named)
        if moment is not None:
            shown.append({**loan, "moment": moment})
    return shown


@functools.cache
def _receipt_loan_columns() -> tuple[Any, ...]:
    return (*_loan_columns(),
            Booking.tool_type.safety_notes_ka.as_alias("safety_notes_ka"),
            Booking.tool_type.safety_notes_en.as_alias("safety_notes_en"),
            Booking.tool_type.safety_notes_ru.as_alias("safety_notes_ru"))


def _moment(loan: dict[str, Any], receipt_id: int, history: list[dict[str, Any]],
            named: list[int]) -> dict[str, Any] | None:
    """What receipt `receipt_id` did to a loan, from the loan's audit rows; a loan written
    without them (history imported from elsewhere) falls back on its own links to the receipt.
    None: the receipt did nothing to it (a loan looked at for a free renewal)."""
    for row in history:
        after = row["after"] or {}
        if after.get("receipt") == receipt_id:
            what = _MOMENTS[row["action"]]
            ends_on = after.get("ends_on") if what in _STILL_OUT else None
            return {"what": what, "ends_on": date.fromisoformat(ends_on) if ends_on else None,
                    "condition": after.get("condition") if what == "returned" else None,
                    "parts": after.get("parts") or []}
    if loan["out_receipt"] == receipt_id:  # the return day it went out with, before renewals
        renewed = [row for row in history if row["action"] == "loan.renew"]
        first = (renewed[0]["before"] or {}).get("ends_on") if renewed else None
        return {"what": "out", "ends_on": date.fromisoformat(first) if first
                else loan["ends_on"], "condition": None, "parts": []}
    if loan["in_receipt"] == receipt_id:
        return {"what": loan["status"], "ends_on": None,
                "condition": loan["return_condition"] if loan["status"] == "returned" else None,
                "parts": []}
    if loan["id"] in named:
        return {"what": None, "ends_on": None, "condition": None, "parts": []}
    return None


async def receipt_page(receipt_id: int, user: CurrentUser) -> dict[str, Any] | None:
    """A receipt for its member, or for staff of its centre; None for anyone else."""
    view = await receipt_view(receipt_id)
    if view is None:
        return None
    receipt = view["receipt"]
    mine = receipt["member"] == user.id
    return view if mine or (user.is_staff and user.can_act_for(receipt["centre"])) else None


# The receipt with the sum of its entries and what the member owes now, in one statement.
_RECEIPT_SUMMARY_SQL = """
SELECT r.id, r.member, r.centre, r.kind,
       (SELECT SUM(e.amount) FROM ledger_entry e WHERE e.receipt = r.id) AS total,
       (SELECT SUM(e.amount) FROM ledger_entry e WHERE e.member = r.member) AS balance
FROM receipt r WHERE r.id = {}"""


async def receipt_summary(receipt_id: int) -> dict[str, Any]:
    """What the desk API answers about the receipt it has just written: the receipt, the loans
    it did something to, the sum of its entries (`total`) and the member's balance."""
    async with read_transaction():
        summary = (await Receipt.raw(_RECEIPT_SUMMARY_SQL, receipt_id))[0]
        if summary["kind"] == "renewal":  # which loans it renewed: their audit rows say
            receipt = await Receipt.select(
                Receipt.id, Receipt.member, Receipt.centre, Receipt.kind, Receipt.created_at,
            ).where(Receipt.id == receipt_id).first()
            loans = await _receipt_loans(receipt, await LedgerEntry.select(
                LedgerEntry.loan).where(LedgerEntry.receipt == receipt_id))
        else:  # a loan it lent, took back or charged: `_receipt_loans` shows each of them
            # one IN over a union: an OR with a subquery made PostgreSQL read every booking
            loans = await Booking.select(*_receipt_loan_columns()).where(WhereRaw(
                "booking.id IN (SELECT b.id FROM booking b WHERE b.out_receipt = {} "
                "UNION ALL SELECT b.id FROM booking b WHERE b.in_receipt = {} "
                "UNION ALL SELECT e.loan FROM ledger_entry e WHERE e.receipt = {})",
                receipt_id, receipt_id, receipt_id)).order_by(Booking.id)
    return {"receipt": summary, "loans": loans, "balance": int(summary["balance"] or 0),
            "total": int(summary["total"] or 0)}


# --- a member's account -----------------------------------------------------------------------


async def account_page(member_id: int, user: CurrentUser) -> dict[str, Any] | None:
    """Every entry of a member's account and the balance; whether the user may reverse an
    entry (coordinators). None: there is no such member."""
    async with read_transaction():
        view = await ledger.member_ledger(member_id)
        member = await members.member_row(member_id)
    if member is None:
        return None
    return {**view, "member": member, "may_reverse": user.all_centres}


async def take_payment(member_id: int, centre_id: int, payment: dict[str, Any], *,
                       actor: CurrentUser, now: datetime) -> int:
    """The desk API's payment: the desk page's service (`ledger.take_payment`), at a centre
    the actor works for (the page's guard checks the centre in its path; the API's is in the
    body) and one that is open; returns the receipt."""
    if not actor.can_act_for(centre_id):
        raise DeskError("forbidden", {"form": N_("You do not have access to this page.")})
    async with write_transaction():  # ledger.take_payment's transaction joins this one
        await _centre(centre_id)
        return await ledger.take_payment(member_id, centre_id, payment,
                                         may_waive=actor.all_centres, actor_id=actor.id,
                                         now=now)
