"""`rental api-token create | list | revoke`, run as a person runs them: a separate process on
the test's database, at the test's instant."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from conftest import DB, ON_POSTGRES, RUN_DIR, WORKER_DB_URL
from helpers import DEFAULT_INSTANT

from rental.auth import token_user
from rental.tables import ApiToken

MEMBER = "+995555000012"
STAFF = "+995555000003"


def rental(*args: str):
    url = WORKER_DB_URL if ON_POSTGRES else "sqlite:///" + DB.connection_kwargs["database"]
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(RUN_DIR / "cli-var"),
           "CLOCK_START": DEFAULT_INSTANT.isoformat()}
    return subprocess.run([sys.executable, "-m", "toollib.cli", "api-token", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


async def test_create_with_scopes_a_last_day_and_a_name_then_list_and_revoke(seeded):
    made = rental("create", "--scopes", "read,book", "--expires", "2027-06-30",
                  "--name", "kiosk", "555 00 00 12")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    row = await ApiToken.select().first()
    assert (row["label"], row["scopes"], row["expires_on"]) == (
        "kiosk", "read book", date(2027, 6, 30))
    assert (await token_user(token, DEFAULT_INSTANT)).scopes == {"read", "book"}

    rental("create", "--name", "desk", STAFF)
    listed = rental("list", MEMBER)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 2  # the heading and the member's one token
    assert "read,book" in lines[1] and "2027-06-30" in lines[1] and "kiosk" in lines[1]
    assert "active" in lines[1] and lines[1].count("2026-11-23 08:00") == 2  # made, used
    assert len(rental("list").stdout.strip().splitlines()) == 3  # everyone's

    revoked = rental("revoke", str(row["id"]))
    assert revoked.returncode == 0 and f"#{row['id']} revoked" in revoked.stdout
    assert "revoked" in rental("list", MEMBER).stdout
    assert await token_user(token, DEFAULT_INSTANT) is None


async def test_the_old_create_still_gives_every_scope_of_the_role(seeded):
    made = rental("create", "--user", STAFF, "--label", "bench")
    assert made.returncode == 0, made.stderr
    row = await ApiToken.select().first()
    assert (row["label"], row["scopes"], row["expires_on"]) == ("bench", "read book desk", None)


async def test_refusals_are_clear_and_make_nothing(seeded):
    for args, message in [
        (("create", "--scopes", "read,desk", MEMBER), "does not allow"),
        (("create", "--scopes", "read,write", MEMBER), "Choose scopes from the list"),
        (("create", "--expires", "2026-11-22", MEMBER), "past"),
        (("create", "--expires", "30.06.2027", MEMBER), "YYYY-MM-DD"),
        (("create",), "one phone number"),
        (("create", "555 99 99 99"), "no account"),
        (("revoke", "999"), "no active token #999"),
        (("list", "not a phone"), "not a valid phone number"),
    ]:
        done = rental(*args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert await ApiToken.count() == 0
