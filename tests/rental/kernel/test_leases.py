"""A periodic job's lease (rental.kernel.leases) on both engines: one worker of many gets it
per interval, gives it back when the run ends, and a dead worker's hold lapses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers import now

from rental.kernel.clock import FixedClock
from rental.kernel.lease_rules import HOLD_AT_LEAST
from rental.kernel.leases import give_back, lease, take
from rental.tables import JobLease

EVERY = timedelta(minutes=5)


async def row(job: str = "booking expiry") -> dict:
    return await JobLease.select().where(JobLease.name == job).first()


async def test_one_worker_takes_a_job_per_interval_and_another_job_is_apart():
    first = await take("booking expiry", every=EVERY, now=now())
    assert first and "pid" in first
    assert await take("booking expiry", every=EVERY, now=now()) is None
    assert await take("the reminders sweep", every=EVERY, now=now())  # its own lease
    await give_back("booking expiry", first, now=now() + timedelta(seconds=3), finished=True)
    assert await take("booking expiry", every=EVERY, now=now() + EVERY / 2) is None
    again = await take("booking expiry", every=EVERY, now=now() + EVERY)
    assert again and again != first
    lease_row = await row()
    assert lease_row["runs"] == 2 and lease_row["held_by"] == again
    assert lease_row["due_at"] == now() + 2 * EVERY
    assert lease_row["started_at"] == now() + EVERY
    assert lease_row["finished_at"] == now() + timedelta(seconds=3)


async def test_a_run_that_outlasts_its_interval_is_not_started_again_beside_itself():
    every = timedelta(seconds=30)
    slow = await take("booking expiry", every=every, now=now())
    assert await take("booking expiry", every=every, now=now() + 3 * every) is None
    # its worker died: the hold lapses, and the job runs again
    taker = await take("booking expiry", every=every, now=now() + HOLD_AT_LEAST)
    assert taker
    await give_back("booking expiry", slow, now=now() + HOLD_AT_LEAST, finished=True)
    lease_row = await row()  # the late worker's give-back left the new run's lease alone
    assert lease_row["held_by"] == taker and lease_row["held_until"] is not None
    assert lease_row["finished_at"] is None


async def test_a_lease_from_a_clock_far_ahead_does_not_stop_the_job():
    """A demo run at a later CLOCK_START, then the real clock: the job still runs."""
    assert await take("booking expiry", every=EVERY, now=now() + timedelta(days=365))
    assert await take("booking expiry", every=EVERY, now=now())
    assert (await row())["due_at"] == now() + EVERY


@pytest.mark.xdist_group("concurrency")
async def test_of_many_workers_waking_at_once_exactly_one_takes_the_job():
    for round_ in range(3):  # the first makes the row; then it exists
        at = now() + round_ * EVERY
        claims = await asyncio.gather(*(take("booking expiry", every=EVERY, now=at)
                                        for _ in range(8)))
        winners = [claim for claim in claims if claim]
        assert len(winners) == 1, claims
        await give_back("booking expiry", winners[0], now=at, finished=True)
    assert (await row())["runs"] == 3


async def test_the_lease_is_given_back_when_the_run_ends_and_marks_only_work_done():
    clock = FixedClock(now())
    async with lease("booking expiry", 60, clock) as ours:
        assert ours
        async with lease("booking expiry", 60, clock) as theirs:
            assert not theirs
    assert (await row())["held_until"] is None
    assert (await row())["finished_at"] == now()
    clock.advance(seconds=60)
    with pytest.raises(RuntimeError):
        async with lease("booking expiry", 60, clock) as ours:
            assert ours
            raise RuntimeError("the job failed")
    failed = await row()
    assert failed["held_until"] is None and failed["runs"] == 2
    assert failed["finished_at"] == now()  # the last run that did its work
