"""The demo network reads in Russian (issue 19): every centre, tool type, membership type,
concession and funder the seed writes has its Russian text, and a demo database seeded before
Russian gets it from the next run, without touching Russian a coordinator wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import RUN_DIR
from helpers import now, today

from inventory.tables import Skill, ToolType
from rental.tables import Centre, ConcessionCategory, MembershipType
from toollib.demo import data as demo_data
from toollib.demo.seed import seed_demo

CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
RUSSIAN = [  # table, its columns written in Russian, the Georgian sibling of each
    (Centre, {"name_ru": "name_ka", "address_ru": "address_ka"}),
    (Skill, {"name_ru": "name_ka"}),
    (ToolType, {"name_ru": "name_ka", "description_ru": "description_ka",
                "safety_notes_ru": "safety_notes_ka"}),
    (MembershipType, {"name_ru": "name_ka"}),
    (ConcessionCategory, {"name_ru": "name_ka", "funder_ru": "funder_ka"}),
]


def is_russian(text: str) -> bool:
    return bool(CYRILLIC & set(text.lower()))


async def untranslated() -> list[tuple[str, str, str]]:
    """(table, key, column) of every demo text written in Georgian but not in Russian."""
    missing = []
    for table, columns in RUSSIAN:
        for row in await table.select():
            key = row.get("slug") or row.get("code")
            missing += [(table._meta.tablename, key, column)
                        for column, georgian in columns.items()
                        if row[georgian] and not is_russian(row[column])]
    return missing


async def test_every_demo_text_has_its_russian(seeded):
    assert await untranslated() == []
    tools = await ToolType.select(ToolType.safety_notes_ka, ToolType.safety_notes_ru)
    assert len(tools) == len(demo_data.TOOL_TYPES)
    # a tool type without safety notes has none in Russian either
    assert all(bool(t["safety_notes_ka"]) == bool(t["safety_notes_ru"]) for t in tools)
    centres = await Centre.select(Centre.name_ru, Centre.address_ru)
    assert len(centres) == 2 and all(c["name_ru"] and c["address_ru"] for c in centres)


@pytest.mark.calendar
async def test_a_demo_seeded_before_russian_gets_it_and_keeps_a_coordinators_own(seeded):
    for table, columns in RUSSIAN:
        await table.update({getattr(table, column): "" for column in columns}, force=True)
    await Centre.update({Centre.name_ru: "Наш центр в Самгори"}).where(Centre.code == "SMG")
    assert await untranslated() != []

    report = await seed_demo(now=now() + timedelta(days=1), today=today() + timedelta(days=1),
                             var_dir=RUN_DIR / "seed")
    assert report.inserted == {
        "centre (Russian)": 2, "skill (Russian)": len(demo_data.SKILLS),
        "tool_type (Russian)": len(demo_data.TOOL_TYPES),
        "membership_type (Russian)": len(demo_data.MEMBERSHIP_TYPES),
        "concession_category (Russian)": len(demo_data.CONCESSION_CATEGORIES)}
    assert await untranslated() == []
    smg = await Centre.select().where(Centre.code == "SMG").first()
    assert smg["name_ru"] == "Наш центр в Самгори"  # written by a person: kept
    assert smg["address_ru"] == demo_data.CENTRES[0]["address_ru"]

    again = await seed_demo(now=now() + timedelta(days=2), today=today() + timedelta(days=2),
                            var_dir=RUN_DIR / "seed")
    assert not again.changed
