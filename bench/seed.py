"""The national network for the benchmark: `python -m bench.seed [--scale S] [--seed N]`.

Into the database DATABASE_URL names (as the app reads it), emptied first: the real migrations
(`rental migrate`), the demo seed (`rental seed-demo`: the repair domains, skills, membership
types and concessions are reused), then the generated network on top, written in bulk. The same
seed on the same day gives the same generated rows. At scale 1: 12 centres, 2,000 tool types,
20,000 units, 50,000 members, 1,000,000 past and 100,000 future bookings, 5,000 sessions.

It also makes the accounts the benchmark logs in with: desk staff at every centre, a
coordinator and a member (one of the generated members), all with BENCH_PASSWORD (printed; for a
bench database only)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import queue
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.bulk import PostgresWriter, SqliteWriter, Writer
from bench.generate import (
    BENCH_PHONE,
    COORDINATOR_PHONE,
    MEMBER_PHONE,
    Base,
    Encoder,
    Plan,
    Stats,
    generate,
)
from rental.kernel.settings import ConfigError, Database, load_settings

BENCH_PASSWORD = "bench-desk-2026"  # noqa: S105 - the bench database's accounts only
# tables the generator continues numbering
NUMBERED = ("centre", "tool_type", "unit", "member", "staff_centre", "membership",
            "member_concession", "member_consent", "skill_session", "enrolment", "certificate",
            "inspection", "maintenance_ticket", "receipt", "booking", "ledger_entry")
HISTORY = ("maintenance_ticket", "receipt", "booking", "ledger_entry")
# what marks a database bench.seed made, and so may empty again
MARK = "bench.seed"
SQLITE_MARK = 0x42454E43  # PRAGMA application_id: "BENC"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 is the national network")
    parser.add_argument("--seed", type=int, default=1, help="the same seed, the same rows")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale takes a number above 0 and at most 1")
    if not os.environ.get("DATABASE_URL"):
        print("error: set DATABASE_URL to the bench database (it is emptied first), e.g. "
              "DATABASE_URL=sqlite:///var/bench/bench.sqlite", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        started = time.perf_counter()
        print(f"bench seed: {settings.database.describe()}, scale {args.scale}, "
              f"seed {args.seed}")
        empty(settings.database)
        step("migrate", lambda: rental_command("migrate"))
        step("seed-demo", lambda: rental_command("seed-demo"))
        from rental.auth import hash_password

        now = datetime.now(UTC)
        today = now.astimezone(ZoneInfo(settings.default_timezone)).date()
        stats, plan = asyncio.run(populate(scale=args.scale, seed=args.seed, today=today,
                                           password_hash=hash_password(BENCH_PASSWORD)))
        # as the server's hourly job would have by now: the reports read closed months from it
        step("report-summaries", lambda: rental_command("report-summaries"))
    except (ConfigError, RefusedError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"done in {time.perf_counter() - started:.1f} s: {plan}")
    print(f"\nBench accounts (this database only), password {BENCH_PASSWORD}:")
    print(f"  coordinator   {COORDINATOR_PHONE}")
    print(f"  member        {MEMBER_PHONE}")
    for index, code in enumerate(stats.centres, start=1):
        print(f"  desk {code:<8} {BENCH_PHONE.format(index)}")
    return 0


class RefusedError(Exception):
    """A step cannot go on; the message says why, printed without a traceback."""


def step(label: str, run: Callable[[], None]) -> None:
    started = time.perf_counter()
    run()
    print(f"  {label:<30}{'':16} took {time.perf_counter() - started:6.1f} s")


def rental_command(name: str) -> None:
    """A `rental` command in this process, its narration kept unless it fails."""
    from toollib.cli import main as rental

    with contextlib.redirect_stdout(io.StringIO()) as said, \
            contextlib.redirect_stderr(io.StringIO()) as complained:
        code = rental([name])
    if code:
        raise RefusedError(f"rental {name} failed:\n{said.getvalue()}{complained.getvalue()}")


def empty(database: Database) -> None:
    """Drop everything in the bench database and mark it as one; refuse a database that holds
    tables and is not marked (it may be someone's real data)."""
    if database.engine == "postgres":
        asyncio.run(_empty_postgres(database))
        return
    import sqlite3

    assert database.path is not None
    if database.path.exists():
        db = sqlite3.connect(database.path)
        try:
            marked = db.execute("PRAGMA application_id").fetchone()[0] == SQLITE_MARK
            has_tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            db.close()
        if has_tables and not marked:
            raise RefusedError(f"{database.path} was not made by bench.seed: choose another "
                               "DATABASE_URL")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database.path}{suffix}").unlink(missing_ok=True)
    database.path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(database.path)
    db.execute(f"PRAGMA application_id = {SQLITE_MARK}")
    db.close()


async def _empty_postgres(database: Database) -> None:
    import asyncpg

    db = await asyncpg.connect(database.dsn)
    try:
        has_tables = await db.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        marked = await db.fetchval("SELECT obj_description('public'::regnamespace)") == MARK
        if has_tables and not marked:
            raise RefusedError(f"{database.describe()} was not made by bench.seed: choose "
                               "another DATABASE_URL")
        await db.execute(f"DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
                         f"COMMENT ON SCHEMA public IS '{MARK}'")
    finally:
        await db.close()


