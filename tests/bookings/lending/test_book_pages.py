"""The member's booking page (issue "The three daily journeys", item 11): a month calendar
with weekday headings, each day free, booked, closed or past; a tap on a day is a link that
chooses it (?from=...&to=...), so two taps choose the days without JavaScript; then the price
and one Book that books. Bad days in the address get a message, never a 500."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from helpers import credentials, csrf_token, log_in, now, today

from bookings.tables import Booking, WaitlistEntry
from inventory.tables import Category, ToolType, Unit
from rental.tables import Centre, Member

SAMGORI = "SMG"


async def tool_at_samgori(units: int = 1, max_loan_days: int = 7) -> tuple[int, int]:
    """A tool type with `units` units at Samgori (closed on Sundays): (tool id, centre id)."""
    centre = (await Centre.select(Centre.id).where(Centre.code == SAMGORI).first())["id"]
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="calendar-saw", category=category["id"], name_ka="კალენდრის ხერხი",
        name_en="Calendar saw", daily_fee=200, deposit=1000, max_loan_days=max_loan_days,
        created_at=now(), search_text="calendar saw")).returning(ToolType.id))[0]["id"]
    await Unit.insert(*[Unit(tool_type=tool, centre=centre, asset_tag=f"SMG-95{n:02d}",
                             created_at=now()) for n in range(units)])
    return tool, centre


async def as_member(client, seeded, index: int = 1) -> int:
    phone, password = [(p, pw) for r, p, pw in seeded.credentials if r == "member"][index]
    assert (await log_in(client, phone, password)).status_code == 303
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def in_english(client) -> None:
    """The language switch every page has: the reader's choice (kept with their account)."""
    switched = await client.post("/language", data={
        "lang": "en", "next": "/", "_csrf_token": await csrf_token(client, "/")})
    assert switched.status_code == 303


def weekday_after(weekday: int, days: int = 2) -> date:
    """The first day of this weekday (Monday 0) at least `days` days from today."""
    first = today() + timedelta(days=days)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def links(page_text: str) -> dict[str, str]:
    """The calendar's tappable days: their id (day-2026-11-24) -> where a tap goes."""
    return {match[0]: html.unescape(match[1]) for match in re.findall(
        r'<a id="(day-[0-9-]+)" href="([^"]+)"', page_text)}


def cell(page_text: str, day: date) -> str:
    """The table cell of a tappable day: from its opening <td to its end."""
    start = page_text.rindex("<td", 0, page_text.index(f'id="day-{day.isoformat()}"'))
    return page_text[start:page_text.index("</td>", start)]


def day_cell(page_text: str, day: date) -> str:
    """A day's cell, found by its accessible name's number when it is not a link."""
    for match in re.finditer(r"<td class=\"[^\"]*\"[^>]*>(.*?)</td>", page_text, re.S):
        if re.search(rf'<span class="day"[^>]*>{day.day}</span>', match[1]):
            return match[0]
    raise AssertionError(f"no cell for {day}")


def book_form(page_text: str) -> dict[str, str]:
    """The hidden fields of the Book form, as a browser would send them."""
    form = re.search(r'<form[^>]*method="post" action="/tool-types/\d+/book">(.*?)</form>',
                     page_text, re.S)
    assert form, "no Book form on the page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[1]))


async def test_the_calendar_has_weekday_headings_in_the_readers_language(client, seeded):
    tool, centre = await tool_at_samgori()
    page = await client.get(f"/tool-types/{tool}/book", params={"centre": centre})
    assert page.status_code == 200
    headings = re.findall(r'<th scope="col"><abbr title="([^"]+)">([^<]+)</abbr></th>',
                          page.text)
    assert headings == [("ორშაბათი", "ორშ"), ("სამშაბათი", "სამ"), ("ოთხშაბათი", "ოთხ"),
                        ("ხუთშაბათი", "ხუთ"), ("პარასკევი", "პარ"), ("შაბათი", "შაბ"),
                        ("კვირა", "კვი")]  # Monday first, as Babel names them
    await in_english(client)
    english = await client.get(f"/tool-types/{tool}/book", params={"centre": centre})
    assert [short for _wide, short in re.findall(
        r'<th scope="col"><abbr title="([^"]+)">([^<]+)</abbr></th>', english.text)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert "<caption" in page.text and 'aria-describedby="calendar-step"' in page.text


async def test_closed_and_booked_days_are_not_tappable_and_say_why(client, seeded):
    tool, centre = await tool_at_samgori()
    other = await as_member(client, seeded, 0)
    await in_english(client)
    taken = weekday_after(2, 3)  # a Wednesday, booked by someone else
    await Booking.insert(Booking(member=other, tool_type=tool, centre=centre,
                                 unit=(await Unit.select(Unit.id).where(
                                     Unit.tool_type == tool).first())["id"],
                                 starts_on=taken, ends_on=taken, status="reserved",
                                 created_at=now()))
    sunday = weekday_after(6)
    for day, why in ((sunday, "the centre is closed"), (taken, "all booked")):
        page = await client.get(f"/tool-types/{tool}/book", params={
            "centre": centre, "month": day.strftime("%Y-%m")})
        tappable = links(page.text)
        assert f"day-{day.isoformat()}" not in tappable, day
        text = day_cell(page.text, day)
        assert why in text and "<a " not in text  # said in words, not by colour alone
        assert 'class="visually-hidden"' in text
    # a free open day is a link that chooses it as the pick-up day, and says it is free
    free = weekday_after(1, 2)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "month": free.strftime("%Y-%m")})
    assert f"from={free.isoformat()}" in links(page.text)[f"day-{free.isoformat()}"]
    assert "1 unit free" in cell(page.text, free)
    # the past is not tappable either
    if today().day > 1:
        assert f"day-{(today() - timedelta(days=1)).isoformat()}" not in links(page.text)


