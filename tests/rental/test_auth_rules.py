"""Login keys and password hashes as tables of cases. No database."""

from __future__ import annotations

import pytest

from rental.auth import hash_password, login_key, verify_password

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out



# --- rental.auth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        pytest.param("Ana@Example.GE", "ana@example.ge", id="email-lower-cased"),
        pytest.param("  nino@example.ge \n", "nino@example.ge", id="email-trimmed"),
        pytest.param("a@" + "b" * 300, ("a@" + "b" * 300)[:254], id="email-capped-254"),
        pytest.param("555 12 34 56", "+995555123456", id="phone-local"),
        pytest.param(" +995 555 12 34 56 ", "+995555123456", id="phone-international"),
        pytest.param("0032 2 555 12 12", "+3225551212", id="phone-foreign"),
        pytest.param("nino", None, id="junk-name"),
        pytest.param("123", None, id="junk-digits"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
    ],
)
def test_login_key(login, expected):
    assert login_key(login) == expected


@pytest.fixture(scope="module")
def stored_hash():
    return hash_password("correct horse battery")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        pytest.param("correct horse battery", True, id="right"),
        pytest.param("correct horse batter", False, id="wrong"),
        pytest.param("Correct horse battery", False, id="case-matters"),
        pytest.param("", False, id="empty-password"),
    ],
)
def test_verify_password(stored_hash, password, expected):
    assert verify_password(stored_hash, password) is expected


@pytest.mark.parametrize(
    ("password_hash", "password"),
    [
        pytest.param("", "anything", id="empty-hash"),
        pytest.param("", "not a password of anyone", id="empty-hash-dummy-password"),
        pytest.param(None, "anything", id="none-hash"),
        pytest.param("not-a-hash", "anything", id="garbage-hash"),
        pytest.param("$argon2id$v=19$m=65536,t=3,p=4$bad$bad", "anything", id="broken-argon2"),
        pytest.param("$2b$12$" + "a" * 53, "anything", id="bcrypt-hash"),
    ],
)
def test_verify_password_refuses_bad_hashes(password_hash, password):
    assert verify_password(password_hash, password) is False


def test_hash_password_is_salted_argon2():
    first, second = hash_password("same password"), hash_password("same password")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "same password") and verify_password(second, "same password")
