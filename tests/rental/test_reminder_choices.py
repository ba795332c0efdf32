"""How a member is told: reminders by SMS and e-mail turned off or on, and SMS in Latin
letters, by the member on their own page and by the desk of their home centre; each change
is in the audit log with who made it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import messaging
from helpers import credentials, csrf_token, log_in

from rental.accounts import create_staff_account
from rental.tables import AuditLog, Member

MIGRANT = "+995555000011"  # a demo member of Samgori, with no e-mail
CONTACT = {"name": "დავით მამულაშვილი", "phone": "555 00 00 11", "email": "",
           "language": "en"}


# the providers' fixtures (tests/messaging.py), used here as there: SMS and e-mail set up
smtp_server = messaging.smtp_server
sms_gateway = messaging.sms_gateway
sending_settings = messaging.sending_settings


async def post(client, path: str, data: dict, page: str):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token})


async def choices(phone: str = MIGRANT) -> dict:
    return await Member.select(Member.sms_reminders, Member.email_reminders,
                               Member.sms_latin).where(Member.phone == phone).first()


async def logged_in(client, seeded, role: str) -> int:
    phone, password = credentials(seeded, role)
    assert (await log_in(client, phone, password)).status_code == 303
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def migrant_id() -> int:
    return (await Member.select(Member.id).where(Member.phone == MIGRANT).first())["id"]


async def reminder_audits() -> list[dict]:
    rows = await AuditLog.select().where(AuditLog.action == "member.reminders").order_by(
        AuditLog.id)
    return [{**row, "before": json.loads(row["before"]), "after": json.loads(row["after"])}
            for row in rows]


async def test_the_member_turns_sms_off_and_asks_for_latin_letters(client, seeded,
                                                                   sending_settings):
    me = await logged_in(client, seeded, "member")
    form = (await client.get("/me/edit")).text
    assert 'name="sms_reminders" value="yes" checked' in form
    assert 'name="sms_latin" value="yes" >' in form  # not ticked yet
    assert "SMS ლათინური ასოებით" in form and 'name="reminder_choices"' in form
    saved = await post(client, "/me/edit", {**CONTACT, "reminder_choices": "yes",
                                            "email_reminders": "yes", "sms_latin": "yes"},
                       "/me/edit")
    assert saved.status_code == 303
    assert await choices() == {"sms_reminders": False, "email_reminders": True,
                               "sms_latin": True}
    [row] = await reminder_audits()
    assert row["actor"] == me and row["entity_id"] == me
    assert row["before"] == {"sms_latin": False, "sms_reminders": True}
    assert row["after"] == {"sms_latin": True, "sms_reminders": False}
    page = (await client.get("/me")).text  # no e-mail address: nothing goes by e-mail
    assert "Reminders: on your page only." in page
    again = await post(client, "/me/edit", {**CONTACT, "reminder_choices": "yes",
                                            "sms_reminders": "yes", "sms_latin": "yes"},
                       "/me/edit")
    assert again.status_code == 303
    assert len(await reminder_audits()) == 2
    page = (await client.get("/me")).text
    assert "Reminders: on your page and by SMS." in page
    assert "SMS come in Latin letters." in page


async def test_without_sms_set_up_the_page_does_not_promise_sms(client, seeded):
    """The suite's own settings send neither SMS nor e-mail: the member's choice is kept (for
    the day the library sets them up) and the page says where reminders go now."""
    await logged_in(client, seeded, "member")
    assert await choices() == {"sms_reminders": True, "email_reminders": True,
                               "sms_latin": False}
    page = (await client.get("/me")).text  # in the member's Georgian
    assert "შეხსენებები: მხოლოდ თქვენს გვერდზე." in page and "SMS-ით." not in page


async def test_saving_the_details_unchanged_writes_no_reminder_change(client, seeded):
    await logged_in(client, seeded, "member")
    saved = await post(client, "/me/edit", {**CONTACT, "reminder_choices": "yes",
                                            "sms_reminders": "yes", "email_reminders": "yes"},
                       "/me/edit")
    assert saved.status_code == 303
    assert await reminder_audits() == []
    # a form that did not show the boxes (an older page) leaves the choices as they are
    assert (await post(client, "/me/edit", CONTACT, "/me/edit")).status_code == 303
    assert await choices() == {"sms_reminders": True, "email_reminders": True,
                               "sms_latin": False}


async def test_a_bad_value_is_refused_next_to_its_box_and_nothing_changes(client, seeded):
    await logged_in(client, seeded, "member")
    refused = await post(client, "/me/edit", {**CONTACT, "name": "ახალი სახელი",
                                              "reminder_choices": "yes",
                                              "sms_reminders": "maybe"}, "/me/edit")
    assert refused.status_code == 422
    assert 'id="e-sms_reminders"' in refused.text and "მონიშნეთ ველი" in refused.text
    row = await Member.select(Member.name).where(Member.phone == MIGRANT).first()
    assert row["name"] == "დავით მამულაშვილი"
    assert await choices() == {"sms_reminders": True, "email_reminders": True,
                               "sms_latin": False}
    assert await reminder_audits() == []


async def test_the_desk_of_the_home_centre_changes_the_choices(client, seeded):
    staff = await logged_in(client, seeded, "staff")
    member = await migrant_id()
    card = (await client.get(f"/members/{member}")).text
    assert f'action="/members/{member}/reminders"' in card
    saved = await post(client, f"/members/{member}/reminders", {"email_reminders": "yes"},
                       f"/members/{member}")
    assert saved.status_code == 303 and saved.headers["location"] == f"/members/{member}"
    assert await choices() == {"sms_reminders": False, "email_reminders": True,
                               "sms_latin": False}
    [row] = await reminder_audits()
    assert row["actor"] == staff and row["entity_id"] == member
    assert row["before"] == {"sms_reminders": True} and row["after"] == {"sms_reminders": False}
    refused = await post(client, f"/members/{member}/reminders", {"sms_latin": "maybe"},
                         f"/members/{member}")
    assert refused.status_code == 422 and 'id="e-sms_latin"' in refused.text
    assert len(await reminder_audits()) == 1


async def test_a_coordinator_may_change_them_at_any_centre(client, seeded):
    coordinator = await logged_in(client, seeded, "coordinator")
    member = await migrant_id()
    saved = await post(client, f"/members/{member}/reminders", {"sms_reminders": "yes",
                                                                "sms_latin": "yes"},
                       f"/members/{member}")
    assert saved.status_code == 303
    [row] = await reminder_audits()
    assert row["actor"] == coordinator and row["after"] == {"email_reminders": False,
                                                            "sms_latin": True}


async def test_another_centres_desk_cannot_change_them(client, seeded):
    await create_staff_account(role="staff", phone="555 77 77 77", name="ქუთაისის დესკი",
                               email=None, centre_codes=["KUT"], password="kutaisi-desk-1",
                               now=datetime(2026, 11, 23, tzinfo=UTC))
    assert (await log_in(client, "+995555777777", "kutaisi-desk-1")).status_code == 303
    member = await migrant_id()
    card = (await client.get(f"/members/{member}")).text
    assert "/reminders" not in card and "მხოლოდ წევრის მთავარი ცენტრის მისაღებს" in card
    refused = await post(client, f"/members/{member}/reminders", {}, f"/members/{member}")
    assert refused.status_code == 403
    assert await choices() == {"sms_reminders": True, "email_reminders": True,
                               "sms_latin": False}
    assert await reminder_audits() == []


async def test_a_member_cannot_use_the_desks_form(client, seeded):
    await logged_in(client, seeded, "member")
    member = await migrant_id()
    refused = await post(client, f"/members/{member}/reminders", {}, "/me")
    assert refused.status_code == 403
    assert await reminder_audits() == []
