"""What staff and coordinators see of the messages to members (the outbox, rental.tables
Notification): a centre's messages, newest first, filtered by status, channel and kind; a
failed one sent again; the SMS a centre sent each month and the segments they were billed as;
and, for the desk's overdue list, when each loan was last reminded and which overdue members
neither SMS nor e-mail reaches (the call list).

A message belongs to the centre it names (every event queues it with its centre). Each page's
reads are a fixed number of queries, however many rows it shows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rental import audit
from rental.channels import configured_channels
from rental.kernel import db
from rental.kernel.db import read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.tables import Centre, Member, Notification

PER_PAGE = 50
MONTHS = 12  # the SMS counts: this month and the eleven before it
STATUSES = ("queued", "sent", "failed", "suppressed")
CHANNELS = ("sms", "email", "page")

# Each kind of message as staff read it in the outbox's list; a kind missing here shows as
# stored (a new kind is readable before it gets its label).
KIND_LABELS = {
    "booking_confirmed": N_("Booking confirmed"),
    "waitlist_offer": N_("Waitlist offer"),
    "no_show": N_("Booking not picked up"),
    "booking_not_sent": N_("Booking cancelled: could not be sent"),
    "pickup_tomorrow": N_("Pick-up tomorrow"),
    "due_tomorrow": N_("Return tomorrow"),
    "overdue": N_("Overdue"),
    "declared_lost": N_("Declared lost"),
    "session_enrolled": N_("Enrolled in a session"),
    "session_tomorrow": N_("Session tomorrow"),
    "session_changed": N_("Session changed"),
    "session_cancelled": N_("Session cancelled"),
    "session_promoted": N_("Off a session's waitlist"),
    "certificate_issued": N_("Certificate issued"),
    "certificate_expiring": N_("Certificate expiring"),
    "membership_expiring": N_("Membership expiring"),
}
STATUS_LABELS = {
    "queued": N_("Waiting to be sent"),
    "sent": N_("Sent"),
    "failed": N_("Sending failed"),
    "suppressed": N_("Withheld"),
}
CHANNEL_LABELS = {"sms": N_("SMS"), "email": N_("E-mail"), "page": N_("Member's page")}

# Why an overdue member is on the call list (beyond SMS or e-mail not being set up at all)
SUSPENDED = N_("Suspended: nothing is sent")
NO_SMS = N_("SMS reminders turned off")
SMS_FAILED = N_("The last SMS failed")
NO_ADDRESS = N_("No e-mail address")
NO_EMAIL = N_("E-mail reminders turned off")
EMAIL_FAILED = N_("The last e-mail failed")

NOT_FOUND = N_("There is no such message.")
ONLY_FAILED = N_("Only a message whose sending failed can be sent again.")


class OutboxError(DomainError):
    """The outbox refused: no such message here, or it did not fail."""


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _centres_of(user: CurrentUser) -> frozenset[int] | None:
    """The centres whose messages the user reads; None: every centre."""
    return None if user.all_centres else user.centre_ids


def _may_read(user: CurrentUser, centre_id: int) -> None:
    if not user.can_act_for(centre_id):
        raise OutboxError("forbidden", {"form": N_("You do not have access to this page.")})


# --- a centre's outbox ------------------------------------------------------------------------


def _filters(status: str, channel: str, kind: str) -> dict[str, str]:
    """The filters as asked, each dropped unless it names something a message can be."""
    return {"status": status if status in STATUSES else "",
            "channel": channel if channel in CHANNELS else "",
            "kind": kind if re.fullmatch(r"[a-z_]{1,40}", kind) else ""}


async def outbox_page(centre_id: int, user: CurrentUser, *, status: str = "", channel: str = "",
                      kind: str = "", page: int = 1, today: date) -> dict[str, Any]:
    """A centre's messages, newest first, a page at a time, with the filters that chose them;
    and the SMS counts per month of the centres the user works for (all, for a coordinator)."""
    _may_read(user, centre_id)
    chosen = _filters(status, channel, kind)
    where = Notification.centre == centre_id
    for name, column in (("status", Notification.status), ("channel", Notification.channel),
                         ("kind", Notification.kind)):
        if chosen[name]:
            where &= column == chosen[name]
    async with read_transaction():
        centre = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                     Centre.name_ru, Centre.timezone
                                     ).where(Centre.id == centre_id).first()
        if centre is None:
            raise OutboxError("not_found", {"form": N_("There is no such centre.")})
        total = await Notification.count().where(where)
        pages = max(1, -(-total // PER_PAGE))
        page = max(1, min(page, pages))
        rows = await Notification.select(
            Notification.id, Notification.member, Notification.member.name.as_alias(
                "member_name"), Notification.channel, Notification.kind, Notification.status,
            Notification.attempts, Notification.error, Notification.subject, Notification.body,
            Notification.created_at, Notification.sent_at, Notification.segments,
        ).where(where).order_by(Notification.created_at, ascending=False).order_by(
            Notification.id, ascending=False).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        sms = await sms_by_month(_centres_of(user), today)
    for row in rows:
        row["kind_label"] = kind_label(row["kind"])
    return {"centre": centre, "messages": rows, "total": total, "page": page, "pages": pages,
            "filters": chosen, "statuses": STATUSES, "channels": CHANNELS,
            "kinds": list(KIND_LABELS), "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS, "sms": sms}


async def resend(message_id: int, centre_id: int, *, user: CurrentUser, now: datetime) -> None:
    """A failed message is queued again: its attempts start over and it is tried now; its
    last error stays until the next try. Audited."""
    _may_read(user, centre_id)
    async with write_transaction():
        message = await Notification.select(
            Notification.id, Notification.centre, Notification.channel, Notification.status,
            Notification.attempts, Notification.error).where(
            Notification.id == message_id).first()
        if message is None or message["centre"] != centre_id:
            raise OutboxError("not_found", {"form": NOT_FOUND})
        # the status in the WHERE too: a sender or a second click may have moved it meanwhile
        queued = await Notification.update({
            Notification.status: "queued", Notification.attempts: 0,
            Notification.next_attempt_at: now,
        }).where((Notification.id == message_id) & (Notification.status == "failed")
                 ).returning(Notification.id)
        if not queued:
            raise OutboxError("conflict", {"form": ONLY_FAILED})
        await audit.record(
            "notification.resend", "notification", message_id, now=now, actor_id=user.id,
            centre_id=centre_id, before={"status": "failed", "attempts": message["attempts"],
                                         "error": message["error"]},
            after={"status": "queued", "attempts": 0, "channel": message["channel"]})


# --- the SMS a centre sent, by month ----------------------------------------------------------

SMS_BY_MONTH = """
    SELECT n.centre AS centre, {month} AS month, COUNT(*) AS messages,
      SUM(n.segments) AS segments
    FROM notification n
    WHERE n.channel = 'sms' AND n.status = 'sent' AND n.sent_at >= $t0 AND n.sent_at < $t1
      AND n.centre IN $centres
    GROUP BY 1, 2"""


def month_labels(today: date, count: int = MONTHS) -> list[str]:
    """'YYYY-MM' of today's month and the `count - 1` before it, newest first."""
    return [f"{(today.year * 12 + today.month - 1 - n) // 12:04d}-"
            f"{(today.year * 12 + today.month - 1 - n) % 12 + 1:02d}" for n in range(count)]


