"""When a periodic job's lease is free (rental.kernel.lease_rules): a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rental.kernel.lease_rules import HOLD_AT_LEAST, Lease, hold_for, is_free, taken

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
EVERY = 5 * MINUTE


@pytest.mark.parametrize(("lease", "free"), [
    (None, True),
    (Lease(due_at=NOW + MINUTE, held_until=None), False),
    (Lease(due_at=NOW - MINUTE, held_until=None), True),
    (Lease(due_at=NOW, held_until=None), True),
    (Lease(due_at=NOW - MINUTE, held_until=NOW + MINUTE), False),
    (Lease(due_at=NOW - MINUTE, held_until=NOW), True),
    (Lease(due_at=NOW - MINUTE, held_until=NOW - MINUTE), True),
    (Lease(due_at=NOW + MINUTE, held_until=NOW - MINUTE), False),
    (Lease(due_at=NOW + EVERY + 4 * MINUTE, held_until=None), False),
    (Lease(due_at=NOW + 400 * MINUTE, held_until=None), True),
    (Lease(due_at=NOW - MINUTE, held_until=NOW + HOLD_AT_LEAST + 4 * MINUTE), False),
    (Lease(due_at=NOW - MINUTE, held_until=NOW + 400 * MINUTE), True),
], ids=[
    "never-run", "not-due-yet", "due", "due-this-instant",
    "a-run-goes-on-past-its-interval", "hold-ends-this-instant", "the-holder-died",
    "not-due-though-the-hold-lapsed", "due-from-a-clock-a-little-ahead",
    "due-from-a-clock-far-ahead-or-ours-went-back", "held-by-a-clock-a-little-ahead",
    "held-by-a-clock-far-ahead-or-ours-went-back",
])
def test_a_lease_is_free_when_due_and_not_held(lease, free):
    assert is_free(lease, every=EVERY, now=NOW) is free


def test_a_run_is_due_again_one_interval_on_and_held_at_least_ten_minutes():
    assert taken(every=EVERY, now=NOW) == Lease(due_at=NOW + EVERY,
                                                held_until=NOW + HOLD_AT_LEAST)
    day = timedelta(days=1)
    assert taken(every=day, now=NOW) == Lease(due_at=NOW + day, held_until=NOW + day)
    assert hold_for(timedelta(seconds=1)) == HOLD_AT_LEAST


def test_a_run_just_taken_is_not_free_to_another_worker_until_given_back_and_due():
    lease = taken(every=EVERY, now=NOW)
    for later in (timedelta(0), MINUTE, EVERY, HOLD_AT_LEAST - MINUTE):
        assert not is_free(lease, every=EVERY, now=NOW + later)
    assert is_free(lease, every=EVERY, now=NOW + HOLD_AT_LEAST)  # its worker never gave it back
    given_back = Lease(lease.due_at, held_until=None)
    assert not is_free(given_back, every=EVERY, now=NOW + EVERY - MINUTE)
    assert is_free(given_back, every=EVERY, now=NOW + EVERY)
