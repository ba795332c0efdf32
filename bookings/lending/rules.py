"""Pure booking rules: plain data in, plain data out, no I/O; tested with tables of cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inventory.transfer_rules import TRANSFER_DAYS
from rental.centres import is_open_on
from rental.kernel.i18n import N_, Day, Plural
from rental.kernel.values import money_input

Period = tuple[date, date]  # both days included


def overlaps(a: Period, b: Period) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def days_of(period: Period) -> list[date]:
    return [period[0] + timedelta(days=n) for n in range((period[1] - period[0]).days + 1)]


def free_units(
    units: Iterable[int], busy: Iterable[tuple[int, Period]], period: Period
) -> list[int]:
    """Units with no active booking overlapping the period, in the given order."""
    taken = {unit for unit, held in busy if overlaps(held, period)}
    return [unit for unit in units if unit not in taken]


def free_per_day(units: Iterable[int], busy: Iterable[tuple[int, Period]],
                 period: Period) -> dict[date, int]:
    """How many of the units are free on each day of the period."""
    unit_list = list(units)
    held: dict[date, set[int]] = {}
    for unit, (start, end) in busy:
        day = max(start, period[0])
        while day <= min(end, period[1]):
            held.setdefault(day, set()).add(unit)
            day += timedelta(days=1)
    return {day: sum(1 for u in unit_list if u not in held.get(day, ())) for day in days_of(period)}


def less_held(free: dict[date, int], held: Iterable[Period]) -> dict[date, int]:
    """Free units per day once the waitlist offers overlapping each day are held back."""
    counts = dict(free)
    for period in held:
        for day in days_of(period):
            if day in counts:
                counts[day] = max(0, counts[day] - 1)
    return counts


def free_beyond_holds(free: list[int], held: list[Period]) -> list[int]:
    """The free units one may take when every offer overlapping the period holds one of them
    for its member (a unit is only promised by an offer, not chosen, so count them)."""
    return free[len(held):] if len(held) < len(free) else []


@dataclass(frozen=True)
class PeriodLimits:
    today: date
    horizon_days: int  # how far ahead a pick-up may be
    max_loan_days: int
    opening_days: int  # bit 0 = Monday


def period_problems(starts_on: date, ends_on: date, limits: PeriodLimits) -> dict[str, Any]:
    """What is wrong with a requested period, by field (a message id, or one with its values);
    empty when it can be booked."""
    problems: dict[str, Any] = {}
    if starts_on < limits.today:
        problems["starts_on"] = N_("The pick-up day has passed.")
    elif starts_on > limits.today + timedelta(days=limits.horizon_days):
        problems["starts_on"] = Plural(
            "That is too far ahead: book at most %(num)s day ahead.",
            "That is too far ahead: book at most %(num)s days ahead.", limits.horizon_days)
    elif not is_open_on(limits.opening_days, starts_on):
        problems["starts_on"] = N_("The centre is closed on the pick-up day.")
    if ends_on < starts_on:
        problems["ends_on"] = N_("The return day is before the pick-up day.")
    elif (ends_on - starts_on).days > limits.max_loan_days:
        problems["ends_on"] = Plural("This tool can be borrowed for at most %(num)s day.",
                                     "This tool can be borrowed for at most %(num)s days.",
                                     limits.max_loan_days)
    elif not is_open_on(limits.opening_days, ends_on):
        problems["ends_on"] = N_("The centre is closed on the return day.")
    return problems


# The desk's day lists (pick-ups, returns) show their first rows and a "Show all N" link
DAY_LIST_ROWS = 20
DAY_LISTS = ("pickups", "returns")


def whole_list(asked: str) -> tuple[str, date] | None:
    """A list to show whole, asked as "pickups-2026-12-07"; None for anything else."""
    kind, _, day = asked.partition("-")
    try:
        return (kind, date.fromisoformat(day)) if kind in DAY_LISTS else None
    except ValueError:
        return None


def earliest_pickup_elsewhere(today: date) -> date:
    """The first pick-up day of a booking whose unit comes from another centre."""
    return today + timedelta(days=TRANSFER_DAYS)


def pickup_elsewhere_problems(starts_on: date, today: date) -> dict[str, Any]:
    """What is wrong with a pick-up day for a unit that must first come from another centre
    (on top of the pick-up centre's own limits: period_problems)."""
    earliest = earliest_pickup_elsewhere(today)
    if starts_on < earliest:
        return {"pickup": (N_("A unit from another centre can be picked up from %(day)s on: "
                              "choose that day or a later one, or pick it up here."),
                           {"day": Day(earliest)})}
    return {}


def missing_choices(starts_on: date | None, ends_on: date | None,
                    member_id: int | None) -> dict[str, Any]:
    """What a booking form left out, by field: the days, or (the desk) the member."""
    missing: dict[str, Any] = {}
    if starts_on is None:
        missing["starts_on"] = N_("Choose the pick-up day.")
    if ends_on is None:
        missing["ends_on"] = N_("Choose the return day.")
    if not member_id:
        missing["form"] = N_("Find the member first, then book from their card.")
    return missing


def is_overdue(status: str, ends_on: date, today: date) -> bool:
    """A loan still out after its return day."""
    return status == "out" and ends_on < today


def month_grid(month: date) -> list[list[date | None]]:
    """The weeks of a month, Monday first, with None outside the month."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    cells: list[date | None] = [None] * first.weekday()
    cells += [first + timedelta(days=n) for n in range((following - first).days)]
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def shift_month(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


# --- the desk ---------------------------------------------------------------------------------


NO_RETURN_DAY = N_("Choose the return day first.")


@dataclass(frozen=True)
class Verdict:
    """What the desk can do with one scanned unit for one member."""

    kind: str  # pickup, walk_in or refused
    reason: Any = None  # a message id, or one with its values, when refused
    booking: int | None = None  # the reservation picked up
    ends_on: date | None = None  # the return day of a pick-up


def scan_verdict(unit: dict[str, Any] | None, *, centre_id: int, member_id: int, today: date,
                 return_on: date | None, lendable: bool, holds: list[dict[str, Any]],
                 reservations: list[dict[str, Any]],
                 certified: frozenset[int] | set[int] = frozenset()) -> Verdict:
    """`holds`: the unit's active bookings that end today or later; `reservations`: the
    member's reservations at this centre ready for pick-up (starting today or before);
    `certified`: the skills the member holds a valid certificate for.

    A reservation of this unit is picked up; a reservation of the same tool type may take this
    unit instead when it is free for those days; otherwise the unit is lent as a walk-in loan
    until `return_on` when nothing holds it then."""
    def refused(reason: Any) -> Verdict:
        return Verdict("refused", reason)

    if unit is None:
        return refused(N_("There is no unit with this tag."))
    if unit["centre"] != centre_id:
        return refused(N_("This unit belongs to another centre."))
    if unit["status"] != "available":
        return refused({
            "maintenance": N_("This unit is in maintenance."),
            "retired": N_("This unit is retired."),
            "lost": N_("This unit is marked lost."),
            "in_transit": N_("This unit is on its way between centres."),  # desk.py sets it
        }.get(unit["status"], N_("This unit cannot be lent.")))
    if any(hold["status"] == "out" for hold in holds):
        return refused(N_("This unit is already out."))
    if any(hold["status"] == "reserved" and hold["centre"] != centre_id for hold in holds):
        # a booking at another centre waits for it (bookings.lending.reservations)
        return refused(N_("This unit is promised to a booking at another centre: send it "
                          "there."))
    if not lendable:
        return refused(N_("This unit's electrical inspection failed or is overdue."))
    if unit["required_skill"] and unit["required_skill"] not in certified:
        return refused(N_("This tool needs a safety certificate the member does not have."))
    for hold in holds:
        if hold["member"] == member_id and hold["starts_on"] <= today:
            return Verdict("pickup", booking=hold["id"], ends_on=hold["ends_on"])
    others = [h for h in holds if h["member"] != member_id or h["starts_on"] > today]
    for reservation in reservations:
        if reservation["tool_type"] == unit["tool_type"] and not any(
                overlaps((h["starts_on"], h["ends_on"]), (today, reservation["ends_on"]))
                for h in others):
            return Verdict("pickup", booking=reservation["id"], ends_on=reservation["ends_on"])
    if return_on is None:
        return refused(NO_RETURN_DAY)
    clash = [h for h in others if overlaps((h["starts_on"], h["ends_on"]), (today, return_on))]
    if clash:
        first = min(h["starts_on"] for h in clash)
        return refused((N_("This unit is booked from %(day)s: choose an earlier return day."),
                        {"day": Day(first)}))
    return Verdict("walk_in", ends_on=return_on)


def return_days(today: date, max_loan_days: int, opening_days: int) -> list[date]:
    """The days a walk-in loan from `today` may come back on: the centre's open days within the
    tool type's longest loan, from tomorrow (today itself only for a tool lent for the day)."""
    if max_loan_days <= 0:
        return [today] if is_open_on(opening_days, today) else []
    return [day for day in (today + timedelta(days=n) for n in range(1, max_loan_days + 1))
            if is_open_on(opening_days, day)]


def default_return_day(today: date, max_loan_days: int, opening_days: int,
                       wanted: date | None = None) -> date | None:
    """The return day a scanned unit's line starts with: the earliest day allowed for its tool
    type (the next open day); with a day the desk asked for the whole basket (`wanted`), that
    day when this tool may stay out so long and the centre is open then, else the allowed day
    nearest before it (or the earliest, when none is before it). None: no day is allowed."""
    allowed = return_days(today, max_loan_days, opening_days)
    if not allowed:
        return None
    if wanted is None:
        return allowed[0]
    before = [day for day in allowed if day <= wanted]
    return before[-1] if before else allowed[0]


@dataclass(frozen=True)
class MemberStanding:
    status: str  # the account's
    membership: str | None  # active, expired, suspended, or None without one
    balance: int  # tetri owed
    balance_limit: int
    overdue: int  # loans past their return day
    tools_out: int
    max_tools_out: int | None


def member_blocks(standing: MemberStanding, adding: int = 0) -> tuple[list[Any], list[Any]]:
    """(hard blocks, soft blocks) for lending `adding` more tools. Staff may override a soft
    block with a written reason, never a hard one."""
    hard: list[Any] = []
    soft: list[Any] = []
    if standing.status == "pending":
        hard.append(N_("Registration is not finished: check an identity document first."))
    elif standing.status in ("suspended", "erased"):
        hard.append(N_("This account is suspended."))
    if standing.membership == "suspended":
        hard.append(N_("The membership is suspended."))
    elif standing.membership is None:
        soft.append(N_("There is no membership."))
    elif standing.membership == "expired":
        soft.append(N_("The membership has expired."))
    if standing.balance > standing.balance_limit:
        soft.append(N_("The unpaid balance is over the centre's limit."))
    if standing.overdue:
        soft.append((N_("Overdue tools: %(count)s."), {"count": standing.overdue}))
    if standing.max_tools_out is not None and standing.tools_out + adding > standing.max_tools_out:
        soft.append(Plural("This goes over the membership's limit of %(num)s tool out.",
                           "This goes over the membership's limit of %(num)s tools out.",
                           standing.max_tools_out))
    return hard, soft


def check_out_payment_problems(amount: int, due: int, *, leave_owing: bool, owing_reason: str,
                               balance_limit: int) -> dict[str, Any]:
    """What is wrong with taking `amount` tetri at check-out when `due` is what the member
    should pay now (the basket and what they owed before), by field; empty when it can be taken.

    The amount is what is due: never more, and less only by an explicit choice ("leave the
    rest owing", with a reason) that keeps what is owed within the centre's balance limit. So a
    stale amount (the basket changed since it was shown) never goes through by accident."""
    def money(tetri: int) -> dict[str, str]:
        return {"amount": money_input(tetri)}

    if amount < 0:
        return {"amount": N_("Enter an amount of zero or more.")}
    if amount > due:
        return {"amount": (N_("That is more than is due now: %(amount)s ₾."), money(due))}
    if amount == due:
        return {}
    if not leave_owing:
        return {"amount": (N_("%(amount)s ₾ is due now: take all of it, or leave the rest owing "
                              "and write why."), money(due))}
    problems: dict[str, Any] = {}
    if not owing_reason.strip():
        problems["owing_reason"] = N_("Write why the rest is left owing.")
    if due - amount > balance_limit:
        problems["amount"] = (N_("At most %(limit)s ₾ may be left owing: take at least "
                                 "%(amount)s ₾."),
                              {"limit": money_input(balance_limit),
                               "amount": money_input(due - balance_limit)})
    return problems