async def sms_by_month(centre_ids: frozenset[int] | None, today: date) -> dict[str, Any]:
    """The SMS sent from each centre in each of the last twelve months (on the centre's
    calendar): {centres, months: ['YYYY-MM' newest first], counts: {(centre, month):
    {messages, segments}}}. One query for the centres and one per time zone among them."""
    query = Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                          Centre.name_ru, Centre.timezone).order_by(Centre.id)
    if centre_ids is not None:
        query = query.where(Centre.id.is_in(sorted(centre_ids) or [0]))
    centres = await query
    months = month_labels(today)
    first = date.fromisoformat(months[-1] + "-01")
    counts: dict[tuple[int, str], dict[str, int]] = {}
    zones: dict[str, list[int]] = {}
    for centre in centres:
        zones.setdefault(centre["timezone"], []).append(centre["id"])
    for timezone, ids in zones.items():
        zone = ZoneInfo(timezone)
        month, month_values = db.local_month("n.sent_at", timezone, first, today)
        sql, params = db.bind_named(SMS_BY_MONTH.format(month=month), {
            **month_values, "centres": ids,
            "t0": datetime.combine(first, time(0), zone).astimezone(UTC),
            "t1": datetime.combine(today + timedelta(days=1), time(0), zone).astimezone(UTC)})
        for row in await Notification.raw(sql, *params):
            counts[(row["centre"], row["month"])] = {"messages": int(row["messages"]),
                                                     "segments": int(row["segments"] or 0)}
    return {"centres": centres, "months": months, "counts": counts}


