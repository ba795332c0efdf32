"""API tokens at work: each scope opens its routes and no others, a lowered role loses its
scopes, a token past its last day or revoked is 401, and one request over the per-token limit
is 429 with Retry-After. Through the app, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from helpers import CLOCK, credentials, now, today

from rental.accounts import AccountError, create_api_token, revoke_api_token
from rental.auth import TokenThrottled, token_user
from rental.kernel import settings as settings_module
from rental.kernel.settings import ConfigError, load_settings
from rental.tables import ApiToken, Member, StaffCentre

COORDINATOR = "+995555000002"
STAFF = "+995555000003"
MEMBER = "+995555000012"

# One route of each kind, asked in a way that passes the guard and then stops short of
# changing anything (an unknown record, a refused form): what matters is 401/403 or not.
ROUTES = {
    "read": ("GET", "/me/data.json", None),  # a member's GET
    "book": ("POST", "/api/v1/bookings", {"tool_type_id": 1, "centre_id": 1,  # a member write
                                          "starts_on": "2026-01-10", "ends_on": "2026-01-05"}),
    "desk": ("POST", "/api/v1/loans/check-in", {"asset_tag": "NOPE-9999",  # a desk write
                                                "condition": "fine"}),
    "coordinate": ("POST", "/policy/membership-types", "form"),  # a coordinator's form
}


async def ask(client, token: str, scope: str, language: str = "en"):
    method, path, body = ROUTES[scope]
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
    if body == "form":
        return await client.request(method, path, data={"name_ka": ""}, headers=headers)
    return await client.request(method, path, json=body, headers=headers)


async def test_each_scope_opens_its_routes_and_no_others(client, seeded):
    for scope in ROUTES:
        _id, token = await create_api_token(COORDINATOR, f"only {scope}", now=now(),
                                            scopes=[scope])
        for route in ROUTES:
            response = await ask(client, token, route)
            if route == scope:
                assert response.status_code not in (401, 403), (scope, route, response.text)
            else:
                assert response.status_code == 403, (scope, route, response.status_code)


async def test_a_token_lacking_a_scope_is_told_which(client, seeded):
    _id, token = await create_api_token(STAFF, "reader", now=now(), scopes=["read"])
    refused = await ask(client, token, "desk")
    assert refused.status_code == 403
    assert refused.json() == {"status": 403, "errors": {
        "form": "This API token lacks the “desk” scope."}}
    georgian = await ask(client, token, "book", language="ka")
    assert georgian.status_code == 403 and "book" in georgian.json()["errors"]["form"]


async def test_a_token_without_scopes_named_holds_what_the_role_allows(client, seeded):
    _id, token = await create_api_token(STAFF, "desk", now=now())
    for scope in ("read", "book", "desk"):
        assert (await ask(client, token, scope)).status_code not in (401, 403), scope
    assert (await ask(client, token, "coordinate")).status_code == 403  # the role, already


async def test_a_token_never_holds_more_than_its_role(seeded):
    for phone, scope in ((MEMBER, "desk"), (STAFF, "coordinate")):
        with pytest.raises(AccountError, match="does not allow"):
            await create_api_token(phone, "too much", now=now(), scopes=[scope])
    assert await ApiToken.count() == 0


async def test_a_lowered_role_loses_the_scope_at_once(client, seeded):
    _id, token = await create_api_token(STAFF, "desk", now=now(), scopes=["read", "desk"])
    assert (await token_user(token, now())).scopes == {"read", "desk"}
    assert (await ask(client, token, "desk")).status_code not in (401, 403)
    staff = await Member.select(Member.id).where(Member.phone == STAFF).first()
    await StaffCentre.delete().where(StaffCentre.member == staff["id"])
    await Member.update({Member.role: "member"}).where(Member.id == staff["id"])
    assert (await token_user(token, now())).scopes == {"read"}
    assert (await ask(client, token, "desk")).status_code == 403
    assert (await ask(client, token, "read")).status_code == 200
    await Member.update({Member.role: "staff"}).where(Member.id == staff["id"])
    assert (await token_user(token, now())).scopes == {"read", "desk"}  # it was never widened


async def test_a_token_works_through_its_last_day_and_not_after(client, seeded):
    _id, token = await create_api_token(MEMBER, "kiosk", now=now(), expires_on=today(),
                                        today=today())
    assert (await ask(client, token, "book")).status_code == 422  # read, and refused by rules
    CLOCK.advance(days=1)
    expired = await ask(client, token, "book")
    assert expired.status_code == 401 and set(expired.json()) == {"status", "errors"}
    assert await token_user(token, now()) is None


async def test_a_last_day_in_the_past_is_refused(seeded):
    with pytest.raises(AccountError, match="past"):
        await create_api_token(MEMBER, "kiosk", now=now(), expires_on=today() - timedelta(1),
                               today=today())


async def test_a_revoked_token_is_401(client, seeded):
    token_id, token = await create_api_token(MEMBER, "kiosk", now=now())
    assert (await ask(client, token, "book")).status_code == 422
    await revoke_api_token(token_id, now=now())
    assert (await ask(client, token, "book")).status_code == 401


async def test_one_request_over_the_limit_is_429_with_retry_after(client, seeded, settings):
    limit = settings.api_token_rate_per_minute
    assert limit == 120  # the default
    CLOCK.set(CLOCK.now().replace(second=0, microsecond=0))  # a whole minute ahead
    _id, token = await create_api_token(MEMBER, "kiosk", now=now())
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    for n in range(limit):
        response = await client.get("/api/v1/tool-types/999999", headers=headers)
        assert response.status_code == 404, n
    over = await client.get("/api/v1/tool-types/999999", headers=headers)
    assert over.status_code == 429
    assert over.headers["retry-after"] == "60"
    assert over.json()["errors"]["form"] == (
        "This API token may send 120 requests a minute. Wait a minute and try again.")
    other = (await create_api_token(STAFF, "another", now=now()))[1]  # per token, not per app
    assert (await client.get("/api/v1/tool-types/999999", headers={
        "Authorization": f"Bearer {other}"})).status_code == 404
    CLOCK.advance(seconds=60)  # the next minute
    assert (await client.get("/api/v1/tool-types/999999",
                             headers=headers)).status_code == 404


async def test_the_limit_may_be_lifted(client, seeded, settings):
    settings_module.use_settings(replace(settings, api_token_rate_per_minute=0))
    try:
        _id, token = await create_api_token(MEMBER, "kiosk", now=now())
        await ApiToken.update({ApiToken.window_requests: 10_000, ApiToken.window_minute: int(
            now().timestamp() // 60)}).where(ApiToken.id == _id)
        assert (await token_user(token, now())) is not None
        settings_module.use_settings(settings)
        with pytest.raises(TokenThrottled):
            await token_user(token, now())
    finally:
        settings_module.use_settings(settings)


@pytest.mark.no_database
@pytest.mark.parametrize("value", ["lots", "-1", "1.5"])
def test_a_bad_rate_limit_setting_is_a_clear_error(monkeypatch, tmp_path, value):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("API_TOKEN_RATE_PER_MINUTE", value)
    with pytest.raises(ConfigError, match="API_TOKEN_RATE_PER_MINUTE"):
        load_settings()


async def test_the_last_use_is_kept(client, seeded):
    token_id, token = await create_api_token(credentials(seeded, "staff")[0], "desk",
                                             now=now())
    await ask(client, token, "read")
    row = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.id == token_id).first()
    assert row["last_used_at"] == now()
