"""Backups against the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): a round
trip keeps every row, a backup taken during a storm of check-outs restores to a consistent
state, a damaged backup is refused and changes nothing, the server's schedule, /healthz and the
coordinators' warning. Each test writes its backups under its own tmp_path."""

from __future__ import annotations

import asyncio
import glob
import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from conftest import (
    DB,
    ON_POSTGRES,
    TEST_DATABASE_URL,
    WORKER_DB_URL,
    _test_database_name,
    database_url_named,
    drop_postgres_database,
    recreate_postgres_database,
)
from helpers import SMG, credentials, demo_cast, free_tags, log_in, now, today

from bookings.lending import desk
from rental.kernel.settings import Database, parse_database_url, use_settings
from toollib import backup
from toollib.backup import BackupError
from toollib.backup_rules import backup_name

NO_PG_CLIENT = ON_POSTGRES and not (
    shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
pytestmark = [pytest.mark.usefixtures("desk_open"), pytest.mark.skipif(
    NO_PG_CLIENT, reason="PostgreSQL's client tools (pg_dump, pg_restore) are not installed: "
    "apt install postgresql-client")]


# --- the databases a test backs up and restores into ---------------------------------------------


def source_database() -> Database:
    if ON_POSTGRES:
        return parse_database_url(WORKER_DB_URL, Path("."))
    return Database("sqlite", path=Path(DB.connection_kwargs["database"]))


@pytest.fixture
async def scratch(tmp_path):
    """Makes empty databases to restore into (dropped after the test on PostgreSQL)."""
    made = []

    async def make(name: str) -> Database:
        if not ON_POSTGRES:
            return Database("sqlite", path=tmp_path / f"{name}.sqlite")
        database_name = _test_database_name(f"_backup_{name}")
        await recreate_postgres_database(TEST_DATABASE_URL, database_name)
        made.append(database_name)
        return parse_database_url(database_url_named(TEST_DATABASE_URL, database_name),
                                  Path("."))

    yield make
    for name in made:
        await drop_postgres_database(TEST_DATABASE_URL, name)


@pytest.fixture
def backup_settings(settings, tmp_path):
    """The test's settings with its own var/ (and media in it) and backup folder."""
    media = tmp_path / "var" / "media" / "units"
    media.mkdir(parents=True)
    (media / "drill.jpg").write_bytes(b"\xff\xd8 a photo of a drill")
    return replace(settings, database=source_database(), var_dir=tmp_path / "var",
                   backup_dir=tmp_path / "backups")


async def query(database: Database, sql: str) -> list[tuple]:
    if database.engine == "sqlite":
        connection = sqlite3.connect(database.path)
        try:
            rows = [tuple(row) for row in connection.execute(sql)]
            connection.commit()
            return rows
        finally:
            connection.close()
    connection = await asyncpg.connect(database.dsn)
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def tables(database: Database) -> list[str]:
    if database.engine == "sqlite":
        sql = ("SELECT name FROM sqlite_master WHERE type = 'table' "
               "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    return [row[0] for row in await query(database, sql)]


async def everything(database: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in an order that does not depend on how they were stored."""
    return {table: sorted(await query(database, f'SELECT * FROM "{table}"'), key=repr)
            for table in await tables(database)}


async def lend(count: int, *, at=None) -> list[int]:
    """`count` loans through the desk, one unit each, to the demo members in turn, each paid in
    full: their receipts."""
    cast = await demo_cast()
    members = [cast.member, cast.other, cast.migrant]
    tags = await free_tags(count)
    assert len(tags) == count
    receipts = []
    for n, tag in enumerate(tags):
        receipts.append(await check_out(cast, members[n % 3], tag, at=at))
    return receipts


async def check_out(cast, member: int, tag: str, *, at=None) -> int:
    return_on = today() + timedelta(days=1)
    due = (await desk.basket_view(member, SMG, [tag], return_on, today())).due
    return await desk.check_out(
        member_id=member, centre_id=SMG, tags=[tag], return_on=return_on,
        payment={"method": "cash", "amount": due}, override_reason="lent in a test of backups",
        actor=cast.staff,
        today=today(), now=at or now())


def fingerprint(database: Database, media: Path) -> str:
    """The bytes of a SQLite database and of the media folder (to see that nothing changed)."""
    digest = hashlib.sha256()
    if database.engine == "sqlite" and database.path.exists():
        digest.update(database.path.read_bytes())
    for path in sorted(media.rglob("*")) if media.exists() else []:
        digest.update(path.as_posix().encode() + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


# --- round trip ----------------------------------------------------------------------------------


async def test_a_round_trip_keeps_every_row_of_every_table_and_the_media(
        seeded, backup_settings, scratch, tmp_path):
    await lend(4)
    source = backup_settings.database
    archive = await backup.make_backup(backup_settings, now=now())
    assert archive == tmp_path / "backups" / backup_name(now())
    assert [p.name for p in archive.parent.iterdir() if not p.name.startswith(".")] == \
        [archive.name]  # no staging or half-written file left beside it

    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert manifest["engine"] == source.engine
    assert manifest["created_at"] == now().isoformat()
    assert set(manifest["schema"]) == {"rental", "inventory", "bookings"}
    assert [(manifest["tables"]["booking"],)] == await query(source,
                                                              "SELECT count(*) FROM booking")
    assert manifest["tables"]["ledger_entry"] > 0
    assert "media/units/drill.jpg" in manifest["files"]

    target = await scratch("round_trip")
    elsewhere = replace(backup_settings, var_dir=tmp_path / "elsewhere")
    restored = await backup.restore(archive, settings=elsewhere, database=target)
    assert restored.counts == manifest["tables"] and not restored.differences
    assert await everything(target) == await everything(source)
    assert (elsewhere.media_dir / "units" / "drill.jpg").read_bytes() == \
        b"\xff\xd8 a photo of a drill"


async def test_a_backup_during_a_storm_of_check_outs_restores_consistent(
        seeded, backup_settings, scratch):
    before = await lend(2)  # in the backup whatever the storm's timing
    cast = await demo_cast()
    members = [cast.member, cast.other, cast.migrant]
    tags = await free_tags(12)
    storm = [check_out(cast, members[n % 3], tag) for n, tag in enumerate(tags)]

    async def backup_soon() -> Path:
        await asyncio.sleep(0.01)  # the first check-outs are under way
        return await backup.make_backup(backup_settings, now=now())

    results = await asyncio.gather(*storm[:6], backup_soon(), *storm[6:],
                                   return_exceptions=True)
    archive, lent = results[6], results[:6] + results[7:]
    assert isinstance(archive, Path), archive
    receipts = [r for r in lent if isinstance(r, int)]
    assert receipts, lent  # the desk lent while the backup ran

    target = await scratch("storm")
    restored = await backup.restore(archive, settings=backup_settings, database=target)
    assert not restored.differences
    # every loan out has its receipt and its ledger lines; every receipt of a check-out is paid
    # in full (its lines sum to nothing owed): no loan is half there
    assert await query(target, """
        SELECT b.id FROM booking b WHERE b.status = 'out' AND (b.out_receipt IS NULL
          OR NOT EXISTS (SELECT 1 FROM receipt r WHERE r.id = b.out_receipt)
          OR NOT EXISTS (SELECT 1 FROM ledger_entry l WHERE l.loan = b.id))""") == []
    assert await query(target, """
        SELECT r.id FROM receipt r LEFT JOIN ledger_entry l ON l.receipt = r.id
        GROUP BY r.id HAVING count(l.id) = 0 OR sum(l.amount) != 0""") == []
    out = {row[0] for row in await query(
        target, "SELECT b.out_receipt FROM booking b WHERE b.status = 'out'")}
    assert set(before) <= out <= set(before) | set(receipts)
    # each member's balance (the sum of their ledger) is nothing owed: all was paid at once
    assert await query(target, "SELECT member, sum(amount) FROM ledger_entry "
                       "GROUP BY member HAVING sum(amount) != 0") == []
    assert len(await query(target, "SELECT DISTINCT member FROM ledger_entry")) >= 2


# --- damaged backups, --replace ------------------------------------------------------------------


def flip_a_byte(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data + 100
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, message", [
    (lambda a: flip_a_byte(a, backup.SQLITE_FILE if not ON_POSTGRES else backup.PG_FILE),
     "does not match its checksum"),
    (lambda a: flip_a_byte(a, "manifest.json"), "manifest does not match"),
    (lambda a: a.write_bytes(a.read_bytes()[: a.stat().st_size // 2]), "damaged or incomplete"),
    (lambda a: a.write_bytes(a.read_bytes()[:700]), "damaged or incomplete"),
    (lambda a: a.write_bytes(b""), "damaged or incomplete"),
], ids=["flipped-byte-in-database", "flipped-byte-in-manifest", "truncated-half",
        "truncated-header", "empty"])
async def test_a_damaged_backup_is_refused_and_nothing_changes(
        seeded, backup_settings, scratch, tmp_path, damage, message):
    archive = await backup.make_backup(backup_settings, now=now())
    target = await scratch("damaged")
    elsewhere = replace(backup_settings, var_dir=tmp_path / "elsewhere")
    await backup.restore(archive, settings=elsewhere, database=target)
    await lend(1)
    second = await backup.make_backup(backup_settings, now=now() + timedelta(minutes=1))
    damage(second)
    rows, files = await everything(target), fingerprint(target, elsewhere.media_dir)

    with pytest.raises(BackupError, match=message):
        await backup.restore(second, settings=elsewhere, database=target, replace=True)
    with pytest.raises(BackupError, match=message):
        await backup.verify_archive(second, settings=backup_settings)
    assert await everything(target) == rows
    assert fingerprint(target, elsewhere.media_dir) == files
    assert not [p for p in tmp_path.rglob(".restore-*")]  # its scratch files are gone too


async def test_a_database_with_data_is_replaced_only_when_told(
        seeded, backup_settings, scratch, tmp_path):
    archive = await backup.make_backup(backup_settings, now=now())
    target = await scratch("replace")
    elsewhere = replace(backup_settings, var_dir=tmp_path / "elsewhere")
    await backup.restore(archive, settings=elsewhere, database=target)  # empty: no need to ask
    await query(target, "UPDATE centre SET name_en = 'Changed since'")
    with pytest.raises(BackupError, match="holds data .* --replace"):
        await backup.restore(archive, settings=elsewhere, database=target)
    assert ("Changed since",) in await query(target, "SELECT name_en FROM centre")

    await backup.restore(archive, settings=elsewhere, database=target, replace=True)
    assert await everything(target) == await everything(backup_settings.database)


async def test_a_backup_of_another_engine_is_refused(seeded, backup_settings, scratch, tmp_path):
    archive = await backup.make_backup(backup_settings, now=now())
    other = (Database("sqlite", path=tmp_path / "other.sqlite") if ON_POSTGRES
             else parse_database_url("postgres://nobody@127.0.0.1:1/none", Path(".")))
    with pytest.raises(BackupError, match="backup; the configured database is"):
        await backup.restore(archive, settings=backup_settings, database=other)


# --- verify --------------------------------------------------------------------------------------


async def test_verify_restores_into_a_scratch_database_and_compares_the_counts(
        seeded, backup_settings):
    await lend(2)
    archive = await backup.make_backup(backup_settings, now=now())
    checked = await backup.verify_archive(archive, settings=backup_settings)
    assert checked.counts == checked.expected and checked.counts["booking"] >= 2
    if ON_POSTGRES:  # its scratch database was dropped
        names = await query(backup_settings.database,
                            "SELECT datname FROM pg_database WHERE datname LIKE '%_verify_%'")
        assert [n for (n,) in names if n.startswith(_test_database_name())] == []

    # a backup whose manifest promises other counts (consistent checksums, wrong numbers)
    liar = archive.with_name(backup_name(now() + timedelta(hours=1)))
    with tarfile.open(archive) as tar, tarfile.open(liar, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["booking"] += 1
                data = json.dumps(manifest).encode()
            elif member.name == "manifest.sha256":
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
            if member.name == "manifest.json":
                digest = hashlib.sha256(data).hexdigest().encode()
                info = tarfile.TarInfo("manifest.sha256")
                info.size = len(digest)
                out.addfile(info, io.BytesIO(digest))
    checked = await backup.verify_archive(liar, settings=backup_settings)
    assert list(checked.differences) == ["booking"]


# --- the server's schedule -----------------------------------------------------------------------


async def test_the_server_backs_up_when_the_last_good_one_is_a_day_old(
        seeded, backup_settings):
    assert backup.last_good_backup(backup_settings) is None
    # a half-written backup (another name) does not count
    backup_settings.backups.mkdir(parents=True)
    (backup_settings.backups / f".{backup_name(now())}.abcd1234.partial").write_bytes(b"x")
    assert backup.last_good_backup(backup_settings) is None

    first = await backup.scheduled_backup(backup_settings, now=now())
    assert first is not None and backup.last_good_backup(backup_settings) == now()
    assert await backup.scheduled_backup(backup_settings, now=now() + timedelta(hours=23)) is None
    later = now() + timedelta(hours=24)
    second = await backup.scheduled_backup(backup_settings, now=later)
    assert second is not None and backup.last_good_backup(backup_settings) == later
    assert backup.backup_age_hours(backup_settings, now=later + timedelta(minutes=30)) == 0.5

    off = replace(backup_settings, backup_interval_hours=0)
    assert await backup.scheduled_backup(off, now=later + timedelta(days=9)) is None


async def test_old_backups_are_pruned_by_the_retention_rules(seeded, backup_settings):
    folder = backup_settings.backups
    folder.mkdir(parents=True)
    for day in range(1, 20):  # backups of the last 19 days (names only: the rules read names)
        (folder / backup_name(now() - timedelta(days=day))).write_bytes(b"")
    kept_settings = replace(backup_settings, backup_keep_daily=3, backup_keep_weekly=2)
    made = await backup.scheduled_backup(kept_settings, now=now())
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    # today's, the two days before, and the newest of last week (Sunday)
    assert names == sorted([made.name] + [backup_name(now() - timedelta(days=d))
                                          for d in (1, 2)])
    assert len(names) == 3


# --- /healthz and the coordinators' warning ------------------------------------------------------


@pytest.fixture
async def backup_app_client(backup_settings):
    import httpx

    from toollib.app import create_app

    app = create_app(backup_settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    use_settings(None)


async def test_healthz_reports_the_age_of_the_last_good_backup(seeded, backup_settings,
                                                               backup_app_client):
    answer = (await backup_app_client.get("/healthz")).json()
    assert answer == {"status": "ok", "database": "ok", "backup_age_hours": None}
    await backup.make_backup(backup_settings, now=now() - timedelta(hours=5))
    answer = (await backup_app_client.get("/healthz")).json()
    assert answer["backup_age_hours"] == 5.0 and answer["status"] == "ok"


WARNING = "rental backup"


async def test_coordinators_are_warned_when_the_last_backup_is_over_two_days_old(
        seeded, backup_settings, backup_app_client):
    assert (await log_in(backup_app_client, *credentials(seeded, "coordinator"))).status_code \
        == 303
    assert WARNING in (await backup_app_client.get("/reports/")).text  # none at all

    await backup.make_backup(backup_settings, now=now() - timedelta(hours=49))
    assert WARNING in (await backup_app_client.get("/reports/")).text

    await backup.make_backup(backup_settings, now=now() - timedelta(hours=47))
    assert WARNING not in (await backup_app_client.get("/reports/")).text


async def test_desk_staff_are_not_warned(seeded, backup_app_client):
    assert (await log_in(backup_app_client, *credentials(seeded, "staff"))).status_code == 303
    page = await backup_app_client.get("/reports/")
    assert page.status_code == 200 and WARNING not in page.text
