"""Messages to members: the outbox (rental.tables.Notification) and the member's page.

`queue()` writes one message for an event, in the member's language, with the centre's name,
phone and opening hours. It opens no transaction:
call it inside the transaction that makes the event happen (a booking, an offer, a no-show,
the daily reminders sweep), so that the message exists if and only if the event does.
`event_key` names the event ('booking_confirmed:booking 812'); the database keeps one row per
member, channel and key (ON CONFLICT DO NOTHING), so queueing again, or from two workers at
once, adds nothing.

This first slice has the page channel only: a page message is written 'sent' (the member's
page is its delivery) and read when its `read_at` is set. A suspended member is told nothing:
their message is kept as 'suppressed' (never shown nor sent, and, the event having been
recorded, not told later either); an erased member's account holds no personal data any more,
so nothing is written for them at all.

The reading functions below serve the member's page (/me) and /me/messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rental.kernel.db import engine, read_transaction, write_transaction
from rental.kernel.i18n import in_locale
from rental.notification_texts import Money, render
from rental.tables import Centre, Member, Notification

__all__ = ["Money", "latest", "mark_all_read", "messages_page", "queue", "unread_count"]

LATEST = 20  # the messages the member's page shows; /me/messages shows them all

async def queue(member_id: int, kind: str, params: dict[str, Any], *, now: datetime,
                event_key: str, centre_id: int | None = None) -> bool:
    """Queue the message of `kind` about `event_key` for the member on their page. Call it
    INSIDE the caller's transaction: it opens none. True if a row was written (False: told
    before, or the member is erased)."""
    if engine().current_transaction.get() is None:
        raise RuntimeError("notifications.queue runs inside the transaction of its event")
    member = await Member.select(Member.language, Member.status).where(
        Member.id == member_id).first()
    if member is None or member["status"] == "erased":
        return False
    centre = None
    if centre_id is not None:
        centre = await Centre.select(
            Centre.name_ka, Centre.name_en, Centre.phone, Centre.opening_days, Centre.opens_at,
            Centre.closes_at).where(Centre.id == centre_id).first()
    with in_locale(member["language"]) as language:
        subject, body = render(kind, params, centre, language)
    status = "suppressed" if member["status"] == "suspended" else "sent"
    rows = await Notification.insert(Notification(
        member=member_id, centre=centre_id, channel="page", kind=kind, language=language,
        subject=subject, body=body, event_key=event_key, status=status, created_at=now,
        sent_at=now if status == "sent" else None,
    )).on_conflict(
        target=(Notification.member, Notification.channel, Notification.event_key),
        action="DO NOTHING",
    ).returning(Notification.id)
    return bool(rows)


# --- the member's page ---------------------------------------------------------------------


def _on_page(member_id: int):
    return ((Notification.member == member_id) & (Notification.channel == "page")
            & (Notification.status == "sent"))


async def latest(member_id: int, limit: int | None = LATEST) -> list[dict[str, Any]]:
    """The member's messages, newest first (a part of a page service's read)."""
    query = Notification.select(
        Notification.id, Notification.kind, Notification.subject, Notification.body,
        Notification.created_at, Notification.read_at,
    ).where(_on_page(member_id)).order_by(Notification.created_at, ascending=False).order_by(
        Notification.id, ascending=False)
    return await (query.limit(limit) if limit else query)


async def unread_count(member_id: int) -> int:
    return await Notification.count().where(_on_page(member_id)
                                            & Notification.read_at.is_null())


async def messages_page(member_id: int) -> dict[str, Any]:
    """/me/messages: all the member's messages, newest first, and how many are unread."""
    async with read_transaction():
        return {"messages": await latest(member_id, limit=None),
                "unread": await unread_count(member_id)}


async def mark_all_read(member_id: int, *, now: datetime) -> int:
    """Every unread message of the member is read now; returns how many."""
    async with write_transaction():
        rows = await Notification.update({Notification.read_at: now}).where(
            _on_page(member_id) & Notification.read_at.is_null()).returning(Notification.id)
    return len(rows)
