"""Piccolo's SQLite engine with connections kept open between queries.

Piccolo opens a connection for every query outside a transaction and for every transaction:
a new thread (aiosqlite's), the file opened, the schema parsed, a PRAGMA, then all of it closed.
That is 1.5-2 ms before the query itself runs, on every query of every page. The server keeps a
few connections per worker instead (`start_connection_pool`, as on PostgreSQL); commands and
code that never start it get Piccolo's connection per query, as before. At most a few are open
at once; a request that finds them all out waits for one, as with asyncpg's pool.

A connection goes back to the pool only when it is known to be idle: its statement finished,
no transaction left open, the same database file. Anything else (an error, a cancelled request)
closes it; a new one costs what every query cost before."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)


@dataclass
class Lent:
    """A connection out of the pool: to give back (or close) with what it was borrowed for."""

    connection: aiosqlite.Connection
    identity: int  # the file's inode when it was opened: a restore renames a new file in
    path: str
    slots: asyncio.Semaphore  # the pool's it was lent by: a pool closed since takes none back


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._slots: asyncio.Semaphore | None = None
        # idle connections by database file: tests point the engine at a new file per test
        self._idle: dict[str, list[tuple[aiosqlite.Connection, int]]] = {}
        self._closing: set[asyncio.Future] = set()

    async def start_connection_pool(self, max_size: int = 4) -> None:
        """At most `max_size` connections at once, kept open between queries: more would not
        run faster on one thread and each holds its own page cache (memory)."""
        self._slots = asyncio.Semaphore(max_size)

    async def close_connection_pool(self) -> None:
        self._slots = None
        await self.close_idle_connections()

    async def close_idle_connections(self) -> None:
        """Close every idle connection: before the file is copied or replaced underneath."""
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                await connection.close()
        if self._closing:  # and the discarded ones, whose statement may still be running
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def get_connection(self) -> aiosqlite.Connection:
        """A new connection: foreign keys on, as Piccolo's, and a page cache of 512 KiB instead
        of SQLite's 2 MiB. Kept open, each would hold its 2 MiB after the first report read
        years of rows (4 connections: 10.5 MB, with this 4.2 MB); the file's pages stay in the
        system's cache either way."""
        connection = aiosqlite.connect(**self.connection_kwargs)
        # Its thread must not keep the process alive at exit when the pool was never closed
        # (a worker stopped hard, a script): SQLite rolls back what it left unfinished.
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory
        await connection.executescript("PRAGMA foreign_keys = 1; PRAGMA cache_size = -512")
        return connection

    # --- lending a connection ------------------------------------------------------------------

    async def borrow(self) -> Lent:
        """An idle connection to the current file, or a new one; waits while all are out."""
        slots = self._slots
        assert slots is not None
        await slots.acquire()
        try:
            return await self._idle_or_new(slots)
        except BaseException:
            slots.release()
            raise

    async def _idle_or_new(self, slots: asyncio.Semaphore) -> Lent:
        path = self.path
        try:
            identity = os.stat(path).st_ino
        except OSError:
            identity = -1
        idle = self._idle.get(path)
        while idle:
            connection, opened_on = idle.pop()
            if opened_on == identity:
                return Lent(connection, identity, path, slots)
            await connection.close()  # the file was replaced: this one reads the old
        connection = await self.get_connection()
        if identity == -1:  # a new file: connecting made it
            identity = os.stat(path).st_ino
        return Lent(connection, identity, path, slots)

    async def give_back(self, lent: Lent) -> None:
        try:
            if (lent.slots is self._slots and lent.path == self.path
                    and not lent.connection.in_transaction):
                self._idle.setdefault(lent.path, []).append((lent.connection, lent.identity))
            else:
                await lent.connection.close()
        finally:
            lent.slots.release()

    def discard(self, lent: Lent) -> None:
        """Close without waiting: after an error its state is unknown, and after a cancellation
        a statement may still be running in its thread (the close queues behind it)."""
        closed = lent.connection.stop()
        if closed is not None:
            self._closing.add(closed)
            closed.add_done_callback(self._closing.discard)
        lent.slots.release()

    # --- Piccolo's entry points ----------------------------------------------------------------

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic", table: Any = None):
        if self._slots is None or (query_type == "insert" and self.get_version_sync() < 3.35):
            return await super()._run_in_new_connection(query, args, query_type, table)
        lent = await self.borrow()
        try:
            async with lent.connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
        except BaseException:
            self.discard(lent)
            raise
        await self.give_back(lent)
        return rows

    async def _run_in_existing_connection(self, connection, query, args=None,
                                          query_type="generic", table=None):
        # Piccolo sends `PRAGMA foreign_keys = 1` before each query in a transaction, a second
        # hand-over to the connection's thread; every connection has it on from the start.
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING there
            return await super()._run_in_existing_connection(connection, query, args,
                                                             query_type, table)
        connection.row_factory = dict_factory
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        if self._slots is None:
            return super().transaction(transaction_type, allow_nested)
        return PooledTransaction(engine=self, transaction_type=transaction_type,
                                 allow_nested=allow_nested)


class PooledTransaction(SQLiteTransaction):
    """A transaction on a borrowed connection, given back when it ends."""

    __slots__ = ("lent",)

    engine: PooledSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.lent = await self.engine.borrow()
        self.connection = self.lent.connection
        try:
            await self.begin()
        except BaseException:
            self.engine.discard(self.lent)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            self.engine.discard(self.lent)
            raise
        else:
            await self.engine.give_back(self.lent)
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None
