"""Small helpers the tests share: CSRF tokens, logging in, demo credentials."""

from __future__ import annotations

import functools
import operator
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rental.centres import next_open_day, opening_days_mask
from rental.kernel.clock import FixedClock
from toollib.demo import data as demo_data

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client, path: str = "/login") -> str:
    """Load a page as a browser would and return the CSRF token of its forms."""
    response = await client.get(path)
    match = CSRF_FIELD.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def log_in(client, phone: str, password: str):
    token = await csrf_token(client)
    return await client.post(
        "/login", data={"login": phone, "password": password, "_csrf_token": token, "next": "/"}
    )


def credentials(report, role: str) -> tuple[str, str]:
    return next((phone, pw) for r, phone, pw in report.credentials if r == role)



# --- the clock: every test runs at an instant it chooses ----------------------------------------

TBILISI = ZoneInfo("Asia/Tbilisi")
SMG = 1  # the Samgori centre of the demo data


class TestClock(FixedClock):
    """The app's clock in tests (conftest hands it to the app and the demo seed); `today()` is
    the day in Tbilisi, where the demo centres are."""

    def today(self, timezone: str = "Asia/Tbilisi") -> date:
        return super().today(timezone)


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"TEST_INSTANT={text!r}: give the offset, e.g. 2027-02-28T23:50+04:00")
    return instant


# A Monday noon in Tbilisi, the demo seed's day; TEST_INSTANT runs the whole suite at another
# instant (e.g. TEST_INSTANT=2028-02-29T23:59+04:00 make test).
DEFAULT_INSTANT = _instant(os.environ.get("TEST_INSTANT") or "2026-11-23T12:00:00+04:00")

# The instants the tests marked `calendar` also run at: every day of a week (at hours from just
# after midnight to just before, so that the day in Tbilisi and in UTC differ), the last day of
# a month, the turn of the year in Tbilisi on both sides of UTC's midnight, and February's end
# in a common and a leap year.
SWEEP = {
    "mon-30-nov-00.05": "2026-11-30T00:05:00+04:00",  # the last day of a month; UTC: Sunday
    "tue-01-dec-09.59": "2026-12-01T09:59:00+04:00",
    "wed-02-dec-12.00": "2026-12-02T12:00:00+04:00",
    "thu-03-dec-18.59": "2026-12-03T18:59:00+04:00",
    "fri-04-dec-19.01": "2026-12-04T19:01:00+04:00",  # just after closing
    "sat-05-dec-21.30": "2026-12-05T21:30:00+04:00",  # Kutaisi is closed on Saturdays
    "sun-06-dec-23.55": "2026-12-06T23:55:00+04:00",  # both centres closed
    "new-years-eve-23.30": "2026-12-31T23:30:00+04:00",
    "new-years-day-01.00": "2027-01-01T01:00:00+04:00",  # still 31 December in UTC
    "sun-28-feb-2027": "2027-02-28T12:00:00+04:00",
    "tue-29-feb-2028": "2028-02-29T12:00:00+04:00",
}
SWEEP_INSTANTS = {name: _instant(text) for name, text in SWEEP.items()}

CLOCK = TestClock(DEFAULT_INSTANT)


def now() -> datetime:
    """The test's instant (UTC)."""
    return CLOCK.now()


def today() -> date:
    """The test's day in Tbilisi."""
    return CLOCK.today()

# The days both demo centres open, as the seed gives them
BOTH_CENTRES_OPEN = functools.reduce(
    operator.and_, (opening_days_mask(c["opening_days"]) for c in demo_data.CENTRES))


SAMGORI_OPEN = opening_days_mask(demo_data.CENTRES[0]["opening_days"])


def open_day(after: int = 0, opening_days: int = BOTH_CENTRES_OPEN, *,
             since: date | None = None) -> date:
    """The first day at least `after` days from today (or `since`) on which the centres open."""
    return next_open_day(opening_days, (since or CLOCK.today()) + timedelta(days=after))


def move_to_open_day(opening_days: int = SAMGORI_OPEN) -> None:
    """The desk lends on the days its centre opens: on a closed day, move the clock forward by
    whole days (the same time of day) to the next open one."""
    CLOCK.advance(days=(open_day(0, opening_days) - CLOCK.today()).days)


# --- the demo people, as service tests act with them --------------------------------------------


@dataclass(frozen=True)
class Cast:
    staff: Any  # CurrentUser: desk staff of Samgori
    coordinator: Any  # CurrentUser
    migrant: int  # +995555000011: returning migrant, the 100 % concession
    member: int  # +995555000012
    other: int  # +995555000013
    skills: dict[str, int] = field(default_factory=dict)  # slug -> id


async def demo_cast() -> Cast:
    """The seeded demo people (seeded at the test's instant)."""
    from rental.kernel.identity import CurrentUser
    from rental.tables import Member

    people = {row["phone"]: row for row in await Member.select(Member.id, Member.phone,
                                                                 Member.name)}

    def user(phone: str, role: str, centres: frozenset[int]) -> CurrentUser:
        return CurrentUser(people[phone]["id"], people[phone]["name"], role, "active", "ka",
                           centres)

    return Cast(
        staff=user("+995555000003", "staff", frozenset({SMG})),
        coordinator=user("+995555000002", "coordinator", frozenset()),
        migrant=people["+995555000011"]["id"],
        member=people["+995555000012"]["id"],
        other=people["+995555000013"]["id"],
    )


async def as_staff(client, seeded) -> int:
    """Samgori's desk staff logged in; the demo member they serve (+995555000012)."""
    from rental.tables import Member

    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    row = await Member.select(Member.id).where(Member.phone == "+995555000012").first()
    return row["id"]


async def free_tags(count: int, centre: int = SMG) -> list[str]:
    """Tags of units a desk may lend anyone now: available, no skill, no inspection due."""
    from inventory.tables import Unit

    rows = await Unit.select(Unit.asset_tag).where(
        (Unit.centre == centre) & (Unit.status == "available")
        & Unit.tool_type.required_skill.is_null()
        & Unit.tool_type.inspection_interval_days.is_null()).order_by(Unit.asset_tag)
    return [row["asset_tag"] for row in rows][:count]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time in Tbilisi, as the aware datetime the services take."""
    return datetime.combine(day, time(hour, minute), TBILISI)


def session_values(**over) -> dict:
    """A session form as parse_session returns it: three days ahead at 10:00, 10 places, no
    skill."""
    starts = over.pop("starts_at", at(today() + timedelta(days=3), 10))
    return {"centre": SMG, "skill": None, "title_ka": "უსაფრთხოების სესია",
            "title_en": "Safety session", "title_ru": "", "description_ka": "",
            "description_en": "", "description_ru": "", "room": "Hall 2",
            "instructor": "Nino Beridze", "starts_at": starts,
            "ends_at": over.pop("ends_at", starts + timedelta(hours=2)), "capacity": 10,
            "audience": "everyone", "language": "ka", "weeks": 1, **over}


async def new_session(cast: Cast, **over) -> int:
    """A session scheduled by the demo coordinator (session_values, changed by `over`)."""
    from bookings.sessions import services as sessions

    return await sessions.create(session_values(**over), actor_id=cast.coordinator.id,
                                 now=now())
