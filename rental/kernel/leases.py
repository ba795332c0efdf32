"""Periodic jobs run once per interval across every worker of every host on one database: each
wakes up at the job's interval and asks for the job's lease (a row of `job_lease`, by the job's
name); the one that gets it runs the job, the others sleep again (rental.kernel.lease_rules
decides when a lease is free).

A lease row, not PostgreSQL's advisory lock: a lock held in the job's transaction keeps two runs
from overlapping, but not four workers from each running the job once per interval one after
another; the row remembers when the job is next due. It is also one mechanism for both engines
(SQLite: one host, several workers). Taking it is a short transaction of its own, committed
before the job starts, whose own transactions it does not hold open: PostgreSQL skips a row
another worker is taking (FOR UPDATE SKIP LOCKED), SQLite takes the write lock at BEGIN.

Raw SQL: the kernel stands below rental.tables (JobLease there declares the same table)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from piccolo.querystring import QueryString

from rental.kernel.clock import Clock
from rental.kernel.db import engine, is_postgres, write_transaction
from rental.kernel.lease_rules import Lease, is_free, taken

HOLDER_LENGTH = 100  # job_lease.held_by


def holder() -> str:
    """Who holds a lease, for a person reading the table; a random part tells claims apart."""
    return f"{socket.gethostname()[:60]} pid {os.getpid()} #{secrets.token_hex(4)}"


async def _sql(sql: str, *values) -> list[dict]:
    return await engine().run_querystring(QueryString(sql, *values)) or []


async def take(job: str, *, every: timedelta, now: datetime) -> str | None:
    """Take the job's lease if it is free at `now`: the claim's holder name, or None when
    another worker ran it this interval or runs it now."""
    claimant = holder()[:HOLDER_LENGTH]
    lock = " FOR UPDATE SKIP LOCKED" if is_postgres() else ""
    async with write_transaction():
        rows = await _sql(f"SELECT due_at, held_until FROM job_lease WHERE name = {{}}{lock}",
                          job)
        lease = taken(every=every, now=now)
        if not rows:  # never run, or another worker is taking it this moment
            inserted = await _sql(
                "INSERT INTO job_lease (name, due_at, held_until, held_by, runs, started_at) "
                "VALUES ({}, {}, {}, {}, 1, {}) ON CONFLICT (name) DO NOTHING RETURNING name",
                job, lease.due_at, lease.held_until, claimant, now)
            return claimant if inserted else None
        if not is_free(Lease(rows[0]["due_at"], rows[0]["held_until"]), every=every, now=now):
            return None
        await _sql("UPDATE job_lease SET due_at = {}, held_until = {}, held_by = {}, "
                   "runs = runs + 1, started_at = {} WHERE name = {}",
                   lease.due_at, lease.held_until, claimant, now, job)
    return claimant


async def give_back(job: str, claimant: str, *, now: datetime, finished: bool) -> None:
    """The run is over (`finished`: it did its work; else it failed): the job is free again
    when it is due. A claim that lapsed and was taken since is left to its new holder."""
    async with write_transaction():
        done = ", finished_at = {}" if finished else ""
        await _sql(f"UPDATE job_lease SET held_until = NULL{done} "
                   "WHERE name = {} AND held_by = {}",
                   *([now] if finished else []), job, claimant)


@asynccontextmanager
async def lease(job: str, seconds: int, clock: Clock) -> AsyncIterator[bool]:
    """Whether this worker runs the job this time; the lease is given back when the run ends
    (not when the server stops mid-run: the pool may be closing; the hold then lapses)."""
    claimant = await take(job, every=timedelta(seconds=seconds), now=clock.now())
    if claimant is None:
        yield False
        return
    try:
        yield True
    except Exception:
        await give_back(job, claimant, now=clock.now(), finished=False)
        raise
    await give_back(job, claimant, now=clock.now(), finished=True)
