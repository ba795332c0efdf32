"""The desk's pure rules as tables of cases: fees, scanning a unit, member blocks, card numbers.
No database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.lending.rules import (
    MemberStanding,
    Verdict,
    member_blocks,
    scan_verdict,
)
from rental.fees import (
    concession_waiver,
    days_late,
    deposit,
    extension_quote,
    late_fee,
    loan_days,
    payment_problem,
    refund_due,
    rental_fee,
    rental_quote,
)
from rental.kernel.i18n import Day, Plural
from rental.member_rules import card_number, parse_card_number

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

D = date
MON = D(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def fresh_database():
    """These rules never touch a database: nothing to reset (overrides conftest's fixture)."""
    return None


# --- fee policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts, ends, days",
    [
        (MON, MON, 1),  # same-day return: zero nights still charges one day
        (MON, MON + timedelta(days=1), 1),
        (MON, MON + timedelta(days=3), 3),
        (D(2028, 2, 28), D(2028, 3, 1), 2),  # over a leap day
        (D(2027, 2, 28), D(2027, 3, 1), 1),  # no leap day
        (D(2026, 12, 31), D(2027, 1, 2), 2),  # over the new year
    ],
)
def test_loan_days(starts, ends, days):
    assert loan_days(starts, ends) == days


@pytest.mark.parametrize(
    "daily, tool_deposit, nights, percent, full, fee, waived",
    [
        (150, 3000, 0, 0, 150, 150, 0),  # same day: one day's fee
        (150, 3000, 3, 0, 450, 450, 0),
        (150, 3000, 3, 100, 450, 0, 450),  # full concession: the funder pays it all
        (75, 1000, 1, 50, 75, 37, 38),  # 37.5 each: the member pays the smaller half
        (150, 3000, 3, 50, 450, 225, 225),
        (50, 0, 7, 50, 350, 175, 175),  # no deposit
        (1, 500, 1, 1, 1, 0, 1),  # one percent of one tetri still rounds for the member
        (0, 500, 2, 100, 0, 0, 0),  # a free tool
    ],
)
def test_rental_quote(daily, tool_deposit, nights, percent, full, fee, waived):
    quote = rental_quote(daily, tool_deposit, MON, MON + timedelta(days=nights), percent)
    assert (quote.full_fee, quote.fee, quote.waived) == (full, fee, waived)
    assert quote.fee + quote.waived == quote.full_fee
    assert quote.deposit == tool_deposit  # the deposit is never reduced by a concession
    assert quote.days == max(1, nights)


# (due, returned, per day, grace, cap) -> (days late, fee)
@pytest.mark.parametrize(
    "due, returned, per_day, grace, cap, late, fee",
    [
        (MON, MON - timedelta(days=2), 100, 1, 3000, 0, 0),  # back early
        (MON, MON, 100, 1, 3000, 0, 0),  # on the due day
        (MON, MON + timedelta(days=1), 100, 1, 3000, 1, 0),  # due + grace: still free
        (MON, MON + timedelta(days=2), 100, 1, 3000, 2, 100),  # due + grace + 1
        (MON, MON + timedelta(days=1), 100, 0, 3000, 1, 100),  # no grace
        (MON, MON + timedelta(days=3), 150, 2, 3000, 3, 150),
        (MON, MON + timedelta(days=31), 100, 1, 3000, 31, 3000),  # exactly the cap
        (MON, MON + timedelta(days=45), 100, 1, 3000, 45, 3000),  # capped
        (MON, MON + timedelta(days=5), 100, 1, 250, 5, 250),  # a low cap
        (MON, MON + timedelta(days=9), 100, 1, 0, 9, 0),  # cap zero: no late fees
        (D(2028, 2, 28), D(2028, 3, 1), 100, 1, 3000, 2, 100),  # leap day counts
        (D(2027, 2, 28), D(2027, 3, 1), 100, 0, 3000, 1, 100),  # no leap day
        (D(2027, 3, 27), D(2027, 3, 29), 100, 1, 3000, 2, 100),  # over the spring DST night
        (D(2027, 10, 30), D(2027, 11, 1), 100, 1, 3000, 2, 100),  # over the autumn one
    ],
)
def test_late_fee(due, returned, per_day, grace, cap, late, fee):
    assert days_late(due, returned) == late
    assert late_fee(due, returned, per_day=per_day, grace_days=grace, cap=cap) == fee


