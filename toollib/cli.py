"""The `rental` command: migrate, seed the demo, serve, create users."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime

from rental.kernel.settings import ConfigError, load_settings, use_settings


class CommandError(Exception):
    """A clear message for the person at the terminal; printed without a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except (ConfigError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # e.g. PostgreSQL not reachable
        print(f"error: cannot reach the database: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rental", description="A tool library for community centres."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="apply all database migrations")
    migrate.add_argument(
        "--backwards", metavar="APP", help="undo the latest migration of APP (or 'all')"
    )
    migrate.set_defaults(run=cmd_migrate)

    seed = commands.add_parser("seed-demo", help="add the demo centres, tools and people")
    seed.add_argument("--with-activity", action="store_true",
                      help="and a few loans and bookings, so the demo members have messages")
    seed.set_defaults(run=cmd_seed_demo)

    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    serve.set_defaults(run=cmd_serve)

    user = commands.add_parser(
        "create-user", help="create a staff, coordinator or admin account (asks for a password)"
    )
    user.add_argument("--role", required=True, choices=["admin", "coordinator", "staff"])
    user.add_argument("--phone", required=True, help="e.g. 555 12 34 56 or +995555123456")
    user.add_argument("--name", required=True)
    user.add_argument("--email")
    user.add_argument(
        "--centre", action="append", default=[], metavar="CODE",
        help="centre code (staff: one or more, e.g. --centre SMG)",
    )
    user.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from standard input instead of prompting (for scripts)",
    )
    user.set_defaults(run=cmd_create_user)

    tokens = commands.add_parser("api-token", help="API tokens for scripts and other systems")
    token_commands = tokens.add_subparsers(metavar="ACTION")
    create = token_commands.add_parser(
        "create", help="make a token for an account; shown once",
        description="e.g. rental api-token create --scopes read,book --expires 2027-06-30 "
        "--name kiosk 555000012")
    create.add_argument("phone", nargs="?", metavar="PHONE", help="the account's phone")
    create.add_argument("--user", metavar="PHONE", help="the same, as an option")
    create.add_argument("--name", "--label", dest="label", default="",
                        help="what the token is for")
    create.add_argument("--scopes", metavar="LIST", help="some of read,book,desk,coordinate "
                        "(default: every scope the account's role allows)")
    create.add_argument("--expires", metavar="YYYY-MM-DD",
                        help="its last day (default: none)")
    create.set_defaults(run=cmd_api_token_create)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its number")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(run=cmd_api_token_revoke)
    listing = token_commands.add_parser("list", help="list tokens (never the tokens themselves)")
    listing.add_argument("phone", nargs="?", metavar="PHONE",
                         help="only this account's (default: every account's)")
    listing.set_defaults(run=cmd_api_token_list)

    bookings = commands.add_parser("bookings", help="booking jobs")
    booking_commands = bookings.add_subparsers(metavar="ACTION")
    expire = booking_commands.add_parser(
        "expire", help="mark bookings not picked up as no-shows; let waitlist offers lapse")
    expire.set_defaults(run=cmd_bookings_expire)

    summaries = commands.add_parser(
        "report-summaries", help="bring the reports' monthly summaries up to date (the first "
        "report after a month closes does it too)")
    summaries.set_defaults(run=cmd_report_summaries)

    notify = commands.add_parser(
        "notify", help="queue the members' reminders due now (pick-ups, returns, late loans) "
        "and send the e-mails and SMS due")
    notify.set_defaults(run=cmd_notify)

    backup = commands.add_parser(
        "backup", help="back up the database and the uploaded media (safe while serving)")
    backup.add_argument("--to", metavar="DIR", help="the folder (default: BACKUP_DIR)")
    backup.add_argument("--verify", metavar="FILE",
                        help="check a backup instead: restore it into a scratch database and "
                        "compare its row counts with its manifest")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup (checked first), then migrate it forward")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--replace", action="store_true",
                         help="overwrite a database that holds data")
    restore.set_defaults(run=cmd_restore)
    return parser


def _run(coroutine):
    return asyncio.run(coroutine)


