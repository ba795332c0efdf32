"""The coordinator's report of missing translations (/manage/translations): per language after
Georgian, the texts still empty while the Georgian is written, each with its form; the counts
at the top; coordinators and admins only; a fixed number of queries however many rows; the page
in Georgian and in Russian, each record named in the reader's language (with the fallback).

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import SMG, credentials, demo_cast, log_in, new_session, now, session_values

from bookings.reports.translations import SOURCES
from bookings.tables import SkillSession
from inventory.tables import Category, Skill, ToolType
from rental.kernel.settings import LANGUAGES
from rental.tables import Centre, ConcessionCategory, Member, MembershipType

PAGE = "/manage/translations"


async def everything_translated() -> None:
    """Every text of every language written, so that a test starts from no rows at all."""
    for source in SOURCES:
        for field in source.fields:
            for language in LANGUAGES[1:]:
                column = getattr(source.table, f"{field}_{language}")
                await source.table.update({column: f"{field} {language}"}, force=True).where(
                    column == "")


async def read_as(client, seeded, role: str, language: str = "ka"):
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: language}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303


def counts(html: str) -> dict[str, int]:
    return {code: int(number) for code, number in
            re.findall(r'id="count-(\w+)">(\d+)<', html)}


def section(html: str, language: str) -> str:
    """The table of one language's missing texts."""
    return html.split(f'id="missing-{language}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
async def coordinator(client, seeded):
    await everything_translated()
    await read_as(client, seeded, "coordinator")
    return client


async def test_an_empty_russian_text_is_listed_with_its_form_until_it_is_written(coordinator):
    page = await coordinator.get(PAGE)
    assert page.status_code == 200 and counts(page.text) == {"en": 0, "ru": 0}
    category = await Category.select().order_by(Category.id).first()
    drill = await ToolType.select().where(ToolType.slug == "cordless-drill").first()
    await Category.update({Category.name_ru: ""}).where(Category.id == category["id"])
    await ToolType.update({ToolType.safety_notes_ru: "", ToolType.name_en: ""}).where(
        ToolType.id == drill["id"])
    await Centre.update({Centre.address_ru: ""}).where(Centre.id == SMG)
    page = await coordinator.get(PAGE)
    assert counts(page.text) == {"en": 1, "ru": 3}
    russian = section(page.text, "ru")
    assert f'href="/manage/categories/{category["id"]}/edit"' in russian
    assert category["name_ka"] in russian
    assert f'href="/manage/tool-types/{drill["id"]}/edit"' in russian
    assert f'href="/manage/centres/{SMG}/edit"' in russian
    assert "უსაფრთხოების მითითებები" in russian  # the field: safety notes
    assert russian.count("<tr>") == 4  # the heading and three rows
    english = section(page.text, "en")
    assert f'href="/manage/tool-types/{drill["id"]}/edit"' in english
    assert english.count("<tr>") == 2
    # written: gone from the list
    await Category.update({Category.name_ru: "Электрика"}).where(Category.id == category["id"])
    await Centre.update({Centre.address_ru: "Тбилиси"}).where(Centre.id == SMG)
    page = await coordinator.get(PAGE)
    assert counts(page.text) == {"en": 1, "ru": 1}
    assert f"/manage/categories/{category['id']}/edit" not in page.text


async def test_every_kind_of_record_is_listed_and_an_unwritten_georgian_is_not(coordinator):
    skill = await Skill.select().order_by(Skill.id).first()
    await Skill.update({Skill.name_ru: ""}).where(Skill.id == skill["id"])
    await MembershipType.update({MembershipType.name_ru: ""}, force=True)
    concession = await ConcessionCategory.select().order_by(ConcessionCategory.id).first()
    await ConcessionCategory.update({ConcessionCategory.funder_ru: ""}).where(
        ConcessionCategory.id == concession["id"])
    # nothing to translate where the Georgian is empty too
    await ToolType.update({ToolType.description_ka: "", ToolType.description_ru: ""},
                          force=True)
    types = await MembershipType.count()
    page = await coordinator.get(PAGE)
    assert counts(page.text) == {"en": 0, "ru": 2 + types}
    russian = section(page.text, "ru")
    assert f'href="/manage/skills/{skill["id"]}/edit"' in russian
    assert russian.count('href="/policy#membership-types"') == types
    assert russian.count('href="/policy#concessions"') == 1
    assert "დამფინანსებელი" in russian  # the field: funder


async def test_only_sessions_not_yet_held_are_listed(coordinator, seeded):
    cast = await demo_cast()
    ahead = await new_session(cast, title_ru="")
    held = await new_session(cast, title_ru="", starts_at=now() - timedelta(days=2))
    called_off = await new_session(cast, title_ru="")
    await SkillSession.update({SkillSession.status: "cancelled"}).where(
        SkillSession.id == called_off)
    with_description = await new_session(cast, title_ru="Занятие", description_ka="მოიტანეთ.",
                                         description_en="Bring it.")
    page = await coordinator.get(PAGE)
    russian = section(page.text, "ru")
    assert f'href="/manage/sessions/{ahead}/edit"' in russian
    assert f'href="/manage/sessions/{with_description}/edit"' in russian  # its description
    assert f"/manage/sessions/{held}/edit" not in russian
    assert f"/manage/sessions/{called_off}/edit" not in russian
    assert counts(page.text) == {"en": 0, "ru": 2}
    assert session_values()["title_ka"] in russian


async def test_the_page_runs_a_fixed_number_of_queries_however_many_rows(
        coordinator, count_queries):
    await Category.update({Category.name_ru: ""}).where(
        Category.id == (await Category.select(Category.id).first())["id"])
    count_queries["n"] = 0
    few = counts((await coordinator.get(PAGE)).text)["ru"]
    queries = count_queries["n"]
    await Category.update({Category.name_ru: ""}, force=True)
    await ToolType.update({ToolType.description_ru: "", ToolType.name_en: ""}, force=True)
    await Centre.update({Centre.name_ru: ""}, force=True)
    count_queries["n"] = 0
    many = counts((await coordinator.get(PAGE)).text)
    assert many["ru"] > few + 10 and many["en"] > 10
    assert count_queries["n"] == queries


@pytest.mark.parametrize("role, status", [("member", 403), ("staff", 403),
                                          ("coordinator", 200), ("admin", 200)])
async def test_coordinators_and_admins_only(client, seeded, role, status):
    anonymous = await client.get(PAGE)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    await read_as(client, seeded, role)
    assert (await client.get(PAGE)).status_code == status
    menu = (await client.get("/")).text
    assert (f'href="{PAGE}"' in menu) == (status == 200)  # in the coordinator's menu


async def test_a_russian_reader_sees_the_names_in_russian_or_else_english(client, seeded):
    await everything_translated()
    category = await Category.select().order_by(Category.id).first()
    drill = await ToolType.select().where(ToolType.slug == "cordless-drill").first()
    await Category.update({Category.name_ru: ""}).where(Category.id == category["id"])
    await ToolType.update({ToolType.name_en: ""}).where(ToolType.id == drill["id"])
    await read_as(client, seeded, "coordinator", "ru")
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'lang="ru"' in page.text
    russian, english = section(page.text, "ru"), section(page.text, "en")
    # the category has no Russian name: shown in English, not Georgian
    assert category["name_en"] in russian and category["name_ka"] not in russian
    # the tool type has no English name: the Russian reader reads its Russian one
    assert drill["name_ru"] in english and drill["name_ka"] not in english
    await Member.update({Member.language: "ka"}).where(
        Member.phone == credentials(seeded, "coordinator")[0])
    georgian = await client.get(PAGE)
    assert 'lang="ka"' in georgian.text and category["name_ka"] in section(georgian.text, "ru")
    assert category["name_en"] not in section(georgian.text, "ru")
