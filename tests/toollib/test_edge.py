"""What every request meets at the edge: control characters taken out of the text people send,
HEAD on every page, the client's address behind a trusted proxy, and the security headers."""

from __future__ import annotations

import re

import pytest
from helpers import credentials, csrf_token, log_in

from rental.tables import LoginFailure, Member


@pytest.mark.parametrize("role, path, params", [
    (None, "/", {"q": "a\x00b"}),
    (None, "/api/v1/tool-types", {"q": "a\x00b"}),
    ("staff", "/members", {"q": "a\x00b"}),
    ("staff", "/units", {"q": "a\x00b"}),
    ("staff", "/desk/1", {"q": "a\x00b"}),
    ("staff", "/members", {"q": "\x00\x01\x1f\x7f"}),
    (None, "/sessions", {"from": "2026-12\x00-01"}),
])
async def test_control_characters_in_a_query_are_taken_out(client, seeded, role, path, params):
    if role:
        assert (await log_in(client, *credentials(seeded, role))).status_code == 303
    response = await client.get(path, params=params)
    assert response.status_code < 500, response.text[:300]
    assert "\x00" not in response.text


async def test_a_search_with_a_nul_byte_finds_what_the_text_without_it_finds(client, seeded):
    await log_in(client, *credentials(seeded, "staff"))
    plain = await client.get("/members", params={"q": "ქავთარაძე"})
    with_nul = await client.get("/members", params={"q": "ქავთარ\x00აძე"})
    assert with_nul.status_code == 200 and "თამარ ქავთარაძე" in with_nul.text
    assert plain.text.count("/members/") == with_nul.text.count("/members/")


async def test_control_characters_in_forms_and_json_are_taken_out(client, seeded):
    token = await csrf_token(client)
    refused = await client.post("/login", data={"login": "555\x00 00 00 12", "password": "x\x00",
                                                "_csrf_token": token, "next": "/"})
    assert refused.status_code in (200, 401, 422) and await LoginFailure.count() == 1
    phone, password = credentials(seeded, "member")
    assert (await log_in(client, phone, password)).status_code == 303
    token = await csrf_token(client, "/me/edit")
    saved = await client.post("/me/edit", data={
        "name": "თამარ\x00 ქავ\x07თარაძე", "phone": phone, "email": "", "language": "ka",
        "_csrf_token": token})
    assert saved.status_code == 303
    assert (await Member.select(Member.name).where(Member.phone == phone).first())["name"] == \
        "თამარ ქავთარაძე"
    api = await client.post("/api/v1/bookings", headers={"x-csrftoken": token}, json={
        "tool_type_id": 1, "centre_id": 1, "starts_on": "2026-12-0\u00001", "ends_on": "x"})
    assert 400 <= api.status_code < 500


def test_the_query_string_is_rewritten_only_when_it_carries_control_characters():
    from rental.kernel.web import clean_query_string

    assert clean_query_string(b"q=drill&page=2") == b"q=drill&page=2"
    assert clean_query_string(b"q=a%09b") == b"q=a%09b"  # a tab is text
    assert clean_query_string(b"q=a%00b&x=%E1%83%90%1F") == b"q=ab&x=%E1%83%90"
    assert clean_query_string(b"q=a%7fb%7F") == b"q=ab"
    assert re.fullmatch(rb"q=", clean_query_string(b"q=%00"))


# --- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page", "/api/v1/tool-types",
                                  "/static/app.css", "/sessions", "/healthz"])
async def test_every_response_carries_the_security_headers(client, path):
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    if response.headers["content-type"].startswith("text/html"):
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "strict-transport-security" not in response.headers  # not on plain HTTP


async def test_hsts_is_sent_when_the_app_is_served_over_https(settings):
    import dataclasses

    import httpx

    from toollib.app import create_app

    secure = create_app(dataclasses.replace(settings, secure_cookies=True))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=secure),
                                 base_url="https://testserver") as http:
        response = await http.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")


INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=|javascript:", re.I)


