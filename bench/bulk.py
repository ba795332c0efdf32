"""Bulk writers for the generated rows: the stdlib sqlite3 module (in one transaction) or
PostgreSQL's COPY through asyncpg, into the schema the real migrations made.

The generator runs in a process of its own (see bench.seed) and hands over batches already
`prepare`d for the engine: row tuples for sqlite3, COPY's text format for PostgreSQL (so this
process only streams bytes to the server).

Both writers take a table's secondary indexes (and on PostgreSQL its foreign keys, unique and
exclusion constraints) off before its first rows and put the very same definitions back at the
end, as the PostgreSQL manual advises for a bulk load: building an index once is much cheaper
than growing it row by row, and re-adding a constraint checks every row (a generator bug that
double-books a unit fails the load instead of hiding in the data)."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import Rows, Update

Progress = Callable[[str, int], None]


@dataclass
class CopyText:
    """A batch in PostgreSQL COPY's text format."""

    table: str
    columns: tuple[str, ...]
    data: bytes
    count: int


def fit(batch: Rows, columns: dict[str, list[str]]) -> Rows:
    """Leave out generated columns the schema does not have (an older or newer migration
    state); every column the schema requires is generated."""
    have = columns[batch.table]
    keep = [i for i, name in enumerate(batch.columns) if name in have]
    if len(keep) == len(batch.columns):
        return batch
    return Rows(batch.table, tuple(batch.columns[i] for i in keep),
                [tuple(row[i] for i in keep) for row in batch.rows])


class Writer:
    engine: str

    def __init__(self, progress: Progress):
        self.progress = progress
        self.loaded: set[str] = set()
        self.restore: list[str] = []  # statements that put back what was taken off

    async def columns(self) -> dict[str, list[str]]:
        """Every table's columns, for `prepare`."""
        raise NotImplementedError

    async def write(self, batch: Staged | CopyText | Update) -> None:
        if isinstance(batch, Update):
            await self.update(batch)
            self.progress(f"{batch.table}.{batch.column}", len(batch.values))
            return
        if batch.table not in self.loaded:
            self.loaded.add(batch.table)
            await self.take_off(batch.table)
        if batch.count:
            await self.insert(batch)
        self.progress(batch.table, batch.count)

    async def take_off(self, table: str) -> None:
        raise NotImplementedError

    async def insert(self, batch: Any) -> None:
        raise NotImplementedError

    async def update(self, batch: Update) -> None:
        raise NotImplementedError


@dataclass
class Staged:
    """A batch the generator's process has put in a table of the staging file."""

    table: str
    columns: tuple[str, ...]
    stage: str
    count: int


class SqliteStager:
    """In the generator's process: each batch into a table of its own in a staging file (WAL,
    so the writer reads committed batches while the next is written). Binding millions of
    rows is Python work; here it runs beside the writer's copying instead of before it."""

    def __init__(self, path: Path):
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.batches = 0

    def prepare(self, batch: Rows | Update, columns: dict[str, list[str]]) -> Staged | Update:
        if isinstance(batch, Update):
            return batch
        if self.db is None:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA synchronous = OFF")
        batch = fit(batch, columns)
        self.batches += 1
        stage = f"batch_{self.batches}"
        self.db.execute("BEGIN")
        self.db.execute(f"CREATE TABLE {stage} ({', '.join(batch.columns)})")
        self.db.executemany(
            f"INSERT INTO {stage} VALUES ({', '.join('?' * len(batch.columns))})", batch.rows)
        self.db.execute("COMMIT")
        return Staged(batch.table, batch.columns, stage, len(batch.rows))


