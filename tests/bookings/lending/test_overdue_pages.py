"""The desk's overdue list tells when each loan was last reminded and by which channels (the
'overdue' messages whose event key names the loan: one query for the whole list), and keeps a
call list: the overdue members whom neither SMS nor e-mail reaches (not set up, turned off by
the member, their last one failed, or suspended), with their phone to call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import SMG, TBILISI, as_staff, demo_cast, free_tags, now, open_day, today

from bookings.lending import desk
from bookings.lending.reminders import notifications_sweep
from bookings.tables import Booking
from rental import outbox
from rental.tables import Member, Notification

pytestmark = pytest.mark.usefixtures("desk_open")
BOTH = frozenset({"sms", "email"})


async def lend_late(cast, members_late: list[tuple[int, int]]) -> list[int]:
    """A loan for each (member, days late) at Samgori, checked out at the desk and then moved
    back in time so that it is that many days late; the loans' ids, in that order."""
    out = {row["tag"] for row in await Booking.select(
        Booking.unit.asset_tag.as_alias("tag")).where(Booking.status == "out")}
    tags = [tag for tag in await free_tags(len(members_late) + len(out))
            if tag not in out][:len(members_late)]
    back = open_day(2)
    for (member, _late), tag in zip(members_late, tags, strict=True):
        due = (await desk.basket_view(member, SMG, [tag], back, today())).due
        await desk.check_out(member_id=member, centre_id=SMG, tags=[tag], return_on=back,
                             payment={"method": "cash", "amount": due}, override_reason="",
                             actor=cast.staff, today=today(), now=now())
    loans = []
    for (_member, late), tag in zip(members_late, tags, strict=True):
        ends = today() - timedelta(days=late)
        loan = await Booking.select(Booking.id).where(
            (Booking.unit.asset_tag == tag) & (Booking.status == "out")).first()
        await Booking.update({Booking.starts_on: ends - timedelta(days=2),
                              Booking.ends_on: ends}).where(Booking.id == loan["id"])
        loans.append(loan["id"])
    return loans


async def told(member: int, loan: int, *, channel: str, status: str, hours_ago: int = 0,
               day: int = 1) -> None:
    """An overdue reminder about the loan, keyed as the reminders sweep keys it."""
    ends = (await Booking.select(Booking.ends_on).where(Booking.id == loan).first())["ends_on"]
    at = now() - timedelta(hours=hours_ago)
    await Notification.insert(Notification(
        member=member, centre=SMG, channel=channel, kind="overdue", language="ka", subject="",
        body="Overdue", event_key=f"overdue:booking {loan}:{ends.isoformat()}:day {day}",
        status=status, created_at=at, sent_at=at if status == "sent" else None,
        attempts=5 if status == "failed" else 0))


async def test_each_loan_shows_its_last_reminder_day_and_channels(seeded):
    cast = await demo_cast()
    three, ten = await lend_late(cast, [(cast.member, 3), (cast.other, 10)])
    assert await notifications_sweep(now=now()) >= 1  # day 3 of the first loan, today
    await told(cast.member, three, channel="sms", status="failed", day=3)
    await told(cast.member, three, channel="page", status="sent", hours_ago=96, day=1)
    await told(cast.other, ten, channel="sms", status="sent", hours_ago=72, day=7)
    await told(cast.other, ten, channel="page", status="sent", hours_ago=72, day=7)
    # another loan's reminder whose key starts like this one's does not count for it
    await Notification.insert(Notification(
        member=cast.other, centre=SMG, channel="page", kind="overdue", language="ka",
        subject="", body="", event_key=f"overdue:booking {ten}0:2026-01-01:day 1",
        status="sent", created_at=now(), sent_at=now()))

    view = await desk.overdue(SMG, today(), channels=frozenset())
    reminded = {loan["id"]: loan["reminded"] for loan in view["loans"]}
    assert reminded[three] == {"day": today(), "channels": [("sms", "failed"),
                                                            ("page", "sent")]}
    three_days_ago = (now() - timedelta(hours=72)).astimezone(TBILISI).date()
    assert reminded[ten] == {"day": three_days_ago, "channels": [("sms", "sent"),
                                                                 ("page", "sent")]}


async def test_no_reminder_yet_is_none(seeded):
    cast = await demo_cast()
    [loan] = await lend_late(cast, [(cast.member, 2)])  # day 2: the sweep reminds nothing
    await notifications_sweep(now=now())
    view = await desk.overdue(SMG, today(), channels=frozenset())
    assert next(row for row in view["loans"] if row["id"] == loan)["reminded"] is None


