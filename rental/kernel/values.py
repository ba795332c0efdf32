"""Values as people type and send them: money in GEL into integer tetri, whole numbers, days.

Bounded where they are parsed: an id or a count fits the database's integer, a day lies in a
window that month and period arithmetic never leaves, an amount is not a typing slip."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from rental.kernel.i18n import N_

MAX_MONEY_TETRI = 100_000_000  # 1,000,000 GEL: more is a typing slip, not a tool
# The widest values a path, a query, a form or a JSON body may carry: an id or a count fits
# the database's integer; a day lies in a window that month and period arithmetic never
# leaves (date.max is 9999-12-31: a month after it does not exist).
MAX_INT = 2_147_483_647
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


# --- money and numbers as typed into forms ----------------------------------------------------


class BadValue(ValueError):
    """`message` is a message id (marked with N_), or (message id, params)."""

    def __init__(self, message: str | tuple[str, dict]):
        super().__init__(message)
        self.message = message


def parse_money(text: str, *, required: bool = True) -> int | None:
    """GEL as typed ('12.50', '12,5', '12') -> integer tetri (1250); never through a float."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    cleaned = cleaned.removesuffix("₾").removesuffix("GEL").removesuffix("gel")
    if not cleaned:
        if required:
            raise BadValue(N_("Enter an amount in GEL, e.g. 12.50."))
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}(\.\d*)?|[+-]?\.\d+", cleaned):
        raise BadValue(N_("Enter an amount in GEL, e.g. 12.50."))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise BadValue(N_("Enter an amount in GEL, e.g. 12.50.")) from None
    if amount < 0:
        raise BadValue(N_("The amount cannot be negative."))
    tetri = amount * 100
    if tetri != tetri.to_integral_value():
        raise BadValue(N_("Use at most two decimals (tetri)."))
    if tetri > MAX_MONEY_TETRI:
        raise BadValue(N_("This amount is too large."))
    return int(tetri)


def money_input(tetri: int | None) -> str:
    """Integer tetri back into the form's GEL text: 1250 -> '12.50'."""
    if tetri is None:
        return ""
    return f"{tetri // 100}.{tetri % 100:02d}"


def whole_number(value: object) -> int | None:
    """A typed or sent whole number, or None when it is missing, not one, or beyond MAX_INT."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -MAX_INT <= number <= MAX_INT else None


def calendar_day(value: object) -> date | None:
    """A typed or sent ISO date, or None when it is missing, not one, or outside the window."""
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def parse_int(
    text: str, *, minimum: int, maximum: int, required: bool = True
) -> int | None:
    cleaned = text.strip()
    if not cleaned:
        if required:
            raise BadValue(N_("Enter a whole number."))
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}", cleaned):
        raise BadValue(N_("Enter a whole number."))
    number = int(cleaned)
    if not minimum <= number <= maximum:
        raise BadValue((N_("Enter a number from %(min)s to %(max)s."),
                        {"min": minimum, "max": maximum}))
    return number


def parse_date(text: str, *, required: bool = True) -> date | None:
    cleaned = text.strip()
    if not cleaned:
        if required:
            raise BadValue(N_("Enter a date."))
        return None
    value = calendar_day(cleaned)
    if value is None:
        raise BadValue(N_("Enter a date as YYYY-MM-DD."))
    return value
