"""The migration that gave API tokens scopes, a last day and a rate limit (rental
2026-12-05T18:45): the tokens made before keep working with every scope their account's role
allows and no last day; the database refuses scopes that are not a set of the four in order;
going back revokes the tokens narrower than their role instead of widening them. Both
databases."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime

import pytest
from conftest import DB, migrate_all
from piccolo.querystring import QueryString

from rental.auth import token_digest, token_user

MIGRATION_ID = "2026-12-05T18:45:00:000000"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ROLES = {"+995555300001": "member", "+995555300002": "staff", "+995555300003": "coordinator",
         "+995555300004": "admin"}
WANT = {"member": "read book", "staff": "read book desk",
        "coordinator": "read book desk coordinate", "admin": "read book desk coordinate"}


async def _back_to_before_scopes() -> None:
    from piccolo.apps.migrations.commands.backwards import run_backwards

    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_backwards(app_name="rental", migration_id=MIGRATION_ID,
                                     auto_agree=True)
    assert result.success, result.message


async def _sql(sql: str, *values) -> list[dict]:
    return await DB.run_querystring(QueryString(sql, *values))


@pytest.mark.xdist_group("migrations")
async def test_tokens_made_before_keep_their_roles_rights_and_no_last_day():
    await _back_to_before_scopes()
    try:
        for phone, role in ROLES.items():
            await _sql("INSERT INTO member (name, phone, password_hash, role, status, "
                       "created_at, updated_at) VALUES ('m', {}, '', {}, 'active', {}, {})",
                       phone, role, NOW, NOW)
            await _sql("INSERT INTO api_token (member, token_hash, label, created_at) "
                       "SELECT id, {}, {}, {} FROM member WHERE phone = {}",
                       token_digest(f"tl_{role}"), role, NOW, phone)
    finally:
        await migrate_all()

    rows = await _sql("SELECT label, scopes, expires_on, revoked_at FROM api_token")
    assert {row["label"]: (row["scopes"], row["expires_on"], row["revoked_at"])
            for row in rows} == {role: (WANT[role], None, None) for role in ROLES.values()}
    for role in ROLES.values():
        user = await token_user(f"tl_{role}", NOW)
        assert user is not None and user.scopes == set(WANT[role].split())

    for wrong in ("desk read", "write", "", "read  book"):
        with pytest.raises(Exception, match="(?i)check"):
            await _sql("UPDATE api_token SET scopes = {} WHERE label = 'admin'", wrong)

    # back again: a token narrower than its role is revoked, not widened
    await _sql("UPDATE api_token SET scopes = 'read' WHERE label = 'staff'")
    await _sql("UPDATE api_token SET expires_on = {} WHERE label = 'member'",
               datetime(2027, 6, 30).date())
    await _back_to_before_scopes()
    try:
        rows = await _sql("SELECT label, revoked_at FROM api_token ORDER BY label")
        revoked = {row["label"] for row in rows if row["revoked_at"] is not None}
        assert revoked == {"member", "staff"}
    finally:
        await migrate_all()
