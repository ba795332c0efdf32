"""Logging in and out, sessions, CSRF, rate limiting, the language setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import credentials, csrf_token, log_in, now

from rental.tables import AuditLog, LoginFailure, Member, UserSession


async def test_post_without_csrf_token_is_refused(client, seeded):
    phone, password = credentials(seeded, "member")
    await client.get("/login")
    response = await client.post("/login", data={"login": phone, "password": password})
    assert response.status_code == 403
    assert "ფორმას ვადა გაუვიდა" in response.text  # "this form has expired", in Georgian
    assert await UserSession.count() == 0


async def test_post_with_a_token_of_another_browser_is_refused(client, app, seeded):
    import httpx

    phone, password = credentials(seeded, "member")
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with other:
        foreign_token = await csrf_token(other)
    await client.get("/login")
    response = await client.post(
        "/login", data={"login": phone, "password": password, "_csrf_token": foreign_token}
    )
    assert response.status_code == 403


async def test_login_opens_a_session_and_shows_the_user(client, seeded):
    phone, password = credentials(seeded, "staff")
    response = await log_in(client, phone, password)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "session" in response.cookies
    page = await client.get("/")
    assert "მარიამ ბერიძე" in page.text
    assert "გასვლა" in page.text  # "Log out"
    assert await AuditLog.count().where(AuditLog.action == "login") == 1


async def test_login_accepts_local_phone_format(client, seeded):
    _phone, password = credentials(seeded, "member")
    response = await log_in(client, "555 00 00 11", password)
    assert response.status_code == 303


async def test_login_rotates_the_session(client, seeded):
    phone, password = credentials(seeded, "member")
    await log_in(client, phone, password)
    first = client.cookies.get("session")
    await log_in(client, phone, password)
    second = client.cookies.get("session")
    assert first and second and first != second
    assert await UserSession.count() == 1  # the old session is gone, not just replaced


async def test_wrong_password_and_unknown_phone_get_the_same_clear_message(client, seeded):
    phone, _password = credentials(seeded, "member")
    wrong = await log_in(client, phone, "not the password")
    unknown = await log_in(client, "+995599999999", "whatever1")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "ტელეფონის ნომერი, ელფოსტა ან პაროლი არასწორია" in response.text
        assert "session" not in response.cookies
    assert await UserSession.count() == 0


async def test_empty_fields_get_messages_next_to_them(client, seeded):
    token = await csrf_token(client)
    response = await client.post("/login", data={"_csrf_token": token})
    assert response.status_code == 422
    assert 'id="e-login"' in response.text and 'id="e-password"' in response.text


async def test_login_is_rate_limited_per_account(client, seeded, settings):
    phone, password = credentials(seeded, "member")
    for _ in range(settings.login_max_failures):
        assert (await log_in(client, phone, "wrong password")).status_code == 422
    blocked = await log_in(client, phone, password)  # even the right password now waits
    assert blocked.status_code == 429
    assert "ძალიან ბევრი" in blocked.text  # "too many", in Georgian
    assert await UserSession.count() == 0
    assert await LoginFailure.count() == settings.login_max_failures


async def test_logout_ends_the_session_for_good(client, seeded):
    phone, password = credentials(seeded, "member")
    await log_in(client, phone, password)
    stolen = client.cookies.get("session")
    token = await csrf_token(client, "/")
    response = await client.post("/logout", data={"_csrf_token": token})
    assert response.status_code == 303
    assert await UserSession.count() == 0
    client.cookies.set("session", stolen)
    page = await client.get("/")
    assert "გასვლა" not in page.text  # the old cookie no longer logs anyone in


async def test_login_redirects_only_to_this_site(client, seeded):
    phone, password = credentials(seeded, "member")
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"login": phone, "password": password, "_csrf_token": token,
              "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/"


async def test_language_switch_is_remembered_for_the_account(client, seeded):
    phone, password = credentials(seeded, "member")
    await log_in(client, phone, password)
    token = await csrf_token(client, "/")
    response = await client.post(
        "/language", data={"lang": "en", "next": "/?q=drill", "_csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/?q=drill"
    member = await Member.select(Member.language).where(Member.phone == phone).first()
    assert member["language"] == "en"
    client.cookies.delete("lang")  # the account's setting wins even without the cookie
    assert '<html lang="en">' in (await client.get("/")).text


async def test_unknown_language_changes_nothing(client, seeded):
    token = await csrf_token(client, "/")
    response = await client.post("/language", data={"lang": "xx", "_csrf_token": token})
    assert response.status_code == 303
    assert "lang" not in response.cookies


async def test_passwords_are_argon2_hashes(seeded):
    rows = await Member.select(Member.password_hash)
    assert rows and all(row["password_hash"].startswith("$argon2id$") for row in rows)


async def test_a_hash_of_the_old_cost_is_upgraded_at_the_next_login(client, seeded):
    from argon2 import PasswordHasher

    phone, password = credentials(seeded, "member")
    old = PasswordHasher().hash(password)  # argon2-cffi's defaults, as earlier versions stored
    await Member.update({Member.password_hash: old}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303
    new = (await Member.select(Member.password_hash).where(Member.phone == phone).first())
    assert new["password_hash"] != old and "$m=19456,t=2,p=1$" in new["password_hash"]


NOW_FOR_TOKENS = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(("last_used", "seconds_later", "news"), [
    (None, 0, True),  # never used
    (NOW_FOR_TOKENS, 0, False),
    (NOW_FOR_TOKENS, 59, False),  # within the minute "last used" is shown to
    (NOW_FOR_TOKENS, 60, True),
    (NOW_FOR_TOKENS, 86_400, True),
])
def test_an_api_token_records_its_use_once_a_minute(last_used, seconds_later, news):
    from rental.auth import token_use_is_news

    now = NOW_FOR_TOKENS + timedelta(seconds=seconds_later)
    assert token_use_is_news(last_used, now) is news


async def test_an_api_token_shows_when_it_was_last_used(client, seeded):
    from rental.accounts import create_api_token
    from rental.tables import ApiToken

    token_id, token = await create_api_token(credentials(seeded, "staff")[0], "desk",
                                             now=now())
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/tool-types", headers=auth)).status_code == 200
    first = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.id == token_id).first()
    assert first["last_used_at"] is not None
    assert (await client.get("/api/v1/tool-types", headers=auth)).status_code == 200
    again = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.id == token_id).first()
    assert again["last_used_at"] == first["last_used_at"]  # not rewritten within the minute
