"""Sign-up with the phone confirmed by an SMS code, when SMS is configured: the form, then the
code from the SMS (the gateway is a real small server on 127.0.0.1; the test reads the code
from the request it recorded); the account exists only once the code is confirmed. Without SMS
the sign-up is one step, as before."""

from __future__ import annotations

import re

import messaging
import pytest
from helpers import CLOCK, csrf_token
from messaging import with_providers

from rental.tables import AuditLog, Member, PhoneCode

sms_gateway = messaging.sms_gateway  # the gateway fixture (tests/messaging.py)

SIGNUP = {
    "name": "ნინო ბერიძე", "phone": "599 12 34 56", "email": "", "language": "en",
    "password": "kargi-paroli-1", "password_again": "kargi-paroli-1",
    "agree_rental": "yes", "agree_data": "yes",
}
PHONE = "+995599123456"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def sms_configured(app, settings, sms_gateway):
    """The app with an SMS gateway, for this test (the settings are the app's, not global)."""
    before = app.state.settings
    app.state.settings = with_providers(settings, gateway=sms_gateway)
    yield sms_gateway
    app.state.settings = before


async def post(client, path: str, data: dict, page: str = "/signup"):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token})


def browser_at(app, address: str):
    """A client whose requests come from `address` (as the app sees the client)."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://testserver")


def sent_code(gateway) -> str:
    return re.search(r"\d{6}", gateway.sent[-1]["text"]).group()


def carried(page: str) -> dict[str, str]:
    """The form's values the code page carries in hidden fields (as a browser sends them)."""
    import html

    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)
            if name in SIGNUP or name == "municipality"}


async def first_step(client, data: dict | None = None):
    return await post(client, "/signup", data or SIGNUP)


async def test_the_account_is_made_once_the_code_from_the_sms_is_typed(client, sms_configured):
    form = await client.get("/signup")
    assert "თქვენს ტელეფონზე SMS-ით გამოგიგზავნით კოდს" in form.text
    asked = await first_step(client)
    assert asked.status_code == 200 and "კოდი გავგზავნეთ ნომერზე" in asked.text
    assert asked.headers["cache-control"] == "no-store"
    assert 'action="/signup/confirm"' in asked.text and 'name="code"' in asked.text
    assert not await Member.exists().where(Member.phone == PHONE)
    [sms] = sms_configured.sent
    assert sms["to"] == PHONE
    values = carried(asked.text)
    assert values["name"] == SIGNUP["name"] and values["password"] == SIGNUP["password"]
    done = await post(client, "/signup/confirm", {**values, "code": sent_code(sms_configured)})
    assert done.status_code == 303 and done.headers["location"] == "/me"
    assert "session" in done.cookies
    member = await Member.select().where(Member.phone == PHONE).first()
    assert member["status"] == "pending" and member["name"] == SIGNUP["name"]
    assert await AuditLog.exists().where((AuditLog.action == "signup")
                                         & (AuditLog.entity_id == member["id"]))
    assert (await PhoneCode.select().first())["confirmed_at"] is not None


async def test_a_wrong_code_is_refused_next_to_the_field_and_makes_nothing(client,
                                                                           sms_configured):
    values = carried((await first_step(client)).text)
    code = sent_code(sms_configured)
    wrong = "000000" if code != "000000" else "111111"
    refused = await post(client, "/signup/confirm", {**values, "code": wrong})
    assert refused.status_code == 422
    assert 'id="e-code"' in refused.text and "ეს არ არის ჩვენ მიერ გაგზავნილი კოდი" in refused.text
    assert carried(refused.text) == values  # the form's values are kept for the next try
    assert not await Member.exists().where(Member.phone == PHONE)
    for typed in ("", "abc", "1" * 50, "<b>1</b>"):
        odd = await post(client, "/signup/confirm", {**values, "code": typed})
        assert odd.status_code == 422 and 'id="e-code"' in odd.text
    done = await post(client, "/signup/confirm", {**values, "code": code})
    assert done.status_code == 303


