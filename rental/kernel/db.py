"""Database helpers every package shares (inventory is the bottom of the dependency chain).

- `write_transaction()`: SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers
  queue instead of both reading stale data and one failing at COMMIT; PostgreSQL relies on
  constraints and row locks.
- `sql_migration()`: migrations are hand-written SQL, one script for both engines with a few
  per-engine words, so constraints (CHECK, partial unique, exclusion) live in the schema.
"""

from __future__ import annotations

from collections.abc import Sequence

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
