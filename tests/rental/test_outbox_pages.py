"""A centre's outbox (/desk/{centre}/messages) for its desk staff and the coordinators: the
messages to members newest first, filtered and paginated in a fixed number of queries, their
text on demand, "Send again" for a failed one (audited; refused for any other), and the SMS
each centre sent per month with their segments. Staff of another centre and members are
refused; bad ids are a 404, never a 500.

The rows are written as the app writes them: page messages through notifications.queue in a
transaction, e-mail and SMS rows (sent, failed) straight into the outbox table."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime, time, timedelta

import pytest
from helpers import SMG, TBILISI, csrf_token, demo_cast, log_in, now, today

from rental import notifications, outbox
from rental.kernel.db import write_transaction
from rental.tables import AuditLog, Member, Notification

KUT = 2  # the Kutaisi centre of the demo data
STAFF_PHONE, COORDINATOR_PHONE = "+995555000003", "+995555000002"
_keys = itertools.count(1)


async def message(member: int, *, centre: int = SMG, channel: str = "sms", status: str = "sent",
                  kind: str = "due_tomorrow", at: datetime | None = None, attempts: int = 0,
                  error: str | None = None, segments: int | None = None,
                  body: str = "Return tomorrow: Drill", subject: str = "") -> int:
    """One outbox row, as the sender leaves it; returns its id."""
    at = at or now()
    rows = await Notification.insert(Notification(
        member=member, centre=centre, channel=channel, kind=kind, language="ka",
        subject=subject, body=body, event_key=f"test:{next(_keys)}", status=status,
        created_at=at, attempts=attempts, error=error, segments=segments,
        sent_at=at if status == "sent" else None,
    )).returning(Notification.id)
    return rows[0]["id"]


async def log_in_as(client, seeded, phone: str, language: str | None = None) -> None:
    if language:
        await Member.update({Member.language: language}).where(Member.phone == phone)
    password = next(pw for _role, p, pw in seeded.credentials if p == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def send_again(client, centre: int, message_id: int, **kwargs):
    token = await csrf_token(client, f"/desk/{centre}/messages")
    return await client.post(f"/desk/{centre}/messages/{message_id}/resend",
                             data={"_csrf_token": token}, **kwargs)


async def test_staff_read_their_centres_messages_newest_first_with_the_text_on_demand(
        client, seeded):
    cast = await demo_cast()
    async with write_transaction():
        await notifications.queue(cast.member, "due_tomorrow", {"tool": "Hammer drill",
                                                                "ends": "tomorrow"},
                                  now=now() - timedelta(hours=3), centre_id=SMG,
                                  event_key="due_tomorrow:test page")
    failed = await message(cast.member, status="failed", attempts=5, error="gateway said 500",
                           kind="overdue", at=now() - timedelta(hours=1))
    sent = await message(cast.member, channel="email", kind="membership_expiring",
                         subject="Membership", body="Renew it", at=now() - timedelta(hours=2))
    await message(cast.member, kind="receipt_sent", at=now() - timedelta(minutes=30))
    elsewhere = await message(cast.other, centre=KUT, body="Kutaisi's own message")
    await log_in_as(client, seeded, STAFF_PHONE, "en")
    page = await client.get("/desk/1/messages")
    assert page.status_code == 200
    html = page.text
    rows = [html.index(f'id="outbox-message-{n}"') for n in (failed, sent)]
    assert rows == sorted(rows)  # newest first
    assert html.index(f'id="outbox-message-{sent}"') < html.index("Hammer drill")
    assert f'id="outbox-message-{elsewhere}"' not in html and "Kutaisi's own" not in html
    assert f'href="/members/{cast.member}"' in html
    for words in ("Overdue", "Membership expiring", "Return tomorrow", "receipt_sent",
                  "Sending failed", "gateway said 500", "E-mail", "SMS", "Member's page"):
        assert words in html, words
    assert "<details><summary>Text</summary>" in html and "Renew it" in html
    local = (now() - timedelta(hours=1)).astimezone(TBILISI)
    assert f"{local:%H}:{local:%M}" in html or f"{local:%-I}:{local:%M}" in html  # centre time
    assert html.count("/resend\"") == 1 and f'/desk/1/messages/{failed}/resend"' in html


async def test_the_page_reads_in_georgian_and_in_english(client, seeded):
    cast = await demo_cast()
    await message(cast.member, status="failed")
    await log_in_as(client, seeded, STAFF_PHONE)  # the demo's desk staff read Georgian
    georgian = (await client.get("/desk/1/messages")).text
    assert '<html lang="ka">' in georgian and "ნებისმიერი სტატუსი" in georgian
    assert "Any status" not in georgian
    await Member.update({Member.language: "en"}).where(Member.phone == STAFF_PHONE)
    await log_in_as(client, seeded, STAFF_PHONE)
    english = (await client.get("/desk/1/messages")).text
    assert '<html lang="en">' in english
    for words in ("Messages to members", "Any status", "Send again", "SMS sent per month",
                  today().strftime("%b %Y")):
        assert words in english, words


async def test_filters_by_status_channel_and_kind(client, seeded):
    cast = await demo_cast()
    failed_sms = await message(cast.member, status="failed", kind="overdue")
    sent_sms = await message(cast.member, kind="overdue")
    failed_email = await message(cast.member, channel="email", status="failed")
    queued = await message(cast.member, status="queued", kind="pickup_tomorrow")
    await log_in_as(client, seeded, STAFF_PHONE, "en")

    async def shown(**params) -> set[int]:
        html = (await client.get("/desk/1/messages", params=params)).text
        return {n for n in (failed_sms, sent_sms, failed_email, queued)
                if f'id="outbox-message-{n}"' in html}

    assert await shown() == {failed_sms, sent_sms, failed_email, queued}
    assert await shown(status="failed") == {failed_sms, failed_email}
    assert await shown(status="failed", channel="sms") == {failed_sms}
    assert await shown(kind="overdue") == {failed_sms, sent_sms}
    assert await shown(kind="pickup_tomorrow", status="queued") == {queued}
    assert await shown(kind="no_such_kind") == set()
    assert await shown(status="nonsense", channel="pigeon") == {failed_sms, sent_sms,
                                                                failed_email, queued}
    fragment = await client.get("/desk/1/messages", params={"status": "failed"},
                                headers={"HX-Request": "true", "HX-Target": "outbox-list"})
    assert fragment.text.lstrip().startswith('<section id="outbox-list"')
    assert f'id="outbox-message-{failed_email}"' in fragment.text
    odd = await client.get("/desk/1/messages", params={"kind": "<script>", "page": "2"})
    assert odd.status_code == 200 and "<script>" not in odd.text
    for bad in ({"page": "abc"}, {"page": "0"}, {"status": "x" * 500}):
        assert (await client.get("/desk/1/messages", params=bad)).status_code == 400, bad


async def test_pages_of_fifty_keep_the_filters_in_a_fixed_number_of_queries(
        client, seeded, count_queries):
    cast = await demo_cast()
    await message(cast.member, at=now() - timedelta(days=1))
    await log_in_as(client, seeded, STAFF_PHONE, "en")
    await client.get("/desk/1/messages")  # the first request of a session warms caches
    count_queries["n"] = 0
    assert (await client.get("/desk/1/messages?channel=sms")).status_code == 200
    with_one = count_queries["n"]
    for n in range(outbox.PER_PAGE + 4):
        await message(cast.member, at=now() - timedelta(minutes=n), segments=1 + n % 3)
    count_queries["n"] = 0
    first = await client.get("/desk/1/messages?channel=sms")
    assert count_queries["n"] == with_one  # fifty-five rows or one: the same queries
    assert first.text.count('id="outbox-message-') == outbox.PER_PAGE
    following = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    assert "channel=sms" in following and following.endswith("page=2")
    second = (await client.get("/desk/1/messages?channel=sms&page=2")).text
    assert second.count('id="outbox-message-') == 5 and 'rel="prev"' in second
    beyond = (await client.get("/desk/1/messages?channel=sms&page=99")).text
    assert beyond.count('id="outbox-message-') == 5  # the last page


async def test_send_again_queues_a_failed_message_once_and_is_audited(client, seeded):
    cast = await demo_cast()
    failed = await message(cast.member, status="failed", attempts=5, error="gateway said 500")
    sent = await message(cast.member)
    await log_in_as(client, seeded, STAFF_PHONE, "en")
    refused = await client.post(f"/desk/1/messages/{failed}/resend")  # no CSRF token
    assert refused.status_code == 403
    done = await send_again(client, SMG, failed)
    assert done.status_code == 303 and done.headers["location"] == "/desk/1/messages"
    row = await Notification.select().where(Notification.id == failed).first()
    assert (row["status"], row["attempts"], row["error"]) == ("queued", 0, "gateway said 500")
    assert row["next_attempt_at"] == now()
    staff = await Member.select(Member.id).where(Member.phone == STAFF_PHONE).first()
    entry = await AuditLog.select().where(AuditLog.action == "notification.resend").first()
    assert (entry["entity"], entry["entity_id"], entry["actor"], entry["centre"]) == (
        "notification", failed, staff["id"], SMG)
    assert json.loads(entry["before"])["status"] == "failed"
    assert json.loads(entry["after"])["status"] == "queued"
    shown = (await client.get("/desk/1/messages")).text
    assert "The message is queued to be sent again." in shown and "Waiting to be sent" in shown
    back = {"referer": "http://testserver/desk/1/messages"}
    for again in (failed, sent):  # queued now, or never failed: nothing to send again
        before = await Notification.select().where(Notification.id == again).first()
        answer = await send_again(client, SMG, again, headers=back)
        assert answer.status_code == 303 and answer.headers["location"] == "/desk/1/messages"
        after_page = (await client.get("/desk/1/messages")).text
        assert "Only a message whose sending failed can be sent again." in after_page
        assert await Notification.select().where(Notification.id == again).first() == before
    assert await AuditLog.count().where(AuditLog.action == "notification.resend") == 1


async def test_send_again_with_htmx_navigates_back_to_the_outbox(client, seeded):
    cast = await demo_cast()
    failed = await message(cast.member, status="failed", attempts=5)
    await log_in_as(client, seeded, STAFF_PHONE)
    done = await send_again(client, SMG, failed, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["hx-redirect"] == "/desk/1/messages"


async def test_members_and_staff_of_another_centre_are_refused_coordinators_see_all(
        client, seeded):
    cast = await demo_cast()
    ours = await message(cast.member, status="failed", body="Samgori's message")
    theirs = await message(cast.other, centre=KUT, status="failed", body="Kutaisi's message")
    assert (await client.get("/desk/1/messages")).status_code == 303  # log in first
    await log_in_as(client, seeded, "+995555000012")
    assert (await client.get("/desk/1/messages")).status_code == 403
    token = await csrf_token(client, "/me")
    assert (await client.post(f"/desk/1/messages/{ours}/resend",
                              data={"_csrf_token": token})).status_code == 403
    await client.post("/logout", data={"_csrf_token": token})

    await log_in_as(client, seeded, STAFF_PHONE, "en")
    assert (await client.get("/desk/2/messages")).status_code == 403
    token = await csrf_token(client, "/desk/1/messages")
    refused = await client.post(f"/desk/2/messages/{theirs}/resend", data={"_csrf_token": token})
    assert refused.status_code == 403
    elsewhere = await client.post(f"/desk/1/messages/{theirs}/resend",
                                  data={"_csrf_token": token})
    assert elsewhere.status_code == 404  # not a message of this centre
    for missing in (999_999, 2_147_483_648):
        response = await client.post(f"/desk/1/messages/{missing}/resend",
                                     data={"_csrf_token": token})
        assert response.status_code == 404, missing
    statuses = {row["status"] for row in await Notification.select(Notification.status)}
    assert statuses == {"failed"}  # nothing was changed
    await client.post("/logout", data={"_csrf_token": token})

    await log_in_as(client, seeded, COORDINATOR_PHONE, "en")
    kutaisi = await client.get("/desk/2/messages")
    assert kutaisi.status_code == 200 and "Kutaisi&#39;s message" in kutaisi.text
    assert "Samgori&#39;s message" not in kutaisi.text
    assert (await send_again(client, KUT, theirs)).status_code == 303
    assert (await client.get("/desk/999/messages")).status_code == 404
    assert (await client.get("/desk/2147483648/messages")).status_code == 404


def sms_at(day, hour: int, minute: int = 0) -> datetime:
    """An instant in Tbilisi."""
    return datetime.combine(day, time(hour, minute), TBILISI)


async def test_the_sms_sent_per_month_count_messages_and_segments_on_the_centres_calendar(
        client, seeded):
    cast = await demo_cast()
    months = outbox.month_labels(today())
    this_month = today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # this month: two SMS of 2 and 1 segments, and one sent at 01:30 on the 1st in Tbilisi
    # (still the month before in UTC)
    await message(cast.member, at=sms_at(this_month, 10), segments=2)
    await message(cast.member, at=sms_at(this_month, 11), segments=1)
    await message(cast.member, at=sms_at(this_month, 1, 30), segments=2)
    # the month before: 23:00 on its last day in Tbilisi
    await message(cast.member, at=sms_at(this_month - timedelta(days=1), 23), segments=1)
    # not counted: failed, queued, e-mail, the page, or thirteen months ago
    await message(cast.member, status="failed", segments=3)
    await message(cast.member, status="queued", segments=3)
    await message(cast.member, channel="email")
    await message(cast.member, channel="page")
    await message(cast.member, at=sms_at(this_month - timedelta(days=366), 12), segments=1)
    await message(cast.other, centre=KUT, at=sms_at(last_month, 12), segments=3)

    counts = (await outbox.sms_by_month(None, today()))["counts"]
    assert counts == {(SMG, months[0]): {"messages": 3, "segments": 5},
                      (SMG, months[1]): {"messages": 1, "segments": 1},
                      (KUT, months[1]): {"messages": 1, "segments": 3}}
    mine = await outbox.sms_by_month(frozenset({SMG}), today())
    assert [c["id"] for c in mine["centres"]] == [SMG] and len(mine["months"]) == 12

    await log_in_as(client, seeded, STAFF_PHONE, "en")
    staff_page = (await client.get("/desk/1/messages")).text
    assert f'data-centre="{SMG}" data-month="{months[0]}">3<' in staff_page
    assert f'data-centre="{KUT}"' not in staff_page  # staff count their own centres
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    await log_in_as(client, seeded, COORDINATOR_PHONE, "en")
    coordinator_page = (await client.get("/desk/1/messages")).text
    assert f'data-centre="{KUT}" data-month="{months[1]}">1<' in coordinator_page
    assert f'data-centre="{KUT}" data-month="{months[0]}">0<' in coordinator_page
    assert coordinator_page.count("data-month=") == 12 * 2


async def test_the_desk_and_the_overdue_list_link_to_the_outbox(client, seeded):
    await log_in_as(client, seeded, STAFF_PHONE)
    for path in ("/desk/1", "/desk/1/overdue"):
        page = await client.get(path)
        assert page.status_code == 200 and 'href="/desk/1/messages' in page.text, path


async def test_the_services_refuse_staff_of_another_centre_themselves(seeded):
    cast = await demo_cast()
    theirs = await message(cast.other, centre=KUT, status="failed")
    for asking in (outbox.outbox_page(KUT, cast.staff, today=today()),
                   outbox.resend(theirs, KUT, user=cast.staff, now=now())):
        with pytest.raises(outbox.OutboxError) as refused:
            await asking
        assert refused.value.kind == "forbidden"
    assert (await Notification.select().where(Notification.id == theirs).first())[
        "status"] == "failed"
    with pytest.raises(outbox.OutboxError) as missing:
        await outbox.outbox_page(999, cast.coordinator, today=today())
    assert missing.value.kind == "not_found"
