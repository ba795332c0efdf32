"""A centre's opening days as tables of cases. No database."""

from __future__ import annotations

from datetime import date

import pytest

from rental.centres import is_open_on, open_weekdays, opening_days_mask

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

# --- rental.centres --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "mask"),
    [
        pytest.param([], 0, id="none"),
        pytest.param([0], 0b0000001, id="monday"),
        pytest.param([6], 0b1000000, id="sunday"),
        pytest.param([0, 1, 2], 0b0000111, id="mon-wed"),
        pytest.param([0, 1, 2, 3, 4, 5], 0b0111111, id="mon-sat"),
        pytest.param([5, 0, 0], 0b0100001, id="unordered-duplicates"),
        pytest.param(list(range(7)), 0b1111111, id="every-day"),
    ],
)
def test_opening_days_mask(days, mask):
    assert opening_days_mask(days) == mask
    assert open_weekdays(mask) == sorted(set(days))


@pytest.mark.parametrize("days", [[7], [-1], [0, 1, 9]], ids=["seven", "minus-one", "nine"])
def test_opening_days_mask_rejects_other_numbers(days):
    with pytest.raises(ValueError, match="is not 0 \\(Monday\\) to 6 \\(Sunday\\)"):
        opening_days_mask(days)


MON_SAT = 0b0111111


@pytest.mark.parametrize(
    ("mask", "day", "expected"),
    [
        pytest.param(MON_SAT, date(2026, 11, 23), True, id="monday-open"),
        pytest.param(MON_SAT, date(2026, 11, 28), True, id="saturday-open"),
        pytest.param(MON_SAT, date(2026, 11, 29), False, id="sunday-closed"),
        pytest.param(0b1000000, date(2026, 11, 29), True, id="sunday-only"),
        pytest.param(0b1000000, date(2026, 11, 30), False, id="sunday-only-on-monday"),
        pytest.param(0, date(2026, 11, 25), False, id="never-open"),
    ],
)
def test_is_open_on(mask, day, expected):
    assert is_open_on(mask, day) is expected


@pytest.mark.parametrize(
    ("mask", "days"),
    [
        pytest.param(0, [], id="closed"),
        pytest.param(0b1000001, [0, 6], id="mon-sun"),
        pytest.param(0b0011101, [0, 2, 3, 4], id="mon-wed-fri"),
        pytest.param(0b11111111, list(range(7)), id="bit-seven-ignored"),
    ],
)
def test_open_weekdays(mask, days):
    assert open_weekdays(mask) == days