def cmd_migrate(args: argparse.Namespace) -> int:
    load_settings()  # fail early and clearly on a malformed setting
    from piccolo.apps.migrations.commands.backwards import run_backwards
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from rental.kernel.db import refresh_statistics
    from toollib.piccolo_conf import DB

    async def go():
        await _check_connection(DB)
        if args.backwards:
            return await run_backwards(app_name=args.backwards, migration_id="1", auto_agree=True)
        result = await run_forwards(app_name="all")
        if result.success:
            await refresh_statistics()
        return result

    result = _run(go())
    if not result.success:
        raise CommandError(f"migration failed: {result.message}")
    print(f"\nmigrations applied to {load_settings().database.describe()}")
    return 0


async def _check_connection(db) -> None:
    try:
        await db.run_ddl("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one clear message
        raise CommandError(f"cannot reach the database: {exc}") from None
    if db.engine_type == "sqlite":
        # Readers never wait for the writer; persistent, so setting it once is enough.
        await db.run_ddl("PRAGMA journal_mode=WAL")


async def _require_schema() -> None:
    from rental.tables import Centre

    try:
        await Centre.count()
    except Exception:  # noqa: BLE001
        raise CommandError(
            "the database has no schema yet: run `rental migrate` first"
        ) from None


def cmd_seed_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    from toollib.demo.seed import seed_demo

    async def go():
        await _require_schema()
        now = settings.clock.now()
        today = settings.clock.today(settings.default_timezone)
        report = await seed_demo(now=now, today=today, var_dir=settings.var_dir)
        from toollib.demo.sessions import seed_sessions  # the CLI composes the packages

        await seed_sessions(report, now=now, today=today)
        if args.with_activity:
            from toollib.demo.activity import seed_activity

            await seed_activity(report, now=now, today=today)
        return report

    report = _run(go())
    if report.changed:
        added = ", ".join(f"{n} {table}" for table, n in sorted(report.inserted.items()))
        print(f"demo data added: {added}")
    else:
        print("demo data already present: nothing changed")
    print("\nDemo logins (for the demo only; change or remove them before real use):")
    for role, phone, password in report.credentials:
        print(f"  {role:<12} {phone}  {password}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    _run(_require_schema_and_close())
    from granian import Granian
    from granian.constants import Interfaces

    from rental.kernel.memory import tune_server_malloc

    tune_server_malloc()  # before the workers start, so that they have it
    print(f"serving {settings.database.describe()} on http://{args.host}:{args.port}")
    Granian(
        "toollib.app:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port,
        workers=max(1, args.workers),
        reload=args.reload,
        respawn_failed_workers=True,
    ).serve()
    return 0


async def _require_schema_and_close() -> None:
    from rental.kernel.db import refresh_statistics

    await _require_schema()
    await refresh_statistics()  # the data has grown since the last start


def cmd_create_user(args: argparse.Namespace) -> int:
    settings = load_settings()
    from rental.accounts import AccountError, create_staff_account
    from rental.auth import MIN_PASSWORD_LENGTH

    password = _read_password(args.password_stdin, MIN_PASSWORD_LENGTH)

    async def go():
        await _require_schema()
        return await create_staff_account(
            role=args.role,
            phone=args.phone,
            name=args.name,
            email=args.email,
            centre_codes=args.centre,
            password=password,
            now=settings.clock.now(),
        )

    try:
        member_id = _run(go())
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"created {args.role} #{member_id}: log in with the phone number and your password")
    return 0


def cmd_api_token_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    from rental.accounts import AccountError, create_api_token

    phone = args.phone or args.user
    if not phone or (args.phone and args.user and args.phone != args.user):
        raise CommandError("name the account by one phone number, e.g. "
                           "rental api-token create --name kiosk 555000012")
    scopes = None if args.scopes is None else [
        part.strip() for part in args.scopes.split(",") if part.strip()]
    expires_on = None
    if args.expires:
        try:
            expires_on = date.fromisoformat(args.expires)
        except ValueError:
            raise CommandError(f"--expires {args.expires!r}: write a day as YYYY-MM-DD") from None

    async def go():
        await _require_schema()
        return await create_api_token(
            phone, args.label, now=settings.clock.now(), scopes=scopes, expires_on=expires_on,
            today=settings.clock.today(settings.default_timezone))

    try:
        token_id, token = _run(go())
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"token #{token_id} (shown only now; send it as 'Authorization: Bearer <token>'):")
    print(token)
    return 0