async def test_two_taps_choose_the_days_then_the_price_and_one_book_books(client, seeded):
    """Without JavaScript: follow the link of a pick-up day, then of a return day; the page
    shows both days and the price, and its one Book form books them."""
    tool, centre = await tool_at_samgori()
    member = await as_member(client, seeded, 1)
    starts = weekday_after(1, 2)  # a Tuesday
    ends = starts + timedelta(days=2)  # the Thursday: two days, 2 × 2,00 ₾
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "month": starts.strftime("%Y-%m")})
    assert 'name="starts_on"' not in page.text  # nothing to type
    first = await client.get(f"/tool-types/{tool}/book"
                             + links(page.text)[f"day-{starts.isoformat()}"])
    assert first.status_code == 200 and "chosen-start" in cell(first.text, starts)
    assert f'action="/tool-types/{tool}/book"' not in first.text  # no Book yet
    if ends.month != starts.month:
        first = await client.get(f"/tool-types/{tool}/book", params={
            "centre": centre, "month": ends.strftime("%Y-%m"), "from": starts.isoformat()})
    second = await client.get(f"/tool-types/{tool}/book"
                              + links(first.text)[f"day-{ends.isoformat()}"])
    assert second.status_code == 200
    assert f"from={starts.isoformat()}" in str(second.url)
    assert f"to={ends.isoformat()}" in str(second.url)
    quote = second.text.split('id="quote"')[1].split("</dl>")[0]
    assert "4,00\xa0₾" in quote and "10,00\xa0₾" in quote  # the fee and the deposit
    fields = book_form(second.text)
    assert fields["starts_on"] == starts.isoformat() and fields["ends_on"] == ends.isoformat()
    booked = await client.post(f"/tool-types/{tool}/book", data=fields)
    assert booked.status_code == 303, booked.text
    row = await Booking.select().where(Booking.member == member).first()
    assert (row["starts_on"], row["ends_on"], row["status"]) == (starts, ends, "reserved")


async def test_the_htmx_tap_swaps_the_calendar_and_the_price_together(client, seeded):
    tool, centre = await tool_at_samgori()
    await as_member(client, seeded, 1)
    starts = weekday_after(1, 2)
    ends = starts + timedelta(days=1)
    fragment = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "from": starts.isoformat(), "to": ends.isoformat()},
        headers={"HX-Request": "true", "HX-Target": "booking"})
    assert fragment.status_code == 200
    text = fragment.text.lstrip()
    assert text.startswith('<div id="booking">') and "<h1" not in text
    assert 'id="calendar"' in text and 'id="quote"' in text and book_form(text)
    day = re.search(rf'<a id="day-{starts.isoformat()}" href="([^"]+)" hx-get="([^"]+)"'
                    r' hx-target="#booking" hx-swap="outerHTML" hx-push-url="true"', text)
    assert day and day[1] == day[2]  # the same choice with and without JavaScript


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-02-30"}, "starts_on"),
        ({"from": "tomorrow", "to": "later"}, "starts_on"),
        ({"from": "9999-12-31", "to": "0001-01-01"}, "starts_on"),
        ({"to": "2026-13-01"}, "ends_on"),
        ({"from": "2026-11-2'", "month": "2026-1x"}, "starts_on"),
        ({"month": "<b>", "from": "", "to": "2027-01-05"}, "starts_on"),  # a return day alone
    ],
    ids=["30-february", "words", "out-of-the-window", "month-13", "quote-and-bad-month",
         "return-only"],
)
async def test_bad_days_in_the_address_get_a_message_not_a_500(client, seeded, params, field):
    tool, centre = await tool_at_samgori()
    await as_member(client, seeded, 1)
    page = await client.get(f"/tool-types/{tool}/book", params={"centre": centre, **params})
    assert page.status_code == 200, page.status_code
    assert f'id="e-{field}"' in page.text
    assert 'id="quote"' not in page.text
    assert f'action="/tool-types/{tool}/book"' not in page.text  # no Book offered
    assert await Booking.count() == 0


