"""The public catalogue's pure rules as tables of cases. No database."""

from __future__ import annotations

import pytest

from bookings.catalogue.rules import booking_for, card_centres
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


# centres 1..4 lend it (in the centres' order), with these units free; the reader's centre
@pytest.mark.parametrize(("lending", "free", "reader", "shown", "others"), [
    ([1, 2], {1: 3, 2: 1}, None, (1, 2), ()),  # a visitor: both, as two fit
    ([1, 2, 3, 4], {3: 2, 4: 5}, None, (4, 3), (1, 2)),  # the most free first, the rest counted
    ([1, 2, 3, 4], {}, None, (1, 2), (3, 4)),  # none free: the centres' order
    ([1, 2, 3], {1: 0, 2: 4, 3: 1}, 1, (1,), (2, 3)),  # the reader's centre even with none free
    ([2, 3], {2: 1}, 1, (), (2, 3)),  # not lent at the reader's centre: only the others
    ([], {}, 1, (), ()),  # not lent anywhere
    ([], {}, None, (), ()),
])
def test_a_card_names_the_readers_centre_or_the_most_free(lending, free, reader, shown, others):
    chosen = card_centres(lending, free, reader)
    assert (chosen.shown, chosen.others) == (shown, others)
