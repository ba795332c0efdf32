"""The masked CSRF token and the entity tag, as pure functions (rental.kernel.wire_rules)."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rental.kernel.wire_rules import entity_tag, has_current_copy, mask_token, unmask_token

TOKEN = secrets.token_hex(64)  # the length of Litestar's token: secret and signature, in hex


@settings(max_examples=200, derandomize=True)
@given(st.binary(min_size=64, max_size=64))
def test_a_masked_token_stands_for_the_token(raw):
    token = raw.hex()
    masked = mask_token(token)
    assert len(masked) == 2 * len(token) and token not in masked
    assert unmask_token(masked, len(token)) == token


def test_every_mask_is_new():
    assert len({mask_token(TOKEN) for _ in range(100)}) == 100


@pytest.mark.parametrize("text", [
    TOKEN,  # a page from before masking: the token itself
    "",
    "z" * 256,  # not hex
    TOKEN + "ab",  # neither length
])
def test_what_is_not_a_masked_token_stays_as_it_is(text):
    assert unmask_token(text, len(TOKEN)) == text


def test_a_tampered_cookie_is_not_masked_and_the_check_refuses_it():
    assert mask_token("not hex") == "not hex"


def test_the_entity_tag_leaves_the_masked_token_out():
    first, second = mask_token(TOKEN), mask_token(TOKEN)
    page = '<form><input name="_csrf_token" value="{}"></form>'
    assert entity_tag(page.format(first).encode(), leaving_out=first) == entity_tag(
        page.format(second).encode(), leaving_out=second)
    assert entity_tag(b"<p>1 free</p>") != entity_tag(b"<p>2 free</p>")
    assert entity_tag(b"x").startswith('W/"')


@pytest.mark.parametrize(("if_none_match", "held"), [
    ('W/"abc"', True),
    ('"abc"', True),  # a GET compares weakly
    ('W/"old", W/"abc"', True),
    ("*", True),
    ('W/"old"', False),
    ('W/"abcd"', False),
    ("", False),
])
def test_which_copies_are_current(if_none_match, held):
    assert has_current_copy(if_none_match, 'W/"abc"') is held
