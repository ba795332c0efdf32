"""Piccolo Admin at /admin: admins only, through our own login; its CSRF beside ours; the
hashes never leave the database through it; the audit log stays read-only; changes are audited."""

from __future__ import annotations

import re

import httpx
import pytest
from helpers import credentials, csrf_token, log_in
from litestar.routes import ASGIRoute

from rental.kernel.web import ACCESS_LEVELS
from rental.tables import AuditLog, Centre, Member, UserSession

JSON = {"accept": "application/json"}


async def visitor(app, login: tuple[str, str] | None = None, base_url="http://testserver"):
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
    if login:
        assert (await log_in(client, *login)).status_code == 303
    return client


@pytest.fixture
async def admin(app, seeded):
    client = await visitor(app, credentials(seeded, "admin"))
    yield client
    await client.aclose()


async def piccolo_csrf(client) -> dict[str, str]:
    """What Piccolo Admin's JavaScript does: read its `csrftoken` cookie, send it as a header."""
    response = await client.get("/admin/")
    assert response.status_code == 200
    return {"X-CSRFToken": client.cookies["csrftoken"]}


async def a_centre() -> int:
    return (await Centre.select(Centre.id).order_by(Centre.id).first())["id"]


def test_every_mounted_app_declares_admin_access(app):
    """The role matrix walks handler routes; mounted ASGI apps are checked here."""
    mounts = [route for route in app.routes if isinstance(route, ASGIRoute)]
    assert [route.path for route in mounts] == ["/admin"]
    for route in mounts:
        assert route.route_handler.opt["access"] == "admin"
        assert ACCESS_LEVELS["admin"] == ("admin",)