def test_a_dst_night_is_one_calendar_day():
    """47 hours pass between 9:00 on the 27th and 9:00 on the 29th of March 2027 in Berlin
    (clocks go forward on the 28th), yet the tool came back two calendar days late."""
    berlin = ZoneInfo("Europe/Berlin")
    due_at = datetime(2027, 3, 27, 9, 0, tzinfo=berlin)
    back_at = datetime(2027, 3, 29, 9, 0, tzinfo=berlin)
    assert back_at.astimezone(ZoneInfo("UTC")) - due_at.astimezone(ZoneInfo("UTC")) == timedelta(
        hours=47)
    assert days_late(due_at.date(), back_at.date()) == 2
    assert late_fee(due_at.date(), back_at.date(), per_day=100, grace_days=0, cap=3000) == 200


@pytest.mark.parametrize(
    "daily, old, new, percent, days, fee, waived",
    [
        (200, MON, MON + timedelta(days=1), 0, 1, 200, 0),
        (200, MON, MON + timedelta(days=3), 0, 3, 600, 0),
        (75, MON, MON + timedelta(days=1), 50, 1, 37, 38),
        (150, MON, MON + timedelta(days=2), 100, 2, 0, 300),
        (100, D(2028, 2, 28), D(2028, 3, 1), 0, 2, 200, 0),
    ],
)
def test_extension_quote_charges_only_the_added_days(daily, old, new, percent, days, fee,
                                                     waived):
    quote = extension_quote(daily, old, new, percent)
    assert (quote.days, quote.fee, quote.waived, quote.deposit) == (days, fee, waived, 0)
    assert quote.full_fee == daily * days


@pytest.mark.parametrize("new", [MON, MON - timedelta(days=1)], ids=["same-day", "earlier"])
def test_extension_must_move_the_return_day_later(new):
    with pytest.raises(ValueError):
        extension_quote(200, MON, new)


@pytest.mark.parametrize(
    "balance, returned, refund",
    [
        (-5000, 3000, 3000),  # more credit than the deposit: only the deposit goes back
        (-3000, 3000, 3000),  # exactly the deposit
        (-1000, 3000, 1000),  # a late fee took part of it
        (0, 3000, 0),  # the deposit paid what was owed
        (500, 3000, 0),  # the member still owes
        (0, 0, 0),  # no deposit held
    ],
)
def test_refund_due(balance, returned, refund):
    assert refund_due(balance, returned) == refund


@pytest.mark.parametrize(
    "amount, owed, problem",
    [
        (0, 500, "Enter an amount above zero."),
        (-100, 500, "Enter an amount above zero."),
        (501, 500, "That is more than is owed."),
        (100, 0, "That is more than is owed."),
        (500, 500, None),  # exactly what is owed
        (1, 500, None),  # a part of it
    ],
)
def test_payment_problem(amount, owed, problem):
    assert payment_problem(amount, owed) == problem


@pytest.mark.parametrize(
    "call",
    [
        lambda: rental_fee(-1, 3),
        lambda: rental_fee(100, -1),
        lambda: concession_waiver(-1, 50),
        lambda: concession_waiver(100, -1),
        lambda: concession_waiver(100, 101),
        lambda: deposit(-1),
        lambda: rental_quote(100, -1, MON, MON),
        lambda: rental_quote(-100, 1000, MON, MON),
        lambda: late_fee(MON, MON, per_day=-1, grace_days=1, cap=3000),
        lambda: late_fee(MON, MON, per_day=100, grace_days=-1, cap=3000),
        lambda: late_fee(MON, MON, per_day=100, grace_days=1, cap=-1),
        lambda: extension_quote(-100, MON, MON + timedelta(days=1)),
    ],
    ids=["fee", "days", "waiver-fee", "percent-below", "percent-above", "deposit",
         "quote-deposit", "quote-fee", "per-day", "grace", "cap", "extension-fee"],
)
def test_negative_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


# --- scanning a unit --------------------------------------------------------------------------

