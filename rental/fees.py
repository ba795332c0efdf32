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
