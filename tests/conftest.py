"""Test databases: a fresh migrated SQLite file per test, or with TEST_DATABASE_URL a real
PostgreSQL database per xdist worker, migrated once and emptied before each test.

The environment is set here, before any table is imported: Piccolo binds tables to the engine
named by toollib.piccolo_conf when their classes are defined.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
RUN_DIR = Path(tempfile.mkdtemp(prefix=f"toollib-tests-{WORKER}-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def database_url_named(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def recreate_postgres_database(url: str, name: str) -> None:
    await drop_postgres_database(url, name, create_again=True)


async def drop_postgres_database(url: str, name: str, *, create_again: bool = False) -> None:
    """Drop the database `name` on the server of `url` (and make it afresh if asked). An
    autovacuum worker on a database just written cannot be terminated by a role without
    pg_signal_backend: it ends in moments, so the drop is tried again."""
    import asyncpg

    admin = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        for attempt in range(20):
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except asyncpg.exceptions.InsufficientPrivilegeError:
                if attempt == 19:
                    raise
                await asyncio.sleep(0.25)
        if create_again:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def _test_database_name(suffix: str = "") -> str:
    base = urlsplit(TEST_DATABASE_URL).path.strip("/") or "toollib"
    return re.sub(r"[^a-z0-9_]", "_", f"{base}_test_{WORKER}{suffix}".lower())


os.environ["VAR_DIR"] = str(RUN_DIR / "var")
os.environ.pop("SECRET_KEY", None)
for _name in ("EMAIL_URL", "EMAIL_FROM", "SMS_URL", "SMS_TOKEN", "SMS_SENDER", "PUBLIC_URL"):
    os.environ.pop(_name, None)  # a developer's own accounts never get the tests' messages
os.environ["PICCOLO_CONF"] = "toollib.piccolo_conf"
if ON_POSTGRES:
    WORKER_DB_URL = database_url_named(TEST_DATABASE_URL, _test_database_name())
    asyncio.run(recreate_postgres_database(TEST_DATABASE_URL, _test_database_name()))
    os.environ["DATABASE_URL"] = WORKER_DB_URL
else:
    WORKER_DB_URL = None
    TEMPLATE_DB = RUN_DIR / "template.sqlite"
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMPLATE_DB}"


async def migrate_all() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    with contextlib.redirect_stdout(io.StringIO()) as progress:  # Piccolo narrates every step
        result = await run_forwards(app_name="all")
    assert result.success, f"{result.message}\n{progress.getvalue()}"



asyncio.run(migrate_all())  # once per worker: the template file, or the worker's database

from helpers import CLOCK, DEFAULT_INSTANT, SWEEP_INSTANTS, move_to_open_day  # noqa: E402

from rental.kernel.versioned_cache import clear_all  # noqa: E402
from toollib.piccolo_conf import DB  # noqa: E402


def pytest_collection_modifyitems(items):
    """The tests mirror the packages (tests/<package>/test_*_{rules,services,pages}.py and the
    browser journeys): a module of pure rules takes no database, whatever it forgets to say."""
    for item in items:
        if item.path.stem.endswith("_rules"):
            item.add_marker(pytest.mark.no_database)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup`, where a module of browser journeys (tests/**/test_*_browser.py) is
    one unit of work: its tests run in order on one worker, which starts the module's live
    server and Chromium once. The workers share none of it (RUN_DIR and the PostgreSQL
    database are named for the worker), so both workers run browser modules at once.

    By the module's path, not an xdist_group mark: with pytest 9.2, xdist 3.8 no longer sees
    the marks (it renames node ids, which pytest no longer reads: pytest-xdist issue #1386),
    and every test went its own way, each worker starting every module's server."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserModulesWhole(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path.endswith("_browser.py") else super()._split_scope(nodeid)

    return BrowserModulesWhole(config, log)


def pytest_generate_tests(metafunc):
    """A test marked `calendar` runs at every instant of the sweep (see helpers.SWEEP)."""
    if metafunc.definition.get_closest_marker("calendar"):
        metafunc.parametrize("instant", list(SWEEP_INSTANTS.values()), indirect=True,
                             ids=list(SWEEP_INSTANTS))


@pytest.fixture(autouse=True)
def instant(request):
    """The instant the test runs at: the app, the demo seed and the helpers read it from the
    tests' clock; a test may move the clock itself (CLOCK.set / CLOCK.advance)."""
    chosen = getattr(request, "param", DEFAULT_INSTANT)
    CLOCK.set(chosen)
    return chosen


def user_tables() -> list[str]:
    from piccolo.conf.apps import Finder

    return [table._meta.tablename for table in Finder().get_table_classes()]


@functools.cache
def tables_children_first() -> list[str]:
    from graphlib import TopologicalSorter

    from piccolo.conf.apps import Finder

    parents = {
        table._meta.tablename: {
            column._foreign_key_meta.resolved_references._meta.tablename
            for column in table._meta.foreign_key_columns} - {table._meta.tablename}
        for table in Finder().get_table_classes()
    }
    return list(TopologicalSorter(parents).static_order())[::-1]