ME, OTHER, CENTRE = 5, 6, 1
TODAY = MON


def unit(**changes):
    return {"id": 7, "tool_type": 3, "centre": CENTRE, "status": "available",
            "required_skill": None, **changes}


def hold(booking, member, starts, ends, status="reserved", unit_id=7, centre=CENTRE):
    return {"id": booking, "unit": unit_id, "member": member, "status": status,
            "starts_on": starts, "ends_on": ends, "centre": centre}


def reservation(booking, starts, ends, tool_type=3, unit_id=99):
    return {"id": booking, "tool_type": tool_type, "unit": unit_id, "starts_on": starts,
            "ends_on": ends}


def verdict(scanned, *, return_on=TODAY + timedelta(days=2), lendable=True, holds=(),
            reservations=()):
    return scan_verdict(scanned, centre_id=CENTRE, member_id=ME, today=TODAY,
                        return_on=return_on, lendable=lendable, holds=list(holds),
                        reservations=list(reservations))


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.mark.parametrize(
    "scanned, kwargs, expected",
    [
        (None, {}, Verdict("refused", "There is no unit with this tag.")),
        (unit(centre=2), {}, Verdict("refused", "This unit belongs to another centre.")),
        (unit(status="maintenance"), {}, Verdict("refused", "This unit is in maintenance.")),
        (unit(status="retired"), {}, Verdict("refused", "This unit is retired.")),
        (unit(status="lost"), {}, Verdict("refused", "This unit is marked lost.")),
        (unit(), {"holds": [hold(11, OTHER, day(-2), day(1), status="out")]},
         Verdict("refused", "This unit is already out.")),
        (unit(), {"holds": [hold(11, ME, day(-2), day(1), status="out")]},
         Verdict("refused", "This unit is already out.")),  # even to the same member
        # booked for pick-up at another centre, to be sent there: not lent here meanwhile
        (unit(), {"holds": [hold(11, OTHER, day(3), day(4), centre=2)]},
         Verdict("refused", "This unit is promised to a booking at another centre: send it "
                            "there.")),
        (unit(), {"lendable": False},
         Verdict("refused", "This unit's electrical inspection failed or is overdue.")),
        (unit(required_skill=2), {},
         Verdict("refused", "This tool needs a safety certificate the member does not have.")),
        # the member's own reservation of this very unit: picked up, its return day kept
        (unit(), {"holds": [hold(11, ME, day(0), day(3))], "return_on": None},
         Verdict("pickup", booking=11, ends_on=day(3))),
        (unit(), {"holds": [hold(11, ME, day(-1), day(3))], "return_on": day(1)},
         Verdict("pickup", booking=11, ends_on=day(3))),  # picked up a day late
        # a reservation of another unit of the same tool type: this one is swapped in
        (unit(), {"reservations": [reservation(12, day(0), day(4))], "return_on": None},
         Verdict("pickup", booking=12, ends_on=day(4))),
        # ... unless this unit is booked by someone else during that reservation
        (unit(), {"reservations": [reservation(12, day(0), day(4))],
                  "holds": [hold(13, OTHER, day(3), day(5))], "return_on": day(2)},
         Verdict("walk_in", ends_on=day(2))),
        # a reservation of another tool type does not make this one a pick-up
        (unit(), {"reservations": [reservation(12, day(0), day(4), tool_type=4)]},
         Verdict("walk_in", ends_on=day(2))),
        (unit(), {}, Verdict("walk_in", ends_on=day(2))),  # free: a walk-in loan
        (unit(), {"return_on": day(0)}, Verdict("walk_in", ends_on=day(0))),  # back today
        (unit(), {"holds": [hold(13, OTHER, day(3), day(5))]},
         Verdict("walk_in", ends_on=day(2))),  # back before the next reservation
        (unit(), {"holds": [hold(13, OTHER, day(2), day(5))]},
         Verdict("refused", ("This unit is booked from %(day)s: choose an earlier return day.",
                             {"day": Day(day(2))}))),
        (unit(), {"holds": [hold(13, OTHER, day(4), day(5)), hold(14, OTHER, day(1), day(1))],
                  "return_on": day(6)},
         Verdict("refused", ("This unit is booked from %(day)s: choose an earlier return day.",
                             {"day": Day(day(1))}))),  # the earliest clash is named
        (unit(), {"holds": [hold(13, ME, day(2), day(5))]},  # my own later reservation
         Verdict("refused", ("This unit is booked from %(day)s: choose an earlier return day.",
                             {"day": Day(day(2))}))),
        (unit(), {"return_on": None}, Verdict("refused", "Choose the return day first.")),
    ],
    ids=["unknown-tag", "other-centre", "maintenance", "retired", "lost", "already-out",
         "already-out-to-me", "promised-elsewhere", "inspection", "required-skill", "pickup",
         "pickup-late",
         "pickup-by-swap", "swap-blocked", "other-tool-type", "walk-in", "walk-in-same-day",
         "walk-in-before-reservation", "walk-in-clash", "earliest-clash", "own-future-booking",
         "no-return-day"],
)
def test_scan_verdict(scanned, kwargs, expected):
    assert verdict(scanned, **kwargs) == expected


