"""The sender: e-mails and SMS queued in the outbox (rental.notifications) leave here, through
rental.channels. It runs in the server every NOTIFY_INTERVAL_SECONDS and as `rental notify`,
in as many workers and hosts as there are: each message is claimed by exactly one sender.

A claim is a short write transaction that moves the message's next attempt a lease forward
and counts the attempt (PostgreSQL skips the rows another sender holds: FOR UPDATE SKIP
LOCKED; SQLite takes the write lock at BEGIN IMMEDIATE). Then the message is sent outside any
transaction, and its outcome recorded in another short one: sent (the provider's id), tried
again later by backoff, or failed (after NOTIFY_MAX_ATTEMPTS, or at once when the provider
refuses it for good: staff see it and may resend it). A sender that dies mid-send leaves the
message to the next sender once the lease is over: a message may, rarely, leave twice, but is
never lost.

At the claim the member is asked again: a member suspended or erased since, or who turned the
channel off or has no address for it any more, is not sent the message ('suppressed'). An SMS
waits for the end of the centre's quiet hours (rental.sending_rules). The log has a line for
each message sent or failed: its id, channel, kind and status, never its text or address.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from rental import audit, channels
from rental.channels import ChannelError
from rental.kernel.db import is_postgres, write_transaction
from rental.kernel.settings import Settings
from rental.sending_rules import after_failure, sms_allowed_from
from rental.tables import Centre, Member, Notification

log = logging.getLogger(__name__)

# A claimed batch must be done before its lease ends, or another sender takes it again: at
# most AT_ONCE messages in flight, each given up after SEND_DEADLINE, so 100 messages take at
# most 10 rounds of 30 seconds, well within the lease.
LEASE = timedelta(minutes=10)
AT_ONCE = 10
SEND_DEADLINE = 30.0  # seconds
PROVIDER_ID_LENGTH = 100  # notification.provider_id


@dataclass(frozen=True)
class Claimed:
    """A message this sender holds until the lease ends, with where it goes."""

    id: int
    channel: str
    kind: str
    subject: str
    body: str
    to: str  # the member's e-mail address or phone, as they are now
    attempts: int  # this attempt's number, from 1
    timezone: str  # the centre's, for an SMS's quiet hours


async def send_due(*, now: datetime, settings: Settings, limit: int = 100) -> dict[str, int]:
    """Send up to `limit` e-mails and SMS whose next attempt is due at `now`; returns how many
    were sent, failed for good, will be tried again, and were suppressed."""
    counts = Counter({"sent": 0, "failed": 0, "retried": 0, "suppressed": 0})
    active = [channel for channel, config in (("email", settings.email), ("sms", settings.sms))
              if config is not None]
    if not active:  # the page is the only channel: its messages were delivered when queued
        return dict(counts)
    claimed, counts["suppressed"] = await _claim(active, now, settings, limit)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(message: Claimed) -> str:
        async with gate:
            return await _record(message, await _deliver(message, settings), now, settings)

    counts.update(await asyncio.gather(*(one(message) for message in claimed)))
    return dict(counts)


async def _claim(active: list[str], now: datetime, settings: Settings, limit: int
                 ) -> tuple[list[Claimed], int]:
    """The due messages this sender takes, in one write transaction; and how many of them
    were suppressed instead."""
    async with write_transaction():
        query = Notification.select(
            Notification.id, Notification.member, Notification.centre, Notification.channel,
            Notification.kind, Notification.subject, Notification.body, Notification.attempts,
        ).where(
            (Notification.status == "queued") & Notification.channel.is_in(active)
            & (Notification.next_attempt_at.is_null() | (Notification.next_attempt_at <= now))
        ).order_by(Notification.next_attempt_at).order_by(Notification.id).limit(limit)
        if is_postgres():
            query = query.lock_rows(skip_locked=True)  # another sender's rows: not ours
        rows = await query
        if not rows:
            return [], 0
        members = {row["id"]: row for row in await Member.select(
            Member.id, Member.status, Member.email, Member.phone, Member.email_reminders,
            Member.sms_reminders).where(Member.id.is_in([row["member"] for row in rows]))}
        centres = [row["centre"] for row in rows if row["centre"] is not None]
        zones = {row["id"]: row["timezone"] for row in await Centre.select(
            Centre.id, Centre.timezone).where(Centre.id.is_in(centres))} if centres else {}
        claimed, suppressed = [], []
        for row in rows:
            to = _address(row["channel"], members.get(row["member"]))
            timezone = zones.get(row["centre"], settings.default_timezone)
            if to is None:
                suppressed.append(row["id"])
                log.info("message %d %s %s: suppressed", row["id"], row["channel"], row["kind"])
            elif row["channel"] == "sms" and (morning := sms_allowed_from(now, timezone)) > now:
                await Notification.update({Notification.next_attempt_at: morning}).where(
                    Notification.id == row["id"])
            else:
                claimed.append(Claimed(row["id"], row["channel"], row["kind"], row["subject"],
                                       row["body"], to, row["attempts"] + 1, timezone))
        if suppressed:
            await Notification.update({Notification.status: "suppressed",
                                       Notification.next_attempt_at: None}).where(
                Notification.id.is_in(suppressed))
        if claimed:
            await Notification.update({
                Notification.next_attempt_at: now + LEASE,
                Notification.attempts: Notification.attempts + 1,
            }).where(Notification.id.is_in([message.id for message in claimed]))
    return claimed, len(suppressed)


def _address(channel: str, member: dict | None) -> str | None:
    """Where the message goes now; None: the member is not to be sent it any more."""
    if member is None or member["status"] in ("suspended", "erased"):
        return None
    if channel == "email":
        return member["email"] if member["email_reminders"] and member["email"] else None
    return member["phone"] if member["sms_reminders"] and member["phone"] else None


async def _deliver(message: Claimed, settings: Settings) -> str | ChannelError:
    """The provider's id for the message, or why it did not take it."""
    try:
        async with asyncio.timeout(SEND_DEADLINE):
            if message.channel == "email":
                return await channels.send_email(settings.email, message.to, message.subject,
                                                 message.body)
            return await channels.send_sms(settings.sms, message.to, message.body,
                                           reference=f"sms-{message.id}")
    except ChannelError as exc:
        return exc
    except TimeoutError:
        return ChannelError(f"no answer within {SEND_DEADLINE:g} s", permanent=False)
    except Exception as exc:  # noqa: BLE001 - a fault of ours must not strand the message
        log.exception("message %d %s %s: sending raised", message.id, message.channel,
                      message.kind)
        return ChannelError(f"{type(exc).__name__}: {exc}"[:300], permanent=False)