@pytest.mark.no_database
def test_templates_hold_no_inline_script_or_style():
    """What the policy would block in a browser: inline scripts, event handler attributes,
    style attributes and javascript: links."""
    from rental.kernel.settings import PROJECT_ROOT

    found = [f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
             for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
             for match in INLINE_CODE.finditer(path.read_text())]
    assert found == []


# --- HEAD ---------------------------------------------------------------------------------------


async def test_every_page_answers_head_as_its_get_without_the_body(app, client, seeded):
    """Monitoring and link checkers ask HEAD: the same status and headers, no body."""
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303
    pages = [route.path for route in app.routes
             for handler in getattr(route, "route_handlers", [])
             if "GET" in handler.http_methods and "{" not in route.path
             and not route.path.startswith(("/static", "/admin"))]
    assert len(pages) > 30
    for path in ["/static/app.css", "/no/such/page", *pages]:
        get, head = await client.get(path), await client.head(path)
        assert head.status_code == get.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


# --- behind a reverse proxy --------------------------------------------------------------------


def app_behind(settings, proxies: tuple[str, ...]):
    import dataclasses

    from toollib.app import create_app

    return create_app(dataclasses.replace(settings, trusted_proxies=proxies))


async def failed_login(app, peer: str, forwarded: str | None, login: str = "555 00 00 12"):
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 5000)),
                                 base_url="http://testserver") as http:
        token = await csrf_token(http)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return await http.post("/login", headers=headers, data={
            "login": login, "password": "not the password", "_csrf_token": token})


@pytest.mark.parametrize("proxies, peer, forwarded, seen", [
    (("127.0.0.1",), "127.0.0.1", "203.0.113.5", "203.0.113.5"),  # the proxy says who
    (("10.0.0.0/8",), "10.1.2.3", "203.0.113.5, 10.9.9.9", "203.0.113.5"),  # two proxies
    (("127.0.0.1",), "198.51.100.9", "203.0.113.5", "198.51.100.9"),  # not a proxy of ours
    ((), "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # none trusted (the default)
])
async def test_the_client_address_comes_from_trusted_proxies_only(settings, seeded, proxies,
                                                                  peer, forwarded, seen):
    app = app_behind(settings, proxies)
    await failed_login(app, peer, forwarded)
    assert [row["ip"] for row in await LoginFailure.select(LoginFailure.ip)] == [seen]


async def test_a_centre_behind_one_proxy_is_not_locked_out_by_the_address_limit(
        settings, seeded):
    """Twenty-five people typing wrong passwords through the centre's proxy: each is limited
    on their own, and the twenty-sixth still logs in."""
    import httpx

    app = app_behind(settings, ("127.0.0.1",))
    for n in range(25):
        await failed_login(app, "127.0.0.1", f"192.0.2.{n + 1}", login=f"599 00 00 {n:02d}")
    phone, password = credentials(seeded, "member")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app,
                                                               client=("127.0.0.1", 5000)),
                                 base_url="http://testserver") as http:
        token = await csrf_token(http)
        ok = await http.post("/login", headers={"X-Forwarded-For": "192.0.2.200"},
                             data={"login": phone, "password": password, "_csrf_token": token,
                                   "next": "/"})
    assert ok.status_code == 303


@pytest.mark.no_database
@pytest.mark.parametrize("value, parsed", [
    ("", ()), ("127.0.0.1", ("127.0.0.1",)), (" 10.0.0.0/8 , ::1 ", ("10.0.0.0/8", "::1"))])
def test_trusted_proxies_setting(monkeypatch, tmp_path, value, parsed):
    from rental.kernel.settings import load_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    assert load_settings().trusted_proxies == parsed


@pytest.mark.no_database
def test_a_malformed_trusted_proxy_stops_the_app_with_a_message(monkeypatch, tmp_path):
    from rental.kernel.settings import ConfigError, load_settings

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, the proxy")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings()


@pytest.mark.parametrize("path", ["/verify/%00", "/verify/a%01b", "/media/%00.jpg"])
async def test_control_characters_in_a_path_name_nothing(client, path):
    assert (await client.get(path)).status_code == 404
