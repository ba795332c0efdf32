"""Membership types and concessions are named in Russian too (issue 19): optional, trimmed,
as long as their siblings; a funder named in any language is named in Georgian as well."""

from __future__ import annotations

import pytest

from rental.kernel.errors import DomainError
from rental.member_rules import concession_category_form, membership_type_form

CONCESSION = {"slug": "large-family", "name_ka": "მრავალშვილიანი ოჯახი", "name_en": "Large family",
              "discount_percent": "30", "funder_ka": "მერია", "funder_en": "City hall"}
MEMBERSHIP = {"slug": "family", "name_ka": "საოჯახო", "name_en": "Family",
              "validity_days": "365", "max_tools_out": "3", "max_open_bookings": "3"}


@pytest.mark.parametrize("change, expected", [
    pytest.param({"name_ru": " Многодетная семья ", "funder_ru": " Мэрия "},
                 {"name_ru": "Многодетная семья", "funder_ru": "Мэрия"}, id="both-trimmed"),
    pytest.param({}, {"name_ru": "", "funder_ru": ""}, id="not-translated"),
    pytest.param({"name_ru": "м" * 101}, "name_ru", id="name-too-long"),
    pytest.param({"funder_ru": "м" * 201}, "funder_ru", id="funder-too-long"),
    pytest.param({"funder_ka": "", "funder_en": "", "funder_ru": "Мэрия"}, "funder_ka",
                 id="russian-funder-without-georgian"),
])
def test_a_concession_is_named_in_russian(change, expected):
    form = {**CONCESSION, **change}
    if isinstance(expected, str):
        with pytest.raises(DomainError) as refused:
            concession_category_form(form)
        assert set(refused.value.errors) == {expected}
    else:
        values = concession_category_form(form)
        assert {key: values[key] for key in expected} == expected


@pytest.mark.parametrize("name_ru, expected", [
    (" Семейное ", "Семейное"),
    ("", ""),
    ("с" * 101, None),
])
def test_a_membership_type_is_named_in_russian(name_ru, expected):
    form = {**MEMBERSHIP, "name_ru": name_ru}
    if expected is None:
        with pytest.raises(DomainError) as refused:
            membership_type_form(form)
        assert set(refused.value.errors) == {"name_ru"}
    else:
        assert membership_type_form(form)["name_ru"] == expected
