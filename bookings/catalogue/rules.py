"""The public catalogue's rules: the "free on these dates" filter and who the desk books for
(pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.values import BadValue, calendar_day

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


def booking_for(member: int, asker: CurrentUser | None) -> int:
    """The member the desk books for from the catalogue (0: the visitor books for themself);
    a member id in the address means nothing unless the staff ask."""
    return member if asker is not None and asker.is_staff else 0


# A card names the reader's centre or, for a visitor without one, the centres with the most
# units free, and counts the rest: a network of a dozen centres would otherwise repeat every
# centre on every card (most of the catalogue's bytes, and hard to read on a phone).
CARD_CENTRES = 2


@dataclass(frozen=True)
class CardCentres:
    shown: tuple[int, ...]  # named on the card, each with its units free and a booking link
    others: tuple[int, ...]  # the other centres that lend the tool type, most units free first


def card_centres(lending: Sequence[int], free: Mapping[int, int], reader_centre: int | None,
                 *, room: int = CARD_CENTRES) -> CardCentres:
    """Which of the centres `lending` a tool type (in the centres' order) its card names:
    the reader's centre when they have one (chosen in the filter, or their home centre), else
    the `room` centres with the most units free; the others are counted."""
    by_free = sorted(lending, key=lambda centre: -free.get(centre, 0))  # stable among equals
    if reader_centre is not None:
        shown = tuple(centre for centre in lending if centre == reader_centre)
    else:
        shown = tuple(by_free[:room])
    return CardCentres(shown, tuple(centre for centre in by_free if centre not in shown))
