"""Fee policy: pure functions on integer tetri, tested with tables of cases (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rental.kernel.i18n import N_


def loan_days(starts_on: date, ends_on: date) -> int:
    """Days charged: nights away, at least one (a same-day loan is one day)."""
    return max(1, (ends_on - starts_on).days)


@dataclass(frozen=True)
class Quote:
    days: int
    full_fee: int  # tetri, before the concession
    fee: int  # what the member pays
    waived: int  # what the concession's funder covers
    deposit: int


def rental_fee(daily_fee: int, days: int) -> int:
    if daily_fee < 0 or days < 0:
        raise ValueError("fees and days are never negative")
    return daily_fee * days


def concession_waiver(full_fee: int, discount_percent: int) -> int:
    """The part of a fee the concession's funder covers, rounded in the member's favour."""
    if full_fee < 0 or not 0 <= discount_percent <= 100:
        raise ValueError("fees are never negative; a discount is 0 to 100 percent")
    return -(-full_fee * discount_percent // 100)


def deposit(tool_deposit: int) -> int:
    """Taken in full from everyone, concession or not: it comes back at return, and it is
    what covers damage or a late fee the member cannot pay then."""
    if tool_deposit < 0:
        raise ValueError("a deposit is never negative")
    return tool_deposit


def rental_quote(
    daily_fee: int, tool_deposit: int, starts_on: date, ends_on: date, discount_percent: int = 0
) -> Quote:
    """Daily fee × days, less the concession; the funder covers the part waived (rounded in the
    member's favour), the deposit is taken in full and refunded at return."""
    days = loan_days(starts_on, ends_on)
    full = rental_fee(daily_fee, days)
    waived = concession_waiver(full, discount_percent)
    return Quote(days=days, full_fee=full, fee=full - waived, waived=waived,
                 deposit=deposit(tool_deposit))


def days_late(due_on: date, returned_on: date) -> int:
    """Calendar days after the due day (returning on the due day is on time)."""
    return max(0, (returned_on - due_on).days)


def late_fee(due_on: date, returned_on: date, *, per_day: int, grace_days: int, cap: int) -> int:
    """Per day late after a grace period, never more than the cap, in tetri.

    Dates are calendar dates in the centre's time zone, so a DST change or a leap day counts
    as the day it is."""
    if per_day < 0 or grace_days < 0 or cap < 0:
        raise ValueError("fees, grace and cap are never negative")
    charged_days = max(0, days_late(due_on, returned_on) - grace_days)
    return min(charged_days * per_day, cap)


def extension_quote(daily_fee: int, old_ends_on: date, new_ends_on: date,
                    discount_percent: int = 0) -> Quote:
    """A renewal pays the added days only, with the same concession, and no new deposit."""
    if new_ends_on <= old_ends_on:
        raise ValueError("a renewal moves the return day later")
    days = (new_ends_on - old_ends_on).days
    full = rental_fee(daily_fee, days)
    waived = concession_waiver(full, discount_percent)
    return Quote(days=days, full_fee=full, fee=full - waived, waived=waived, deposit=0)


def refund_due(balance: int, deposit_returned: int) -> int:
    """After a return, what is handed back: the credit the deposit left, never more than the
    deposit (what is owed elsewhere is taken from it first)."""
    return max(0, min(-balance, deposit_returned))


def payment_problem(amount: int, owed: int) -> str | None:
    """Why a payment of `amount` tetri cannot be taken against `owed`, or None."""
    if amount <= 0:
        return N_("Enter an amount above zero.")
    if amount > owed:
        return N_("That is more than is owed.")
    return None