# --- member blocks ----------------------------------------------------------------------------


def standing(**changes) -> MemberStanding:
    values = {"status": "active", "membership": "active", "balance": 0, "balance_limit": 2000,
              "overdue": 0, "tools_out": 0, "max_tools_out": 2, **changes}
    return MemberStanding(**values)


NO_ID = "Registration is not finished: check an identity document first."
SUSPENDED = "This account is suspended."
MEMBERSHIP_SUSPENDED = "The membership is suspended."
NO_MEMBERSHIP = "There is no membership."
EXPIRED = "The membership has expired."
BALANCE = "The unpaid balance is over the centre's limit."
TOO_MANY = Plural("This goes over the membership's limit of %(num)s tool out.",
                  "This goes over the membership's limit of %(num)s tools out.", 2)


@pytest.mark.parametrize(
    "member, adding, hard, soft",
    [
        (standing(), 1, [], []),
        (standing(status="pending"), 1, [NO_ID], []),
        (standing(status="suspended"), 1, [SUSPENDED], []),
        (standing(status="erased"), 1, [SUSPENDED], []),
        (standing(membership="suspended"), 1, [MEMBERSHIP_SUSPENDED], []),
        (standing(membership=None, max_tools_out=None), 1, [], [NO_MEMBERSHIP]),
        (standing(membership="expired"), 1, [], [EXPIRED]),
        (standing(balance=2000), 1, [], []),  # at the limit is fine
        (standing(balance=2001), 1, [], [BALANCE]),
        (standing(overdue=2, tools_out=2, max_tools_out=4), 1, [],
         [("Overdue tools: %(count)s.", {"count": 2})]),
        (standing(tools_out=1), 1, [], []),  # exactly the limit
        (standing(tools_out=1), 2, [], [TOO_MANY]),
        (standing(tools_out=3), 0, [], [TOO_MANY]),  # already over it
        (standing(status="suspended", membership="expired", balance=5000), 1, [SUSPENDED],
         [EXPIRED, BALANCE]),
        (standing(status="pending", membership="suspended"), 1, [NO_ID, MEMBERSHIP_SUSPENDED],
         []),
    ],
    ids=["clean", "pending", "suspended", "erased", "membership-suspended", "no-membership",
         "expired", "balance-at-limit", "balance-over", "overdue", "tools-at-limit",
         "tools-over", "already-over", "hard-and-soft", "two-hard"],
)
def test_member_blocks(member, adding, hard, soft):
    assert member_blocks(member, adding=adding) == (hard, soft)


# --- card numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("member_id, printed", [(1, "M00001"), (42, "M00042"),
                                                (99999, "M99999"), (123456, "M123456")])
def test_card_number_round_trip(member_id, printed):
    assert card_number(member_id) == printed
    assert parse_card_number(printed) == member_id
    assert parse_card_number(f"  {printed.lower()} ") == member_id  # typed, not scanned


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "M", "M00000", "42", "00042", "N00042", "M-0042", "M 42", "MX42", "M42a",
        "MM0042", "+995555000012", "თამარ",
        "M²", "M٤٢",
    ],
)
def test_parse_card_number_rejects_what_is_not_a_card(text):
    assert parse_card_number(text) is None
