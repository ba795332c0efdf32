"""The SQLite engine's kept connections (rental.kernel.sqlite_engine), as the server runs it:
a connection is used again only when it is idle and clean, and the database file it reads is
still the configured one. A connection's TEMP table says which connection answered."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ON_POSTGRES
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString

from toollib.piccolo_conf import DB

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's engine; asyncpg pools PostgreSQL's")


async def run(sql: str, *args) -> list[dict]:
    return await DB.run_querystring(QueryString(sql, *args))


async def marked() -> bool:
    """Whether the connection that answers is the one `mark()` ran on."""
    rows = await run("SELECT count(*) AS n FROM sqlite_temp_master WHERE name = 'mark'")
    return rows[0]["n"] == 1


async def mark() -> None:
    await run("CREATE TEMP TABLE mark (n INTEGER)")


async def test_queries_and_transactions_use_the_connection_kept_open():
    await mark()
    assert [await marked() for _ in range(5)] == [True] * 5
    async with DB.transaction():
        assert await marked()
    assert await marked()


async def test_a_failed_query_closes_its_connection_and_the_next_one_works():
    await mark()
    with pytest.raises(sqlite3.OperationalError):
        await run("SELECT * FROM no_such_table")
    assert not await marked()
    assert (await run("SELECT 1 AS one"))[0]["one"] == 1


async def test_a_failed_transaction_is_rolled_back_before_its_connection_is_used_again():
    await mark()
    with pytest.raises(ValueError, match="the desk gave up"):
        async with DB.transaction(TransactionType.immediate):
            await run("INSERT INTO temp.mark (n) VALUES (1)")
            raise ValueError("the desk gave up")
    assert await marked()  # kept: the rollback left it clean
    assert (await run("SELECT count(*) AS n FROM temp.mark"))[0]["n"] == 0
    await run("INSERT INTO temp.mark (n) VALUES (2)")  # no transaction left open to swallow it
    async with DB.transaction():
        assert (await run("SELECT n FROM temp.mark")) == [{"n": 2}]


async def test_a_request_cancelled_mid_query_leaves_no_connection_half_used():
    await mark()
    slow = asyncio.create_task(run(
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000000) "
        "SELECT count(*) AS n FROM c"))
    await asyncio.sleep(0.02)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert not await marked()  # closed, not given back while its thread may still run
    async with DB.transaction(TransactionType.immediate):
        await run("CREATE TABLE after_cancel (n INTEGER)")
        await run("INSERT INTO after_cancel (n) VALUES (1)")
    assert await run("SELECT n FROM after_cancel") == [{"n": 1}]


async def test_a_database_file_replaced_underneath_is_read_at_once(tmp_path):
    """`rental restore` renames a new file into place; a kept connection would go on reading
    the old one."""
    assert (await run("PRAGMA user_version"))[0]["user_version"] == 0
    await mark()
    restored = tmp_path / "restored.sqlite"
    shutil.copyfile(DB.path, restored)
    with sqlite3.connect(restored) as other:
        other.execute("PRAGMA user_version = 7")
    other.close()
    os.replace(restored, DB.path)
    assert (await run("PRAGMA user_version"))[0]["user_version"] == 7
    assert not await marked()


async def test_many_requests_at_once_each_get_a_connection_and_every_write_lands():
    await run("CREATE TABLE tally (n INTEGER NOT NULL)")
    await run("INSERT INTO tally (n) VALUES (0)")

    async def add_one() -> None:
        async with DB.transaction(TransactionType.immediate):
            n = (await run("SELECT n FROM tally"))[0]["n"]
            await asyncio.sleep(0)  # let the others ask for connections meanwhile
            await run("UPDATE tally SET n = {}", n + 1)

    await asyncio.gather(*(add_one() for _ in range(40)), *(run("SELECT 1") for _ in range(40)))
    assert await run("SELECT n FROM tally") == [{"n": 40}]


async def test_commands_that_start_no_pool_connect_per_query():
    await DB.close_connection_pool()
    try:
        await mark()
        assert not await marked()
    finally:
        await DB.start_connection_pool(max_size=4)


def test_a_process_that_never_closes_its_pool_still_exits(tmp_path):
    """A worker stopped hard, or a script, leaves kept connections open: their threads must
    not hold the process at exit (they are daemon threads)."""
    script = (
        "import asyncio\n"
        "from rental.kernel.sqlite_engine import PooledSQLiteEngine\n"
        f"db = PooledSQLiteEngine(path={str(tmp_path / 'kept.sqlite')!r})  # as the app's\n"
        "async def main():\n"
        "    await db.start_connection_pool(max_size=2)\n"
        "    await asyncio.gather(db.run_ddl('SELECT 1'), db.run_ddl('SELECT 2'))\n"
        "    print('done')\n"
        "asyncio.run(main())\n")
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=60, check=True, cwd=Path(__file__).resolve().parents[3])
    assert finished.stdout == "done\n"
