"""The member's messages: the latest on their page (/me), all of them on /me/messages with
"Mark all as read" (a plain POST with its CSRF token, so it works without JavaScript), and the
unread count beside "My page" in the menu. Each member sees only their own."""

from __future__ import annotations

from datetime import timedelta

import helpers
from helpers import SMG, csrf_token, demo_cast, log_in

from rental import notifications
from rental.kernel.db import write_transaction
from rental.tables import Notification

MEMBER_PHONE = "+995555000012"
OTHER_PHONE = "+995555000013"
UNREAD_IN_MENU = '<span aria-hidden="true">&nbsp;({count})</span>'


async def some_messages(member: int, count: int) -> None:
    """`count` reminders for the member, one a minute, the newest last."""
    async with write_transaction():
        for n in range(count):
            await notifications.queue(
                member, "due_tomorrow", {"tool": f"Drill {n:02d}", "ends": "tomorrow"},
                now=helpers.now() + timedelta(minutes=n), centre_id=SMG,
                event_key=f"due_tomorrow:test {n}")


async def logged_in(client, seeded, phone: str) -> None:
    password = next(pw for _role, p, pw in seeded.credentials if p == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def test_my_page_lists_the_latest_messages_newest_first_and_the_menu_counts_them(
        client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 22)
    await logged_in(client, seeded, MEMBER_PHONE)
    page = (await client.get("/me")).text
    assert 'id="my-messages"' in page
    assert page.index("Drill 21") < page.index("Drill 20")  # newest first
    assert "Drill 02" in page and "Drill 01" not in page  # the 20 latest
    assert page.count('id="message-') == 20
    assert UNREAD_IN_MENU.format(count=22) in page
    everything = (await client.get("/me/messages")).text
    assert everything.count('id="message-') == 22 and "Drill 00" in everything


async def test_mark_all_as_read_without_javascript(client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 2)
    await logged_in(client, seeded, MEMBER_PHONE)
    page = (await client.get("/me/messages")).text
    assert UNREAD_IN_MENU.format(count=2) in page and 'action="/me/messages/read"' in page
    refused = await client.post("/me/messages/read")  # no CSRF token
    assert refused.status_code == 403
    token = await csrf_token(client, "/me/messages")
    done = await client.post("/me/messages/read", data={"_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/me/messages"
    assert await Notification.count().where(Notification.read_at.is_null()) == 0
    after = (await client.get("/me/messages")).text
    assert 'aria-hidden="true">(' not in after  # the menu's count is gone
    assert 'action="/me/messages/read"' not in after and "Drill 01" in after


async def test_mark_all_as_read_with_htmx_and_the_fragment(client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 1)
    await logged_in(client, seeded, MEMBER_PHONE)
    fragment = await client.get("/me/messages", headers={"HX-Request": "true",
                                                         "HX-Target": "messages"})
    assert fragment.text.lstrip().startswith('<section id="messages"')
    token = await csrf_token(client, "/me/messages")
    done = await client.post("/me/messages/read", data={"_csrf_token": token},
                             headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["hx-redirect"] == "/me/messages"
    assert await notifications.unread_count(cast.member) == 0


async def test_another_member_sees_none_of_them(client, seeded):
    cast = await demo_cast()
    await some_messages(cast.member, 3)
    await logged_in(client, seeded, OTHER_PHONE)
    for path in ("/me", "/me/messages"):
        page = (await client.get(path)).text
        assert "Drill 0" not in page and 'aria-hidden="true">(' not in page
    token = await csrf_token(client, "/me/messages")
    await client.post("/me/messages/read", data={"_csrf_token": token})
    assert await notifications.unread_count(cast.member) == 3  # theirs are left unread


async def test_a_visitor_is_asked_to_log_in(client, seeded):
    response = await client.get("/me/messages")
    assert response.status_code in (302, 303, 401)
