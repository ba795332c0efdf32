"""Kits as pure rules: a part's form, a unit's effective list, what missing parts cost, the
counts left, and the refusals of missing parts that cannot be."""

from __future__ import annotations

import pytest

from inventory import part_rules

CHARGER = {"id": 1, "name_ka": "დამტენი", "name_en": "Charger", "name_ru": "Зарядное",
           "count": 1, "replacement_cost": 4500, "position": 0}
BATTERY = {"id": 2, "name_ka": "აკუმულატორი", "name_en": "Battery", "name_ru": "",
           "count": 2, "replacement_cost": 6000, "position": 1}
BITS = {"id": 3, "name_ka": "ბურღი", "name_en": "Bits", "name_ru": "Свёрла",
        "count": 10, "replacement_cost": 150, "position": 2}
KIT = [BITS, CHARGER, BATTERY]  # out of order: the list sorts by position


@pytest.mark.parametrize(("overrides", "counts"), [
    ({}, [1, 2, 10]),
    ({2: 1}, [1, 1, 10]),  # one battery only
    ({1: 0}, [0, 2, 10]),  # the unit lacks its charger: still listed
    ({9: 4}, [1, 2, 10]),  # a count of a part not on the list changes nothing
])
def test_a_units_list_is_its_types_with_its_own_counts(overrides, counts):
    parts = part_rules.effective_parts(KIT, overrides)
    assert [p["name_en"] for p in parts] == ["Charger", "Battery", "Bits"]
    assert [p["count"] for p in parts] == counts
    assert [p["type_count"] for p in parts] == [1, 2, 10]


@pytest.mark.parametrize(("missing", "charge", "left"), [
    ({}, 0, {}),
    ({1: 1}, 4500, {1: 0}),
    ({2: 1}, 6000, {2: 1}),
    ({2: 2, 3: 3}, 12000 + 450, {2: 0, 3: 7}),
    ({1: 0}, 0, {}),
])
def test_missing_parts_cost_their_replacement_and_lower_the_counts(missing, charge, left):
    parts = part_rules.effective_parts(KIT, {})
    assert part_rules.missing_charge(parts, missing) == charge
    assert part_rules.counts_after(parts, missing) == left


def test_the_lines_say_what_went_out_and_came_back():
    parts = part_rules.effective_parts(KIT, {2: 1})
    lines = part_rules.missing_lines(parts, {2: 1, 3: 2})
    assert [(line["name_en"], line["out"], line["back"], line["charge"]) for line in lines] == [
        ("Charger", 1, 1, 0), ("Battery", 1, 0, 6000), ("Bits", 10, 8, 300)]
    assert part_rules.missing_note(parts, {2: 1, 3: 2}) == (
        "Battery / აკუმულატორი × 1; Bits / ბურღი × 2")
    assert part_rules.missing_note(parts, {}) == ""


@pytest.mark.parametrize(("missing", "refused"), [
    ({1: 1}, set()),
    ({1: 2}, {"1"}),  # more than went out
    ({2: -1}, {"2"}),
    ({7: 1}, {"7"}),  # not on the unit's list
    ({1: 1, 7: 1, 3: 11}, {"7", "3"}),
])
def test_missing_parts_that_cannot_be_are_refused_by_part(missing, refused):
    parts = part_rules.effective_parts(KIT, {})
    assert set(part_rules.missing_problems(parts, missing)) == refused


def test_what_went_out_leaves_out_the_parts_the_unit_lacks():
    parts = part_rules.effective_parts(KIT, {1: 0})
    assert [p["name_en"] for p in part_rules.parts_snapshot(parts)] == ["Battery", "Bits"]


@pytest.mark.parametrize(("form", "errors", "values"), [
    ({"name_ka": "დამტენი", "name_en": "Charger", "count": "1", "replacement_cost": "45"},
     set(), {"count": 1, "replacement_cost": 4500, "position": 0}),
    ({"name_ka": "დამტენი", "name_en": "Charger", "replacement_cost": ""},
     set(), {"count": 1, "replacement_cost": 0}),
    ({"name_ka": "", "name_en": "", "count": "-1", "replacement_cost": "-3"},
     {"name_ka", "name_en", "count", "replacement_cost"}, {}),
    ({"name_ka": "x", "name_en": "y", "count": "two", "replacement_cost": "abc",
      "position": "1.5"}, {"count", "replacement_cost", "position"}, {}),
    ({"name_ka": "x" * 101, "name_en": "y", "count": "1001"}, {"name_ka", "count"}, {}),
])
def test_the_part_form(form, errors, values):
    cleaned, found = part_rules.clean_part(form)
    assert set(found) == errors
    for key, value in values.items():
        assert cleaned[key] == value


def test_a_name_is_used_once_per_tool_type():
    parts = [CHARGER, BATTERY]
    assert set(part_rules.same_name(parts, {"name_ka": "დამტენი", "name_en": "Case"})) == {
        "name_ka"}
    assert part_rules.same_name(parts, {"name_ka": "დამტენი", "name_en": "Charger"},
                                part_id=1) == {}