async def populate(*, scale: float, seed: int, today: date, password_hash: str,
                   quiet: bool = False) -> tuple[Stats, Plan]:
    """Generate the network into the migrated, demo-seeded database Piccolo is configured for
    (also what the generator's test calls). The generator runs in a forked process, so its
    Python work overlaps the writing here and in the database server."""
    progress = Progress(quiet)
    writer = await open_writer(progress)
    producer = None
    try:
        base = await read_base(writer, today)
        plan = Plan.at(scale, base)
        columns = await writer.columns()
        context = multiprocessing.get_context("fork")
        batches = context.Queue(maxsize=4)
        producer = context.Process(target=_produce, daemon=True, args=(
            base, plan, seed, today, password_hash, writer.prepare, columns, batches))
        await writer.begin()
        producer.start()
        while True:
            kind, item = _next(batches, producer)
            if kind == "done":
                stats = item
                break
            if kind == "error":
                raise RuntimeError(f"the generator failed:\n{item}")
            await writer.write(item)
        progress.history()
        await writer.finish()
        # SQLite's statistics come from `rental serve`, which gathers them at each start
        progress.line("indexes, constraints" + (", VACUUM ANALYZE"
                                                if writer.engine == "postgres" else ""), None)
    except BaseException:
        await writer.rollback()
        raise
    finally:
        if producer is not None and producer.is_alive():
            producer.kill()
        await writer.close()
    return stats, plan


def _produce(base: Base, plan: Plan, seed: int, today: date, password_hash: str,
             prepare: Any, columns: dict[str, list[str]], into: Any) -> None:
    """In the generator's process: every batch, prepared for the writer, then the stats."""
    try:
        stats = Stats()
        for batch in generate(base, plan, seed=seed, today=today, password_hash=password_hash,
                              encoder=Encoder(), stats=stats):
            into.put(("batch", prepare(batch, columns)))
        into.put(("done", stats))
    except Exception:  # noqa: BLE001 - reported to the writer's process, which raises it
        into.put(("error", traceback.format_exc()))


def _next(batches: Any, producer: Any) -> tuple[str, Any]:
    while True:
        try:
            return batches.get(timeout=5)
        except queue.Empty:
            if not producer.is_alive():
                raise RuntimeError("the generator's process died") from None


async def open_writer(progress: Progress) -> Writer:
    from toollib.piccolo_conf import DB

    if DB.engine_type == "sqlite":
        return SqliteWriter(Path(DB.connection_kwargs["database"]), progress)
    return PostgresWriter(await DB.get_new_connection(), progress)


async def read_base(writer: Writer, today: date) -> Base:
    """What the demo seed (or anything before) left in the database."""
    fetch = writer.fetch

    def ordinal(value: Any) -> int | None:
        if value is None:
            return None
        return (date.fromisoformat(value) if isinstance(value, str) else value).toordinal()

    units = await fetch("SELECT id, tool_type, centre, asset_tag, status, cost, acquired_on "
                        "FROM unit ORDER BY id")
    for unit in units:
        unit["acquired"] = ordinal(unit.pop("acquired_on"))
    counts = {
        "centre": "SELECT count(*) AS n FROM centre",
        "tool_type": "SELECT count(*) AS n FROM tool_type",
        "unit": "SELECT count(*) AS n FROM unit",
        "member": "SELECT count(*) AS n FROM member WHERE role = 'member'",
        "past_booking": "SELECT count(*) AS n FROM booking WHERE status <> 'reserved'",
        "future_booking": "SELECT count(*) AS n FROM booking WHERE status = 'reserved'",
        "skill_session": "SELECT count(*) AS n FROM skill_session",
    }
    return Base(
        centres=await fetch("SELECT id, code, opening_days, asset_seq, municipality "
                            "FROM centre ORDER BY id"),
        skills=await fetch("SELECT id, slug, name_ka, name_en, validity_days FROM skill "
                           "ORDER BY id"),
        tool_types=await fetch(
            "SELECT id, slug, category, name_ka, name_en, name_ru, description_ka, "
            "description_en, description_ru, safety_notes_ka, safety_notes_en, daily_fee, "
            "deposit, max_loan_days, required_skill, inspection_interval_days "
            "FROM tool_type ORDER BY id"),
        units=units,
        membership_types={row["slug"]: row for row in await fetch(
            "SELECT id, slug, validity_days, max_tools_out, max_open_bookings "
            "FROM membership_type ORDER BY id")},
        concessions={row["slug"]: row for row in await fetch(
            "SELECT id, slug, discount_percent, funder_ka AS funder FROM concession_category "
            "ORDER BY id")},
        phones=frozenset(row["phone"] for row in await fetch("SELECT phone FROM member")),
        next_id={table: (await fetch(f"SELECT coalesce(max(id), 0) + 1 AS n FROM {table}"))[0][
            "n"] for table in NUMBERED},
        counts={kind: (await fetch(sql))[0]["n"] for kind, sql in counts.items()},
    )


class Progress:
    """A line per table as it is written (rows, and the time since the start); the tables of
    the history, written in chunks as the desk's days go by, get theirs at the end."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.started = time.perf_counter()
        self.rows: Counter[str] = Counter()
        self.chunks = 0

    def __call__(self, table: str, rows: int) -> None:
        self.rows[table] += rows
        if table not in HISTORY:
            self.line(table, rows)
        elif table == "ledger_entry":
            self.chunks += 1
            if self.chunks % 20 == 0:
                self.line("  … so far: booking", self.rows["booking"])

    def history(self) -> None:
        for table in HISTORY:
            if table in self.rows:
                self.line(table, self.rows[table])

    def line(self, label: str, rows: int | None) -> None:
        if not self.quiet:
            count = f"{rows:>11,} rows" if rows is not None else " " * 16
            print(f"  {label:<30}{count}   at {time.perf_counter() - self.started:6.1f} s",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
