"""The role matrix: every route of the app, asked by every kind of visitor.

It walks the app's own route table, so a route added later is checked without a new test.
Each route declares `opt={"access": level}`; routes on things that belong to one centre also
declare `opt={"scope": "centre"}`, and then desk staff of another centre are refused too."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from helpers import credentials, csrf_token, log_in

from rental.accounts import create_staff_account
from rental.kernel.web import ACCESS_LEVELS
from rental.tables import Member

VISITORS = ("anonymous", "member", "other_member", "staff_other_centre", "staff",
            "coordinator", "admin")
ROLE_OF = {"member": "member", "other_member": "member", "staff_other_centre": "staff",
           "staff": "staff", "coordinator": "coordinator", "admin": "admin"}
NOT_ASKED = {"/logout", "/login", "/language"}  # they change the visitor's own session only


def routes(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                if route.path.startswith("/static") or route.path in NOT_ASKED:
                    continue
                yield route.path, method, handler.opt


def concrete(path: str, ids: dict[str, int]) -> str:
    """Fill path parameters: a member id is member A's; any other id names the first row."""
    return re.sub(r"\{(\w+)(?::\w+)?\}",
                  lambda m: str(ids.get(m.group(1), 1)) if m.group(1) != "path" else "x", path)


@pytest.fixture
async def visitors(app, seeded):
    await create_staff_account(role="staff", phone="555 77 77 77", name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=datetime(2026, 11, 23, tzinfo=UTC))
    logins = {role: credentials(seeded, role) for role in ("staff", "coordinator", "admin")}
    members = [(phone, pw) for role, phone, pw in seeded.credentials if role == "member"]
    logins["member"], logins["other_member"] = members[0], members[1]
    logins["staff_other_centre"] = ("+995555777777", "kutaisi-desk-1")
    clients = {}
    for visitor in VISITORS:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://testserver")
        if visitor != "anonymous":
            assert (await log_in(client, *logins[visitor])).status_code == 303
        clients[visitor] = client
    yield clients
    for client in clients.values():
        await client.aclose()


async def ask(client, method: str, path: str):
    if method == "GET":
        return await client.get(path)
    token = await csrf_token(client, "/")
    return await client.request(method, path, data={"_csrf_token": token})


def expected(opt: dict, visitor: str) -> str:
    allowed = ACCESS_LEVELS[opt["access"]]
    if allowed is None:
        return "served"
    if visitor == "anonymous":
        return "login"
    if ROLE_OF[visitor] not in allowed:
        return "refused"
    if visitor == "staff_other_centre" and opt.get("scope") == "centre":
        return "refused"
    return "served"


async def test_every_route_gives_each_visitor_exactly_their_access(app, visitors):
    member_a = await Member.select(Member.id).where(Member.phone == "+995555000011").first()
    ids = {"member_id": member_a["id"]}
    wrong = []
    for path, method, opt in routes(app):
        url = concrete(path, ids)
        for visitor in VISITORS:
            response = await ask(visitors[visitor], method, url)
            want = expected(opt, visitor)
            asked_to_log_in = (
                response.status_code == 303
                and response.headers.get("location", "").startswith("/login")
            ) or (url.startswith("/api/") and response.status_code == 401)
            got = ("login" if asked_to_log_in
                   else "refused" if response.status_code in (401, 403)
                   else "served")
            if got != want:
                wrong.append(f"{method} {url} as {visitor}: {response.status_code}, "
                             f"expected {want}")
            assert response.status_code < 500, f"{method} {url} as {visitor}: 500"
    assert not wrong, "\n".join(wrong)


async def test_a_member_never_sees_another_members_data(visitors):
    other = visitors["other_member"]
    for path in ("/me", "/me/edit", "/me/data.json"):
        text = (await other.get(path)).text
        assert "+995555000011" not in text and "დავით მამულაშვილი" not in text, path
    member_a = await Member.select(Member.id).where(Member.phone == "+995555000011").first()
    for path in (f"/members/{member_a['id']}", f"/members/{member_a['id']}/agreement",
                 "/members?q=დავით"):
        assert (await other.get(path)).status_code == 403, path
