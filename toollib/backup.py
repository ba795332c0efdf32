"""Back up and restore the whole library: the database and the uploaded media, while the server
serves.

One backup is one uncompressed .tar file (backup-<UTC instant>.tar): one thing to copy to a USB
disk or a cloud, and renaming one file is atomic, so a backup either has its final name and is
complete and verified, or it has a temporary name (.backup-*.partial) and is ignored. Inside:
`manifest.json` (engine, created_at, the last migration of each app, the row count of every
table, the SHA-256 of every other file), `manifest.sha256` (the manifest's own checksum),
`database.sqlite` or `database.pgdump` (pg_dump's custom format), and `media/...`.

SQLite is copied with its online backup API (a consistent snapshot; readers and the writer go
on); PostgreSQL with pg_dump inside a snapshot exported by a repeatable-read transaction, in
which the row counts are taken too, so the counts and the dump describe the same instant.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rental.kernel.settings import Database, Settings
from toollib.backup_rules import (
    age_hours,
    backup_due,
    backup_name,
    backups_to_keep,
    instant_of,
)

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.sha256"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
MIGRATIONS_TABLE = "migration"  # Piccolo's; counted, but rows there alone are not "data"


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    counts: dict[str, int]  # table -> rows, as restored (before migrating forward)
    expected: dict[str, int]  # the manifest's
    migrated: int = 0  # migrations applied after the restore

    @property
    def differences(self) -> dict[str, tuple[int | None, int | None]]:
        return {t: (self.expected.get(t), self.counts.get(t))
                for t in sorted(set(self.counts) | set(self.expected))
                if self.expected.get(t) != self.counts.get(t)}


# --- making a backup -----------------------------------------------------------------------------


async def make_backup(settings: Settings, *, now: datetime, to: Path | None = None,
                      database: Database | None = None) -> Path:
    """Write, verify, then rename a backup into `to` (default: the BACKUP_DIR); its path."""
    database = database or settings.database
    final = Path(to or settings.backups) / backup_name(now)
    staging = await asyncio.to_thread(_staging, final)
    partial = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        if database.engine == "sqlite":
            counts, schema = await asyncio.to_thread(_copy_sqlite, database, staging / SQLITE_FILE)
        else:
            counts, schema = await _dump_postgres(settings, database, staging / PG_FILE)
        manifest = {"format": FORMAT, "engine": database.engine,
                    "created_at": now.astimezone(UTC).isoformat(), "schema": schema,
                    "tables": counts}
        await asyncio.to_thread(_package, staging, settings.media_dir, manifest, partial)
        await verify_archive(partial, settings=settings, deep=database.engine == "sqlite")
        await asyncio.to_thread(_publish, partial, final)
    finally:
        await asyncio.to_thread(_clean_up, staging, partial)
    return final


def _staging(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise BackupError(f"{final} exists already: one backup per second")
    return Path(tempfile.mkdtemp(prefix=".backup-staging-", dir=final.parent))


def _package(staging: Path, media: Path, manifest: dict, partial: Path) -> None:
    """The media beside the database, every file's checksum in the manifest, all in one tar."""
    if media.is_dir():
        shutil.copytree(media, staging / "media")
    files = {path.relative_to(staging).as_posix(): _sha256(path)
             for path in sorted(staging.rglob("*")) if path.is_file()}
    text = json.dumps({**manifest, "files": files}, indent=1, sort_keys=True,
                      ensure_ascii=False).encode()
    with open(partial, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        _add_bytes(tar, MANIFEST, text)
        _add_bytes(tar, MANIFEST_SUM, hashlib.sha256(text).hexdigest().encode())
        for name in files:
            tar.add(staging / name, arcname=name, recursive=False)
        tar.close()
        raw.flush()
        os.fsync(raw.fileno())


def _publish(partial: Path, final: Path) -> None:
    os.replace(partial, final)  # the final name only now: complete and verified
    _fsync_directory(final.parent)


def _clean_up(staging: Path, partial: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    partial.unlink(missing_ok=True)


def _copy_sqlite(database: Database, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    if database.path is None or not database.path.exists():
        raise BackupError(f"no database at {database.path}: nothing to back up")
    source = sqlite3.connect(f"file:{database.path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return _sqlite_counts(copy), _sqlite_schema(copy)
    finally:
        copy.close()
        source.close()


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in _sqlite_tables(connection)}


def _sqlite_schema(connection: sqlite3.Connection) -> dict[str, str]:
    if MIGRATIONS_TABLE not in _sqlite_tables(connection):
        return {}
    return dict(connection.execute(
        "SELECT app_name, max(name) FROM migration GROUP BY app_name ORDER BY app_name"))


async def _dump_postgres(settings: Settings, database: Database,
                         target: Path) -> tuple[dict[str, int], dict[str, str]]:
    import asyncpg

    connection = await asyncpg.connect(database.dsn)
    try:
        pg_dump = await _client(settings, connection, "pg_dump")
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            counts, schema = await _postgres_facts(connection)
            # pg_dump reads the same snapshot while this transaction stays open
            await _run_client(pg_dump, "--format=custom", f"--snapshot={snapshot}",
                              "--no-owner", "--no-privileges", f"--file={target}",
                              dsn=database.dsn)
        return counts, schema
    finally:
        await connection.close()


async def _postgres_facts(connection) -> tuple[dict[str, int], dict[str, str]]:
    tables = [row["tablename"] for row in await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    counts = {table: await connection.fetchval(f'SELECT count(*) FROM "{table}"')
              for table in tables}
    schema = {}
    if MIGRATIONS_TABLE in tables:
        schema = {row["app_name"]: row["name"] for row in await connection.fetch(
            "SELECT app_name, max(name) AS name FROM migration GROUP BY app_name "
            "ORDER BY app_name")}
    return counts, schema


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- the PostgreSQL client tools -----------------------------------------------------------------


def _candidates(settings: Settings, program: str) -> list[Path]:
    if settings.pg_dump:  # named: that one (and its pg_restore), nothing else
        return [settings.pg_dump.parent / program]
    found = [Path(p) for p in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))]
    on_path = shutil.which(program)
    return ([Path(on_path)] if on_path else []) + found


def _major(program: Path) -> int | None:
    try:
        done = subprocess.run(  # noqa: S603 - a PostgreSQL client the settings or PATH name
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", done.stdout)
    return int(match.group(1)) if match else None


async def _client(settings: Settings, connection, program: str) -> Path:
    """The newest `program` (pg_dump, pg_restore) found, refused when older than the server."""
    server = int(await connection.fetchval("SHOW server_version_num")) // 10000
    versions = [(major, path) for path in _candidates(settings, program)
                if (major := _major(path)) is not None]
    if not versions:
        raise BackupError(
            f"{program} not found: install the PostgreSQL client tools of the server's version "
            f"(Debian: apt install postgresql-client-{server}) or name pg_dump in PG_DUMP")
    major, path = max(versions)
    if major < server:
        raise BackupError(
            f"{path} is version {major}, older than the PostgreSQL server ({server}): install "
            f"postgresql-client-{server} or name a newer pg_dump in PG_DUMP")
    return path


async def _run_client(program: Path, *args: str, dsn: str | None) -> None:
    """Run pg_dump or pg_restore; the password goes in the environment, never on the command
    line (where `ps` shows it)."""
    env = dict(os.environ)
    if dsn:
        parts = urlsplit(dsn)
        if parts.password:
            env["PGPASSWORD"] = parts.password
            host = parts.hostname or ""
            netloc = (f"{parts.username}@" if parts.username else "") + (
                f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
            dsn = urlunsplit(parts._replace(netloc=netloc))
        args = (*args, f"--dbname={dsn}")
    process = await asyncio.create_subprocess_exec(
        str(program), *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    _out, err = await process.communicate()
    if process.returncode:
        raise BackupError(f"{program.name} failed: {err.decode(errors='replace').strip()[:800]}")


# --- reading a backup ----------------------------------------------------------------------------


def unpack(archive: Path, into: Path) -> dict:
    """Extract a backup into `into` and check it whole: the manifest's own checksum, then every
    file's; a damaged or cut-short backup raises BackupError and `into` is to be thrown away."""
    damaged = f"{archive} is damaged or incomplete"
    if not archive.is_file():
        raise BackupError(f"{archive}: no such backup file")
    try:
        with tarfile.open(archive, mode="r:") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"{damaged} ({exc}): it cannot be read; use another backup") from None
    try:
        text = (into / MANIFEST).read_bytes()
        recorded = (into / MANIFEST_SUM).read_text().strip()
    except OSError:
        raise BackupError(f"{damaged}: its manifest is missing; use another backup") from None
    if hashlib.sha256(text).hexdigest() != recorded:
        raise BackupError(f"{damaged}: its manifest does not match its checksum; "
                          "use another backup")
    try:
        manifest = json.loads(text)
        files = manifest["files"]
        manifest["tables"], manifest["engine"], manifest["schema"]  # noqa: B018
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{damaged}: its manifest cannot be read") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is of format {manifest.get('format')}, which this version "
                          "cannot read: update the app")
    for name, checksum in files.items():
        path = into / name
        if not path.is_file():
            raise BackupError(f"{damaged}: {name} is missing; use another backup")
        if _sha256(path) != checksum:
            raise BackupError(f"{damaged}: {name} does not match its checksum; "
                              "use another backup")
    return manifest


def _integrity(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database in the backup is damaged: {exc}") from None
    finally:
        connection.close()
    if result != [("ok",)]:
        raise BackupError(f"the database in the backup is damaged: {result[:3]}")


def _sqlite_file_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _sqlite_counts(connection)
    finally:
        connection.close()


async def verify_archive(archive: Path, *, settings: Settings, deep: bool = True) -> Restored:
    """Check a backup: its checksums, then (`deep`) restore it into a scratch database (SQLite:
    a temporary file; PostgreSQL: a database made and dropped for it) and count its rows."""
    beside = archive.parent if os.access(archive.parent, os.W_OK) else None  # a read-only disk
    with tempfile.TemporaryDirectory(prefix=".backup-verify-", dir=beside) as scratch:
        manifest = await asyncio.to_thread(unpack, archive, Path(scratch))
        expected = manifest["tables"]
        if manifest["engine"] == "sqlite":
            path = Path(scratch) / SQLITE_FILE
            await asyncio.to_thread(_integrity, path)
            counts = await asyncio.to_thread(_sqlite_file_counts, path)
        elif not deep:
            return Restored(expected, expected)
        else:
            counts = await _restore_into_scratch_postgres(settings, Path(scratch) / PG_FILE)
    return Restored(counts, expected)


async def _restore_into_scratch_postgres(settings: Settings, dump: Path) -> dict[str, int]:
    import asyncpg

    if settings.database.engine != "postgres":
        raise BackupError("a PostgreSQL backup is verified on PostgreSQL: set DATABASE_URL")
    dsn = settings.database.dsn
    parts = urlsplit(dsn)
    name = f"{parts.path.strip('/') or 'toollib'}_verify_{uuid.uuid4().hex[:8]}"[:63]
    admin = await asyncpg.connect(dsn)
    try:
        pg_restore = await _client(settings, admin, "pg_restore")
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            scratch = urlunsplit(parts._replace(path="/" + name))
            await _run_client(pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                              "--single-transaction", str(dump), dsn=scratch)
            connection = await asyncpg.connect(scratch)
            try:
                return (await _postgres_facts(connection))[0]
            finally:
                await connection.close()
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --- restoring -----------------------------------------------------------------------------------


async def restore(archive: Path, *, settings: Settings, replace: bool = False,
                  database: Database | None = None) -> Restored:
    """Check the backup whole, then put its database and media in place of the configured ones.
    Refuses (changing nothing) a damaged backup, one from another engine or a newer version of
    the app, and a database that holds data unless `replace`. Migrating forward is the caller's
    next step (`migrate_forward`)."""
    database = database or settings.database
    folder = (database.path.parent if database.engine == "sqlite" and database.path
              else settings.var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=folder) as scratch_name:
        scratch = Path(scratch_name)
        manifest = await asyncio.to_thread(unpack, archive, scratch)
        if manifest["engine"] != database.engine:
            raise BackupError(f"{archive} is a {manifest['engine']} backup; the configured "
                              f"database is {database.engine}: set DATABASE_URL to match")
        _refuse_newer_schema(manifest["schema"])
        if database.engine == "sqlite":
            await asyncio.to_thread(_integrity, scratch / SQLITE_FILE)
            held = await asyncio.to_thread(_sqlite_rows_held, database)
            if held and not replace:
                raise _holds_data(database, held)
            await asyncio.to_thread(_swap_sqlite, scratch / SQLITE_FILE, database)
            counts = await asyncio.to_thread(_sqlite_file_counts, database.path)
        else:
            counts = await _restore_postgres(settings, database, scratch / PG_FILE, replace)
        await asyncio.to_thread(_swap_media, scratch / "media", settings.media_dir)
    return Restored(counts, manifest["tables"])


def _rows_of_data(counts: dict[str, int]) -> int:
    """The rows in the app's tables: a migrated, never used database has none (the migrations'
    own table and SQLite's search index bookkeeping are not data)."""
    from piccolo.conf.apps import Finder

    ours = {table._meta.tablename for table in Finder().get_table_classes()}
    return sum(n for table, n in counts.items() if table in ours)


def _holds_data(database: Database, rows: int) -> BackupError:
    return BackupError(f"{database.describe()} holds data ({rows} rows): nothing was changed. "
                       "Restore with --replace to overwrite it (make a backup of it first)")


def _known_migrations() -> dict[str, str]:
    """The newest migration of each app this version of the code knows."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.conf.apps import Finder

    manager = BaseMigrationManager()
    newest = {}
    for app_name, config in Finder().get_app_registry().app_configs.items():
        modules = manager.get_migration_modules(config.migrations_folder_path)
        if modules:
            newest[app_name] = max(modules)
    return newest


def _refuse_newer_schema(schema: dict[str, str]) -> None:
    known = _known_migrations()
    newer = [app for app, name in schema.items() if app in known and name > known[app]]
    if newer:
        raise BackupError("the backup was made by a newer version of the app (its "
                          f"{', '.join(newer)} schema is newer): update the app, then restore")


def _sqlite_rows_held(database: Database) -> int:
    if database.path is None or not database.path.exists():
        return 0
    connection = sqlite3.connect(f"file:{database.path}?mode=ro", uri=True, timeout=30)
    try:
        counts = _sqlite_counts(connection)
    finally:
        connection.close()
    return _rows_of_data(counts)


def _swap_sqlite(restored: Path, database: Database) -> None:
    """The restored file takes the database's name in one rename. The old file's write-ahead
    log is folded in and removed first: left beside the new file, SQLite would replay it."""
    target = database.path
    assert target is not None
    if target.exists():
        connection = sqlite3.connect(target, timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(restored, target)
    _fsync_directory(target.parent)


async def _restore_postgres(settings: Settings, database: Database, dump: Path,
                            replace: bool) -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(database.dsn)
    try:
        pg_restore = await _client(settings, connection, "pg_restore")
        counts = (await _postgres_facts(connection))[0]
        held = _rows_of_data(counts)
        if held and not replace:
            raise _holds_data(database, held)
        # Tables of a newer schema than the backup's are not in the dump, and --clean would
        # leave them: the migrations run next would then fail to create them.
        tables = [f'"{t}"' for t in counts]
        if tables:
            await connection.execute(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")
    finally:
        await connection.close()
    await _run_client(pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                      "--exit-on-error", "--single-transaction", str(dump), dsn=database.dsn)
    connection = await asyncpg.connect(database.dsn)
    try:
        return (await _postgres_facts(connection))[0]
    finally:
        await connection.close()


def _swap_media(restored: Path, media: Path) -> None:
    """The backup's media take the place of the media folder (an empty one when it had none)."""
    if not restored.is_dir():
        restored.mkdir()
    media.parent.mkdir(parents=True, exist_ok=True)
    old = media.with_name(f".{media.name}.old-{uuid.uuid4().hex[:8]}")
    if media.exists():
        os.replace(media, old)
    shutil.move(str(restored), str(media))  # a rename when on the same disk
    shutil.rmtree(old, ignore_errors=True)


async def migrate_forward() -> int:
    """Apply the migrations a restored older backup lacks (as `rental migrate` does, on the
    configured database); how many were applied. The catalogue's version is drawn anew: the
    backup's token once stood for rows a running worker may have read just after it."""
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    from bookings.catalogue.services import new_catalogue_version
    from rental.kernel.db import refresh_statistics

    async def applied() -> int:
        return await Migration.count()

    before = await applied()
    with contextlib.redirect_stdout(io.StringIO()) as progress:  # Piccolo narrates every step
        result = await run_forwards(app_name="all")
    if not result.success:
        raise BackupError(f"migrating the restored database failed: {result.message}\n"
                          f"{progress.getvalue()[-800:]}")
    await refresh_statistics()
    await new_catalogue_version()
    return await applied() - before


# --- backups on a schedule -----------------------------------------------------------------------


def backups_in(folder: Path) -> dict[datetime, Path]:
    """The complete backups in a folder by their instant (a half-written one has another name)."""
    if not folder.is_dir():
        return {}
    return {instant: path for path in folder.iterdir()
            if path.is_file() and (instant := instant_of(path.name)) is not None}


def last_good_backup(settings: Settings) -> datetime | None:
    """The instant of the newest backup: a backup gets its name only once it was verified."""
    return max(backups_in(settings.backups), default=None)


def backup_age_hours(settings: Settings, *, now: datetime) -> float | None:
    return age_hours(last_good_backup(settings), now)


def prune(settings: Settings, *, now: datetime, folder: Path | None = None) -> list[Path]:
    """Delete the backups the retention rules no longer keep; the paths deleted."""
    found = backups_in(Path(folder or settings.backups))
    keep = backups_to_keep(found, now, daily=settings.backup_keep_daily,
                           weekly=settings.backup_keep_weekly)
    deleted = []
    for instant, path in sorted(found.items()):
        if instant not in keep:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


@contextlib.contextmanager
def _only_one_backup(folder: Path) -> Iterator[bool]:
    """Of the workers (processes) of one server, one backs up; the others skip this round."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


async def scheduled_backup(settings: Settings, *, now: datetime) -> Path | None:
    """The server's periodic backup: one when the newest good one is BACKUP_INTERVAL_HOURS old
    (0: never), then the old ones pruned; the new backup's path, or None."""
    if not backup_due(last_good_backup(settings), now, settings.backup_interval_hours):
        return None
    with _only_one_backup(settings.backups) as mine:
        if not mine or not backup_due(last_good_backup(settings), now,
                                      settings.backup_interval_hours):
            return None
        path = await make_backup(settings, now=now)
        prune(settings, now=now)
        return path
