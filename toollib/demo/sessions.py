"""Demo skills sessions for the demo centres (run by `rental seed-demo` after rental's seed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings.tables import SkillSession
from inventory.tables import Skill
from rental.centres import next_open_day
from rental.kernel.db import write_transaction
from rental.tables import Centre

# (centre, skill slug or None, days from today (moved to an open day), hour, capacity,
#  audience, ka title, en title)
DEMO_SESSIONS = [
    ("SMG", "electrical-safety", 3, 11, 10, "everyone",
     "ელექტროუსაფრთხოება: ტესტერით და სადენებით მუშაობა",
     "Electrical safety: working with testers and wiring"),
    ("SMG", "pipe-threading", 5, 15, 8, "returning_migrants",
     "მილზე ხრახნის ჭრა", "Pipe threading"),
    ("SMG", None, 6, 12, 15, "youth",
     "საყოფაცხოვრებო ტექნიკის მარტივი შეკეთება", "Simple household appliance repairs"),
    ("KUT", "electrical-safety", 4, 11, 10, "everyone",
     "ელექტროუსაფრთხოება", "Electrical safety"),
]


async def seed_sessions(report, *, now: datetime, today: date) -> None:
    """Idempotent: adds the demo sessions only where a centre has none."""
    async with write_transaction():
        centres = {row["code"]: row for row in await Centre.select(
            Centre.id, Centre.code, Centre.timezone, Centre.opening_days)}
        skills = {row["slug"]: row["id"] for row in await Skill.select(Skill.id, Skill.slug)}
        have = {row["centre"] for row in await SkillSession.select(SkillSession.centre)}
        for code, skill, days, hour, capacity, audience, title_ka, title_en in DEMO_SESSIONS:
            centre = centres.get(code)
            if centre is None or centre["id"] in have:
                continue
            day = next_open_day(centre["opening_days"], today + timedelta(days=days))
            starts = datetime.combine(day, time(hour), ZoneInfo(centre["timezone"]))
            await SkillSession.insert(SkillSession(
                centre=centre["id"], skill=skills.get(skill) if skill else None,
                title_ka=title_ka, title_en=title_en, room="1", instructor="ნინო ჩხეიძე",
                starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=capacity,
                audience=audience, language="ka", status="scheduled", created_at=now))
            report.count("skill_session")
