"""Messages to members: the outbox (rental.tables.Notification) and the member's page.

`queue()` writes one message for an event, in the member's language, with the centre's name,
phone and opening hours. It opens no transaction:
call it inside the transaction that makes the event happen (a booking, an offer, a no-show,
the daily reminders sweep), so that the message exists if and only if the event does.
`event_key` names the event ('booking_confirmed:booking 812'); the database keeps one row per
member, channel and key (ON CONFLICT DO NOTHING), so queueing again, or from two workers at
once, adds nothing.

Every message goes to the member's page: a page message is written 'sent' (the page is its
delivery) and read when its `read_at` is set. When the site sends e-mail (EMAIL_URL) and the
member has an address and wants reminders by e-mail, the same message is queued for e-mail,
with a link to their page; when it sends SMS (SMS_URL) and the member wants them, a short text
is queued for SMS (in Latin letters if the member asked), not to leave in the centre's quiet
hours. rental.sending sends what is queued. A suspended member is told nothing: their messages
are kept as 'suppressed' (never shown nor sent, and, the event having been recorded, not told
later either); an erased member's account holds no personal data any more, so nothing is
written for them at all.

The reading functions below serve the member's page (/me) and /me/messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rental.kernel.db import engine, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, gettext, in_locale
from rental.kernel.settings import current_settings
from rental.notification_texts import Money, render, render_sms
from rental.sending_rules import sms_allowed_from
from rental.sms_rules import segments
from rental.tables import Centre, Member, Notification

__all__ = ["Money", "latest", "mark_all_read", "mark_read", "messages_page", "page_of_messages",
           "queue", "unread_count"]

LATEST = 20  # the messages the member's page shows; /me/messages shows them all
PAGE_LINK_LINE = N_("Your page: %(url)s")  # under an e-mail's text


async def queue(member_id: int, kind: str, params: dict[str, Any], *, now: datetime,
                event_key: str, centre_id: int | None = None,
                centre: dict[str, Any] | None = None) -> bool:
    """Queue the message of `kind` about `event_key` for the member on their page, and by
    e-mail and SMS as the site and the member have them. Call it INSIDE the caller's
    transaction: it opens none. True if a row was written (False: told before, or the member
    is erased). `centre`: the centre's row when the caller has read it already (its names,
    phone, opening days and hours, time zone)."""
    if engine().current_transaction.get() is None:
        raise RuntimeError("notifications.queue runs inside the transaction of its event")
    member = await Member.select(
        Member.language, Member.status, Member.email, Member.phone, Member.email_reminders,
        Member.sms_reminders, Member.sms_latin).where(Member.id == member_id).first()
    if member is None or member["status"] == "erased":
        return False
    if centre_id is not None and centre is None:
        centre = await Centre.select(
            Centre.name_ka, Centre.name_en, Centre.name_ru, Centre.phone, Centre.opening_days,
            Centre.opens_at, Centre.closes_at, Centre.timezone
        ).where(Centre.id == centre_id).first()
    settings = current_settings()
    suspended = member["status"] == "suspended"
    common = {"member": member_id, "centre": centre_id, "kind": kind, "event_key": event_key,
              "created_at": now}
    with in_locale(member["language"]) as language:
        subject, body = render(kind, params, centre, language)
        rows = [Notification(**common, channel="page", language=language, subject=subject,
                             body=body, status="suppressed" if suspended else "sent",
                             sent_at=None if suspended else now)]
        if settings.email is not None and member["email"] and member["email_reminders"]:
            page = settings.public_url + "/me"
            link = gettext(PAGE_LINK_LINE, url=page)
            rows.append(Notification(
                **common, channel="email", language=language, subject=subject,
                body=f"{body}\n\n{link}", status="suppressed" if suspended else "queued",
                next_attempt_at=None if suspended else now))
        if settings.sms is not None and member["phone"] and member["sms_reminders"]:
            text = render_sms(kind, params, centre, language, latin=member["sms_latin"])
            timezone = centre["timezone"] if centre else settings.default_timezone
            rows.append(Notification(
                **common, channel="sms", language=language, subject=subject, body=text,
                segments=segments(text), status="suppressed" if suspended else "queued",
                next_attempt_at=None if suspended else sms_allowed_from(now, timezone)))
    written = await Notification.insert(*rows).on_conflict(  # a channel told before is skipped
        target=(Notification.member, Notification.channel, Notification.event_key),
        action="DO NOTHING",
    ).returning(Notification.id)
    return bool(written)


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


MESSAGE_COLUMNS = (Notification.id, Notification.kind, Notification.subject, Notification.body,
                   Notification.created_at, Notification.read_at)


async def page_of_messages(member_id: int, *, page: int, per_page: int) -> dict[str, Any]:
    """The member's messages a page at a time (the API's), newest first: `items`, the
    `total` and how many are `unread`."""
    async with read_transaction():
        items = await Notification.select(*MESSAGE_COLUMNS).where(_on_page(member_id)).order_by(
            Notification.created_at, ascending=False).order_by(
            Notification.id, ascending=False).offset((page - 1) * per_page).limit(per_page)
        return {"items": items, "total": await Notification.count().where(_on_page(member_id)),
                "unread": await unread_count(member_id)}


async def mark_read(member_id: int, message_id: int, *, now: datetime) -> dict[str, Any]:
    """One of the member's messages is read (now, unless it was before); another's, or one
    not on their page, is not there for them."""
    async with write_transaction():
        await Notification.update({Notification.read_at: now}).where(
            _on_page(member_id) & (Notification.id == message_id)
            & Notification.read_at.is_null())
        message = await Notification.select(*MESSAGE_COLUMNS).where(
            _on_page(member_id) & (Notification.id == message_id)).first()
        if message is None:
            raise DomainError("not_found", {"form": N_("There is no such message.")})
        return message
