"""A person's own API tokens on their page (/me/tokens): made and shown once, listed with
their scopes, created, last used and last day, revoked after a page that asks; the form refuses
with the messages next to the fields and writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from helpers import credentials, csrf_token, log_in, today

from rental.accounts import create_api_token
from rental.auth import token_user
from rental.tables import ApiToken, AuditLog

TOKEN = re.compile(r'id="new-token-value"[^>]*value="(tl_[^"]+)"')


async def make(client, **fields):
    data = {"_csrf_token": await csrf_token(client, "/me/tokens"), **fields}
    return await client.post("/me/tokens", data=data, headers={"Accept-Language": "en"})


async def test_desk_staff_make_a_token_shown_once_that_works(client, seeded):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    page = await client.get("/me/tokens")
    assert page.status_code == 200
    assert 'value="desk"' in page.text and 'value="coordinate"' not in page.text
    made = await make(client, name="Kiosk", scopes=["read", "desk"],
                      expires_on=(today() + timedelta(days=30)).isoformat())
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = TOKEN.search(made.text).group(1)
    assert "მხოლოდ ერთხელ ჩანს" in made.text  # shown only this once
    row = await ApiToken.select().first()
    assert (row["label"], row["scopes"], row["expires_on"]) == (
        "Kiosk", "read desk", today() + timedelta(days=30))

    api = await client.post("/api/v1/loans/check-in", json={
        "asset_tag": "NOPE-9999", "condition": "fine"}, headers={
        "Authorization": f"Bearer {token}"})
    assert api.status_code not in (401, 403)
    listed = (await client.get("/me/tokens", headers={"Accept-Language": "en"})).text
    assert token not in listed  # shown once
    row_html = listed[listed.index(f'id="token-{row["id"]}"'):]
    row_html = row_html[:row_html.index("</tr>")]
    assert "Kiosk" in row_html and ">read<" in row_html and ">desk<" in row_html
    assert ">book<" not in row_html and "Never" not in row_html  # used just now
    assert await AuditLog.count().where(AuditLog.action == "api_token.create") == 1


async def test_the_form_refuses_with_messages_next_to_the_fields(client, seeded):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    refused = await make(client, name="", scopes=["coordinate"],
                         expires_on=(today() - timedelta(days=1)).isoformat())
    assert refused.status_code == 422
    for field in ("name", "scopes", "expires_on"):
        assert f'id="e-{field}"' in refused.text, field
    assert "თქვენი როლი ამ უფლებებიდან ერთ-ერთს არ იძლევა." in refused.text
    assert "აირჩიეთ დღევანდელი ან უფრო გვიანდელი დღე." in refused.text
    assert 'value="coordinate"' not in refused.text
    assert await ApiToken.count() == 0


async def test_a_token_is_revoked_after_a_page_that_asks(client, seeded):
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    made = await make(client, name="Dashboard", scopes=["read"])
    token = TOKEN.search(made.text).group(1)
    token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    ask = await client.get(f"/me/tokens/{token_id}/revoke", headers={"Accept-Language": "en"})
    assert ask.status_code == 200 and "Dashboard" in ask.text
    assert f'action="/me/tokens/{token_id}/revoke"' in ask.text and 'method="post"' in ask.text
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is None
    done = await client.post(f"/me/tokens/{token_id}/revoke", data={
        "_csrf_token": await csrf_token(client, f"/me/tokens/{token_id}/revoke")})
    assert done.status_code == 303 and done.headers["location"] == "/me/tokens"
    assert await token_user(token, seeded_now()) is None
    assert f'id="token-{token_id}"' not in (await client.get("/me/tokens")).text
    again = await client.post(f"/me/tokens/{token_id}/revoke", data={
        "_csrf_token": await csrf_token(client, "/me/tokens")})
    assert again.status_code == 404


async def test_revoking_needs_the_csrf_token(client, seeded):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    token_id, _token = await create_api_token(credentials(seeded, "staff")[0], "x",
                                              now=seeded_now())
    assert (await client.post(f"/me/tokens/{token_id}/revoke")).status_code == 403
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is None


async def test_no_one_revokes_or_sees_anothers_token(client, seeded):
    token_id, token = await create_api_token(credentials(seeded, "staff")[0], "desk",
                                             now=seeded_now())
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    assert (await client.get(f"/me/tokens/{token_id}/revoke")).status_code == 404
    refused = await client.post(f"/me/tokens/{token_id}/revoke", data={
        "_csrf_token": await csrf_token(client, "/me/tokens")})
    assert refused.status_code == 404
    assert f'id="token-{token_id}"' not in (await client.get("/me/tokens")).text
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is None


async def test_a_member_makes_read_and_book_tokens_only(client, seeded):
    phone, password = credentials(seeded, "member")
    assert (await log_in(client, phone, password)).status_code == 303
    assert "/me/tokens" in (await client.get("/me")).text
    page = (await client.get("/me/tokens")).text
    assert 'value="book"' in page and 'value="desk"' not in page
    assert (await make(client, name="Phone", scopes=["desk"])).status_code == 422
    assert (await make(client, name="Phone", scopes=["read", "book"])).status_code == 200
    assert (await ApiToken.select(ApiToken.scopes).first())["scopes"] == "read book"


async def test_a_token_cannot_make_another(client, seeded):
    _id, token = await create_api_token(credentials(seeded, "staff")[0], "desk",
                                        now=seeded_now())
    refused = await client.post("/me/tokens", data={"name": "longer", "scopes": ["read"]},
                                headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert await ApiToken.count() == 1


def seeded_now():
    from helpers import now

    return now()
