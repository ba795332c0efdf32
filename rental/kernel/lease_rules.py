"""When a periodic job's lease is free: the decision rental.kernel.leases takes for every worker
of every host that wakes up to run the job. Pure: the lease as read and the clock come in.

A lease says when the job is next due and, while a run goes on, until when that run holds it.
A run that never gave it back (its worker was killed) holds it only until then. A lease far
beyond what one interval and one hold allow was not taken by a clock like ours (this host's
clock went back, e.g. a demo started at a later CLOCK_START, or a PC's date was put right): it
is free, or the job would wait for that date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A run holds its job at least this long unless it gives it back: a job slower than its
# interval is not started again beside itself, and one whose worker died is taken again after.
HOLD_AT_LEAST = timedelta(minutes=10)
# How far the hosts' clocks may disagree (NTP keeps them within milliseconds; the tests' hosts,
# each started at the same CLOCK_START, by the seconds between their starts).
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Lease:
    due_at: datetime  # the job's next run may start then
    held_until: datetime | None  # a run goes on; None: none does


def hold_for(every: timedelta) -> timedelta:
    return max(every, HOLD_AT_LEAST)


def is_free(lease: Lease | None, *, every: timedelta, now: datetime) -> bool:
    """May a worker that runs the job every `every` start it at `now`?"""
    if lease is None:  # never run
        return True
    if lease.due_at > now + every + CLOCK_SLACK:
        return True
    held = lease.held_until is not None and now < lease.held_until <= now + hold_for(every) \
        + CLOCK_SLACK
    return lease.due_at <= now and not held


def taken(*, every: timedelta, now: datetime) -> Lease:
    """The lease of a run that starts at `now`: due again one interval on, held meanwhile."""
    return Lease(due_at=now + every, held_until=now + hold_for(every))
