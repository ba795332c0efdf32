"""Fee policy: pure functions on integer tetri. (The desk issue adds late fees and the ledger.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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


def rental_quote(
    daily_fee: int, deposit: int, starts_on: date, ends_on: date, discount_percent: int = 0
) -> Quote:
    """Daily fee × days, less the concession; the funder covers the part waived (rounded in the
    member's favour), the deposit is taken in full and refunded at return."""
    if daily_fee < 0 or deposit < 0 or not 0 <= discount_percent <= 100:
        raise ValueError("fees are never negative; a discount is 0 to 100 percent")
    days = loan_days(starts_on, ends_on)
    full = daily_fee * days
    waived = -(-full * discount_percent // 100)
    return Quote(days=days, full_fee=full, fee=full - waived, waived=waived, deposit=deposit)


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
