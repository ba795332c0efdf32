"""Transfers between centres: who may move a request on, from which state, and where the network
should move units (issue 23). Pure: plain values in, message ids or plain values out.

A request: the receiver (the centre that asks) wants `quantity` units of a tool type from the
sender. requested -> dispatched (the sender's staff scan units out, one a scan, up to the quantity:
each is in transit) -> received (the receiver's staff scanned in every unit on the road: the
request is done, however many were sent); requested -> declined (the sender, with a reason) or
cancelled (the receiver, with a reason). Coordinators act for either side. Units on the road
are received, never cancelled: they are somewhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rental.kernel.i18n import N_

ACTIONS = ("dispatch", "receive", "decline", "cancel")
OPEN_STATUSES = ("requested", "dispatched")
MAX_QUANTITY = 20  # a request's units; the database checks it too
# A unit sent for a booking at another centre: the sender has a day to send it, the road
# takes a day. A booking picked up elsewhere starts no sooner than this many days ahead.
TRANSFER_DAYS = 2

# action -> (the states it starts from, the side that may take it)
_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatch": (("requested", "dispatched"), "sender"),
    "decline": (("requested",), "sender"),
    "cancel": (("requested",), "receiver"),
    "receive": (("dispatched",), "receiver"),
}


@dataclass(frozen=True)
class Sides:
    """Whom the person acting works for: the sending centre, the receiving one, or all
    (a coordinator or an admin)."""

    sender: bool = False
    receiver: bool = False
    coordinator: bool = False


def refusal(action: str, status: str, sides: Sides, *, sent: int = 0, quantity: int = 1,
            in_transit: int = 0) -> tuple[str, str] | None:
    """Why `action` may not be taken on a request in `status` by someone on `sides` (`sent`
    units dispatched of `quantity`, `in_transit` of them not received yet): (kind, message
    id), kind "forbidden" (not their centre) or "conflict" (not now); None: it may."""
    starts, side = _MOVES[action]
    if not (sides.coordinator or getattr(sides, side)):
        return "forbidden", N_("Only the staff of the centre concerned can do this.")
    if status not in starts:
        return "conflict", N_("This transfer request has moved on: see its state below.")
    if action == "dispatch" and sent >= quantity:
        return "conflict", N_("Every unit asked for is on its way already.")
    if action == "receive" and in_transit == 0:
        return "conflict", N_("No unit of this request is on its way.")
    return None


def next_steps(status: str, sides: Sides, *, sent: int = 0, quantity: int = 1,
               in_transit: int = 0) -> list[str]:
    """What the person may do next on a request (the list page's buttons), in ACTIONS order."""
    return [action for action in ACTIONS if refusal(
        action, status, sides, sent=sent, quantity=quantity, in_transit=in_transit) is None]


def status_after_receiving(still_in_transit: int) -> str:
    """A dispatched request is received once no unit of it is on the road."""
    return "dispatched" if still_in_transit > 0 else "received"


# --- suggestions ---------------------------------------------------------------------------


IDLE_DAYS = 60  # a unit with no loan for this long sits idle
MIN_AVAILABLE = 2  # a centre lends some of its units only while it keeps one for itself


@dataclass(frozen=True)
class Stock:
    """One tool type at one centre: units free now, of which idle (no loan for IDLE_DAYS),
    members waiting, and units already asked for (open requests it receives)."""

    tool_type: int
    centre: int
    available: int
    idle: int
    waiting: int
    requested: int = 0


@dataclass(frozen=True)
class Suggestion:
    tool_type: int
    sender: int
    receiver: int
    quantity: int


def spare(stock: Stock) -> int:
    """Units a centre can send: idle ones while its own members wait for none, keeping one
    free; none below MIN_AVAILABLE free."""
    if stock.waiting > 0 or stock.available < MIN_AVAILABLE:
        return 0
    return max(0, min(stock.idle, stock.available - 1))


def wanted(stock: Stock) -> int:
    """Units a centre's waiting members still need: waiting entries beyond its free units and
    what it has asked for already."""
    return max(0, stock.waiting - stock.available - stock.requested)


def suggestions(rows: Iterable[Stock]) -> list[Suggestion]:
    """Transfers that would serve waiting members from idle units: per tool type, the centre
    that wants most is served first by the one with most to spare (ties: the lower id),
    each at most MAX_QUANTITY units a request."""
    by_type: dict[int, list[Stock]] = {}
    for row in rows:
        by_type.setdefault(row.tool_type, []).append(row)
    found: list[Suggestion] = []
    for tool_type in sorted(by_type):
        rows_here = by_type[tool_type]
        givers = {row.centre: spare(row) for row in rows_here if spare(row) > 0}
        takers = sorted((row for row in rows_here if wanted(row) > 0),
                        key=lambda row: (-wanted(row), row.centre))
        for taker in takers:
            need = wanted(taker)
            for giver in sorted(givers, key=lambda centre: (-givers[centre], centre)):
                if need == 0:
                    break
                if giver == taker.centre or givers[giver] == 0:
                    continue
                quantity = min(need, givers[giver], MAX_QUANTITY)
                found.append(Suggestion(tool_type, giver, taker.centre, quantity))
                givers[giver] -= quantity
                need -= quantity
    return found
