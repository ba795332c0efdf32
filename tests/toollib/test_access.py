"""Who may use which route: every route declares an access level, and the guard enforces it.

This walks the app's own route table, so a route added later is covered without a new test."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from rental.kernel.identity import CurrentUser
from rental.kernel.web import ACCESS_LEVELS, access_guard

ROLES = ("member", "staff", "coordinator", "admin")


def routes(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods != {"OPTIONS"}:
                yield route, handler


def test_every_route_declares_a_known_access_level(app):
    undeclared = [
        f"{route.path} {sorted(handler.http_methods)}"
        for route, handler in routes(app)
        if handler.opt.get("access") not in ACCESS_LEVELS
    ]
    assert not undeclared


async def test_anonymous_visitors_get_public_pages_and_are_sent_to_log_in_elsewhere(
    app, client, seeded
):
    for route, handler in routes(app):
        if "GET" not in handler.http_methods or "{" in route.path:
            continue
        path = re.sub(r"/static$", "/static/app.css", route.path)
        response = await client.get(path)
        if handler.opt["access"] == "public":
            assert response.status_code < 400, path
        elif path.startswith("/api/"):  # the API asks for a token: 401, never a redirect
            assert response.status_code == 401, path
        else:
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next="), path


def user(role: str) -> CurrentUser:
    return CurrentUser(id=1, name="x", role=role, status="active", language="ka",
                       centre_ids=frozenset({1}))


@pytest.mark.parametrize("level", sorted(ACCESS_LEVELS))
@pytest.mark.parametrize("role", [None, *ROLES])
def test_guard_matrix(level, role):
    connection = SimpleNamespace(
        scope={"user": user(role) if role else None}, url=SimpleNamespace(path="/x")
    )
    handler = SimpleNamespace(opt={"access": level}, http_methods={"GET"})
    allowed = ACCESS_LEVELS[level]
    if allowed is None or (role is not None and role in allowed):
        access_guard(connection, handler)
    elif role is None:
        with pytest.raises(NotAuthorizedException):
            access_guard(connection, handler)
    else:
        with pytest.raises(PermissionDeniedException):
            access_guard(connection, handler)


def test_a_route_without_a_level_is_refused():
    connection = SimpleNamespace(scope={"user": user("admin")}, url=SimpleNamespace(path="/x"))
    with pytest.raises(PermissionDeniedException):
        access_guard(connection, SimpleNamespace(opt={}, http_methods={"GET"}))


def test_roles_widen_upwards():
    assert ACCESS_LEVELS["admin"] == ("admin",)
    for lower, higher in [("member", "staff"), ("staff", "coordinator"), ("coordinator", "admin")]:
        assert set(ACCESS_LEVELS[higher]) <= set(ACCESS_LEVELS[lower])


# --- numbers beyond what the database holds: bounded where they are parsed ---------------------

HUGE = ("2147483648", "9223372036854775808", "-9223372036854775809")


def test_every_number_a_query_takes_is_bounded(app):
    """Every int query parameter names its bounds (Parameter(ge=…, le=…)), so a huge one is a
    400, not an overflow in the database."""
    from rental.kernel.values import MAX_INT

    unbounded = []
    for route, handler in routes(app):
        for name, field in handler.parsed_fn_signature.parameters.items():
            if int not in (field.annotation, *getattr(field, "inner_types", ())) and \
                    not field.is_subclass_of(int):
                continue
            if name in route.path_parameters:
                continue  # path ids: the app's before_request hook (404)
            kwarg = field.kwarg_definition
            if kwarg is None or kwarg.le is None or kwarg.le > MAX_INT or kwarg.ge is None:
                unbounded.append(f"{route.path} {name}")
    assert unbounded == []


@pytest.mark.parametrize("role", ["coordinator", "admin"])
async def test_an_id_beyond_the_database_is_not_found_on_every_page(app, client, seeded, role):
    from helpers import credentials, log_in

    assert (await log_in(client, *credentials(seeded, role))).status_code == 303
    checked = 0
    for route, handler in routes(app):
        if "GET" not in handler.http_methods or ":int}" not in route.path:
            continue
        for number in HUGE:
            path = re.sub(r"\{\w+:int\}", number, route.path)
            response = await client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("number", HUGE)
async def test_huge_numbers_in_a_query_or_a_json_body_are_refused(client, seeded, number):
    from helpers import credentials, log_in

    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    for path, params in (("/api/v1/tool-types", {"page": number}), ("/", {"member": number}),
                         ("/units", {"centre": number}), ("/sessions", {"skill": number})):
        response = await client.get(path, params=params)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    token_page = await client.get("/")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', token_page.text).group(1)
    response = await client.post("/api/v1/bookings", headers={"x-csrftoken": token}, json={
        "tool_type_id": 1, "centre_id": int(number), "starts_on": "2027-01-04",
        "ends_on": "2027-01-05"})
    assert 400 <= response.status_code < 500 and response.json()
