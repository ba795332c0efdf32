"""The public catalogue's pure rules as tables of cases. No database."""

from __future__ import annotations

import pytest

from bookings.catalogue.rules import booking_for
from rental.kernel.identity import CurrentUser

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out


@pytest.mark.parametrize(("role", "member", "booked_for"), [
    pytest.param(None, 42, 0, id="a-visitor-books-for-nobody-else"),
    pytest.param("member", 42, 0, id="a-member-books-for-themself"),
    pytest.param("staff", 42, 42, id="the-desk-books-for-the-member"),
    pytest.param("coordinator", 42, 42, id="a-coordinator-too"),
    pytest.param("staff", 0, 0, id="the-desk-without-a-member"),
])
def test_only_the_staff_book_for_another_member(role, member, booked_for):
    asker = CurrentUser(id=7, name="N", role=role, status="active", language="ka",
                        centre_ids=frozenset()) if role else None
    assert booking_for(member, asker) == booked_for