@functools.cache
def emptying_statement() -> str:
    """Empty every table, children before parents, and restart every id at 1: DELETE is four
    times quicker than TRUNCATE on a test's few rows (TRUNCATE swaps files per table). The
    append-only tables refuse DELETE by trigger; nothing references them, so they TRUNCATE."""
    children_first = tables_children_first()
    append_only = {"audit_log", "ledger_entry"}
    return "; ".join(
        [f"TRUNCATE {t}" if t in append_only else f"DELETE FROM {t}" for t in children_first]
        + ["SELECT " + ", ".join(f"setval(pg_get_serial_sequence('{t}', 'id'), 1, false)"
                                 for t in children_first)])


@pytest.fixture(autouse=True)
async def fresh_database(request):
    """Every test starts from the migrated, empty schema (but those that take no database),
    and with nothing kept from another test's (the catalogue's cache)."""
    clear_all()
    if request.node.get_closest_marker("no_database"):
        yield
    elif ON_POSTGRES:
        async with DB.pool.acquire() as connection:
            await connection.execute(emptying_statement())
        yield
    else:
        path = RUN_DIR / f"test-{abs(hash(request.node.nodeid))}.sqlite"
        shutil.copyfile(TEMPLATE_DB, path)
        DB.connection_kwargs["database"] = str(path)
        yield
        await DB.close_idle_connections()
        DB.connection_kwargs["database"] = str(TEMPLATE_DB)
        path.unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
async def connection_pool():
    """The app's pool, as the server runs it: on SQLite a few connections kept open (each
    test's file its own; closed before a file is copied), on PostgreSQL four."""
    if ON_POSTGRES:
        await DB.start_connection_pool(min_size=1, max_size=4)
    else:
        await DB.start_connection_pool(max_size=4)
    yield
    await DB.close_connection_pool()


@pytest.fixture
def desk_open(instant):
    """The desk lends on the days Samgori opens: a test of lending on a closed day of the sweep
    moves to the next open day, at the same time of day."""
    move_to_open_day()


@pytest.fixture(scope="session")
def settings():
    from dataclasses import replace

    from rental.kernel.settings import load_settings

    return replace(load_settings(), clock=CLOCK)


@pytest.fixture(scope="session")
def app(settings):
    from toollib.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app):
    import httpx

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", follow_redirects=False
    ) as http:
        yield http


@pytest.fixture
async def seeded(settings, instant):
    """The demo seed, as `rental seed-demo` writes it at the test's instant; returns the report
    with the passwords."""
    from toollib.demo.seed import seed_demo
    from toollib.demo.sessions import seed_sessions

    now, today = CLOCK.now(), CLOCK.today()
    if now in SEEDED:  # seeded at this instant before in this worker: the same rows, copied
        report, snapshot = SEEDED[now]
        await restore(snapshot)
        return copy.deepcopy(report)
    report = await seed_demo(now=now, today=today, var_dir=RUN_DIR / "seed",
                             hasher=memoized_hash)
    await seed_sessions(report, now=now, today=today)
    SEEDED[now] = (copy.deepcopy(report), await take_snapshot(f"seeded-{now.timestamp():.0f}"))
    return report


SEEDED: dict = {}  # instant -> (the seed's report, a snapshot of the seeded database)


async def take_snapshot(name: str):
    """The database as it is: a copy of the SQLite file, or each PostgreSQL table's rows."""
    if not ON_POSTGRES:
        path = RUN_DIR / f"{name}.sqlite"
        await DB.close_idle_connections()
        shutil.copyfile(DB.connection_kwargs["database"], path)
        return path
    rows = {}
    async with DB.pool.acquire() as connection:
        for table in reversed(tables_children_first()):  # parents first, to copy back
            if await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
                data = io.BytesIO()
                await connection.copy_from_table(table, output=data, format="binary")
                rows[table] = data.getvalue()
    return rows


async def restore(snapshot) -> None:
    """Back to a snapshot, from the empty database every test starts with."""
    if not ON_POSTGRES:
        await DB.close_idle_connections()
        shutil.copyfile(snapshot, DB.connection_kwargs["database"])
        return
    async with DB.pool.acquire() as connection:
        for table, data in snapshot.items():
            await connection.copy_to_table(table, source=io.BytesIO(data), format="binary")
        await connection.execute("SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            for table in snapshot))


@functools.cache
def memoized_hash(password: str) -> str:
    """A real argon2 hash, computed once per password per worker instead of once per test."""
    from rental.auth import hash_password

    return hash_password(password)


@pytest.fixture
def count_queries(monkeypatch):
    """How many queries the database runs while the block runs."""
    counter = {"n": 0}
    original = type(DB).run_querystring

    async def counting(self, *args, **kwargs):
        counter["n"] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(type(DB), "run_querystring", counting)
    return counter
