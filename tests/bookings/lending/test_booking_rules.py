"""Booking and fee rules as tables of cases: no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.lending.rules import (
    PeriodLimits,
    free_beyond_holds,
    free_per_day,
    free_units,
    is_overdue,
    less_held,
    missing_choices,
    month_grid,
    overlaps,
    period_problems,
    shift_month,
)
from rental.fees import loan_days, rental_quote

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

D = date


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((D(2026, 12, 1), D(2026, 12, 3)), (D(2026, 12, 3), D(2026, 12, 5)), True),  # shared day
        ((D(2026, 12, 1), D(2026, 12, 3)), (D(2026, 12, 4), D(2026, 12, 5)), False),
        ((D(2026, 12, 1), D(2026, 12, 9)), (D(2026, 12, 4), D(2026, 12, 5)), True),  # inside
        ((D(2026, 12, 4), D(2026, 12, 4)), (D(2026, 12, 1), D(2026, 12, 9)), True),
        ((D(2026, 12, 10), D(2026, 12, 11)), (D(2026, 12, 1), D(2026, 12, 9)), False),
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(a, b) is expected and overlaps(b, a) is expected


@pytest.mark.parametrize("free, held, left", [
    ([7], [], [7]),
    ([7], [(D(2026, 12, 1), D(2026, 12, 2))], []),  # the only free unit is held
    ([7, 8], [(D(2026, 12, 1), D(2026, 12, 2))], [8]),
    ([7, 8], [(D(2026, 12, 1), D(2026, 12, 2))] * 2, []),
    ([], [(D(2026, 12, 1), D(2026, 12, 2))], []),
])
def test_an_offer_holds_one_free_unit(free, held, left):
    assert free_beyond_holds(free, held) == left


def test_offers_hold_a_unit_on_each_of_their_days_only():
    free = {D(2026, 12, 1): 1, D(2026, 12, 2): 2, D(2026, 12, 3): 0, D(2026, 12, 4): 1}
    held = [(D(2026, 11, 30), D(2026, 12, 2)), (D(2026, 12, 2), D(2026, 12, 3))]
    assert less_held(free, held) == {D(2026, 12, 1): 0, D(2026, 12, 2): 0, D(2026, 12, 3): 0,
                                     D(2026, 12, 4): 1}


def test_free_units_keeps_order_and_skips_busy():
    busy = [(2, (D(2026, 12, 1), D(2026, 12, 2))), (3, (D(2026, 12, 10), D(2026, 12, 12)))]
    assert free_units([1, 2, 3], busy, (D(2026, 12, 2), D(2026, 12, 4))) == [1, 3]
    assert free_units([1, 2, 3], busy, (D(2026, 12, 3), D(2026, 12, 9))) == [1, 2, 3]
    assert free_units([], busy, (D(2026, 12, 3), D(2026, 12, 9))) == []


def test_free_per_day():
    busy = [(1, (D(2026, 11, 30), D(2026, 12, 2))), (2, (D(2026, 12, 2), D(2026, 12, 2)))]
    assert free_per_day([1, 2, 3], busy, (D(2026, 12, 1), D(2026, 12, 3))) == {
        D(2026, 12, 1): 2, D(2026, 12, 2): 1, D(2026, 12, 3): 3}


LIMITS = PeriodLimits(today=D(2026, 11, 23), horizon_days=30, max_loan_days=7,
                      opening_days=0b0111111)  # Monday to Saturday


@pytest.mark.parametrize(
    "starts, ends, fields",
    [
        (D(2026, 11, 23), D(2026, 11, 23), set()),  # a same-day loan, today (Monday)
        (D(2026, 11, 24), D(2026, 12, 1), set()),  # 7 nights: the most
        (D(2026, 11, 24), D(2026, 12, 2), {"ends_on"}),  # 8 nights
        (D(2026, 11, 22), D(2026, 11, 24), {"starts_on"}),  # yesterday
        (D(2026, 11, 29), D(2026, 11, 30), {"starts_on"}),  # a Sunday pick-up
        (D(2026, 11, 28), D(2026, 11, 29), {"ends_on"}),  # a Sunday return
        (D(2026, 11, 26), D(2026, 11, 25), {"ends_on"}),  # return before pick-up
        (D(2026, 12, 24), D(2026, 12, 26), {"starts_on"}),  # beyond the 30-day horizon
        (D(2026, 12, 23), D(2026, 12, 24), set()),  # the horizon's last day
    ],
)
def test_period_problems(starts, ends, fields):
    assert set(period_problems(starts, ends, LIMITS)) == fields


def test_month_grid_and_shift():
    weeks = month_grid(D(2026, 2, 1))  # February 2026 starts on a Sunday
    assert weeks[0][:6] == [None] * 6 and weeks[0][6] == D(2026, 2, 1)
    assert all(len(week) == 7 for week in weeks)
    assert sum(1 for week in weeks for day in week if day) == 28
    assert shift_month(D(2026, 12, 1), 1) == D(2027, 1, 1)
    assert shift_month(D(2026, 1, 1), -1) == D(2025, 12, 1)


@pytest.mark.parametrize(
    "fee, deposit, starts, ends, discount, expected",
    [
        # (days, full, member pays, funder covers, deposit)
        (150, 3000, D(2026, 12, 1), D(2026, 12, 1), 0, (1, 150, 150, 0, 3000)),  # same day
        (150, 3000, D(2026, 12, 1), D(2026, 12, 2), 0, (1, 150, 150, 0, 3000)),  # one night
        (150, 3000, D(2026, 12, 1), D(2026, 12, 4), 0, (3, 450, 450, 0, 3000)),
        (150, 3000, D(2026, 12, 1), D(2026, 12, 4), 100, (3, 450, 0, 450, 3000)),
        (150, 0, D(2026, 12, 1), D(2026, 12, 4), 50, (3, 450, 225, 225, 0)),
        (155, 0, D(2026, 12, 1), D(2026, 12, 2), 50, (1, 155, 77, 78, 0)),  # member's favour
        (100, 0, D(2028, 2, 28), D(2028, 3, 1), 0, (2, 200, 200, 0, 0)),  # leap day
        (0, 0, D(2026, 12, 1), D(2026, 12, 8), 0, (7, 0, 0, 0, 0)),
    ],
)
def test_rental_quote(fee, deposit, starts, ends, discount, expected):
    quote = rental_quote(fee, deposit, starts, ends, discount)
    assert (quote.days, quote.full_fee, quote.fee, quote.waived, quote.deposit) == expected
    assert quote.fee + quote.waived == quote.full_fee


@pytest.mark.parametrize("args", [(-1, 0, 0), (0, -1, 0), (0, 0, 101), (0, 0, -1)])
def test_rental_quote_refuses_impossible_values(args):
    fee, deposit, discount = args
    with pytest.raises(ValueError):
        rental_quote(fee, deposit, D(2026, 12, 1), D(2026, 12, 2), discount)


def test_loan_days():
    assert loan_days(D(2026, 12, 1), D(2026, 12, 1)) == 1
    assert loan_days(D(2026, 12, 31), D(2027, 1, 2)) == 2


@pytest.mark.parametrize(
    "due, returned, per_day, grace, cap, expected",
    [
        (D(2026, 12, 10), D(2026, 12, 9), 100, 1, 1000, 0),  # early
        (D(2026, 12, 10), D(2026, 12, 10), 100, 1, 1000, 0),  # on the day
        (D(2026, 12, 10), D(2026, 12, 11), 100, 1, 1000, 0),  # inside the grace
        (D(2026, 12, 10), D(2026, 12, 12), 100, 1, 1000, 100),  # first charged day
        (D(2026, 12, 10), D(2026, 12, 11), 100, 0, 1000, 100),  # no grace
        (D(2026, 12, 10), D(2026, 12, 31), 100, 1, 1000, 1000),  # capped
        (D(2026, 12, 10), D(2026, 12, 20), 100, 1, 900, 900),  # exactly at the cap
        (D(2028, 2, 28), D(2028, 3, 1), 50, 0, 1000, 100),  # over a leap day
        (D(2026, 3, 28), D(2026, 3, 30), 50, 0, 1000, 100),  # over a DST change (Europe)
        (D(2026, 12, 10), D(2026, 12, 20), 0, 0, 1000, 0),  # no late fee at this centre
    ],
)
def test_late_fee(due, returned, per_day, grace, cap, expected):
    from rental.fees import late_fee

    assert late_fee(due, returned, per_day=per_day, grace_days=grace, cap=cap) == expected


def test_late_fee_refuses_negative_policy():
    from rental.fees import late_fee

    with pytest.raises(ValueError):
        late_fee(D(2026, 12, 1), D(2026, 12, 5), per_day=-1, grace_days=0, cap=100)


# --- what a booking form left out, and when a loan is overdue --------------------------------

NOV_23 = date(2026, 11, 23)


@pytest.mark.parametrize(("starts_on", "ends_on", "member_id", "fields"), [
    pytest.param(NOV_23, NOV_23, 7, set(), id="complete"),
    pytest.param(None, NOV_23, 7, {"starts_on"}, id="no-pick-up-day"),
    pytest.param(NOV_23, None, 7, {"ends_on"}, id="no-return-day"),
    pytest.param(NOV_23, NOV_23, None, {"form"}, id="desk-without-a-member"),
    pytest.param(NOV_23, NOV_23, 0, {"form"}, id="member-zero-is-none"),
    pytest.param(None, None, None, {"starts_on", "ends_on", "form"}, id="nothing"),
])
def test_missing_choices(starts_on, ends_on, member_id, fields):
    assert set(missing_choices(starts_on, ends_on, member_id)) == fields


@pytest.mark.parametrize(("status", "ends_on", "overdue"), [
    pytest.param("out", NOV_23 - timedelta(days=1), True, id="out-past-its-day"),
    pytest.param("out", NOV_23, False, id="out-due-today"),
    pytest.param("out", NOV_23 + timedelta(days=3), False, id="out-due-later"),
    pytest.param("reserved", NOV_23 - timedelta(days=1), False, id="reserved-is-not-a-loan"),
    pytest.param("returned", NOV_23 - timedelta(days=9), False, id="returned"),
])
def test_is_overdue(status, ends_on, overdue):
    assert is_overdue(status, ends_on, NOV_23) is overdue
