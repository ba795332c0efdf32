"""Demo skills sessions for the demo centres (run by `rental seed-demo` after rental's seed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings.tables import SkillSession
from inventory.tables import Skill
from rental.centres import next_open_day
from rental.kernel.db import write_transaction
from rental.tables import Centre

ELECTRICAL_SAFETY = {
    "description_ka": "ისწავლით, როგორ შეამოწმოთ, რომ როზეტში ძაბვა არ არის, სანამ შეეხებით, "
                      "როგორ იმუშაოთ უსაფრთხოდ მულტიმეტრითა და ძაბვის ინდიკატორით და როგორ "
                      "გააშიშვლოთ და შეაერთოთ სადენები. სესიის შემდეგ შეძლებთ იმ ხელსაწყოების "
                      "გატანას, რომლებიც ამ სწავლებას მოითხოვს.",
    "description_en": "How to check that a socket is dead before you touch it, use a multimeter "
                      "and a voltage tester safely, and strip and join wires. Afterwards you can "
                      "borrow the tools that need this training.",
    "description_ru": "Как убедиться, что в розетке нет напряжения, прежде чем к ней "
                      "прикасаться, как безопасно работать с мультиметром и индикатором "
                      "напряжения, как зачищать и соединять провода. После занятия вы сможете "
                      "брать инструменты, для которых нужно это обучение.",
}

# (centre, skill slug or None, days from today (moved to an open day), hour, capacity,
#  audience, the titles and descriptions in every language)
DEMO_SESSIONS = [
    ("SMG", "electrical-safety", 3, 11, 10, "everyone", {
        "title_ka": "ელექტროუსაფრთხოება: ტესტერით და სადენებით მუშაობა",
        "title_en": "Electrical safety: working with testers and wiring",
        "title_ru": "Электробезопасность: работа с тестером и проводкой",
        **ELECTRICAL_SAFETY}),
    ("SMG", "pipe-threading", 5, 15, 8, "returning_migrants", {
        "title_ka": "მილზე ხრახნის ჭრა", "title_en": "Pipe threading",
        "title_ru": "Нарезка резьбы на трубах",
        "description_ka": "ფოლადის მილზე ხრახნის მოჭრა ხრახნსაჭრელით და მისი მიერთება ძველ "
                          "გათბობისა და წყალგაყვანილობის მილებთან. მოიტანეთ სამუშაო ტანსაცმელი.",
        "description_en": "Cutting threads on steel pipe with a die set and joining it to old "
                          "heating and water lines. Bring work clothes.",
        "description_ru": "Нарезка резьбы на стальных трубах клуппом и подключение к старым "
                          "трубам отопления и водопровода. Возьмите рабочую одежду."}),
    ("SMG", None, 6, 12, 15, "youth", {
        "title_ka": "საყოფაცხოვრებო ტექნიკის მარტივი შეკეთება",
        "title_en": "Simple household appliance repairs",
        "title_ru": "Простой ремонт бытовой техники",
        "description_ka": "როგორ გახსნათ ტექნიკა უსაფრთხოდ, იპოვოთ გაცვეთილი ღვედი, დამწვარი "
                          "მცველი ან დაცობილი ფილტრი და როდის უნდა დაუძახოთ ხელოსანს.",
        "description_en": "Opening an appliance safely, finding a worn belt, a blown fuse or a "
                          "blocked filter, and knowing when to call a technician.",
        "description_ru": "Как безопасно вскрыть бытовой прибор, найти изношенный ремень, "
                          "перегоревший предохранитель или засорившийся фильтр и когда пора "
                          "вызвать мастера."}),
    ("KUT", "electrical-safety", 4, 11, 10, "everyone", {
        "title_ka": "ელექტროუსაფრთხოება", "title_en": "Electrical safety",
        "title_ru": "Электробезопасность", **ELECTRICAL_SAFETY}),
]


async def seed_sessions(report, *, now: datetime, today: date) -> None:
    """Idempotent: adds the demo sessions only where a centre has none."""
    async with write_transaction():
        centres = {row["code"]: row for row in await Centre.select(
            Centre.id, Centre.code, Centre.timezone, Centre.opening_days)}
        skills = {row["slug"]: row["id"] for row in await Skill.select(Skill.id, Skill.slug)}
        have = {row["centre"] for row in await SkillSession.select(SkillSession.centre)}
        for code, skill, days, hour, capacity, audience, texts in DEMO_SESSIONS:
            centre = centres.get(code)
            if centre is None or centre["id"] in have:
                continue
            day = next_open_day(centre["opening_days"], today + timedelta(days=days))
            starts = datetime.combine(day, time(hour), ZoneInfo(centre["timezone"]))
            await SkillSession.insert(SkillSession(
                centre=centre["id"], skill=skills.get(skill) if skill else None,
                **texts, room="1", instructor="ნინო ჩხეიძე",
                starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=capacity,
                audience=audience, language="ka", status="scheduled", created_at=now))
            report.count("skill_session")
