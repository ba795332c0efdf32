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

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from bookings.lending import availability, reservations
from bookings.lending.reservations import BookingError, lost_to_another_request
from bookings.lending.rules import (
    NO_RETURN_DAY,
    MemberStanding,
    PeriodLimits,
    Verdict,
    check_out_payment_problems,
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
    WaitlistEntry,
)
from inventory import services as inventory
from inventory.rules import is_lendable, normalise_asset_tag
from inventory.tables import Unit
from rental import audit, ledger, members
from rental.fees import Quote, days_late, extension_quote, late_fee, refund_due, rental_quote
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.member_rules import membership_state, parse_card_number
from rental.tables import (
    PAYMENT_METHODS,
    AuditLog,
    Centre,
    LedgerEntry,
    Member,
    MemberConcession,
    Membership,
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


async def _standing(member_id: int, today: date, policy: dict[str, int]) -> tuple[
        dict[str, Any], MemberStanding, int]:
    """The member, their standing at the desk and their concession discount (five queries)."""
    member = await Member.select(Member.id, Member.name, Member.phone, Member.status,
                                 Member.role, Member.language).where(
        Member.id == member_id).first()
    if member is None or member["status"] == "erased":
        raise DeskError("not_found", {"member": N_("There is no such member.")})
    membership = await Membership.select(
        Membership.status, Membership.ends_on,
        Membership.membership_type.max_tools_out.as_alias("max_tools_out"),
    ).where((Membership.member == member_id) & (Membership.status != "closed")).first()
    concession = await MemberConcession.select(
        MemberConcession.category.discount_percent.as_alias("discount_percent"),
        MemberConcession.category.funder.as_alias("funder"), MemberConcession.category,
    ).where((MemberConcession.member == member_id) & MemberConcession.revoked_at.is_null()
            & (MemberConcession.expires_on >= today)).first()
    out = await Booking.select(Booking.ends_on).where(
        (Booking.member == member_id) & (Booking.status == "out"))
    standing = _standing_of(member, membership, [row["ends_on"] for row in out],
                            await ledger.balance(member_id), policy, today)
    member["discount_percent"] = concession["discount_percent"] if concession else 0
    member["funder"] = concession["funder"] if concession else ""
    member["concession"] = concession["category"] if concession else None
    return member, standing, member["discount_percent"]


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


def _loan_columns() -> list[Any]:
    return [
        Booking.all_columns(),
        *reservations.tool_type_and_centre_names(Booking),
        Booking.unit.asset_tag.as_alias("asset_tag"),
        Booking.tool_type.daily_fee.as_alias("daily_fee"),
        Booking.member.name.as_alias("member_name"),
        Booking.member.phone.as_alias("member_phone"),
    ]


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
        errors["scan"] = (N_("At most %(count)s units at once."), {"count": MAX_BASKET})
        seen = seen[:MAX_BASKET]
    return seen, errors


async def _basket(member_id: int, centre: dict[str, Any], tags: list[str],
                  return_on: date | None, today: date, *, lock: bool = False) -> Basket:
    """Evaluate every scanned unit for this member (a fixed number of queries)."""
    policy = await ledger.fee_policy(centre["id"])
    member, standing, discount = await _standing(member_id, today, policy)
    query = Unit.select(
        Unit.id, Unit.asset_tag, Unit.tool_type, Unit.centre, Unit.status,
        Unit.last_inspected_on, Unit.last_inspection_result,
        Unit.tool_type.inspection_interval_days.as_alias("interval_days"),
        Unit.tool_type.required_skill.as_alias("required_skill"),
        Unit.tool_type.daily_fee.as_alias("daily_fee"),
        Unit.tool_type.deposit.as_alias("deposit"),
        Unit.tool_type.max_loan_days.as_alias("max_loan_days"),
        Unit.tool_type.name_ka.as_alias("name_ka"), Unit.tool_type.name_en.as_alias("name_en"),
        Unit.tool_type.safety_notes_ka.as_alias("safety_notes_ka"),
        Unit.tool_type.safety_notes_en.as_alias("safety_notes_en"),
        Unit.tool_type.manual_url.as_alias("manual_url"),
    ).where(Unit.asset_tag.is_in(tags or ["-"])).order_by(Unit.asset_tag)
    if lock and is_postgres():  # in tag order, as bookings lock them: no deadlock between us
        query = query.lock_rows(of=(Unit,))
    units = {row["asset_tag"]: row for row in await query}
    ids = [row["id"] for row in units.values()] or [-1]
    holds = await Booking.select(Booking.id, Booking.unit, Booking.member, Booking.status,
                                 Booking.starts_on, Booking.ends_on).where(
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
        through = return_on or today
        verdict = scan_verdict(
            unit, centre_id=centre["id"], member_id=member_id, today=today, return_on=return_on,
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
        lines.append(Line(tag, unit, verdict, quote))
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
                until = min(o["offer_expires_at"] for o in held).astimezone(
                    ZoneInfo(centre["timezone"]))
                line.verdict = Verdict("refused", (N_(
                    "This unit is held for a member on the waitlist until %(day)s at "
                    "%(time)s."), {"day": until.date().isoformat(),
                                   "time": until.strftime("%H:%M")}))
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


# --- the desk page ----------------------------------------------------------------------------


async def desk_page(centre_id: int, *, user: CurrentUser, today: date,
                    member_id: int | None = None, query: str = "",
                    tags: list[str] | None = None, return_on: date | None = None,
                    scanned: str = "", tag: str | None = None,
                    errors: dict[str, Any] | None = None,
                    with_days: bool = True) -> dict[str, Any] | None:
    """A centre's desk, read at once: the member (`member_id`, or the one `query` finds) with
    their panel and basket (the `tags` scanned so far, `scanned` the last), the loan a `tag`
    scanned to check in is on, and the day's pick-ups and returns unless not `with_days` (a
    fragment that does not show them). `errors`: a refusal to show on it. `refused`: the scan
    or the tag was refused, `rejected_tag` the tag refused for check-in when its message does
    not name it. `focus`: the field the desk waits on next (the check-in scan after a tag, the
    basket's scan once there is a member, else the member search). None: the centre is closed
    or there is no such member."""
    errors = dict(errors or {})
    refused = False
    rejected_tag = ""
    async with read_transaction():
        here = await centre(centre_id)
        if here is None:
            return None
        found: list[dict[str, Any]] = []
        if query and member_id is None:
            found = await find_members(query)
            if len(found) == 1:
                member_id = found[0]["id"]
            elif not found:
                errors["q"] = N_("No member matches.")
        panel = basket = None
        if member_id is not None:
            panel = await _panel(member_id, centre_id, today)
            if panel is None:
                return None
            if tags is None:  # nothing scanned yet: the panel already knows the standing
                basket = Basket(panel["member"], panel["standing"], [], None,
                                hard=panel["hard"], soft=panel["soft"])
            else:
                basket = await _scanned_basket(member_id, here, tags, return_on, today, scanned)
                refused = bool(basket.errors)
                basket.errors.update(errors)
                errors = basket.errors
        loan = None
        if tag is not None:
            try:
                loan = await loan_for_check_in(tag, desk_centres(user), today)
            except DeskError as error:  # why this unit cannot be checked in, by its field
                errors.update(error.errors)
                refused = True
                rejected_tag = normalise_asset_tag(tag) or ""  # else the message names it
        days = await reservations.desk_days([centre_id], today) if with_days else {}
    focus = "tag" if tag is not None else "scan" if basket is not None else "q"
    return {"centre": here, "today": today, "query": query, "found": found, "panel": panel,
            "basket": basket, "errors": errors, "refused": refused, "check_in": loan,
            "rejected_tag": rejected_tag, "focus": focus,
            "conditions": RETURN_CONDITIONS, "may_waive": user.all_centres,
            "methods": PAY_METHODS if user.all_centres else PAYMENT_METHODS, **days}


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
    try:
        return await _check_out_once(member_id, centre_id, cleaned, return_on, payment,
                                     override_reason.strip()[:500], actor, today, now)
    except (BookingError, ledger.MoneyError):
        raise
    except Exception as exc:  # the other desk's loan or booking committed first
        if not lost_to_another_request(exc):
            raise
        raise DeskError("conflict", {"scan": N_(
            "Another desk has just lent or booked one of these units. Scan again to see "
            "which.")}) from None


async def _check_out_once(member_id, centre_id, tags, return_on, payment, override_reason,
                          actor, today, now) -> int:
    async with write_transaction():
        centre = await _centre(centre_id)
        basket = await _basket(member_id, centre, tags, return_on, today, lock=True)
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
        for line in basket.lines:
            loan = await _lend(line, member_id, centre_id, receipt, actor.id, today, now)
            await _charge(receipt, member_id, centre_id, loan, line.quote,
                          basket.member, actor_id=actor.id, now=now)
        if paid:  # how it is paid is checked first (method, slip, waiver); nothing paid: no line
            await ledger.post_payment(receipt, member_id, centre_id, payment,
                                      owed=await ledger.balance(member_id),
                                      may_waive=actor.all_centres, now=now, actor_id=actor.id)
        if problems:  # not what is due, and not by choice: the whole check-out rolls back
            raise ledger.MoneyError("invalid", problems)
        if paid < basket.due:
            await audit.record("loan.left_owing", "receipt", receipt, now=now, actor_id=actor.id,
                               centre_id=centre_id, after={
                                   "due": basket.due, "paid": paid,
                                   "owing": basket.due - paid, "reason": owing_reason[:500]})
        if basket.soft:
            await audit.record("loan.override", "receipt", receipt, now=now, actor_id=actor.id,
                               centre_id=centre_id, after={
                                   "reason": override_reason,
                                   "warnings": [w if isinstance(w, str) else w[0]
                                                for w in basket.soft]})
    return receipt


async def _charge(receipt: int, member_id: int, centre_id: int, loan: int, quote: Quote,
                  member: dict[str, Any], *, actor_id: int, now: datetime) -> None:
    """A loan's fee, the concession's share as a waiver naming its category and funder (for
    the donor reports), and the deposit (zero amounts write nothing)."""
    post = {"now": now, "actor_id": actor_id, "loan": loan}
    await ledger.post(receipt, member_id, centre_id, "fee", quote.full_fee, **post)
    await ledger.post(receipt, member_id, centre_id, "waiver", -quote.waived,
                      funder=member["funder"] or "-", concession=member["concession"], **post)
    await ledger.post(receipt, member_id, centre_id, "deposit", quote.deposit, **post)


async def _settle_deposit(receipt: int, member_id: int, centre_id: int, loan: int, *,
                          actor_id: int, now: datetime) -> None:
    """The loan's deposit comes back, applied first to what the member owes; what is left is
    handed back in cash."""
    post = {"now": now, "actor_id": actor_id, "loan": loan}
    held = await _deposit_held(loan)
    await ledger.post(receipt, member_id, centre_id, "deposit_return", -held, **post)
    refund = refund_due(await ledger.balance(member_id), held)
    await ledger.post(receipt, member_id, centre_id, "refund", refund, method="cash", **post)


async def _lend(line: Line, member_id: int, centre_id: int, receipt: int, actor_id: int,
                today: date, now: datetime) -> int:
    unit = line.unit
    verdict = line.verdict
    if verdict.kind == "pickup":
        rows = await Booking.update({
            Booking.status: "out", Booking.checked_out_at: now, Booking.out_receipt: receipt,
            Booking.unit: unit["id"],
        }).where((Booking.id == verdict.booking) & (Booking.status == "reserved")).returning(
            Booking.id)
        if not rows:
            raise DeskError("conflict", {"scan": N_(
                "Another desk has just lent or booked one of these units. Scan again to see "
                "which.")})
        loan = rows[0]["id"]
    else:
        rows = await Booking.insert(Booking(
            member=member_id, tool_type=unit["tool_type"], unit=unit["id"], centre=centre_id,
            starts_on=today, ends_on=verdict.ends_on,
            status="out", created_at=now, created_by=actor_id, checked_out_at=now,
            out_receipt=receipt,
        )).returning(Booking.id)
        loan = rows[0]["id"]
    await audit.record("loan.check_out", "booking", loan, now=now, actor_id=actor_id,
                       centre_id=centre_id, after={
                           "unit": unit["id"], "member": member_id, "kind": verdict.kind,
                           "ends_on": verdict.ends_on.isoformat(), "receipt": receipt})
    return loan


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


async def _deposit_held(loan_id: int) -> int:
    row = await LedgerEntry.select(
        Sum(LedgerEntry.amount).as_alias("total")
    ).where((LedgerEntry.loan == loan_id)
            & LedgerEntry.kind.is_in(["deposit", "deposit_return"])).first()
    return int((row or {}).get("total") or 0)


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


async def check_in(*, tag: str, centre_ids: frozenset[int] | None, condition: str, notes: str,
                   damage_charge: int, photo: str, actor: Any, today: date,
                   now: datetime) -> int:
    """Take a unit back: late fee, damage charge, the deposit returned and applied to what is
    owed, the rest handed back; damage opens a maintenance ticket. Returns the receipt id."""
    if condition not in RETURN_CONDITIONS:
        raise DeskError("invalid", {"condition": N_("Choose the condition it came back in.")})
    notes = notes.strip()[:2000]
    if condition in NEEDS_REPAIR and not notes:
        raise DeskError("invalid", {"notes": N_("Describe the damage or what is missing.")})
    if damage_charge < 0:
        raise DeskError("invalid", {"damage_charge": N_("Enter an amount of zero or more.")})
    if damage_charge and condition not in NEEDS_REPAIR:
        raise DeskError("invalid", {"damage_charge": N_(
            "A damage charge needs the condition “damaged” or “missing parts”.")})
    async with write_transaction():
        loan = await _open_loan(tag, centre_ids, lock=True)
        member, centre = loan["member"], loan["centre"]
        policy = await ledger.fee_policy(centre)
        receipt = await ledger.open_receipt(member, centre, "check_in", actor_id=actor.id,
                                            now=now)
        post = {"now": now, "actor_id": actor.id, "loan": loan["id"]}
        await ledger.post(receipt, member, centre, "late_fee",
                          _late_fee(loan["ends_on"], today, policy), **post)
        await ledger.post(receipt, member, centre, "damage", damage_charge, reason=notes[:500],
                          **post)
        await _settle_deposit(receipt, member, centre, loan["id"], actor_id=actor.id, now=now)
        ticket = None
        if condition in NEEDS_REPAIR:
            ticket = await inventory.open_ticket(
                loan["unit"], f"{loan['member_name']} ({loan['asset_tag']}): {notes}",
                photo=photo, actor=actor, now=now, audit=audit.record)
        await Booking.update({
            Booking.status: "returned", Booking.returned_at: now, Booking.ended_on: today,
            Booking.in_receipt: receipt,
            Booking.return_condition: condition, Booking.return_notes: notes,
            Booking.return_ticket: ticket,
        }).where(Booking.id == loan["id"])
        await audit.record("loan.check_in", "booking", loan["id"], now=now, actor_id=actor.id,
                           centre_id=centre, before={"status": "out"}, after={
                               "status": "returned", "condition": condition,
                               "ticket": ticket, "receipt": receipt,
                               "days_late": days_late(loan["ends_on"], today)})
        if ticket is None:  # back early or on time: the unit may serve the waitlist now
            await reservations.offer_freed_period(loan["tool_type"], centre, now=now,
                                                  today=today)
    return receipt


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
    try:
        async with write_transaction():
            return await _renew(booking_id, new_ends_on, member_id, centre_ids, actor_id,
                                today, now, override_reason.strip()[:500])
    except (BookingError, ledger.MoneyError):
        raise
    except Exception as exc:
        if not lost_to_another_request(exc):
            raise
        raise DeskError("conflict", {"ends_on": N_(
            "Someone has just booked this unit for those days.")}) from None


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
        raise DeskError("invalid", {"form": (N_(
            "This loan has been renewed %(count)s times, the most the centre allows."),
            {"count": limit})})
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
    await _charge(receipt, loan["member"], loan["centre"], booking_id, quote, member,
                  actor_id=actor_id, now=now)
    await audit.record("loan.renew", "booking", booking_id, now=now, actor_id=actor_id,
                       centre_id=loan["centre"], before={"ends_on": loan["ends_on"].isoformat()},
                       after={"ends_on": new_ends_on.isoformat(), "receipt": receipt})
    return receipt


# --- overdue and lost -------------------------------------------------------------------------


async def overdue(centre_id: int, today: date) -> dict[str, Any]:
    """Loans past their return day at a centre, most late first, with the late fee so far and
    whether they may be declared lost."""
    async with read_transaction():
        centre = await _centre(centre_id)
        policy = await ledger.fee_policy(centre_id)
        loans = await Booking.select(*_loan_columns()).where(
            (Booking.centre == centre_id) & (Booking.status == "out")
            & (Booking.ends_on < today)).order_by(Booking.ends_on)
    for loan in loans:
        loan["days_late"] = days_late(loan["ends_on"], today)
        loan["late_fee"] = _late_fee(loan["ends_on"], today, policy)
        loan["may_declare_lost"] = loan["days_late"] >= policy["lost_after_days"]
    return {"centre": centre, "loans": loans, "policy": policy}


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
            raise DeskError("invalid", {"form": (N_(
                "A loan can be declared lost after %(days)s days late."),
                {"days": policy["lost_after_days"]})})
        cost = replacement if replacement is not None else loan["unit_cost"]
        if cost is None:
            raise DeskError("invalid", {"replacement": N_(
                "The unit's cost is not recorded: enter the replacement cost.")})
        receipt = await ledger.open_receipt(member, centre, "lost", actor_id=actor.id, now=now)
        post = {"now": now, "actor_id": actor.id, "loan": booking_id}
        await ledger.post(receipt, member, centre, "late_fee",
                          _late_fee(loan["ends_on"], today, policy), **post)
        await ledger.post(receipt, member, centre, "replacement", cost, **post)
        await _settle_deposit(receipt, member, centre, booking_id, actor_id=actor.id, now=now)
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
    loans = await Booking.select(
        *_loan_columns(),
        Booking.tool_type.safety_notes_ka.as_alias("safety_notes_ka"),
        Booking.tool_type.safety_notes_en.as_alias("safety_notes_en"),
    ).where(condition).order_by(Booking.id)
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
                    "condition": after.get("condition") if what == "returned" else None}
    if loan["out_receipt"] == receipt_id:  # the return day it went out with, before renewals
        renewed = [row for row in history if row["action"] == "loan.renew"]
        first = (renewed[0]["before"] or {}).get("ends_on") if renewed else None
        return {"what": "out", "ends_on": date.fromisoformat(first) if first
                else loan["ends_on"], "condition": None}
    if loan["in_receipt"] == receipt_id:
        return {"what": loan["status"], "ends_on": None,
                "condition": loan["return_condition"] if loan["status"] == "returned" else None}
    if loan["id"] in named:
        return {"what": None, "ends_on": None, "condition": None}
    return None


async def receipt_page(receipt_id: int, user: CurrentUser) -> dict[str, Any] | None:
    """A receipt for its member, or for staff of its centre; None for anyone else."""
    view = await receipt_view(receipt_id)
    if view is None:
        return None
    receipt = view["receipt"]
    mine = receipt["member"] == user.id
    return view if mine or (user.is_staff and user.can_act_for(receipt["centre"])) else None


async def receipt_summary(receipt_id: int) -> dict[str, Any]:
    """A receipt and the member's balance after it (what the desk API answers)."""
    async with read_transaction():
        view = await receipt_view(receipt_id)  # the receipt the caller has just written
        return {**view, "balance": await ledger.balance(view["receipt"]["member"])}


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
