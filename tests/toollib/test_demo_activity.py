"""The demo's loans and bookings: `rental seed-demo` leaves messages on the demo members' pages,
on any day, and a second run adds nothing."""

from __future__ import annotations

import pytest
from helpers import now, today

from bookings.tables import Booking
from rental.tables import Notification
from toollib.demo.activity import seed_activity
from toollib.demo.seed import SeedReport


async def told(phone: str) -> set[str]:
    rows = await Notification.select(Notification.kind).where(
        (Notification.member.phone == phone) & (Notification.channel == "page"))
    return {row["kind"] for row in rows}


@pytest.mark.calendar
async def test_the_demo_members_find_messages_on_their_pages(seeded):
    await seed_activity(SeedReport(), now=now(), today=today())

    assert {"booking_confirmed"} <= await told("+995555000011")
    assert "booking_confirmed" in await told("+995555000013")  # in English, at Kutaisi
    english = await Notification.select(Notification.language).where(
        Notification.member.phone == "+995555000013").first()
    assert english["language"] == "en"
    late = await Booking.count().where((Booking.status == "out")
                                       & (Booking.ends_on < today()))
    assert late <= 1
    if late:  # a reminder day's lateness ago was an open day (nearly always)
        assert "overdue" in await told("+995555000012")


async def test_a_second_run_adds_nothing(seeded):
    await seed_activity(SeedReport(), now=now(), today=today())
    before = (await Booking.count(), await Notification.count())
    await seed_activity(SeedReport(), now=now(), today=today())
    assert (await Booking.count(), await Notification.count()) == before
    assert before[0] >= 2
