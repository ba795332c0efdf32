"""`rental backup`, `rental backup --verify` and `rental restore` as a volunteer runs them:
separate processes on scratch databases, at the instant the test chooses (CLOCK_START)."""

from __future__ import annotations

import glob
import json
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import asyncpg
import pytest
from conftest import (
    ON_POSTGRES,
    TEST_DATABASE_URL,
    _test_database_name,
    database_url_named,
    drop_postgres_database,
    recreate_postgres_database,
)
from test_cli import rental

pytestmark = pytest.mark.skipif(
    ON_POSTGRES and not (shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump")),
    reason="PostgreSQL's client tools (pg_dump, pg_restore) are not installed: "
    "apt install postgresql-client")

CLOCK = {"CLOCK_START": "2026-11-25T10:00:00+04:00"}  # 06:00 UTC


@pytest.fixture
async def scratch_url(tmp_path):
    """Makes empty databases by name (SQLite files under tmp_path, or PostgreSQL databases
    dropped after the test): their DATABASE_URL."""
    made = []

    async def make(name: str) -> str:
        if not ON_POSTGRES:
            return f"sqlite:///{tmp_path / name}.sqlite"
        database_name = _test_database_name(f"_cli_{name}")
        await recreate_postgres_database(TEST_DATABASE_URL, database_name)
        made.append(database_name)
        return database_url_named(TEST_DATABASE_URL, database_name)

    yield make
    for name in made:
        await drop_postgres_database(TEST_DATABASE_URL, name)


async def catalogue_token(url: str) -> int:
    """The catalogue's version in the database at `url` (bookings.catalogue.services)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute("SELECT token FROM catalogue_version").fetchone()[0]
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return await connection.fetchval("SELECT token FROM catalogue_version")
    finally:
        await connection.close()


def run(*args: str, url: str, var: Path, **env: str):
    return rental(*args, database_url=url, env={**CLOCK, "VAR_DIR": str(var), **env})


def ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


async def test_back_up_verify_refuse_and_restore_end_to_end(scratch_url, tmp_path):
    source, target = await scratch_url("source"), await scratch_url("target")
    var = tmp_path / "var"
    ok(run("migrate", url=source, var=var))
    ok(run("seed-demo", "--with-activity", url=source, var=var))
    (var / "media").mkdir(parents=True, exist_ok=True)
    (var / "media" / "drill.jpg").write_bytes(b"a photo")

    printed = ok(run("backup", "--to", str(tmp_path / "usb"), url=source, var=var))
    archive = tmp_path / "usb" / "backup-20261125T060000Z.tar"
    assert f"backup written and verified: {archive}" in printed
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())

    checked = ok(run("backup", "--verify", str(archive), url=source, var=var))
    assert "as the manifest says" in checked

    done = run("restore", str(archive), url=source, var=var)  # the source holds data
    assert done.returncode == 2 and "--replace" in done.stderr

    ok(run("migrate", url=target, var=tmp_path / "new-pc"))  # a new PC: migrated, empty
    restored = ok(run("restore", str(archive), url=target, var=tmp_path / "new-pc"))
    for table in ("booking", "member", "ledger_entry"):  # the counts are printed
        assert re.search(rf"^\s+{table}\s+{manifest['tables'][table]}$", restored, re.M)
    assert "as the manifest says" in restored and "migrations applied" not in restored
    assert (tmp_path / "new-pc" / "media" / "drill.jpg").read_bytes() == b"a photo"
    # the same rows, but a version of the catalogue of its own: a worker may have kept rows
    # under the backup's that were read just after it
    assert await catalogue_token(target) != await catalogue_token(source)
    again = ok(run("restore", str(archive), "--replace", url=target, var=tmp_path / "new-pc"))
    assert "as the manifest says" in again


async def test_a_damaged_backup_is_refused_with_a_clear_message(scratch_url, tmp_path):
    source = await scratch_url("damaged")
    var = tmp_path / "var"
    ok(run("migrate", url=source, var=var))
    ok(run("seed-demo", url=source, var=var))
    ok(run("backup", url=source, var=var))
    archive = var / "backups" / "backup-20261125T060000Z.tar"
    archive.write_bytes(archive.read_bytes()[:-20_000])
    for args in (["restore", str(archive), "--replace"], ["backup", "--verify", str(archive)]):
        done = run(*args, url=source, var=var)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "is damaged or incomplete" in done.stderr and "use another backup" in done.stderr
        assert "Traceback" not in done.stderr


async def test_an_older_backup_is_migrated_forward(scratch_url, tmp_path):
    """A backup made before the newest rental migration (rolled back in a scratch database)
    is restored and the migration applied."""
    old, target = await scratch_url("old"), await scratch_url("newer")
    var = tmp_path / "var"
    ok(run("migrate", url=old, var=var))
    ok(run("seed-demo", url=old, var=var))
    ok(run("migrate", "--backwards", "rental", url=old, var=var))
    ok(run("backup", url=old, var=var))
    archive = var / "backups" / "backup-20261125T060000Z.tar"
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())

    restored = ok(run("restore", str(archive), url=target, var=tmp_path / "new-pc"))
    assert "the backup was older: migrated forward (1 migrations applied)" in restored
    ok(run("backup", url=target, var=tmp_path / "new-pc",
           CLOCK_START="2026-11-25T11:00:00+04:00"))
    newer = json.loads(tarfile.open(
        tmp_path / "new-pc" / "backups" / "backup-20261125T070000Z.tar"
    ).extractfile("manifest.json").read())
    assert newer["schema"]["rental"] > manifest["schema"]["rental"]
    assert newer["schema"]["inventory"] == manifest["schema"]["inventory"]
    assert newer["tables"]["migration"] == manifest["tables"]["migration"] + 1
    assert newer["tables"]["member"] == manifest["tables"]["member"]


def test_a_backup_needs_the_postgres_client_tools(tmp_path):
    """PG_DUMP names the client; a missing one is a clear configuration error."""
    done = rental("backup", env={"PG_DUMP": str(tmp_path / "no-pg_dump")})
    assert done.returncode == 2 and "PG_DUMP=" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's client tools: PostgreSQL only")
def test_an_older_pg_dump_than_the_server_is_refused(tmp_path):
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    done = rental("backup", "--to", str(tmp_path / "b"), env={"PG_DUMP": str(fake)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "older than the PostgreSQL server" in done.stderr
    assert not list((tmp_path / "b").glob("*.tar"))