def cmd_api_token_revoke(args: argparse.Namespace) -> int:
    settings = load_settings()
    from rental.accounts import AccountError, revoke_api_token

    async def go():
        await _require_schema()
        await revoke_api_token(args.token_id, now=settings.clock.now())

    try:
        _run(go())
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"token #{args.token_id} revoked")
    return 0


def cmd_api_token_list(args: argparse.Namespace) -> int:
    settings = load_settings()
    from rental.accounts import AccountError, api_tokens

    today = settings.clock.today(settings.default_timezone)

    async def go():
        await _require_schema()
        return await api_tokens(args.phone)

    try:
        rows = _run(go())
    except AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"{'#':<6} {'phone':<16} {'state':<8} {'scopes':<27} {'created':<17} "
          f"{'last used':<17} {'expires':<10} name")
    for row in rows:
        state = "revoked" if row["revoked_at"] else "expired" if (
            row["expires_on"] and row["expires_on"] < today) else "active"
        scopes = row["scopes"].replace(" ", ",")
        print(f"#{row['id']:<5} {row['phone']:<16} {state:<8} {scopes:<27} "
              f"{_minute(row['created_at']):<17} {_minute(row['last_used_at']) or 'never':<17} "
              f"{row['expires_on'].isoformat() if row['expires_on'] else 'never':<10} "
              f"{row['label']}")
    return 0


def _minute(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M") if instant else ""  # UTC, as stored


def cmd_bookings_expire(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bookings.lending.reservations import expire

    async def go():
        await _require_schema()
        return await expire(now=settings.clock.now())

    no_shows, lapsed = _run(go())
    print(f"{no_shows} no-shows marked, {lapsed} waitlist offers lapsed")
    return 0


def cmd_report_summaries(args: argparse.Namespace) -> int:
    settings = load_settings()
    from bookings.reports.summaries import bring_up_to_date

    async def go():
        await _require_schema()
        zone = settings.default_timezone
        return await bring_up_to_date(zone, settings.clock.today(zone))

    rebuilt = _run(go())
    print(f"report summaries rebuilt for: {', '.join(rebuilt)}" if rebuilt
          else "report summaries are up to date")
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    settings = load_settings()
    use_settings(settings)
    from bookings.lending.reminders import notifications_sweep
    from rental.sending import send_due

    async def go():
        await _require_schema()
        now = settings.clock.now()
        return await notifications_sweep(now=now), await send_due(now=now, settings=settings)

    queued, sent = _run(go())
    print(f"{queued} reminders queued; sent {sent['sent']}, to retry {sent['retried']}, "
          f"failed {sent['failed']}, suppressed {sent['suppressed']}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from toollib import backup

    settings = load_settings()
    try:
        if args.verify:
            checked = _run(backup.verify_archive(Path(args.verify), settings=settings))
            return _report_counts(checked, "verified")
        now = settings.clock.now()
        path = _run(backup.make_backup(settings, now=now, to=args.to and Path(args.to)))
        deleted = backup.prune(settings, now=now, folder=path.parent)
    except backup.BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"backup written and verified: {path}")
    for old in deleted:
        print(f"deleted old backup {old.name}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from toollib import backup

    settings = load_settings()

    async def go():
        restored = await backup.restore(Path(args.file), settings=settings,
                                        replace=args.replace)
        from toollib.piccolo_conf import DB

        await _check_connection(DB)
        return restored, await backup.migrate_forward()

    try:
        restored, migrated = _run(go())
    except backup.BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"restored {args.file} into {settings.database.describe()}")
    if migrated:
        print(f"the backup was older: migrated forward ({migrated} migrations applied)")
    return _report_counts(restored, "restored")


def _report_counts(result, done: str) -> int:
    for table, count in sorted(result.counts.items()):
        print(f"  {table:<28} {count:>8}")
    if result.differences:
        for table, (expected, found) in result.differences.items():
            print(f"error: {table}: the manifest says {expected} rows, found {found}",
                  file=sys.stderr)
        return 1
    print(f"{done}: {sum(result.counts.values())} rows in {len(result.counts)} tables, "
          "as the manifest says")
    return 0


def _read_password(from_stdin: bool, minimum: int) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask for a password: use --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise CommandError("the two passwords differ")
    if len(password) < minimum:
        raise CommandError(f"the password must be at least {minimum} characters long")
    return password


if __name__ == "__main__":
    sys.exit(main())
