"""The one Piccolo configuration: the engine from DATABASE_URL and the three apps."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from rental.kernel.settings import Database, database_from_env
from rental.kernel.sqlite_engine import PooledSQLiteEngine


def make_engine(database: Database) -> PooledSQLiteEngine | PostgresEngine:
    if database.engine == "sqlite":
        assert database.path is not None
        database.path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: a writer waits for the other writer instead of failing at once
        return PooledSQLiteEngine(path=str(database.path), timeout=15)
    # The app opens a small pool per worker at start-up (toollib.app), on either engine; CLI
    # commands connect per query.
    return PostgresEngine(config={"dsn": database.dsn})


DB = make_engine(database_from_env())

APP_REGISTRY = AppRegistry(
    apps=["inventory.piccolo_app", "rental.piccolo_app", "bookings.piccolo_app"]
)
