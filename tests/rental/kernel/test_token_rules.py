"""API tokens' rules: the scopes a role may hold, the scope a route needs, the token form."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.datastructures import FormMultiDict

from rental.kernel.errors import DomainError
from rental.kernel.token_rules import (
    allowed_scopes,
    held,
    is_expired,
    scope_needed,
    scopes_problem,
    stored,
    token_form,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("access", "method", "needed"), [
    ("public", "GET", None), ("public", "POST", None),
    ("member", "GET", "read"), ("staff", "GET", "read"), ("coordinator", "HEAD", "read"),
    ("admin", "GET", "read"),
    ("member", "POST", "book"), ("member", "DELETE", "book"), ("member", "PATCH", "book"),
    ("staff", "POST", "desk"), ("staff", "PUT", "desk"),
    ("coordinator", "POST", "coordinate"), ("admin", "POST", "coordinate"),
])
def test_the_scope_a_request_needs_follows_from_its_routes_access_and_method(
        access, method, needed):
    assert scope_needed(access, method) == needed


@pytest.mark.parametrize(("role", "scopes"), [
    ("member", ("read", "book")),
    ("staff", ("read", "book", "desk")),
    ("coordinator", ("read", "book", "desk", "coordinate")),
    ("admin", ("read", "book", "desk", "coordinate")),
    ("someone", ()),
])
def test_a_role_allows_its_scopes(role, scopes):
    assert allowed_scopes(role) == scopes


def test_a_token_holds_only_what_the_role_allows_today():
    assert held("read book desk", "staff") == {"read", "book", "desk"}
    assert held("read book desk", "member") == {"read", "book"}  # lowered: desk is lost
    assert held("coordinate", "staff") == frozenset()


def test_scopes_are_stored_in_one_order():
    assert stored(["desk", "read", "read"]) == "read desk"
    assert stored(["coordinate", "book", "desk", "read"]) == "read book desk coordinate"


@pytest.mark.parametrize(("chosen", "role", "ok"), [
    (["read"], "member", True), (["read", "book"], "member", True),
    (["desk"], "member", False), ([], "member", False), (["write"], "admin", False),
    (["coordinate"], "staff", False), (["coordinate", "desk"], "coordinator", True),
])
def test_scopes_beyond_the_role_are_refused(chosen, role, ok):
    assert (scopes_problem(chosen, role) is None) is ok


@pytest.mark.parametrize(("expires_on", "expired"), [
    (None, False), (date(2026, 11, 23), False), (date(2026, 11, 22), True),
    (date(2027, 6, 30), False)])
def test_a_token_works_through_its_last_day(expires_on, expired):
    assert is_expired(expires_on, TODAY) is expired


def form(**fields) -> FormMultiDict:
    items = []
    for key, value in fields.items():
        items += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return FormMultiDict(items)


def test_the_token_form_reads_name_scopes_and_last_day():
    wanted = token_form(form(name="  Kiosk   at the desk ", scopes=["desk", "read"],
                             expires_on="2027-06-30"), "staff", today=TODAY)
    assert (wanted.name, wanted.scopes, wanted.expires_on) == (
        "Kiosk at the desk", "read desk", date(2027, 6, 30))
    assert token_form(form(name="app", scopes=["read"]), "member",
                      today=TODAY).expires_on is None


@pytest.mark.parametrize(("fields", "role", "wrong"), [
    ({"scopes": ["read"]}, "staff", {"name"}),
    ({"name": "x" * 101, "scopes": ["read"]}, "staff", {"name"}),
    ({"name": "kiosk"}, "staff", {"scopes"}),
    ({"name": "kiosk", "scopes": ["coordinate"]}, "staff", {"scopes"}),
    ({"name": "kiosk", "scopes": ["read"], "expires_on": "30.06.2027"}, "staff",
     {"expires_on"}),
    ({"name": "kiosk", "scopes": ["read"], "expires_on": "2026-11-22"}, "staff",
     {"expires_on"}),
    ({"name": "", "scopes": ["desk"], "expires_on": "yesterday"}, "member",
     {"name", "scopes", "expires_on"}),
])
def test_the_token_form_names_each_wrong_field(fields, role, wrong):
    with pytest.raises(DomainError) as refused:
        token_form(form(**fields), role, today=TODAY)
    assert refused.value.kind == "invalid" and set(refused.value.errors) == wrong
