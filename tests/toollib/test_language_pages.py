"""One language a page (issue 17, item 17): an English reader sees no Georgian script except the
language switcher's endonyms and what people typed that has no English (a person's name, a
room); a Georgian reader never sees the demo's English names of funders, skills and sessions
joined to the Georgian ones ('მილზე ხრახნის ჭრა / Pipe threading')."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from helpers import SMG, credentials, csrf_token, demo_cast, log_in, now, open_day, today

from bookings.lending import desk
from bookings.tables import SkillSession
from inventory.tables import Category, Skill, ToolType
from rental.kernel import i18n
from rental.kernel.i18n import LANGUAGE_NAMES
from rental.tables import ConcessionCategory, Member
from toollib.demo import data as demo_data
from toollib.demo.sessions import DEMO_SESSIONS

pytestmark = pytest.mark.usefixtures("desk_open")

GEORGIAN = re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]+")
# Georgian shown to an English reader on purpose: the catalogue's search box says it finds a
# tool by its name in either language
ON_PURPOSE = ("Search, e.g. drill or ბურღი",)


class ShownText(HTMLParser):
    """What a reader is shown: the text and the attributes read aloud or as hints, without
    scripts, styles and the language switcher (where each language is named in its own)."""

    SPOKEN = ("aria-label", "title", "placeholder", "alt")
    VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open tags whose content is not shown text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.skipping or tag in ("script", "style") or "lang-switch" in classes:
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        self.parts.extend(value or "" for name, value in attrs if name in self.SPOKEN)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = ShownText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


async def people_typed() -> list[str]:
    """What people typed that has no English: names of people and the instructors."""
    names = [row["name"] for row in await Member.select(Member.name)]
    names += [row["instructor"] for row in await SkillSession.select(SkillSession.instructor)]
    return sorted({name for name in names if name}, key=len, reverse=True)


async def read_as(client, seeded, role: str, language: str) -> None:
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: language}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def georgian_left(client, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, path
    text = shown_text(response.text)
    for name in (*ON_PURPOSE, *await people_typed()):
        text = text.replace(name, "")
    return [text[max(0, m.start() - 40):m.end() + 40] for m in GEORGIAN.finditer(text)]


async def a_waiver_for_the_migrant() -> None:
    """The demo's returning migrant borrows a pipe wrench: IOM's fund covers the fee."""
    cast = await demo_cast()
    tag, back = "SMG-0032", open_day(1)
    due = (await desk.basket_view(cast.migrant, SMG, [tag], back, today())).due
    await desk.check_out(member_id=cast.migrant, centre_id=SMG, tags=[tag], return_on=back,
                         payment={"method": "cash", "amount": due}, override_reason="",
                         actor=cast.staff, today=today(), now=now())


async def a_session_id(title_en: str) -> int:
    row = await SkillSession.select(SkillSession.id).where(
        SkillSession.title_en == title_en).first()
    return row["id"]


@pytest.mark.parametrize(("role", "paths"), [
    pytest.param("member", ["/", "/sessions", "/me"], id="member"),
    pytest.param("coordinator", ["/policy", "/reports/money", "/reports/donor"],
                 id="coordinator"),
])
async def test_an_english_reader_sees_no_georgian(client, seeded, role, paths):
    await a_waiver_for_the_migrant()
    await read_as(client, seeded, role, "en")
    for path in paths:
        assert await georgian_left(client, path) == [], path
    if role == "coordinator":  # the waiver's funder, recorded in Georgian, read in English
        for path in ("/reports/money", f"/desk/{SMG}/cash-up"):
            assert "IOM Development Fund" in shown_text((await client.get(path)).text), path


async def test_a_session_for_an_english_reader_names_its_language_in_english(client, seeded):
    await read_as(client, seeded, "member", "en")
    path = f"/sessions/{await a_session_id('Pipe threading')}"
    assert await georgian_left(client, path) == []
    page = (await client.get(path)).text
    assert "Georgian" in shown_text(page)
    # the switcher still names each language in its own
    assert all(name in page for name in LANGUAGE_NAMES.values())


async def test_a_skill_refusal_names_the_next_session_in_the_readers_language(client, seeded):
    """The demo's tester needs electrical safety: the refusal names the next session once, in
    the reader's language, with the day and time written that language's one way."""
    tool = await ToolType.select(ToolType.id).where(
        ToolType.slug == "insulation-resistance-tester").first()
    path = f"/tool-types/{tool['id']}/book"
    day = open_day(2)
    for language, shown, hidden in (("en", "Electrical safety", "ელექტრო"),
                                    ("ka", "ელექტროუსაფრთხოება", "Electrical safety")):
        await read_as(client, seeded, "member", language)
        token = await csrf_token(client, f"{path}?centre={SMG}")
        refused = await client.post(path, data={
            "centre": SMG, "starts_on": day.isoformat(), "ends_on": day.isoformat(),
            "_csrf_token": token})
        assert refused.status_code == 403
        text = shown_text(refused.text)
        start = text.find(shown)
        assert start > 0 and hidden not in text[start - 100:start + 200], text[start - 200:]
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text[start:start + 120])  # not ISO


async def test_a_georgian_reader_never_sees_the_english_names_of_funders_and_sessions(
        client, seeded):
    english = [row["funder_en"] for row in demo_data.CONCESSION_CATEGORIES]
    english += [session[-1]["title_en"] for session in DEMO_SESSIONS]
    assert all(row["funder_ka"] != row["funder_en"] for row in
               await ConcessionCategory.select(ConcessionCategory.funder_ka,
                                               ConcessionCategory.funder_en))
    await a_waiver_for_the_migrant()
    await read_as(client, seeded, "coordinator", "ka")
    for path, georgian in (("/policy", "IOM-ის განვითარების ფონდი"),
                           ("/sessions", "მილზე ხრახნის ჭრა"),
                           ("/reports/money", "IOM-ის განვითარების ფონდი"),
                           (f"/desk/{SMG}/cash-up", "IOM-ის განვითარების ფონდი")):
        text = shown_text((await client.get(path)).text)
        assert georgian in text, path
        assert [name for name in english if name in text] == [], path


# A Russian reader (issue 19): no Georgian but what people typed, and no English words but
# codes and names that are written so in Russian too.
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# codes, and the standards named in tool names (Torx, Tri-wing, SDS-plus)
KEPT_IN_LATIN = {"SMS", "GEL", "CSV", "XLSX", "QR", "IOM", "PDF", "JPEG", "PNG", "WebP",
                 "SMG", "KUT", "ID", "URL", "Tri-wing", "Torx", "SDS-plus", "PVC", "PPR",
                 "LED", "API"}


async def words_left(client, path: str) -> tuple[list[str], list[str]]:
    """The Georgian passages and the English words a Russian reader is shown at `path`."""
    response = await client.get(path)
    assert response.status_code == 200, path
    text = shown_text(response.text)
    with i18n.in_locale("ru"):
        on_purpose = [i18n.gettext(text) for text in ON_PURPOSE]
    # what people typed, the languages named each in its own where one is chosen, and the
    # commands a volunteer types as they are
    for name in (*on_purpose, *await people_typed(), *LANGUAGE_NAMES.values(),
                 "rental backup"):
        text = text.replace(name, "")
    georgian = [text[max(0, m.start() - 40):m.end() + 40] for m in GEORGIAN.finditer(text)]
    short_names = {row["slug"] for table in (Category, Skill, ToolType)
                   for row in await table.select(table.slug)}  # identifiers, not words
    english = sorted({word for word in LATIN_WORD.findall(text)
                      if word not in KEPT_IN_LATIN and word not in short_names})
    return georgian, english


@pytest.mark.parametrize(("role", "paths"), [
    pytest.param("member", ["/", "/sessions", "/sessions/1", "/me", "/me/messages", "/me/edit",
                            "/me/bookings", f"/tool-types/1/book?centre={SMG}", "/login"],
                 id="member"),
    pytest.param("staff", ["/desk", f"/desk/{SMG}", f"/desk/{SMG}/overdue",
                           f"/desk/{SMG}/messages", f"/desk/{SMG}/cash-up", "/members",
                           "/members/new", "/members/4", "/members/4/ledger", "/units",
                           "/inspections/due", "/sessions/1/attendance"], id="staff"),
    pytest.param("coordinator", ["/policy", "/booking-policy", "/reports", "/reports/usage",
                                 "/reports/money", "/reports/donor", "/reports/condition",
                                 "/manage/centres", "/manage/tool-types", "/manage/categories",
                                 "/manage/skills", "/manage/sessions/new",
                                 "/manage/translations", "/sessions/summary"],
                 id="coordinator"),
])
async def test_a_russian_reader_reads_russian(client, seeded, role, paths):
    await a_waiver_for_the_migrant()
    await read_as(client, seeded, role, "ru")
    for path in paths:
        assert await words_left(client, path) == ([], []), path
