"""Database helpers every package shares: transactions, migrations, and the few SQL words in
which SQLite and PostgreSQL differ (the reports ask for them by name).

- `write_transaction()`: SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers
  queue instead of both reading stale data and one failing at COMMIT; PostgreSQL relies on
  constraints and row locks.
- `sql_migration()`: migrations are hand-written SQL, one script for both engines with a few
  per-engine words, so constraints (CHECK, partial unique, exclusion) live in the schema.
- `bind_named()` and the SQL fragments below it: raw SQL (the reports) is written once for
  both engines; the few expressions that differ (day arithmetic, months, time zones) are
  asked for by name here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import TransactionType

# Words that differ between the engines, used as {placeholders} in migration SQL.
DIALECT = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY NOT NULL"},
    "postgres": {"pk": "SERIAL PRIMARY KEY NOT NULL"},
}


def engine():
    found = engine_finder()
    if found is None:
        raise RuntimeError("no Piccolo engine configured (PICCOLO_CONF)")
    return found


def is_postgres() -> bool:
    return engine().engine_type == "postgres"


def write_transaction():
    db = engine()
    if db.engine_type == "sqlite":
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def sql_migration(
    *,
    migration_id: str,
    app_name: str,
    description: str,
    forwards: Sequence[str],
    backwards: Sequence[str],
    postgres_forwards: Sequence[str] = (),
    postgres_backwards: Sequence[str] = (),
    sqlite_forwards: Sequence[str] = (),
    sqlite_backwards: Sequence[str] = (),
) -> MigrationManager:
    """A migration that runs statements in order inside Piccolo's migration transaction."""

    async def run(statements: Sequence[str]) -> None:
        db = engine()
        words = DIALECT[db.engine_type]
        if db.engine_type == "postgres":
            # the deferred triggers (the catalogue's version) fire as each statement ends:
            # PostgreSQL refuses to ALTER a table whose rows this transaction changed while
            # their triggers wait for COMMIT, and a migration may change rows and then alter
            await db.run_ddl("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in statements:
            await db.run_ddl(statement.format(**words))

    async def up() -> None:
        extra = postgres_forwards if is_postgres() else sqlite_forwards
        await run([*forwards, *extra])

    async def down() -> None:
        await run([*(postgres_backwards if is_postgres() else sqlite_backwards), *backwards])

    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )
    manager.add_raw(up)
    manager.add_raw_backwards(down)
    return manager


async def refresh_statistics() -> None:
    """SQLite plans by table statistics that only ANALYZE gathers (PostgreSQL's autovacuum keeps
    its own): without them it reads a centre's bookings by the first index that fits. The
    analysis limit samples each index, so this takes milliseconds on a network's data too."""
    db = engine()
    if db.engine_type != "sqlite":
        return
    async with db.transaction():
        await db.run_ddl("PRAGMA analysis_limit=1000")
        await db.run_ddl("ANALYZE")


# PostgreSQL aborts one of two transactions that wait for each other (a deadlock) or that
# cannot both be serialised; run again, the loser reads what the winner wrote.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def lost_a_race(exc: BaseException) -> bool:
    """The database aborted this transaction for a concurrent one: running it again is safe."""
    return getattr(exc, "sqlstate", None) in RETRYABLE_SQLSTATES


def read_transaction():
    """Group a page's reads: one connection and one consistent snapshot instead of one each."""
    return engine().transaction()


# --- raw SQL for both engines ------------------------------------------------------------------


def _either(sqlite: str, postgres: str) -> str:
    return postgres if is_postgres() else sqlite


def _placeholder(value: Any) -> str:
    if not is_postgres():
        return "{}"
    if isinstance(value, datetime):
        return "{}::timestamptz"
    if isinstance(value, date):
        return "{}::date"
    if isinstance(value, bool):
        return "{}::boolean"
    if isinstance(value, int):
        return "{}::integer"
    return "{}::text"


def bind_named(sql: str, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """SQL with $name placeholders as Piccolo's {} placeholders, and the values in their order:
    a list or tuple becomes a parenthesised list for IN. PostgreSQL gets each parameter's type
    spelt out, so a date compared with a date expression is never guessed as text."""
    params: list[Any] = []

    def one(value: Any) -> str:
        params.append(value)
        return _placeholder(value)

    def place(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if isinstance(value, list | tuple):
            return "(" + ", ".join(one(item) for item in value) + ")"
        return one(value)

    return re.sub(r"\$(\w+)", place, sql), params


def days_between(later: str, earlier: str) -> str:
    """The whole days from one date expression to another (0 for the same day)."""
    return _either(f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
                   f"({later} - {earlier})")


def elapsed_days(later: str, earlier: str) -> str:
    """The days between two timestamp expressions, with the fraction of the last one."""
    return _either(f"(julianday({later}) - julianday({earlier}))",
                   f"(EXTRACT(EPOCH FROM {later} - {earlier}) / 86400.0)")


def plus_days(day: str, days: str) -> str:
    """A date expression moved on by a number of days (an integer expression)."""
    return _either(f"date({day}, '+' || {days} || ' days')", f"({day} + {days})")


def least(a: str, b: str) -> str:
    """The smaller of two expressions (SQLite's two-argument min)."""
    return _either(f"min({a}, {b})", f"LEAST({a}, {b})")


def greatest(a: str, b: str) -> str:
    """The larger of two expressions (SQLite's two-argument max)."""
    return _either(f"max({a}, {b})", f"GREATEST({a}, {b})")


def month_of_day(column: str) -> str:
    """A date expression's month as 'YYYY-MM' (SQLite stores dates as ISO text)."""
    return _either(f"substr({column}, 1, 7)", f"to_char({column}, 'YYYY-MM')")


def local_month(column: str, timezone: str, first: date, last: date
                ) -> tuple[str, dict[str, Any]]:
    """A timestamp's month as 'YYYY-MM' on the calendar of `timezone`, for timestamps from the
    midnight that starts `first` to the one that ends `last`: the SQL and the values it binds.
    PostgreSQL converts ($tz). SQLite knows no time zones: a zone whose offset never changes
    in those days is a fixed shift, any other is cut at each month's first midnight
    ($month0, $month1 ...)."""
    if is_postgres():
        return f"to_char({column} AT TIME ZONE $tz, 'YYYY-MM')", {"tz": timezone}
    zone = ZoneInfo(timezone)
    offsets = {zone.utcoffset(datetime.combine(first + timedelta(days=n), time(0)))
               for n in range((last - first).days + 2)}
    if len(offsets) == 1:
        minutes = int(offsets.pop().total_seconds() // 60)
        return f"substr(datetime({column}, '{minutes:+d} minutes'), 1, 7)", {}
    values: dict[str, Any] = {}
    cases = []
    before, month = first, _next_month(first)
    while month <= last:
        name = f"month{len(cases)}"
        values[name] = datetime.combine(month, time(0), zone)
        cases.append(f"WHEN {column} < ${name} THEN '{before:%Y-%m}'")
        before, month = month, _next_month(month)
    if not cases:  # the days lie in one month: every timestamp is of that month
        return f"'{last:%Y-%m}'", values
    return f"(CASE {' '.join(cases)} ELSE '{last:%Y-%m}' END)", values


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
