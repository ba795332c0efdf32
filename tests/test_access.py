"""Who may use which route: every route declares an access level, and the guard enforces it.

This walks the app's own route table, so a route added later is covered without a new test."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from rental.auth import CurrentUser
from rental.web import ACCESS_LEVELS, access_guard

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
