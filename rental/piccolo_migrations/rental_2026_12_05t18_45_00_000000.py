"""API tokens get scopes (read, book, desk, coordinate), an optional last day and a per-token
rate limit (a count of the requests in the current minute, rental.auth).

The tokens made before keep working as they did: each gets every scope its account's role
allows today, and no last day. `scopes` is one of the non-empty sets of the four, written in
their order (rental.kernel.token_rules.stored), so the database refuses any other text. Going
back, a token narrower than its role (fewer scopes, or a last day) is revoked rather than
widened to the full rights it would have again."""

from itertools import combinations

from rental.kernel.db import sql_migration

ID = "2026-12-05T18:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api_token: scopes, expiry and a per-token rate limit"

# Written out here, not read from token_rules, so that this migration stays what it was.
SCOPES = ("read", "book", "desk", "coordinate")
SETS = [" ".join(chosen) for size in range(1, len(SCOPES) + 1)
        for chosen in combinations(SCOPES, size)]
_SETS = ", ".join(f"'{text}'" for text in SETS)
_OF_ROLE = ("CASE (SELECT role FROM member WHERE member.id = api_token.member) "
            "WHEN 'member' THEN 'read book' WHEN 'staff' THEN 'read book desk' "
            "ELSE 'read book desk coordinate' END")

FORWARDS = [
    f"ALTER TABLE api_token ADD COLUMN scopes VARCHAR(40) NOT NULL DEFAULT 'read' "
    f"CHECK (scopes IN ({_SETS}))",
    f"UPDATE api_token SET scopes = {_OF_ROLE}",
    "ALTER TABLE api_token ADD COLUMN expires_on DATE",
    "ALTER TABLE api_token ADD COLUMN window_minute INTEGER NOT NULL DEFAULT 0 "
    "CHECK (window_minute >= 0)",
    "ALTER TABLE api_token ADD COLUMN window_requests INTEGER NOT NULL DEFAULT 0 "
    "CHECK (window_requests >= 0)",
]
BACKWARDS = [
    "UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL "
    f"AND (expires_on IS NOT NULL OR scopes <> {_OF_ROLE})",
    "ALTER TABLE api_token DROP COLUMN window_requests",
    "ALTER TABLE api_token DROP COLUMN window_minute",
    "ALTER TABLE api_token DROP COLUMN expires_on",
    "ALTER TABLE api_token DROP COLUMN scopes",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