# --- the overdue list: reminded when, and who must be called ---------------------------------


async def last_reminders(kind: str, prefixes: Mapping[int, str], member_ids: Iterable[int],
                         timezone: str) -> dict[int, dict[str, Any]]:
    """For each id in `prefixes`, the last message of `kind` whose event key starts with its
    prefix (the prefix runs to the key's second colon, 'overdue:booking 812:'): {day (in
    `timezone`), channels: [(channel, status)]} over the channels it went by. One query."""
    members = sorted(set(member_ids))
    if not prefixes or not members:
        return {}
    rows = await Notification.select(
        Notification.event_key, Notification.channel, Notification.status,
        Notification.created_at,
    ).where((Notification.kind == kind) & Notification.member.is_in(members)).order_by(
        Notification.created_at).order_by(Notification.id)
    owner = {prefix: key for key, prefix in prefixes.items()}
    latest: dict[int, tuple[str, datetime]] = {}
    by_event: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        head, colon, rest = row["event_key"].partition(":")
        found = owner.get(head + colon + rest.partition(":")[0] + ":")
        if found is None:
            continue
        by_event.setdefault(row["event_key"], []).append((row["channel"], row["status"]))
        latest[found] = (row["event_key"], row["created_at"])  # ordered: the last one wins
    zone = ZoneInfo(timezone)
    return {found: {"day": created.astimezone(zone).date(), "channels": sorted(
        by_event[key], key=lambda pair: CHANNELS.index(pair[0])
        if pair[0] in CHANNELS else len(CHANNELS))} for found, (key, created) in latest.items()}


def unreachable_because(member: Mapping[str, Any], channels: frozenset[str]) -> list[str] | None:
    """Why neither SMS nor e-mail reaches the member (the reasons of their own: a channel the
    app has no settings for goes without saying), or None when one of them does. `member`:
    status, email, sms_reminders, email_reminders, last_sms and last_email (the status of
    their last SMS and e-mail that was tried: sent, failed or None)."""
    if member["status"] != "active":
        return [SUSPENDED]
    reasons = []
    if "sms" in channels:
        if not member["sms_reminders"]:
            reasons.append(NO_SMS)
        elif member["last_sms"] == "failed":
            reasons.append(SMS_FAILED)
        else:
            return None
    if "email" in channels:
        if not member["email"]:
            reasons.append(NO_ADDRESS)
        elif not member["email_reminders"]:
            reasons.append(NO_EMAIL)
        elif member["last_email"] == "failed":
            reasons.append(EMAIL_FAILED)
        else:
            return None
    return reasons


REACH = """
    SELECT m.id AS id, m.status AS status, m.email AS email, m.sms_reminders AS sms_reminders,
      m.email_reminders AS email_reminders,
      (SELECT n.status FROM notification n WHERE n.member = m.id AND n.channel = 'sms'
         AND n.status IN ('sent', 'failed') ORDER BY n.id DESC LIMIT 1) AS last_sms,
      (SELECT n.status FROM notification n WHERE n.member = m.id AND n.channel = 'email'
         AND n.status IN ('sent', 'failed') ORDER BY n.id DESC LIMIT 1) AS last_email
    FROM member m WHERE m.id IN $members"""


async def call_list(people: Iterable[Mapping[str, Any]],
                    channels: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The people (each with member, member_name, member_phone; the first of each member
    counts) whom neither SMS nor e-mail reaches, in the order given, each with `reasons`.
    `channels`: those the app has settings for (by default, as it runs). One query."""
    channels = configured_channels() if channels is None else channels
    first: dict[int, Mapping[str, Any]] = {}
    for person in people:
        first.setdefault(person["member"], person)
    if not first:
        return []
    sql, params = db.bind_named(REACH, {"members": sorted(first)})
    reach = {row["id"]: row for row in await Member.raw(sql, *params)}
    listed = []
    for member_id, person in first.items():
        reasons = unreachable_because(reach[member_id], channels)
        if reasons is not None:
            listed.append({"member": member_id, "name": person["member_name"],
                           "phone": person["member_phone"], "reasons": reasons})
    return listed
