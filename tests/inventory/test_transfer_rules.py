"""Transfers' pure rules (inventory.transfer_rules): who may move a request on from which
state, and which transfers the network should make. No database."""

from __future__ import annotations

import pytest

from inventory.transfer_rules import (
    Sides,
    Stock,
    Suggestion,
    next_steps,
    refusal,
    spare,
    status_after_receiving,
    suggestions,
    wanted,
)

SENDER = Sides(sender=True)
RECEIVER = Sides(receiver=True)
BOTH = Sides(sender=True, receiver=True)
COORDINATOR = Sides(coordinator=True)
NOBODY = Sides()
MOVED_ON = "This transfer request has moved on: see its state below."
NOT_YOURS = "Only the staff of the centre concerned can do this."


@pytest.mark.parametrize("action, status, sides, counts, expected", [
    # the sender sends from a new request, and more while fewer than asked are sent
    ("dispatch", "requested", SENDER, {}, None),
    ("dispatch", "dispatched", SENDER, {"sent": 1, "quantity": 2}, None),
    ("dispatch", "dispatched", SENDER, {"sent": 2, "quantity": 2},
     ("conflict", "Every unit asked for is on its way already.")),
    ("dispatch", "requested", RECEIVER, {}, ("forbidden", NOT_YOURS)),
    ("dispatch", "requested", NOBODY, {}, ("forbidden", NOT_YOURS)),
    ("dispatch", "requested", COORDINATOR, {}, None),
    ("dispatch", "received", SENDER, {}, ("conflict", MOVED_ON)),
    ("dispatch", "declined", SENDER, {}, ("conflict", MOVED_ON)),
    ("dispatch", "cancelled", COORDINATOR, {}, ("conflict", MOVED_ON)),
    # the receiver scans in what is on the road
    ("receive", "dispatched", RECEIVER, {"sent": 1, "in_transit": 1}, None),
    ("receive", "dispatched", RECEIVER, {"sent": 1, "in_transit": 0},
     ("conflict", "No unit of this request is on its way.")),
    ("receive", "dispatched", SENDER, {"in_transit": 1}, ("forbidden", NOT_YOURS)),
    ("receive", "requested", RECEIVER, {}, ("conflict", MOVED_ON)),
    ("receive", "received", COORDINATOR, {}, ("conflict", MOVED_ON)),
    ("receive", "dispatched", COORDINATOR, {"in_transit": 2}, None),
    # declined by the sender, cancelled by the receiver, only before anything is sent
    ("decline", "requested", SENDER, {}, None),
    ("decline", "requested", RECEIVER, {}, ("forbidden", NOT_YOURS)),
    ("decline", "dispatched", SENDER, {}, ("conflict", MOVED_ON)),
    ("cancel", "requested", RECEIVER, {}, None),
    ("cancel", "requested", SENDER, {}, ("forbidden", NOT_YOURS)),
    ("cancel", "dispatched", RECEIVER, {}, ("conflict", MOVED_ON)),
    ("cancel", "cancelled", COORDINATOR, {}, ("conflict", MOVED_ON)),
    ("cancel", "requested", COORDINATOR, {}, None),
])
def test_who_may_do_what_from_which_state(action, status, sides, counts, expected):
    assert refusal(action, status, sides, **counts) == expected


@pytest.mark.parametrize("status, sides, counts, steps", [
    ("requested", SENDER, {}, ["dispatch", "decline"]),
    ("requested", RECEIVER, {}, ["cancel"]),
    ("requested", COORDINATOR, {}, ["dispatch", "decline", "cancel"]),
    ("requested", NOBODY, {}, []),
    ("dispatched", SENDER, {"sent": 1, "quantity": 3, "in_transit": 1}, ["dispatch"]),
    ("dispatched", RECEIVER, {"sent": 1, "quantity": 3, "in_transit": 1}, ["receive"]),
    ("dispatched", BOTH, {"sent": 3, "quantity": 3, "in_transit": 1}, ["receive"]),
    ("received", COORDINATOR, {}, []),
    ("declined", BOTH, {}, []),
])
def test_next_steps(status, sides, counts, steps):
    assert next_steps(status, sides, **counts) == steps


@pytest.mark.parametrize("left, status", [(0, "received"), (1, "dispatched"), (3, "dispatched")])
def test_a_request_is_received_once_nothing_is_on_the_road(left, status):
    assert status_after_receiving(left) == status


@pytest.mark.parametrize("stock, can_send, needs", [
    (Stock(1, 1, available=3, idle=3, waiting=0), 2, 0),  # keeps one for itself
    (Stock(1, 1, available=3, idle=1, waiting=0), 1, 0),  # only idle units go
    (Stock(1, 1, available=1, idle=1, waiting=0), 0, 0),  # below two free: none
    (Stock(1, 1, available=5, idle=5, waiting=1), 0, 0),  # its own members wait: none
    (Stock(1, 1, available=0, idle=0, waiting=3), 0, 3),
    (Stock(1, 1, available=1, idle=0, waiting=3), 0, 2),  # a free unit serves one
    (Stock(1, 1, available=0, idle=0, waiting=3, requested=2), 0, 1),  # asked for already
    (Stock(1, 1, available=0, idle=0, waiting=1, requested=4), 0, 0),
])
def test_what_a_centre_can_spare_and_wants(stock, can_send, needs):
    assert (spare(stock), wanted(stock)) == (can_send, needs)


@pytest.mark.parametrize("rows, expected", [
    ([], []),
    # idle drills at 1, members waiting at 2
    ([Stock(7, 1, available=4, idle=4, waiting=0), Stock(7, 2, available=0, idle=0, waiting=2)],
     [Suggestion(7, 1, 2, 2)]),
    # nobody waits: nothing moves
    ([Stock(7, 1, available=4, idle=4, waiting=0), Stock(7, 2, available=1, idle=1, waiting=0)],
     []),
    # units busy, not idle: nothing to send
    ([Stock(7, 1, available=4, idle=0, waiting=0), Stock(7, 2, available=0, idle=0, waiting=2)],
     []),
    # the biggest need is served first, by the centre with most to spare
    ([Stock(7, 1, available=3, idle=3, waiting=0), Stock(7, 2, available=5, idle=5, waiting=0),
      Stock(7, 3, available=0, idle=0, waiting=1), Stock(7, 4, available=0, idle=0, waiting=6)],
     [Suggestion(7, 2, 4, 4), Suggestion(7, 1, 4, 2)]),
    # another tool type's idle units never serve this one's waiting members
    ([Stock(7, 1, available=4, idle=4, waiting=0), Stock(8, 2, available=0, idle=0, waiting=2)],
     []),
    # what was asked for already is not suggested again
    ([Stock(7, 1, available=4, idle=4, waiting=0),
      Stock(7, 2, available=0, idle=0, waiting=2, requested=2)], []),
    # at most twenty a request
    ([Stock(7, 1, available=40, idle=40, waiting=0),
      Stock(7, 2, available=0, idle=0, waiting=30)], [Suggestion(7, 1, 2, 20)]),
])
def test_suggestions(rows, expected):
    assert suggestions(rows) == expected
