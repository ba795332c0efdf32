"""Pure rules about units and centres: plain values in, plain values out, no I/O."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

MAX_MONEY_TETRI = 100_000_000  # 1,000,000 GEL: more is a typing slip, not a tool
# The widest values a path, a query, a form or a JSON body may carry: an id or a count fits
# the database's integer; a day lies in a window that month and period arithmetic never
# leaves (date.max is 9999-12-31: a month after it does not exist).
MAX_INT = 2_147_483_647
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
ASSET_TAG = re.compile(r"^([A-Z0-9]{2,8})-(\d{4,10})$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated where it is shown (inventory sits
    below rental, so it cannot use rental.i18n)."""
    return message


def inspection_due_on(last_inspected_on: date | None, interval_days: int | None) -> date | None:
    """The day the next electrical safety inspection is due; None when none is required.

    A unit that needs inspections and was never inspected is due at once (date.min)."""
    if not interval_days:
        return None
    if last_inspected_on is None:
        return date.min
    return last_inspected_on + timedelta(days=interval_days)


def is_lendable(
    status: str,
    last_inspected_on: date | None,
    interval_days: int | None,
    today: date,
    last_inspection_result: str | None = None,
) -> bool:
    """In circulation, its latest inspection not failed and, where the tool type needs it,
    inspected within its interval."""
    if status != "available" or last_inspection_result == "fail":
        return False
    due = inspection_due_on(last_inspected_on, interval_days)
    return due is None or today < due


def inspection_state(
    last_inspected_on: date | None,
    interval_days: int | None,
    last_inspection_result: str | None,
    today: date,
    soon_days: int = 14,
) -> str | None:
    """'failed', 'overdue', 'due_soon' (within `soon_days`) or 'ok'; None when not required."""
    if last_inspection_result == "fail":
        return "failed"
    due = inspection_due_on(last_inspected_on, interval_days)
    if due is None:
        return None
    if due <= today:
        return "overdue"
    if due <= today + timedelta(days=soon_days):
        return "due_soon"
    return "ok"


# --- asset tags -----------------------------------------------------------------------------


def asset_tag(centre_code: str, number: int) -> str:
    """SMG, 42 -> 'SMG-0042' (four digits at least, more when the centre has more units)."""
    return f"{centre_code.upper()}-{number:04d}"


def normalise_asset_tag(text: str) -> str | None:
    """A scanned or typed tag as stored: spaces trimmed, upper case; None if it is not a tag."""
    cleaned = "".join(text.split()).upper()
    return cleaned if ASSET_TAG.match(cleaned) else None


def asset_tag_number(tag: str, centre_code: str) -> int | None:
    """The sequence number of a tag of this centre: ('SMG-0042', 'SMG') -> 42."""
    match = ASSET_TAG.match(tag)
    if not match or match.group(1) != centre_code.upper():
        return None
    return int(match.group(2))


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


def is_slug(text: str) -> bool:
    return bool(SLUG.match(text)) and len(text) <= 80


def opening_days_mask(days: list[int]) -> int:
    """[0, 1, 2] (Monday=0) -> 0b0000111."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"weekday {day} is not 0 (Monday) to 6 (Sunday)")
        mask |= 1 << day
    return mask


def is_open_on(mask: int, day: date) -> bool:
    return bool(mask >> day.weekday() & 1)


def next_open_day(mask: int, day: date) -> date:
    """`day` or the first day after it on which the centre opens (`day` if it never does)."""
    for ahead in range(7):
        if is_open_on(mask, day + timedelta(days=ahead)):
            return day + timedelta(days=ahead)
    return day


def open_weekdays(mask: int) -> list[int]:
    return [day for day in range(7) if mask >> day & 1]


def search_text(*names: str) -> str:
    """One lower-cased line of every name, for a single search column. Georgian Mkhedruli has no
    case, but Mtavruli capitals (used in headings) fold to it with str.lower()."""
    return " ".join(word for name in names for word in name.lower().split())


def search_pattern(query: str) -> str | None:
    """A LIKE pattern for a user's query; wildcards they type are removed, not obeyed."""
    cleaned = " ".join(query.lower().replace("%", " ").replace("_", " ").split())[:100].strip()
    return f"%{cleaned}%" if cleaned else None


MAX_PERIOD_DAYS = 365


def parse_period(starts_text: str, ends_text: str, today: date) -> tuple[date, date] | None:
    """The "free on these dates" filter: both empty -> None; otherwise two dates, the first
    not in the past, the second not before the first, at most a year apart."""
    if not starts_text.strip() and not ends_text.strip():
        return None
    if not starts_text.strip() or not ends_text.strip():
        raise BadValue(N_("Enter both dates: from and to."))
    starts, ends = calendar_day(starts_text), calendar_day(ends_text)
    if starts is None or ends is None:
        raise BadValue(N_("Enter the dates as YYYY-MM-DD."))
    if ends < starts:
        raise BadValue(N_("The end date is before the start date."))
    if starts < today:
        raise BadValue(N_("The dates are in the past."))
    if (ends - starts).days >= MAX_PERIOD_DAYS:
        raise BadValue(N_("Choose a period of at most a year."))
    return starts, ends