async def test_an_expired_code_is_refused(client, sms_configured):
    values = carried((await first_step(client)).text)
    CLOCK.advance(minutes=11)
    refused = await post(client, "/signup/confirm",
                         {**values, "code": sent_code(sms_configured)})
    assert refused.status_code == 422 and "ვადა გაუვიდა" in refused.text
    assert not await Member.exists().where(Member.phone == PHONE)


async def test_five_wrong_tries_end_the_code(client, sms_configured):
    values = carried((await first_step(client)).text)
    code = sent_code(sms_configured)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert (await post(client, "/signup/confirm",
                           {**values, "code": wrong})).status_code == 422
    refused = await post(client, "/signup/confirm", {**values, "code": code})
    assert refused.status_code == 422 and "ძალიან ბევრი არასწორი მცდელობა" in refused.text
    assert not await Member.exists().where(Member.phone == PHONE)
    again = await post(client, "/signup", values)  # "send a new code"
    assert again.status_code == 200 and len(sms_configured.sent) == 2
    done = await post(client, "/signup/confirm", {**values, "code": sent_code(sms_configured)})
    assert done.status_code == 303


async def test_codes_for_one_phone_are_limited(app, sms_configured):
    for n in range(3):
        async with browser_at(app, f"10.0.5.{n}") as someone:
            assert (await first_step(someone)).status_code == 200
    async with browser_at(app, "10.0.5.9") as someone:
        refused = await first_step(someone)
    assert refused.status_code == 429 and 'class="form-errors"' in refused.text
    assert len(sms_configured.requests) == 3


async def test_codes_asked_from_one_address_are_limited(app, sms_configured):
    async with browser_at(app, "10.0.6.1") as stranger:
        for n in range(10):
            assert (await first_step(stranger, {**SIGNUP, "phone": f"599 00 20 {n:02d}"})
                    ).status_code == 200
        refused = await first_step(stranger, {**SIGNUP, "phone": "599 00 20 99"})
    assert refused.status_code == 429 and len(sms_configured.requests) == 10


async def test_the_gateway_down_says_so_and_makes_nothing(client, sms_configured):
    sms_configured.answer = 500
    refused = await first_step(client)
    assert refused.status_code == 409
    assert "კოდის გაგზავნა ახლა ვერ მოხერხდა; სცადეთ მოგვიანებით" in refused.text
    assert 'name="name" type="text" value="ნინო ბერიძე"' in refused.text  # the form as typed
    assert not await Member.exists().where(Member.phone == PHONE)
    assert await PhoneCode.count() == 0


async def test_a_taken_phone_is_refused_before_any_sms(client, seeded, sms_configured):
    refused = await first_step(client, {**SIGNUP, "phone": "555 00 00 11"})
    assert refused.status_code == 422 and 'id="e-phone"' in refused.text
    assert sms_configured.requests == []


async def test_values_changed_on_the_way_are_checked_again(client, sms_configured):
    values = carried((await first_step(client)).text)
    refused = await post(client, "/signup/confirm", {**values, "name": "",
                                                     "code": sent_code(sms_configured)})
    assert refused.status_code == 422 and 'id="e-name"' in refused.text
    assert not await Member.exists().where(Member.phone == PHONE)


async def test_a_code_confirms_only_the_phone_it_was_sent_to(client, sms_configured):
    values = carried((await first_step(client)).text)
    other = await post(client, "/signup/confirm", {**values, "phone": "599 65 43 21",
                                                   "code": sent_code(sms_configured)})
    assert other.status_code == 422 and 'id="e-code"' in other.text
    assert await Member.count() == 0


async def test_without_sms_the_sign_up_is_one_step_as_before(client, app):
    assert app.state.settings.sms is None
    assert "გამოგიგზავნით კოდს" not in (await client.get("/signup")).text
    done = await first_step(client)
    assert done.status_code == 303 and done.headers["location"] == "/me"
    assert await Member.exists().where(Member.phone == PHONE)
    assert await PhoneCode.count() == 0


async def test_without_sms_the_second_step_makes_nothing(client, app):
    refused = await post(client, "/signup/confirm", {**SIGNUP, "code": "123456"})
    assert refused.status_code == 422 and 'id="e-code"' in refused.text
    assert await Member.count() == 0


