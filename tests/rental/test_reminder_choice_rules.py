"""The reminder choices as a form sends them, where reminders go, and who at the desk may
change them (rental.member_rules)."""

from __future__ import annotations

import pytest

from rental.kernel.errors import DomainError
from rental.kernel.identity import CurrentUser
from rental.member_rules import (
    may_change_reminders,
    my_details_form,
    reminder_channels,
    reminders_form,
)

CONTACT = {"name": "ნინო", "phone": "599 12 34 56", "email": "", "language": "ka"}


@pytest.mark.parametrize(("form", "choices"), [
    ({}, {"sms_reminders": False, "email_reminders": False, "sms_latin": False}),
    ({"sms_reminders": "yes", "sms_latin": "yes"},
     {"sms_reminders": True, "email_reminders": False, "sms_latin": True}),
    ({"sms_reminders": "", "email_reminders": "yes"},
     {"sms_reminders": False, "email_reminders": True, "sms_latin": False}),
])
def test_a_ticked_box_is_yes_and_an_unticked_one_is_not_sent(form, choices):
    assert reminders_form(form) == choices


@pytest.mark.parametrize("value", ["maybe", "no", "true", "1", "YES", " yes"])
def test_anything_else_is_refused_next_to_its_box(value):
    with pytest.raises(DomainError) as refused:
        reminders_form({"sms_reminders": "yes", "email_reminders": value})
    assert refused.value.errors == {"email_reminders": "Tick the box or leave it empty."}


def test_the_own_details_form_reads_the_boxes_only_when_it_showed_them():
    values, choices = my_details_form(CONTACT)
    assert choices is None and "sms_reminders" not in values
    values, choices = my_details_form({**CONTACT, "reminder_choices": "yes", "sms_latin": "yes"})
    assert choices == {"sms_reminders": False, "email_reminders": False, "sms_latin": True}
    assert values["phone"] == "+995599123456" and "sms_latin" not in values


def test_the_own_details_form_refuses_every_field_at_once():
    with pytest.raises(DomainError) as refused:
        my_details_form({**CONTACT, "name": "", "reminder_choices": "yes", "sms_latin": "x"})
    assert set(refused.value.errors) == {"name", "sms_latin"}


@pytest.mark.parametrize(("member", "channels"), [
    ({"sms_reminders": True, "email_reminders": True, "email": "a@b.ge"},
     ("page", "sms", "email")),
    ({"sms_reminders": True, "email_reminders": True, "email": None}, ("page", "sms")),
    ({"sms_reminders": False, "email_reminders": True, "email": "a@b.ge"}, ("page", "email")),
    ({"sms_reminders": False, "email_reminders": False, "email": "a@b.ge"}, ("page",)),
])
def test_reminders_always_reach_the_page(member, channels):
    assert reminder_channels(member) == channels


@pytest.mark.parametrize(("configured", "channels"), [
    (("sms", "email"), ("page", "sms", "email")),
    (("email",), ("page", "email")),
    (("sms",), ("page", "sms")),
    ((), ("page",)),  # a library without SMS or e-mail set up tells only on the page
])
def test_only_the_channels_the_library_has_set_up(configured, channels):
    member = {"sms_reminders": True, "email_reminders": True, "email": "a@b.ge"}
    assert reminder_channels(member, configured) == channels


def person(role: str, centres: frozenset[int] = frozenset()) -> CurrentUser:
    return CurrentUser(1, "x", role, "active", "ka", centres)


@pytest.mark.parametrize(("actor", "home", "allowed"), [
    (person("staff", frozenset({1})), 1, True),
    (person("staff", frozenset({2})), 1, False),
    (person("staff", frozenset({2})), None, True),  # a sign-up no desk has seen yet
    (person("coordinator"), 1, True),
    (person("admin"), 2, True),
    (person("member"), None, False),
])
def test_the_desk_of_the_home_centre_changes_them(actor, home, allowed):
    assert may_change_reminders(actor, {"home_centre": home}) is allowed