async def call_list(channels: frozenset[str]) -> dict[int, list[str]]:
    view = await desk.overdue(SMG, today(), channels=channels)
    return {person["member"]: person["reasons"] for person in view["call_list"]}


async def test_the_call_list_names_whom_neither_sms_nor_email_reaches(seeded):
    cast = await demo_cast()
    await lend_late(cast, [(cast.member, 3), (cast.member, 4), (cast.other, 5)])
    await Member.update({Member.email: None}).where(Member.id == cast.member)
    await Member.update({Member.email: "levan@example.org"}).where(Member.id == cast.other)

    nothing_set_up = await call_list(frozenset())
    assert nothing_set_up == {cast.member: [], cast.other: []}  # once each, however many loans

    assert await call_list(frozenset({"sms"})) == {}  # both take SMS
    await Member.update({Member.sms_reminders: False}).where(Member.id == cast.other)
    assert await call_list(frozenset({"sms"})) == {cast.other: [outbox.NO_SMS]}
    assert await call_list(BOTH) == {}  # Levan reads e-mail

    await Member.update({Member.email_reminders: False}).where(Member.id == cast.other)
    assert await call_list(BOTH) == {cast.other: [outbox.NO_SMS, outbox.NO_EMAIL]}

    # the member's last SMS failed (an older one was sent): SMS does not reach them now
    [loan, *_] = (await desk.overdue(SMG, today(), channels=BOTH))["loans"]
    await told(cast.member, loan["id"], channel="sms", status="sent", hours_ago=48, day=1)
    await told(cast.member, loan["id"], channel="sms", status="failed", day=3)
    assert (await call_list(BOTH))[cast.member] == [outbox.SMS_FAILED, outbox.NO_ADDRESS]
    await told(cast.member, loan["id"], channel="sms", status="sent", day=7)  # it went again
    assert cast.member not in await call_list(BOTH)
    await told(cast.member, loan["id"], channel="sms", status="queued", day=8)  # not tried
    assert cast.member not in await call_list(BOTH)

    await Member.update({Member.status: "suspended"}).where(Member.id == cast.member)
    assert (await call_list(BOTH))[cast.member] == [outbox.SUSPENDED]


async def test_the_overdue_page_shows_reminders_and_the_call_list(client, seeded):
    cast = await demo_cast()
    late, other = await lend_late(cast, [(cast.member, 3), (cast.other, 10)])
    await notifications_sweep(now=now())
    await Member.update({Member.language: "en"}).where(Member.phone == "+995555000003")
    await as_staff(client, seeded)
    page = await client.get("/desk/1/overdue")
    assert page.status_code == 200
    html = page.text
    assert "<th>Reminded</th>" in html and "Member's page" in html and "Not yet" in html
    assert 'href="/desk/1/messages?kind=overdue"' in html
    calls = html[html.index('id="call-list"'):]
    assert "Neither SMS nor e-mail is set up" in calls  # the tests' app sends neither
    for phone in ("+995555000012", "+995555000013"):
        assert f'href="tel:{phone}"' in calls, phone
    member = await Member.select(Member.id).where(Member.phone == "+995555000013").first()
    assert f'href="/members/{member["id"]}"' in calls


async def test_the_overdue_page_reads_in_georgian(client, seeded):
    cast = await demo_cast()
    await lend_late(cast, [(cast.member, 3)])
    await as_staff(client, seeded)  # the demo's desk staff read Georgian
    html = (await client.get("/desk/1/overdue")).text
    assert '<html lang="ka">' in html and "ვადაგადაცილებული" in html


async def test_the_overdue_page_takes_the_same_queries_for_one_loan_or_three(
        client, seeded, count_queries):
    cast = await demo_cast()
    [first] = await lend_late(cast, [(cast.member, 3)])
    await as_staff(client, seeded)
    await client.get("/desk/1/overdue")
    count_queries["n"] = 0
    assert (await client.get("/desk/1/overdue")).status_code == 200
    with_one = count_queries["n"]
    await lend_late(cast, [(cast.other, 4), (cast.migrant, 8)])
    await notifications_sweep(now=now())
    count_queries["n"] = 0
    page = await client.get("/desk/1/overdue")
    assert count_queries["n"] == with_one
    assert page.text.count('href="tel:+99555500001') >= 3 + 3  # the loans and the call list