class SqliteWriter(Writer):
    """Copies each staged batch with one INSERT ... SELECT, which is all C: SQLite also
    evaluates the CHECK constraints' IN (...) lists once per statement rather than once per
    row as executemany would (three times slower on the ledger). Each batch commits on its
    own (a new table in the staging file is only visible to a new transaction); a failed load
    leaves a database the next bench.seed empties."""

    engine = "sqlite"

    def __init__(self, path: Path, progress: Progress):
        super().__init__(progress)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.journal_mode = self.db.execute("PRAGMA journal_mode").fetchone()[0]
        self.stager = SqliteStager(Path(f"{path}.stage"))
        self.attached = False

    def prepare(self, batch: Rows | Update, columns: dict[str, list[str]]) -> Staged | Update:
        return self.stager.prepare(batch, columns)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db.execute(sql, args)]

    async def columns(self) -> dict[str, list[str]]:
        tables = [row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: [row["name"] for row in self.db.execute(f"PRAGMA table_info({table})")]
                for table in tables}

    async def begin(self) -> None:
        # For the load only: no fsync, the rollback journal in memory, a page cache that holds
        # the indexes. Foreign keys stay off (the sqlite3 default); the generator's test
        # checks them.
        for pragma in ("journal_mode = MEMORY", "synchronous = OFF", "cache_size = -1000000",
                       "temp_store = MEMORY"):
            self.db.execute(f"PRAGMA {pragma}")
        remove_stage(self.stager.path)
        stage = sqlite3.connect(self.stager.path)
        stage.execute("PRAGMA journal_mode = WAL")
        stage.close()

    async def take_off(self, table: str) -> None:
        indexes = self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table,)).fetchall()
        for index in indexes:
            self.db.execute(f"DROP INDEX {index['name']}")
            self.restore.append(index["sql"])

    async def insert(self, batch: Staged) -> None:
        if not self.attached:  # only now: a connection must not be open across the fork
            self.db.execute("ATTACH DATABASE ? AS stage", (str(self.stager.path),))
            self.attached = True
        names = ", ".join(batch.columns)
        self.db.execute(f"INSERT INTO main.{batch.table} ({names}) SELECT {names} "
                        f"FROM stage.{batch.stage}")

    async def update(self, batch: Update) -> None:
        self.db.executemany(f"UPDATE {batch.table} SET {batch.column} = ? WHERE id = ?",
                            batch.values)

    async def finish(self) -> None:
        for statement in self.restore:
            self.db.execute(statement)
        # main's only: unqualified, the pragma also switches the attached stage, which the
        # stager's process may still hold ("database is locked")
        self.db.execute(f"PRAGMA main.journal_mode = {self.journal_mode}")

    async def rollback(self) -> None:
        pass  # each batch committed on its own

    async def close(self) -> None:
        if self.attached:
            self.db.execute("DETACH DATABASE stage")
        self.db.close()
        remove_stage(self.stager.path)


def remove_stage(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresWriter(Writer):
    engine = "postgres"

    def __init__(self, connection: Any, progress: Progress):
        super().__init__(progress)
        self.db = connection
        self.transaction = connection.transaction()
        self.foreign_keys: list[str] = []  # put back last: they need the other tables' rows

    @staticmethod
    def prepare(batch: Rows | Update, columns: dict[str, list[str]]) -> CopyText | Update:
        """Rows in COPY's text format. Generated values never hold a tab, a newline or a
        backslash (checked here on the whole batch at once), so nothing needs escaping."""
        if isinstance(batch, Update):
            return batch
        batch = fit(batch, columns)
        text = "".join("\t".join(["\\N" if value is None else str(value) for value in row])
                       + "\n" for row in batch.rows)
        count, width = len(batch.rows), len(batch.columns)
        if (text.count("\n") != count or text.count("\t") != count * (width - 1)
                or text.count("\\") != text.count("\\N")):
            raise ValueError(f"{batch.table}: a generated value holds a tab, a newline or a "
                             "backslash")
        return CopyText(batch.table, batch.columns, text.encode(), count)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in await self.db.fetch(sql, *args)]

    async def columns(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for row in await self.db.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY ordinal_position"):
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return found

    async def begin(self) -> None:
        await self.transaction.start()
        # the deferred triggers (the catalogue's version) as each COPY ends: constraints are
        # dropped from tables loaded before, which PostgreSQL refuses with triggers pending
        await self.db.execute("SET CONSTRAINTS ALL IMMEDIATE")

    async def take_off(self, table: str) -> None:
        constraints = await self.db.fetch(
            "SELECT conname, contype, pg_get_constraintdef(oid) AS definition "
            "FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('f', 'u', 'x') "
            "ORDER BY contype = 'f' DESC", table)
        indexes = await self.db.fetch(
            "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition "
            "FROM pg_index WHERE indrelid = $1::regclass AND NOT indisprimary "
            "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint "
            "WHERE conrelid = $1::regclass)", table)
        for row in constraints:
            await self.db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row["conname"]}"')
            statement = f'ALTER TABLE {table} ADD CONSTRAINT "{row["conname"]}" ' \
                        f'{row["definition"]}'
            (self.foreign_keys if row["contype"] == "f" else self.restore).append(statement)
        for row in indexes:
            await self.db.execute(f"DROP INDEX {row['name']}")
            self.restore.insert(0, row["definition"])  # indexes before the constraints

    async def insert(self, batch: CopyText) -> None:
        await self.db.copy_to_table(batch.table, source=io.BytesIO(batch.data),
                                    columns=list(batch.columns), format="text")

    async def update(self, batch: Update) -> None:
        await self.db.executemany(
            f"UPDATE {batch.table} SET {batch.column} = $1 WHERE id = $2", batch.values)

    async def finish(self) -> None:
        for statement in self.restore + self.foreign_keys:
            await self.db.execute(statement)
        # ids were given explicitly: the next row the app inserts takes the next number
        for table in self.loaded:
            await self.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))")
        await self.transaction.commit()
        await self.db.execute("VACUUM ANALYZE")

    async def rollback(self) -> None:
        await self.transaction.rollback()

    async def close(self) -> None:
        await self.db.close()
