"""Members' messages leave by e-mail and SMS (rental.notifications queues them, rental.sending
sends them): through a real SMTP server and a small HTTP server playing the SMS gateway, both
on 127.0.0.1 (tests/messaging.py). Retries with backoff and the give-up limit, a gateway that
does not answer or refuses, the quiet hours, opt-out, suspended and erased members, Latin SMS,
and two senders at once sending each message exactly once. The clock is always the test's."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import messaging
import pytest
from conftest import DB, ON_POSTGRES, RUN_DIR, WORKER_DB_URL
from helpers import TBILISI
from messaging import REFUSED_DOMAIN, SMS_TOKEN, SMTP_USER, installed, with_providers

from rental import notifications
from rental.kernel.db import write_transaction
from rental.notification_texts import render, render_sms
from rental.sending import LEASE, send_due
from rental.sending_rules import BACKOFF_MINUTES
from rental.sms_rules import is_gsm7, segments, to_latin
from rental.tables import AuditLog, Centre, Member, Notification

# the providers' fixtures (tests/messaging.py), used here as there
smtp_server = messaging.smtp_server
sms_gateway = messaging.sms_gateway
sending_settings = messaging.sending_settings

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=TBILISI)  # a Monday in Tbilisi
PARAMS = {"tool": "აკუმულატორიანი დარტყმითი ბურღი", "ends": "24 ნოემბერი"}
NOTHING = {"sent": 0, "failed": 0, "retried": 0, "suppressed": 0}


async def a_centre(code: str = "SND", timezone: str = "Asia/Tbilisi") -> dict:
    values = {"name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre", "phone": "+995322000111",
              "opening_days": 0b0011111, "opens_at": time(10), "closes_at": time(19),
              "timezone": timezone}
    rows = await Centre.insert(Centre(code=code, created_at=NOON, **values)).returning(Centre.id)
    return {"id": rows[0]["id"], **values}


async def a_member(phone: str, *, email: str | None = None, language: str = "ka",
                   **choices) -> int:
    rows = await Member.insert(Member(
        name="ნინო ბერიძე", phone=phone, email=email, language=language, status="active",
        created_at=NOON, updated_at=NOON, **choices)).returning(Member.id)
    return rows[0]["id"]


async def tell(member: int, centre: dict | None, *, at: datetime = NOON,
               key: str = "due_tomorrow:booking 1") -> bool:
    async with write_transaction():
        return await notifications.queue(member, "due_tomorrow", PARAMS, now=at, event_key=key,
                                         centre_id=centre["id"] if centre else None)


async def outbox(member: int | None = None) -> dict[str, dict]:
    """The member's messages by channel (every message, when no member is given: by id)."""
    rows = await Notification.select().order_by(Notification.id)
    if member is None:
        return {row["id"]: row for row in rows}
    return {row["channel"]: row for row in rows if row["member"] == member}