async def test_anonymous_visitors_are_sent_to_our_login(app, client, seeded):
    for path in ("/admin", "/admin/", "/admin/api/tables/", "/admin/public/login/"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/admin"), path
    assert (await client.get("/admin/api/tables/", headers=JSON)).status_code == 401
    response = await client.patch(f"/admin/api/tables/centre/{await a_centre()}/",
                                  json={"name_en": "x"})
    assert response.status_code in (303, 401)


@pytest.mark.parametrize("role", ["member", "staff", "coordinator"])
async def test_other_roles_get_our_403_page(app, seeded, role):
    login = next((phone, pw) for r, phone, pw in seeded.credentials if r == role)
    client = await visitor(app, login)
    try:
        for path in ("/admin/", "/admin/api/tables/", "/admin/api/tables/member/"):
            response = await client.get(path)
            assert response.status_code == 403, path
        page = await client.get("/admin/")
        assert "text/html" in page.headers["content-type"] and "<html" in page.text
        headers = await _token_from_another_admin(app, seeded)
        client.cookies.set("csrftoken", headers["X-CSRFToken"])
        response = await client.patch(f"/admin/api/tables/centre/{await a_centre()}/",
                                      json={"name_en": "x"}, headers=headers)
        assert response.status_code == 403
    finally:
        await client.aclose()


async def _token_from_another_admin(app, seeded) -> dict[str, str]:
    client = await visitor(app, credentials(seeded, "admin"))
    try:
        return await piccolo_csrf(client)
    finally:
        await client.aclose()


async def test_an_admin_gets_the_admin_without_logging_in_again(admin, seeded):
    assert (await admin.get("/admin")).headers["location"] == "/admin/"
    page = await admin.get("/admin/")
    assert page.status_code == 200 and '<div id="app">' in page.text
    script = re.search(r'src="\./(assets/[^"]+\.js)"', page.text).group(1)
    assert (await admin.get(f"/admin/{script}")).status_code == 200

    tables = (await admin.get("/admin/api/tables/")).json()
    assert {"centre", "unit", "member", "user_session", "audit_log", "booking"} <= set(tables)
    grouped = (await admin.get("/admin/api/tables/grouped/")).json()["grouped"]
    assert "unit" in grouped["inventory"] and "member" in grouped["rental"]
    assert "booking" in grouped["bookings"]

    user = (await admin.get("/admin/api/user/")).json()
    admin_row = await Member.select(Member.id, Member.name).where(Member.role == "admin").first()
    assert user == {"username": admin_row["name"], "user_id": str(admin_row["id"])}

    rows = (await admin.get("/admin/api/tables/centre/")).json()["rows"]
    assert {row["code"] for row in rows} >= {"SMG", "KUT"}


async def test_hashes_are_neither_shown_nor_written(admin):
    members = (await admin.get("/admin/api/tables/member/?__page_size=100")).json()["rows"]
    assert members and all("password_hash" not in row for row in members)
    sessions = (await admin.get("/admin/api/tables/user_session/")).json()["rows"]
    assert sessions and all("token_hash" not in row for row in sessions)
    for table in ("member", "user_session", "password_reset_code"):
        schema = (await admin.get(f"/admin/api/tables/{table}/schema/")).json()
        assert not [name for name in schema["properties"] if name.endswith("_hash")], table
    for query in ("password_hash=x", "__visible_fields=password_hash"):  # no filter oracle
        assert (await admin.get(f"/admin/api/tables/member/?{query}")).status_code == 400
    single = (await admin.get(f"/admin/api/tables/member/{members[0]['id']}/")).json()
    assert single["id"] == members[0]["id"] and "password_hash" not in single

    member = await Member.select(Member.id, Member.password_hash).where(
        Member.role == "member").first()
    response = await admin.patch(f"/admin/api/tables/member/{member['id']}/",
                                 json={"password_hash": "planted"},
                                 headers=await piccolo_csrf(admin))
    assert response.status_code == 400
    after = await Member.select(Member.password_hash).where(Member.id == member["id"]).first()
    assert after["password_hash"] == member["password_hash"]


async def test_piccolo_csrf_refuses_a_write_without_its_token_and_accepts_it_with(admin):
    centre = await a_centre()
    url = f"/admin/api/tables/centre/{centre}/"
    await piccolo_csrf(admin)  # the cookie is there, as in a browser; only the header is missing
    refused = await admin.patch(url, json={"name_en": "Forged"})
    assert refused.status_code == 403
    wrong = await admin.patch(url, json={"name_en": "Forged"}, headers={"X-CSRFToken": "x"})
    assert wrong.status_code == 403
    # our own form token is not what the admin wants
    ours = await csrf_token(admin, "/")
    assert (await admin.patch(url, json={"name_en": "Forged"},
                              headers={"X-CSRFToken": ours})).status_code == 403
    assert (await Centre.select(Centre.name_en).where(Centre.id == centre).first())[
        "name_en"] != "Forged"

    accepted = await admin.patch(url, json={"name_en": "Samgori hub"},
                                 headers=await piccolo_csrf(admin))
    assert accepted.status_code == 200, accepted.text
    assert (await Centre.select(Centre.name_en).where(Centre.id == centre).first())[
        "name_en"] == "Samgori hub"
    entry = await AuditLog.select().where(AuditLog.action == "admin.update").first()
    admin_id = (await Member.select(Member.id).where(Member.role == "admin").first())["id"]
    assert entry["entity"] == "centre" and entry["entity_id"] == centre
    assert entry["actor"] == admin_id and entry["after"] in ({"fields": ["name_en"]},
                                                             '{"fields": ["name_en"]}')


async def test_on_https_the_admin_only_takes_writes_from_its_own_origin(app, seeded):
    client = await visitor(app, credentials(seeded, "admin"), base_url="https://testserver")
    try:
        url = f"/admin/api/tables/centre/{await a_centre()}/"
        headers = await piccolo_csrf(client)
        cross = await client.patch(url, json={"name_en": "x"},
                                   headers={**headers, "origin": "https://evil.example"})
        assert cross.status_code == 403
        same = await client.patch(url, json={"name_en": "y"},
                                  headers={**headers, "origin": "https://testserver"})
        assert same.status_code == 200, same.text
    finally:
        await client.aclose()


async def test_the_audit_log_is_read_only_in_the_admin(admin):
    rows = (await admin.get("/admin/api/tables/audit_log/")).json()["rows"]
    assert rows  # the logins of the seed and of this test
    headers = await piccolo_csrf(admin)
    row = rows[0]["id"]
    assert (await admin.patch(f"/admin/api/tables/audit_log/{row}/", json={"action": "x"},
                              headers=headers)).status_code == 405
    assert (await admin.delete(f"/admin/api/tables/audit_log/{row}/",
                               headers=headers)).status_code == 405
    assert (await admin.post("/admin/api/tables/audit_log/", json={"action": "x"},
                             headers=headers)).status_code == 405


async def test_creating_and_deleting_are_audited(admin):
    headers = await piccolo_csrf(admin)
    created = await admin.post("/admin/api/tables/category/",
                               json={"slug": "admin-made", "name_ka": "ადმინი", "name_en": "Admin",
                                     "name_ru": "", "position": 9}, headers=headers)
    assert created.status_code == 201, created.text
    new_id = created.json()[0]["id"]
    deleted = await admin.delete(f"/admin/api/tables/category/{new_id}/", headers=headers)
    assert deleted.status_code == 204, deleted.text
    actions = await AuditLog.select(AuditLog.action, AuditLog.entity_id).where(
        (AuditLog.entity == "category") & AuditLog.action.like("admin.%")
    ).order_by(AuditLog.id)
    assert actions == [{"action": "admin.create", "entity_id": new_id},
                       {"action": "admin.delete", "entity_id": new_id}]


async def test_logging_out_in_the_admin_ends_our_session(admin):
    assert await UserSession.count() == 1
    response = await admin.post("/admin/public/logout/", headers=await piccolo_csrf(admin))
    assert response.status_code == 200
    assert await UserSession.count() == 0
    page = await admin.get("/admin/")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_piccolo_login_and_password_pages_are_ours(admin):
    assert (await admin.get("/admin/public/login/")).headers["location"].startswith("/login")
    response = await admin.post("/admin/api/change-password/", json={},
                                headers=await piccolo_csrf(admin))
    assert response.status_code == 404


async def test_our_forms_keep_their_own_csrf_beside_the_admin(admin):
    token = await csrf_token(admin, "/")
    await piccolo_csrf(admin)
    assert {"csrftoken", "toollib_csrf"} <= set(admin.cookies.keys())  # two names, no clash
    ok = await admin.post("/language", data={"lang": "en", "next": "/", "_csrf_token": token})
    assert ok.status_code == 303
    # Piccolo's token does not pass our check
    piccolo = admin.cookies["csrftoken"]
    refused = await admin.post("/language", data={"lang": "ka", "next": "/"},
                               headers={"x-csrftoken": piccolo})
    assert refused.status_code == 403
    assert (await admin.post("/language", data={"lang": "ka", "next": "/"})).status_code == 403
