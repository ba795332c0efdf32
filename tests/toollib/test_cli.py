"""The `rental` command, run as a user runs it: a separate process, real database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from conftest import DB, ON_POSTGRES, RUN_DIR, WORKER_DB_URL

from rental.auth import verify_password
from rental.tables import AuditLog, Member, StaffCentre


def current_database_url() -> str:
    if ON_POSTGRES:
        return WORKER_DB_URL
    return "sqlite:///" + DB.connection_kwargs["database"]  # absolute: sqlite:////tmp/...


def rental(*args: str, stdin: str | None = None, database_url: str | None = None,
           env: dict[str, str] | None = None):
    env = {**os.environ, "DATABASE_URL": database_url or current_database_url(),
           "VAR_DIR": str(RUN_DIR / "cli-var"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "toollib.cli", *args],
        input=stdin, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://root:hunter2secret@localhost/db", "only sqlite:/// and postgres://"),
        ("sqlite://", "sqlite:///relative/path.sqlite"),
        ("postgres://toollib:hunter2secret@127.0.0.1:1/nothing", "cannot reach the database"),
    ],
    ids=["unsupported-scheme", "sqlite-without-path", "postgres-unreachable"],
)
def test_bad_database_url_gets_a_clear_error_not_a_traceback(url, message):
    done = rental("migrate", database_url=url)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "hunter2secret" not in done.stderr + done.stdout


def test_seed_before_migrate_says_what_to_do():
    done = rental("seed-demo", database_url=f"sqlite:///{RUN_DIR / 'never-migrated.sqlite'}")
    assert done.returncode == 2
    assert "run `rental migrate` first" in done.stderr


def test_the_demo_with_activity_has_loans_bookings_and_messages():
    """What `make run` seeds: the demo members find messages on their pages."""
    url = f"sqlite:///{RUN_DIR / 'demo-with-activity.sqlite'}"
    env = {"CLOCK_START": "2026-11-25T10:00:00+04:00"}  # a Wednesday: all three are made
    assert rental("migrate", database_url=url).returncode == 0
    done = rental("seed-demo", "--with-activity", database_url=url, env=env)
    assert done.returncode == 0, done.stderr
    again = rental("seed-demo", "--with-activity", database_url=url, env=env)
    assert again.returncode == 0, again.stderr
    database = sqlite3.connect(str(RUN_DIR / "demo-with-activity.sqlite"))
    try:
        counts = dict(database.execute(
            "SELECT kind, count(*) FROM notification WHERE channel = 'page' GROUP BY kind"))
        loans = database.execute("SELECT count(*) FROM booking WHERE status = 'out'").fetchone()
    finally:
        database.close()
    assert loans == (2,)  # and the second run added nothing
    assert counts == {"booking_confirmed": 2, "overdue": 1, "due_tomorrow": 1,
                      "pickup_tomorrow": 1}


def test_no_command_prints_help():
    done = rental()
    assert done.returncode == 2 and "migrate" in done.stdout


async def test_create_user_reads_the_password_from_stdin_and_binds_the_centre(seeded):
    done = rental(
        "create-user", "--role", "staff", "--phone", "555 12 34 99", "--name", "ლაშა  დესკი",
        "--centre", "SMG", "--password-stdin", stdin="a long enough password\n",
    )
    assert done.returncode == 0, done.stderr
    member = await Member.objects().where(Member.phone == "+995555123499").first()
    assert member.name == "ლაშა დესკი" and member.role == "staff" and member.status == "active"
    assert verify_password(member.password_hash, "a long enough password")
    assert "a long enough password" not in done.stdout + done.stderr
    assert await StaffCentre.count().where(StaffCentre.member == member.id) == 1
    assert await AuditLog.exists().where(
        (AuditLog.entity == "member") & (AuditLog.entity_id == member.id)
    )


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["--role", "admin", "--phone", "+995555000001", "--name", "X"], "password123\n",
         "exists already"),
        (["--role", "staff", "--phone", "555 12 34 98", "--name", "X", "--centre", "NOPE"],
         "password123\n", "no centre with code NOPE"),
        (["--role", "staff", "--phone", "555 12 34 98", "--name", "X"], "password123\n",
         "add --centre"),
        (["--role", "admin", "--phone", "12", "--name", "X"], "password123\n",
         "not a valid phone number"),
        (["--role", "admin", "--phone", "555 12 34 98", "--name", "X"], "short\n",
         "at least 8 characters"),
    ],
    ids=["duplicate-phone", "unknown-centre", "staff-without-centre", "bad-phone",
         "short-password"],
)
async def test_create_user_refuses_bad_input_and_writes_nothing(seeded, args, stdin, message):
    before = await Member.count()
    done = rental("create-user", *args, "--password-stdin", stdin=stdin)
    assert done.returncode == 2
    assert message in done.stderr
    assert await Member.count() == before


def test_create_user_without_a_terminal_does_not_hang_or_echo():
    done = rental("create-user", "--role", "admin", "--phone", "555 12 34 97", "--name", "X",
                  stdin="")
    assert done.returncode == 2
    assert "--password-stdin" in done.stderr
