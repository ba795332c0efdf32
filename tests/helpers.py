"""Small helpers the tests share: CSRF tokens, logging in, demo credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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



# --- the demo people, as service tests act with them --------------------------------------------

TBILISI = ZoneInfo("Asia/Tbilisi")
SMG = 1  # the Samgori centre of the demo data


def weekday_from(day: date) -> date:
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


# a Monday-to-Friday, so both demo centres are open; noon there
TODAY = weekday_from(datetime.now(TBILISI).date())
NOW = datetime.combine(TODAY, time(12, 0), TBILISI).astimezone(UTC)


def open_day(after: int) -> date:
    """A Monday-to-Friday day at least `after` days from TODAY."""
    return weekday_from(TODAY + timedelta(days=after))


@dataclass(frozen=True)
class Cast:
    staff: Any  # CurrentUser: desk staff of Samgori
    coordinator: Any  # CurrentUser
    migrant: int  # +995555000011: returning migrant, the 100 % concession
    member: int  # +995555000012
    other: int  # +995555000013
    skills: dict[str, int] = field(default_factory=dict)  # slug -> id


async def demo_cast() -> Cast:
    """The seeded demo people; their memberships and concession (seeded on fixed dates) are
    kept valid whenever the tests run."""
    from rental.auth import CurrentUser
    from rental.tables import Member, MemberConcession, Membership

    people = {row["phone"]: row for row in await Member.select(Member.id, Member.phone,
                                                                 Member.name)}
    await Membership.update({Membership.ends_on: TODAY + timedelta(days=300)}, force=True)
    await MemberConcession.update({MemberConcession.expires_on: TODAY + timedelta(days=300)},
                                  force=True)

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