async def test_an_email_reaches_the_smtp_server_in_georgian_with_the_link(
        sending_settings, smtp_server, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100001", email="nino@example.ge")
    assert await tell(member, centre)
    queued = await outbox(member)
    assert set(queued) == {"page", "email", "sms"}
    email = queued["email"]
    assert (email["status"], email["next_attempt_at"], email["attempts"]) == ("queued", NOON, 0)
    subject, body = render("due_tomorrow", PARAMS, centre, "ka")
    assert email["subject"] == subject and email["body"].startswith(body)
    assert email["body"].endswith("https://tools.example.ge/me")

    counts = await send_due(now=NOON, settings=sending_settings)
    assert counts == {**NOTHING, "sent": 2}
    [message] = smtp_server.messages
    assert smtp_server.recipients == [["nino@example.ge"]]
    assert smtp_server.logins == [SMTP_USER]  # EMAIL_URL's user and password
    assert message["Subject"] == subject and "ბურღი" in message["Subject"]
    assert message["From"] == "Tool library <tools@toollib.test>"
    assert message["To"] == "nino@example.ge"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content()
    assert body in text and "დარტყმითი ბურღი" in text
    assert "https://tools.example.ge/me" in text
    sent = (await outbox(member))["email"]
    assert sent["status"] == "sent" and sent["sent_at"] == NOON and sent["error"] is None
    assert sent["provider_id"] == message["Message-ID"] and sent["attempts"] == 1
    assert sent["next_attempt_at"] is None
    # sent is sent: the next round finds nothing
    assert await send_due(now=NOON + timedelta(hours=1), settings=sending_settings) == NOTHING
    assert len(smtp_server.messages) == 1


async def test_an_sms_reaches_the_gateway_with_the_token_and_its_segments(
        sending_settings, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100002")  # no e-mail: no e-mail row
    await tell(member, centre)
    queued = await outbox(member)
    assert set(queued) == {"page", "sms"}
    text = render_sms("due_tomorrow", PARAMS, centre, "ka")
    sms = queued["sms"]
    assert sms["body"] == text and sms["segments"] == segments(text) >= 1
    assert sms["status"] == "queued" and sms["next_attempt_at"] == NOON

    assert await send_due(now=NOON, settings=sending_settings) == {**NOTHING, "sent": 1}
    [request] = sms_gateway.requests
    assert request["method"] == "POST" and request["path"] == "/v1/sms"
    assert request["headers"]["authorization"] == f"Bearer {SMS_TOKEN}"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {"to": "+995555100002", "from": "TOOLS", "text": text,
                               "reference": f"sms-{sms['id']}"}
    sent = (await outbox(member))["sms"]
    assert (sent["status"], sent["provider_id"], sent["sent_at"]) == ("sent", "gw-1", NOON)
    assert sent["segments"] == segments(text)
    # the audit trail shows the outcome, found by the member it went to
    [audited] = await AuditLog.select().where(AuditLog.entity == "notification")
    assert (audited["action"], audited["entity_id"], audited["at"]) == (
        "notification.sent", sms["id"], NOON)
    after = audited["after"]
    after = json.loads(after) if isinstance(after, str) else after  # SQLite keeps the text
    assert after["member"] == member and after["channel"] == "sms"


async def test_a_failing_gateway_is_retried_with_backoff_then_the_message_fails(
        sending_settings, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100003")
    await tell(member, centre)
    sms_gateway.answer = 500
    at = NOON
    for attempt, minutes in enumerate(BACKOFF_MINUTES, start=1):
        assert await send_due(now=at, settings=sending_settings) == {**NOTHING, "retried": 1}
        row = (await outbox(member))["sms"]
        assert row["status"] == "queued" and row["attempts"] == attempt
        assert row["next_attempt_at"] == at + timedelta(minutes=minutes)
        assert "500" in row["error"]
        # not before its time
        assert await send_due(now=row["next_attempt_at"] - timedelta(seconds=1),
                              settings=sending_settings) == NOTHING
        at = row["next_attempt_at"]
    assert sending_settings.notify_max_attempts == 5
    assert await send_due(now=at, settings=sending_settings) == {**NOTHING, "failed": 1}
    row = (await outbox(member))["sms"]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 5, None)
    # retries are not audited; the end is
    assert [r["action"] for r in await AuditLog.select(AuditLog.action).where(
        AuditLog.entity == "notification")] == ["notification.failed"]
    assert row["error"].startswith("SMS gateway 500") and row["sent_at"] is None
    assert len(sms_gateway.requests) == 5
    assert {request["json"]["reference"] for request in sms_gateway.requests} \
        == {f"sms-{row['id']}"}  # the same reference on every try
    assert await send_due(now=at + timedelta(days=1), settings=sending_settings) == NOTHING


async def test_a_retry_succeeds_and_clears_the_error(sending_settings, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100004")
    await tell(member, centre)
    sms_gateway.answer = 503
    await send_due(now=NOON, settings=sending_settings)
    sms_gateway.answer = 200
    later = NOON + timedelta(minutes=1)
    assert await send_due(now=later, settings=sending_settings) == {**NOTHING, "sent": 1}
    row = (await outbox(member))["sms"]
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 2, None)
    assert row["sent_at"] == later and row["provider_id"] == "gw-2"


async def test_a_gateway_that_does_not_answer_times_out_and_is_retried(
        sending_settings, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100005")
    await tell(member, centre)
    sms_gateway.hang = True
    counts = await asyncio.wait_for(send_due(now=NOON, settings=sending_settings), timeout=10)
    assert counts == {**NOTHING, "retried": 1}
    row = (await outbox(member))["sms"]
    assert row["status"] == "queued" and row["attempts"] == 1
    assert "no answer" in row["error"]
    assert row["next_attempt_at"] == NOON + timedelta(minutes=1)


async def test_a_gateway_nobody_listens_on_is_retried(settings, sms_gateway):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms_gateway.url = f"http://127.0.0.1:{port}/v1/sms"
    with installed(with_providers(settings, gateway=sms_gateway)) as chosen:
        centre = await a_centre()
        member = await a_member("+995555100006")
        await tell(member, centre)
        assert await send_due(now=NOON, settings=chosen) == {**NOTHING, "retried": 1}
    row = (await outbox(member))["sms"]
    assert row["status"] == "queued" and "ConnectError" in row["error"]


@pytest.mark.parametrize("status", [400, 401, 422])
async def test_a_refusal_fails_at_once(sending_settings, sms_gateway, status):
    centre = await a_centre()
    member = await a_member("+995555100007")
    await tell(member, centre)
    sms_gateway.answer = status
    assert await send_due(now=NOON, settings=sending_settings) == {**NOTHING, "failed": 1}
    row = (await outbox(member))["sms"]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)
    assert row["error"].startswith(f"SMS gateway {status}")
    assert len(sms_gateway.requests) == 1


@pytest.mark.parametrize("status", [408, 429])
async def test_too_busy_is_not_a_refusal(sending_settings, sms_gateway, status):
    centre = await a_centre()
    member = await a_member("+995555100008")
    await tell(member, centre)
    sms_gateway.answer = status
    assert await send_due(now=NOON, settings=sending_settings) == {**NOTHING, "retried": 1}


async def test_an_address_the_smtp_server_refuses_fails_at_once(
        sending_settings, smtp_server):
    centre = await a_centre()
    member = await a_member("+995555100009", email=f"nobody@{REFUSED_DOMAIN}",
                            sms_reminders=False)
    await tell(member, centre)
    assert await send_due(now=NOON, settings=sending_settings) == {**NOTHING, "failed": 1}
    row = (await outbox(member))["email"]
    assert row["status"] == "failed" and row["error"].startswith("SMTP 550")
    assert smtp_server.messages == []


async def test_no_sms_in_the_quiet_hours_but_at_nine_in_the_morning(
        sending_settings, smtp_server, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100010", email="nino@example.ge")
    evening = datetime(2026, 11, 23, 22, 0, tzinfo=TBILISI)
    morning = datetime(2026, 11, 24, 9, 0, tzinfo=TBILISI)
    await tell(member, centre, at=evening)
    queued = await outbox(member)
    assert queued["sms"]["next_attempt_at"] == morning
    assert queued["email"]["next_attempt_at"] == evening  # an e-mail waits in the inbox
    assert await send_due(now=evening, settings=sending_settings) == {**NOTHING, "sent": 1}
    assert len(smtp_server.messages) == 1
    for night in ("23:59", "00:00", "03:00", "08:59"):
        hour, minute = map(int, night.split(":"))
        day = evening.date() if hour >= 21 else morning.date()
        at = datetime.combine(day, time(hour, minute), TBILISI)
        assert await send_due(now=at, settings=sending_settings) == NOTHING
    assert sms_gateway.requests == []
    assert await send_due(now=morning, settings=sending_settings) == {**NOTHING, "sent": 1}
    assert len(sms_gateway.requests) == 1
    assert (await outbox(member))["sms"]["sent_at"] == morning


async def test_the_sender_keeps_the_quiet_hours_of_a_message_due_at_night(
        sending_settings, sms_gateway):
    """A message made due in the night (resent by staff at 22:00, say) waits for the morning
    too, and waiting costs it no attempt."""
    centre = await a_centre()
    member = await a_member("+995555100011")
    await tell(member, centre)
    night = datetime(2026, 11, 23, 22, 30, tzinfo=TBILISI)
    await Notification.update({Notification.next_attempt_at: night}).where(
        Notification.channel == "sms")
    assert await send_due(now=night, settings=sending_settings) == NOTHING
    row = (await outbox(member))["sms"]
    assert row["next_attempt_at"] == datetime(2026, 11, 24, 9, 0, tzinfo=TBILISI)
    assert row["attempts"] == 0 and sms_gateway.requests == []


async def test_quiet_hours_are_the_centres_own(sending_settings, sms_gateway):
    """At 22:00 in Tbilisi it is 19:00 in Berlin: a Berlin centre's SMS leaves."""
    berlin = await a_centre("BER", "Europe/Berlin")
    member = await a_member("+995555100012")
    at = datetime(2026, 11, 23, 22, 0, tzinfo=TBILISI)
    await tell(member, berlin, at=at)
    assert (await outbox(member))["sms"]["next_attempt_at"] == at
    assert await send_due(now=at, settings=sending_settings) == {**NOTHING, "sent": 1}


async def test_without_a_centre_the_default_zone_keeps_the_quiet_hours(
        sending_settings, sms_gateway):
    member = await a_member("+995555100013")
    at = datetime(2026, 11, 23, 21, 0, tzinfo=TBILISI)
    await tell(member, None, at=at)
    assert (await outbox(member))["sms"]["next_attempt_at"] \
        == datetime(2026, 11, 24, 9, 0, tzinfo=TBILISI)


@pytest.mark.parametrize(
    ("choices", "channels"),
    [
        pytest.param({}, {"page", "email", "sms"}, id="both"),
        pytest.param({"sms_reminders": False}, {"page", "email"}, id="no-sms"),
        pytest.param({"email_reminders": False}, {"page", "sms"}, id="no-email"),
        pytest.param({"sms_reminders": False, "email_reminders": False}, {"page"},
                     id="page-only"),
    ],
)
async def test_a_member_who_turned_a_channel_off_gets_no_message_on_it(
        sending_settings, choices, channels):
    centre = await a_centre()
    member = await a_member("+995555100014", email="nino@example.ge", **choices)
    await tell(member, centre)
    assert set(await outbox(member)) == channels


async def test_without_providers_only_the_page_is_written_and_nothing_is_claimed(settings):
    centre = await a_centre()
    member = await a_member("+995555100015", email="nino@example.ge")
    with installed(replace(settings, email=None, sms=None)) as plain:
        await tell(member, centre)
        assert set(await outbox(member)) == {"page"}
        assert await send_due(now=NOON, settings=plain) == NOTHING


async def test_a_suspended_member_is_told_nothing(sending_settings, smtp_server, sms_gateway):
    centre = await a_centre()
    member = await a_member("+995555100016", email="nino@example.ge")
    await Member.update({Member.status: "suspended"}).where(Member.id == member)
    await tell(member, centre)
    queued = await outbox(member)
    assert {channel: row["status"] for channel, row in queued.items()} \
        == {"page": "suppressed", "email": "suppressed", "sms": "suppressed"}
    assert all(row["next_attempt_at"] is None for row in queued.values())
    assert await send_due(now=NOON, settings=sending_settings) == NOTHING
    assert smtp_server.messages == [] and sms_gateway.requests == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status": "suspended"}, id="suspended"),
        pytest.param({"status": "erased"}, id="erased"),
        pytest.param({"sms_reminders": False, "email_reminders": False}, id="opted-out"),
        pytest.param({"email": None, "sms_reminders": False}, id="email-removed"),
    ],
)
async def test_the_sender_asks_again_before_sending(
        sending_settings, smtp_server, sms_gateway, change):
    """Queued while the member could be told; by the time it is sent, they may not be."""
    centre = await a_centre()
    member = await a_member("+995555100017", email="nino@example.ge")
    await tell(member, centre)
    await Member.update({getattr(Member, name): value for name, value in change.items()}
                        ).where(Member.id == member)
    counts = await send_due(now=NOON, settings=sending_settings)
    assert counts == {**NOTHING, "suppressed": 2}
    queued = await outbox(member)
    assert queued["email"]["status"] == queued["sms"]["status"] == "suppressed"
    assert queued["email"]["attempts"] == queued["sms"]["attempts"] == 0
    assert smtp_server.messages == [] and sms_gateway.requests == []


async def test_an_erased_member_gets_nothing(sending_settings):
    centre = await a_centre()
    member = await a_member("+995555100018", email="nino@example.ge")
    await Member.update({Member.status: "erased"}).where(Member.id == member)
    assert await tell(member, centre) is False
    assert await outbox(member) == {}


async def test_sms_in_latin_letters_costs_fewer_segments(sending_settings, sms_gateway):
    centre = await a_centre()
    georgian = await a_member("+995555100019")
    latin = await a_member("+995555100020", sms_latin=True)
    await tell(georgian, centre)
    await tell(latin, centre)
    in_georgian, in_latin = (await outbox(georgian))["sms"], (await outbox(latin))["sms"]
    text = render_sms("due_tomorrow", PARAMS, centre, "ka")
    assert in_latin["body"] == to_latin(text) and is_gsm7(in_latin["body"])
    assert "ak'umulat'oriani dart'q'miti burghi" in in_latin["body"]
    assert in_latin["segments"] < in_georgian["segments"]
    assert in_latin["segments"] == segments(in_latin["body"]) == 1
    await send_due(now=NOON, settings=sending_settings)
    texts = {request["json"]["to"]: request["json"]["text"] for request in sms_gateway.requests}
    assert texts == {"+995555100019": text, "+995555100020": to_latin(text)}


async def test_an_english_reader_is_written_to_in_english(sending_settings, smtp_server):
    centre = await a_centre()
    member = await a_member("+995555100021", email="levan@example.ge", language="en")
    await tell(member, centre)
    queued = await outbox(member)
    assert queued["email"]["language"] == queued["sms"]["language"] == "en"
    assert queued["email"]["body"].endswith("Your page: https://tools.example.ge/me")
    assert queued["sms"]["body"].startswith("Return tomorrow")


async def test_queueing_again_adds_nothing_on_any_channel(sending_settings):
    centre = await a_centre()
    member = await a_member("+995555100022", email="nino@example.ge")
    assert await tell(member, centre)
    assert not await tell(member, centre, at=NOON + timedelta(hours=1))
    assert len(await outbox()) == 3


async def test_a_channel_set_up_later_gets_the_events_queued_again_not_the_page(
        settings, smtp_server):
    """E-mail set up after an event: queueing the event again (the sweep does, for the day's
    reminders) adds its e-mail, and the page is not told twice."""
    centre = await a_centre()
    member = await a_member("+995555100023", email="nino@example.ge")
    with installed(replace(settings, email=None, sms=None)):
        await tell(member, centre, key="due_tomorrow:booking 1")
    with installed(with_providers(settings, smtp_server)):
        assert await tell(member, centre, key="due_tomorrow:booking 1")
        assert not await tell(member, centre, key="due_tomorrow:booking 1")
    rows = await outbox()
    assert sorted((row["channel"], row["event_key"]) for row in rows.values()) == [
        ("email", "due_tomorrow:booking 1"), ("page", "due_tomorrow:booking 1")]


async def many_messages(count: int) -> dict[int, int]:
    centre = await a_centre()
    for n in range(count):
        member = await a_member(f"+9955552000{n:02d}", email=f"member{n}@example.ge")
        await tell(member, centre)
    return {row["id"]: row["channel"] for row in (await outbox()).values()
            if row["channel"] != "page"}


async def test_two_senders_at_once_send_each_message_exactly_once(
        sending_settings, smtp_server, sms_gateway):
    queued = await many_messages(12)
    rounds = await asyncio.gather(*(send_due(now=NOON, settings=sending_settings, limit=5)
                                    for _ in range(4)))
    rounds += await asyncio.gather(*(send_due(now=NOON, settings=sending_settings)
                                     for _ in range(3)))
    assert sum(counts["sent"] for counts in rounds) == len(queued) == 24
    references = [request["json"]["reference"] for request in sms_gateway.requests]
    assert sorted(references) == sorted(f"sms-{id_}" for id_, channel in queued.items()
                                        if channel == "sms")
    assert len(smtp_server.messages) == 12
    assert sorted(address for [address] in smtp_server.recipients) \
        == sorted(f"member{n}@example.ge" for n in range(12))
    assert {row["status"] for row in (await outbox()).values()} == {"sent"}


async def test_a_claimed_message_is_left_alone_until_its_lease_ends(
        sending_settings, sms_gateway):
    """A sender that claimed a message and died leaves it to the next one after the lease."""
    centre = await a_centre()
    member = await a_member("+995555100024")
    await tell(member, centre)
    # what a claim writes: the next attempt a lease away, the attempt counted
    await Notification.update({Notification.next_attempt_at: NOON + LEASE,
                               Notification.attempts: 1}).where(Notification.channel == "sms")
    assert await send_due(now=NOON + LEASE - timedelta(seconds=1),
                          settings=sending_settings) == NOTHING
    assert await send_due(now=NOON + LEASE, settings=sending_settings) \
        == {**NOTHING, "sent": 1}
    assert (await outbox(member))["sms"]["attempts"] == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks of another connection: PostgreSQL")
async def test_a_message_another_sender_holds_is_skipped_not_waited_for(
        sending_settings, sms_gateway):
    import asyncpg

    queued = await many_messages(3)
    held = min(id_ for id_, channel in queued.items() if channel == "sms")
    other = await asyncpg.connect(WORKER_DB_URL)
    try:
        async with other.transaction():
            await other.execute("SELECT id FROM notification WHERE id = $1 FOR UPDATE", held)
            counts = await asyncio.wait_for(send_due(now=NOON, settings=sending_settings),
                                            timeout=10)
            assert counts["sent"] == len(queued) - 1
            assert f"sms-{held}" not in {r["json"]["reference"] for r in sms_gateway.requests}
    finally:
        await other.close()
    assert await send_due(now=NOON, settings=sending_settings) == {**NOTHING, "sent": 1}
    assert [r["json"]["reference"] for r in sms_gateway.requests].count(f"sms-{held}") == 1


async def test_the_notify_command_sends_what_is_due(settings, smtp_server):
    centre = await a_centre()
    member = await a_member("+995555100025", email="nino@example.ge", sms_reminders=False)
    with installed(with_providers(settings, smtp_server)):
        await tell(member, centre, at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    url = WORKER_DB_URL if ON_POSTGRES else "sqlite:///" + DB.connection_kwargs["database"]
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "toollib.cli", "notify",
        env={**os.environ, "DATABASE_URL": url, "VAR_DIR": str(RUN_DIR / "cli-var"),
             "CLOCK_START": NOON.isoformat(), "EMAIL_URL": smtp_server.url(),
             "EMAIL_FROM": "tools@toollib.test", "PUBLIC_URL": "https://tools.example.ge"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(command.communicate(), timeout=120)
    assert command.returncode == 0, stderr.decode()
    assert "0 reminders queued; sent 1" in stdout.decode()
    [message] = smtp_server.messages
    assert message["To"] == "nino@example.ge" and smtp_server.logins == [SMTP_USER]
    assert (await outbox(member))["email"]["status"] == "sent"


async def test_the_log_has_a_line_a_message_without_its_text_or_address(
        sending_settings, smtp_server, sms_gateway, caplog):
    centre = await a_centre()
    member = await a_member("+995555100026", email="nino@example.ge")
    await tell(member, centre)
    sms_gateway.answer = 500
    with caplog.at_level("INFO", logger="rental.sending"):
        await send_due(now=NOON, settings=sending_settings)
    queued = await outbox(member)
    lines = sorted(record.getMessage() for record in caplog.records
                   if record.name == "rental.sending")
    assert lines == [
        f"message {queued['email']['id']} email due_tomorrow: sent",
        f"message {queued['sms']['id']} sms due_tomorrow: retry at 2026-11-23 08:01 UTC after "
        "attempt 1 (temporary)",
    ]
    assert not any(secret in "".join(lines) for secret in
                   ("+995555100026", "nino@example.ge", "ბურღი", "500"))
