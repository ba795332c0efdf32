"""Codes that confirm a phone at sign-up (rental.phone_codes), sent through a real SMS gateway
played on 127.0.0.1: the code arrives by SMS, only its keyed hash is kept, it expires, it takes
five wrong tries, and a phone and an address ask for a limited number of codes an hour."""

from __future__ import annotations

import re
from datetime import timedelta

import messaging
import pytest
from helpers import now
from messaging import SMS_TOKEN

from rental import phone_codes
from rental.kernel.errors import DomainError
from rental.kernel.settings import SmsConfig
from rental.tables import PhoneCode

sms_gateway = messaging.sms_gateway  # the gateway fixture (tests/messaging.py)

PHONE = "+995599123456"
SECRET = "a-test-secret-of-the-app"


def config(gateway) -> SmsConfig:
    return SmsConfig(url=gateway.url, token=SMS_TOKEN, sender="TOOLS", timeout=0.5)


async def ask(gateway, phone: str = PHONE, *, address: str = "10.1.0.1", at=None,
              language: str = "en") -> str:
    """Ask for a code and return the one the gateway received."""
    await phone_codes.request_code(phone, address=address, now=at or now(),
                                   sms=config(gateway), secret=SECRET, language=language)
    return re.search(r"\d{6}", gateway.sent[-1]["text"]).group()


async def confirm(code: str, phone: str = PHONE, *, at=None) -> None:
    await phone_codes.confirm_code(phone, code, now=at or now(), secret=SECRET)


async def refusal(awaitable) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await awaitable
    return caught.value


async def test_the_code_comes_by_sms_and_confirms_the_phone(sms_gateway):
    code = await ask(sms_gateway)
    [request] = sms_gateway.requests
    assert request["json"]["to"] == PHONE and request["json"]["text"].endswith(code)
    assert request["headers"]["authorization"] == f"Bearer {SMS_TOKEN}"
    row = await PhoneCode.select().first()
    assert code not in row["code_hash"] and row["code_hash"] == phone_codes.code_digest(
        PHONE, code, SECRET)
    assert row["requested_from"] == "10.1.0.1"
    assert row["expires_at"] == now() + timedelta(minutes=10)
    await confirm(f" {code[:3]} {code[3:]} ")  # typed with spaces
    assert (await PhoneCode.select().first())["confirmed_at"] == now()
    assert (await refusal(confirm(code))).errors == {  # used once
        "code": "This code has expired. Ask for a new one."}


async def test_the_sms_is_short_in_every_language(sms_gateway):
    for n, language in enumerate(("ka", "en")):
        code = await ask(sms_gateway, f"+99559912345{n}", language=language)
        text = sms_gateway.sent[-1]["text"]
        assert code in text and len(text) <= 70  # one SMS even in UCS-2 (Georgian)


async def test_a_wrong_code_counts_and_five_wrong_tries_end_it(sms_gateway):
    code = await ask(sms_gateway)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        error = await refusal(confirm(wrong))
        assert error.kind == "invalid" and "not the code we sent" in error.errors["code"]
    assert (await PhoneCode.select().first())["attempts"] == 5
    error = await refusal(confirm(code))  # even the right one, now
    assert error.errors == {"code": "Too many wrong tries. Ask for a new code."}
    assert (await PhoneCode.select().first())["confirmed_at"] is None


async def test_what_is_not_six_digits_is_no_try(sms_gateway):
    await ask(sms_gateway)
    for typed in ("", "12345", "1234567", "12345a", "١٢٣٤٥٦", "<script>"):
        error = await refusal(confirm(typed))
        assert error.errors == {"code": "Type the 6 digits of the code."}
    assert (await PhoneCode.select().first())["attempts"] == 0


async def test_a_code_expires_after_ten_minutes(sms_gateway):
    code = await ask(sms_gateway)
    error = await refusal(confirm(code, at=now() + timedelta(minutes=10)))
    assert error.errors == {"code": "This code has expired. Ask for a new one."}


async def test_a_code_works_for_its_own_phone_only(sms_gateway):
    code = await ask(sms_gateway)
    error = await refusal(confirm(code, phone="+995599654321"))
    assert error.errors["code"].startswith("This code has expired")


async def test_either_of_two_live_codes_confirms(sms_gateway):
    first = await ask(sms_gateway)
    await ask(sms_gateway, at=now() + timedelta(minutes=1))
    await confirm(first, at=now() + timedelta(minutes=2))


async def test_three_codes_a_phone_an_hour(sms_gateway):
    for minutes in (0, 10, 20):
        await ask(sms_gateway, address=f"10.1.1.{minutes}", at=now() + timedelta(minutes=minutes))
    error = await refusal(ask(sms_gateway, address="10.1.1.99", at=now() + timedelta(minutes=59)))
    assert error.kind == "throttled" and "three codes" in error.errors["form"]
    assert len(sms_gateway.requests) == 3
    await ask(sms_gateway, address="10.1.1.99", at=now() + timedelta(minutes=61))
    assert len(sms_gateway.requests) == 4


async def test_ten_codes_an_address_an_hour(sms_gateway):
    for n in range(10):
        await ask(sms_gateway, f"+99559900{n:04d}", address="10.1.2.1")
    error = await refusal(ask(sms_gateway, "+995599009999", address="10.1.2.1"))
    assert error.kind == "throttled" and "from here" in error.errors["form"]
    await ask(sms_gateway, "+995599009999", address="10.1.2.2")  # a neighbour is not held up
    assert len(sms_gateway.requests) == 11


async def test_the_gateway_down_keeps_nothing(sms_gateway):
    sms_gateway.answer = 500
    error = await refusal(ask(sms_gateway))
    assert error.errors == {"form": "We could not send the code now; try again later or ask "
                                    "at the desk."}
    assert await PhoneCode.count() == 0


async def test_a_gateway_that_does_not_answer_is_down_too(sms_gateway):
    sms_gateway.hang = True
    error = await refusal(ask(sms_gateway))
    assert error.kind == "conflict" and await PhoneCode.count() == 0


async def test_a_number_the_gateway_refuses_is_named(sms_gateway):
    sms_gateway.answer = 400
    error = await refusal(ask(sms_gateway))
    assert list(error.errors) == ["phone"] and await PhoneCode.count() == 0


async def test_the_rows_of_an_hour_ago_go(sms_gateway):
    await ask(sms_gateway)
    await ask(sms_gateway, "+995599654321", at=now() + timedelta(minutes=61))
    assert [row["phone"] for row in await PhoneCode.select(PhoneCode.phone)] == [
        "+995599654321"]


def test_codes_are_six_digits_and_differ():
    codes = {phone_codes.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 190


def test_the_digest_is_keyed_and_bound_to_the_phone():
    one = phone_codes.code_digest(PHONE, "123456", SECRET)
    assert one != phone_codes.code_digest(PHONE, "123456", "another secret")
    assert one != phone_codes.code_digest("+995599654321", "123456", SECRET)
    assert len(one) == 64


