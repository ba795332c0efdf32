"""The members' reminders, queued by a sweep that runs every so often (`rental notify`, and the
server every NOTIFY_INTERVAL_SECONDS): a booking to pick up tomorrow, a loan due back tomorrow,
a loan late by 1, 3 or 7 days (with the late fee so far). The sweep reads the bookings as they
are now, so a cancelled booking or a returned loan is reminded of nothing; each reminder's
event key names the booking and the day, so running the sweep again, or in two workers at
once, queues nothing twice. The days are the centre's (reminder_rules)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.lending.reminder_rules import OVERDUE_REMINDER_DAYS, reminder_due
from bookings.tables import Booking
from rental import notifications
from rental.fees import late_fee
from rental.kernel.db import write_transaction
from rental.kernel.i18n import Day, Names
from rental.tables import DEFAULT_FEE_POLICY, FeePolicy


async def notifications_sweep(*, now: datetime) -> int:
    """Queue the reminders due now, in one transaction; returns how many were queued."""
    day = now.date()  # the centres' days are within a day of UTC's
    queued = 0
    async with write_transaction():
        rows = await Booking.select(
            Booking.id, Booking.member, Booking.centre, Booking.status, Booking.starts_on,
            Booking.ends_on, Booking.tool_type.name_ka.as_alias("tool_name_ka"),
            Booking.tool_type.name_en.as_alias("tool_name_en"),
            Booking.centre.timezone.as_alias("timezone"),
        ).where(
            ((Booking.status == "reserved") & (Booking.starts_on >= day - timedelta(days=1))
             & (Booking.starts_on <= day + timedelta(days=2)))
            | ((Booking.status == "out")
               & (Booking.ends_on >= day - timedelta(days=max(OVERDUE_REMINDER_DAYS) + 1))
               & (Booking.ends_on <= day + timedelta(days=2)))
        ).order_by(Booking.id)
        policies = {row["centre"]: row for row in await FeePolicy.select()}
        for row in rows:
            today = now.astimezone(ZoneInfo(row["timezone"])).date()
            due = reminder_due(row["status"], row["starts_on"], row["ends_on"], today)
            if due is None:
                continue
            kind, when = due
            params = {"tool": Names.of(row, "tool_name"), "starts": Day(row["starts_on"]),
                      "ends": Day(row["ends_on"])}
            if kind == "overdue":
                policy = policies.get(row["centre"], DEFAULT_FEE_POLICY)
                fee = late_fee(row["ends_on"], today, per_day=policy["late_fee_per_day"],
                               grace_days=policy["late_grace_days"], cap=policy["late_fee_cap"])
                if fee > 0:
                    params["fee"] = notifications.Money(fee)
            queued += await notifications.queue(
                row["member"], kind, params, now=now, centre_id=row["centre"],
                event_key=f"{kind}:booking {row['id']}:{when}")
    return queued
