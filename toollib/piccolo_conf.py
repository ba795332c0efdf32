"""The one Piccolo configuration: the engine from DATABASE_URL and the three apps."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from rental.kernel.settings import Database, database_from_env


class TransactionSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, less one statement per query in a transaction: Piccolo sends
    `PRAGMA foreign_keys = 1` before each, a second hand-over to aiosqlite's thread, though the
    transaction's connection has it on already (and SQLite ignores it inside BEGIN)."""

    async def _run_in_existing_connection(self, connection, query, args=None,
                                          query_type="generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING there
            return await super()._run_in_existing_connection(connection, query, args,
                                                             query_type, table)
        connection.row_factory = dict_factory
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()


def make_engine(database: Database) -> SQLiteEngine | PostgresEngine:
    if database.engine == "sqlite":
        assert database.path is not None
        database.path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: a writer waits for the other writer instead of failing at once
        return TransactionSQLiteEngine(path=str(database.path), timeout=15)
    # The app opens a small pool per worker at start-up (rental.app); CLI commands connect directly.
    return PostgresEngine(config={"dsn": database.dsn})


DB = make_engine(database_from_env())

APP_REGISTRY = AppRegistry(
    apps=["inventory.piccolo_app", "rental.piccolo_app", "bookings.piccolo_app"]
)