async def _record(message: Claimed, outcome: str | ChannelError, now: datetime,
                  settings: Settings) -> str:
    """Write down how the attempt went; returns 'sent', 'retried' or 'failed'."""
    if isinstance(outcome, ChannelError):
        again = after_failure(message.attempts, permanent=outcome.permanent,
                              max_attempts=settings.notify_max_attempts, now=now,
                              quiet_timezone=message.timezone if message.channel == "sms"
                              else None)
        result = "failed" if again is None else "retried"
        values = {Notification.status: "queued" if again else "failed",
                  Notification.next_attempt_at: again, Notification.error: str(outcome)}
        log.warning("message %d %s %s: %s after attempt %d (%s)", message.id, message.channel,
                    message.kind, f"retry at {again:%Y-%m-%d %H:%M} UTC" if again else "failed",
                    message.attempts, "permanent" if outcome.permanent else "temporary")
    else:
        result = "sent"
        values = {Notification.status: "sent", Notification.sent_at: now,
                  Notification.provider_id: outcome[:PROVIDER_ID_LENGTH] or None,
                  Notification.next_attempt_at: None, Notification.error: None}
        log.info("message %d %s %s: sent", message.id, message.channel, message.kind)
    async with write_transaction():
        # only this claim's attempt: not one staff resent or another sender took since
        written = await Notification.update(values).where(
            (Notification.id == message.id) & (Notification.status == "queued")
            & (Notification.attempts == message.attempts)
        ).returning(Notification.member, Notification.centre)
        if written and result != "retried":  # the audit trail shows a message's outcome
            await audit.record(f"notification.{result}", "notification", message.id, now=now,
                               centre_id=written[0]["centre"], after={
                                   "member": written[0]["member"], "channel": message.channel,
                                   "template": message.kind, "attempts": message.attempts})
    return result