async def test_a_closed_return_day_or_too_long_a_loan_is_said_by_the_calendar(client, seeded):
    tool, centre = await tool_at_samgori(max_loan_days=7)
    await as_member(client, seeded, 1)
    await in_english(client)
    saturday = weekday_after(5, 2)
    for ends, field in ((saturday + timedelta(days=1), "ends_on"),  # Sunday: closed
                        (saturday + timedelta(days=9), "ends_on"),  # nine days: too long
                        (saturday + timedelta(days=2), None)):  # over Sunday: fine
        page = await client.get(f"/tool-types/{tool}/book", params={
            "centre": centre, "from": saturday.isoformat(), "to": ends.isoformat()})
        assert page.status_code == 200
        if field:
            assert f'id="e-{field}"' in page.text and 'id="quote"' not in page.text
            assert f'action="/tool-types/{tool}/book"' not in page.text  # no Book
        else:
            assert 'id="e-' not in page.text and book_form(page.text)
    sunday_page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "from": saturday.isoformat(),
        "to": (saturday + timedelta(days=1)).isoformat()})
    assert "The centre is closed on the return day." in sunday_page.text
    # the next tap chooses another return day, from the same pick-up day
    monday = saturday + timedelta(days=2)
    sunday_page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "month": monday.strftime("%Y-%m"), "from": saturday.isoformat(),
        "to": (saturday + timedelta(days=1)).isoformat()})
    assert links(sunday_page.text)[f"day-{monday.isoformat()}"].endswith(
        f"&from={saturday.isoformat()}&to={monday.isoformat()}")
    # a pick-up day on a Sunday is said so, and the next tap chooses another pick-up day
    sunday = saturday + timedelta(days=1)
    refused = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "month": monday.strftime("%Y-%m"), "from": sunday.isoformat()})
    assert "The centre is closed on the pick-up day." in refused.text
    assert links(refused.text)[f"day-{monday.isoformat()}"].endswith(
        f"&from={monday.isoformat()}")


async def test_days_no_unit_is_free_for_offer_the_waitlist_not_book(client, seeded):
    """Each day has a free unit, but no one unit is free for all of them: said, no Book."""
    tool, centre = await tool_at_samgori(units=2)
    other = await as_member(client, seeded, 0)
    units = [row["id"] for row in await Unit.select(Unit.id).where(Unit.tool_type == tool)
             .order_by(Unit.id)]
    monday = weekday_after(0, 2)
    for unit, (starts, ends) in zip(units, ((monday, monday + timedelta(days=1)),
                                            (monday + timedelta(days=3),
                                             monday + timedelta(days=4))), strict=True):
        await Booking.insert(Booking(member=other, tool_type=tool, centre=centre, unit=unit,
                                     starts_on=starts, ends_on=ends, status="reserved",
                                     created_at=now()))
    await as_member(client, seeded, 1)
    await in_english(client)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "from": monday.isoformat(),
        "to": (monday + timedelta(days=4)).isoformat()})
    assert "No unit is free for all of these days" in page.text
    assert 'id="quote"' not in page.text
    assert f'action="/tool-types/{tool}/book"' not in page.text
    assert f'action="/tool-types/{tool}/waitlist"' in page.text
    token = await csrf_token(client, "/")
    joined = await client.post(f"/tool-types/{tool}/waitlist", data={
        "centre": centre, "starts_on": monday.isoformat(),
        "ends_on": (monday + timedelta(days=4)).isoformat(), "_csrf_token": token})
    assert joined.status_code == 303 and await WaitlistEntry.count() == 1


async def test_the_desk_taps_days_for_the_member_whose_card_it_came_from(client, seeded):
    tool, centre = await tool_at_samgori()
    member = (await Member.select(Member.id).where(Member.phone == "+995555000012").first())[
        "id"]
    await log_in(client, *credentials(seeded, "staff"))
    starts = weekday_after(1, 2)
    page = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "member": member, "month": starts.strftime("%Y-%m")})
    assert f"&member={member}&" in links(page.text)[f"day-{starts.isoformat()}"]
    chosen = await client.get(f"/tool-types/{tool}/book", params={
        "centre": centre, "member": member, "from": starts.isoformat(),
        "to": (starts + timedelta(days=1)).isoformat()})
    fields = book_form(chosen.text)
    assert fields["member"] == str(member)
    assert (await client.post(f"/tool-types/{tool}/book", data=fields)).status_code == 303
    assert (await Booking.select(Booking.member).first())["member"] == member
