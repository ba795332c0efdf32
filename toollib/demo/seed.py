"""The demo seed: two centres, the repair domains, 30+ tool types with units, a few people.

Idempotent: rows are found by their natural keys (centre code, slug, asset tag, phone) and
only missing ones are inserted, so a second run changes nothing. Demo passwords are random,
made when the account is created, and kept in var/demo-credentials.txt (mode 0600) for the
next run to print again. They are for a demo only.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bookings.lending.reminders import notifications_sweep
from inventory.rules import search_text
from inventory.tables import Category, Skill, ToolType, Unit
from rental import audit
from rental.auth import hash_password
from rental.centres import opening_days_mask
from rental.kernel.db import write_transaction
from rental.tables import (
    Centre,
    ConcessionCategory,
    Member,
    MemberConcession,
    Membership,
    MembershipType,
    StaffCentre,
)
from toollib.demo import data as demo_data

# Desk details of the demo members: document, birth date, sex, municipality (a code of
# rental/data/municipalities.json), situation.
DEMO_MEMBER_DETAILS = {
    "+995555000011": ("01001012345", date(1986, 4, 12), "male", "samgori", "returning_migrant"),
    "+995555000012": ("01001012346", date(1999, 9, 3), "female", "isani", "idp"),
    "+995555000013": ("60001012347", date(1971, 1, 25), "male", "kutaisi", "local_resident"),
}

DEMO_PEOPLE = [
    # phone, name, role, language, centre code (staff: bound to it; members: home centre)
    ("+995555000001", "ნინო ადმინი", "admin", "ka", None),
    ("+995555000002", "გიორგი კოორდინატორი", "coordinator", "ka", None),
    ("+995555000003", "მარიამ ბერიძე", "staff", "ka", "SMG"),
    ("+995555000011", "დავით მამულაშვილი", "member", "ka", "SMG"),
    ("+995555000012", "თამარ ქავთარაძე", "member", "ka", "SMG"),
    ("+995555000013", "Levan Gelashvili", "member", "en", "KUT"),
]


@dataclass
class SeedReport:
    inserted: dict[str, int] = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # role, phone, password

    def count(self, table: str) -> None:
        self.inserted[table] = self.inserted.get(table, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.inserted)


def _credentials_file(var_dir: Path) -> Path:
    return var_dir / "demo-credentials.txt"


def _read_credentials(var_dir: Path) -> dict[str, str]:
    path = _credentials_file(var_dir)
    if not path.exists():
        return {}
    pairs = (line.split("\t") for line in path.read_text().splitlines() if "\t" in line)
    return {phone: password for phone, password in pairs}


def _write_credentials(var_dir: Path, known: dict[str, str]) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    path = _credentials_file(var_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.writelines(f"{phone}\t{password}\n" for phone, password in sorted(known.items()))


async def seed_demo(
    *, now: datetime, today: date, var_dir: Path, hasher: Callable[[str], str] = hash_password
) -> SeedReport:
    report = SeedReport()
    known_passwords = _read_credentials(var_dir)
    async with write_transaction():
        centres = await _centres(report, now)
        categories = await _by_key(Category, "slug", demo_data.CATEGORIES, report,
                                   extra=lambda i, row: {"position": i})
        skills = await _by_key(Skill, "slug", demo_data.SKILLS, report)
        tool_types = await _tool_types(report, categories, skills, now)
        await _units(report, centres, tool_types, now, today)
        await _by_key(MembershipType, "slug", demo_data.MEMBERSHIP_TYPES, report)
        await _by_key(ConcessionCategory, "slug", demo_data.CONCESSION_CATEGORIES, report)
        await _russian(report)
        await _people(report, centres, known_passwords, now, hasher)
        await _memberships(report, now, today)
    await notifications_sweep(now=now)  # the reminders due now, on the demo members' pages
    if report.credentials:
        for _role, phone, password in report.credentials:
            known_passwords[phone] = password
        _write_credentials(var_dir, known_passwords)
    report.credentials = [
        (role, phone, known_passwords.get(phone, "(not recorded on this machine)"))
        for phone, _name, role, _lang, _centre in DEMO_PEOPLE
    ]
    return report


async def _by_key(table, key: str, rows: list[dict], report: SeedReport, extra=None) -> dict:
    existing = {row[key]: row["id"] for row in await table.select(table.id, getattr(table, key))}
    columns = {column._meta.name for column in table._meta.columns}
    for index, row in enumerate(rows):
        if row[key] in existing:
            continue
        values = {k: v for k, v in row.items() if k in columns}
        if extra:
            values.update(extra(index, row))
        result = await table.insert(table(**values)).returning(table.id)
        existing[row[key]] = result[0]["id"]
        report.count(table._meta.tablename)
    return existing


async def _centres(report: SeedReport, now: datetime) -> dict[str, int]:
    def extra(_index: int, row: dict) -> dict:
        return {
            "opening_days": opening_days_mask(row["opening_days"]),
            "opens_at": time.fromisoformat(row["opens"]),
            "closes_at": time.fromisoformat(row["closes"]),
            "created_at": now,
        }

    return await _by_key(Centre, "code", demo_data.CENTRES, report, extra=extra)


async def _tool_types(report, categories, skills, now) -> dict[str, int]:
    def extra(_index: int, row: dict) -> dict:
        return {
            "category": categories[row["category"]],
            "required_skill": skills[row["required_skill"]] if row["required_skill"] else None,
            "safety_notes_ka": row["safety_ka"],
            "safety_notes_en": row["safety_en"],
            "safety_notes_ru": row["safety_ru"],
            "inspection_interval_days": row["inspection_days"],
            "search_text": search_text(row["name_ka"], row["name_en"], row["name_ru"]),
            "created_at": now,
        }

    return await _by_key(ToolType, "slug", demo_data.TOOL_TYPES, report, extra=extra)


# Russian came after the first demo networks were seeded: a demo row made before gets the
# Russian it lacks. Only an empty column is written, so a coordinator's own text stays, and a
# second run finds nothing to write.
RUSSIAN = [  # table, its key, the demo rows, {column: the rows' key}
    (Centre, "code", demo_data.CENTRES, {"name_ru": "name_ru", "address_ru": "address_ru"}),
    (Skill, "slug", demo_data.SKILLS, {"name_ru": "name_ru"}),
    (ToolType, "slug", demo_data.TOOL_TYPES, {"name_ru": "name_ru",
                                              "description_ru": "description_ru",
                                              "safety_notes_ru": "safety_ru"}),
    (MembershipType, "slug", demo_data.MEMBERSHIP_TYPES, {"name_ru": "name_ru"}),
    (ConcessionCategory, "slug", demo_data.CONCESSION_CATEGORIES,
     {"name_ru": "name_ru", "funder_ru": "funder_ru"}),
]


async def _russian(report: SeedReport) -> None:
    for table, key, rows, columns in RUSSIAN:
        demo = {row[key]: row for row in rows}
        found = await table.select(table.id, getattr(table, key),
                                   *(getattr(table, column) for column in columns))
        for row in found:
            written = demo.get(row[key], {})
            missing = {getattr(table, column): written[name] for column, name in columns.items()
                       if not row[column] and written.get(name)}
            if missing:
                await table.update(missing).where(table.id == row["id"])
                report.count(f"{table._meta.tablename} (Russian)")


async def _units(report, centres, tool_types, now, today) -> None:
    existing = {row["asset_tag"] for row in await Unit.select(Unit.asset_tag)}
    sequence = {code: 0 for code in centres}
    inspected_types = {t["slug"] for t in demo_data.TOOL_TYPES if t["inspection_days"]}
    overdue_done = False
    new_units = []
    for type_index, tool in enumerate(demo_data.TOOL_TYPES):
        for code, count in tool["units"].items():
            for n in range(count):
                sequence[code] += 1
                tag = f"{code}-{sequence[code]:04d}"
                if tag in existing:
                    continue
                status, inspected = "available", None
                if tool["slug"] in inspected_types:
                    inspected = today - timedelta(days=30 + n)
                    if not overdue_done and code == "SMG":
                        # a demo unit that may not be lent until it is inspected again
                        inspected, overdue_done = today - timedelta(days=400), True
                if code == "SMG" and type_index == 0 and n == count - 1:
                    status = "maintenance"  # a demo unit out of circulation
                new_units.append(
                    Unit(
                        tool_type=tool_types[tool["slug"]],
                        centre=centres[code],
                        asset_tag=tag,
                        serial_number=f"DEMO-{code}-{sequence[code]:05d}",
                        condition="good",
                        status=status,
                        acquired_on=date(2025, 3, 1) + timedelta(days=type_index),
                        donor="IOM Development Fund" if code == "SMG" else "SDC",
                        last_inspected_on=inspected,
                        created_at=now,
                    )
                )
                report.count("unit")
    if new_units:
        await Unit.insert(*new_units)
    for code, last in sequence.items():  # the next unit added at the desk continues from here
        await Centre.update({Centre.asset_seq: last}).where(
            (Centre.code == code) & (Centre.asset_seq < last)
        )


async def _people(report, centres, known_passwords, now, hasher) -> None:
    existing = {row["phone"] for row in await Member.select(Member.phone)}
    for phone, name, role, language, centre_code in DEMO_PEOPLE:
        if phone in existing:
            continue
        password = known_passwords.get(phone) or secrets.token_urlsafe(9)
        document, born, sex, municipality, situation = DEMO_MEMBER_DETAILS.get(
            phone, ("", None, "", "", "")
        )
        rows = await Member.insert(
            Member(
                id_document_type="personal_number" if document else "",
                id_document_number=document,
                birth_date=born,
                sex=sex,
                municipality=municipality,
                situation=situation,
                verified_at=now if document else None,
                name=name,
                phone=phone,
                password_hash=hasher(password),
                role=role,
                status="active",
                language=language,
                home_centre=centres[centre_code] if centre_code else None,
                created_at=now,
                updated_at=now,
            )
        ).returning(Member.id)
        member_id = rows[0]["id"]
        if role == "staff" and centre_code:
            await StaffCentre.insert(StaffCentre(member=member_id, centre=centres[centre_code]))
        await audit.record("create", "member", member_id, now=now, after={"role": role})
        report.count("member")
        report.credentials.append((role, phone, password))


async def _memberships(report, now, today) -> None:
    """A year's standard membership for each demo member; the first has a concession."""
    phones = [phone for phone, _name, role, _lang, _centre in DEMO_PEOPLE if role == "member"]
    people = await Member.select(Member.id, Member.phone).where(Member.phone.is_in(phones))
    have = {row["member"] for row in await Membership.select(Membership.member)}
    standard = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first()
    migrant = await ConcessionCategory.select(ConcessionCategory.id).where(
        ConcessionCategory.slug == "returning-migrant").first()
    for person in sorted(people, key=lambda row: row["phone"]):
        if person["id"] in have:
            continue
        await Membership.insert(Membership(
            member=person["id"], membership_type=standard["id"], starts_on=today,
            ends_on=today + timedelta(days=364), status="active", created_at=now,
        ))
        report.count("membership")
        if person["phone"] == phones[0]:
            await MemberConcession.insert(MemberConcession(
                member=person["id"], category=migrant["id"], proof="IOM return certificate",
                expires_on=today + timedelta(days=365), granted_at=now,
            ))
            report.count("member_concession")
