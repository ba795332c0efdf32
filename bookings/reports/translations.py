"""The coordinator's report of missing translations: per language of the interface after the
first (Georgian, always written), the texts of the records people read that are still empty in
it while the Georgian is written, each with the form where it is written.

Until a text is written, its readers see it in English, then Georgian (i18n.localized); this
report is where the coordinator sees what they are shown that way. One query a table, in one
read snapshot, however many records there are."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from piccolo.table import Table

from bookings.reports.translation_rules import untranslated
from bookings.tables import SkillSession
from inventory.tables import Category, Skill, ToolType
from rental.kernel.db import read_transaction
from rental.kernel.i18n import N_
from rental.kernel.settings import LANGUAGES
from rental.tables import Centre, ConcessionCategory, MembershipType


@dataclass(frozen=True)
class Source:
    """A kind of record whose texts are written in every language."""

    kind: str  # a message id: what the record is
    table: type[Table]
    fields: dict[str, str]  # field -> the message id that names it
    edit: str  # its form, with {id}
    name: str = "name"  # the field that names a record


NAME = N_("Name")
SOURCES = (
    Source(N_("Tool type"), ToolType, {"name": NAME, "description": N_("Description"),
                                       "safety_notes": N_("Safety notes")},
           "/manage/tool-types/{id}/edit"),
    Source(N_("Category"), Category, {"name": NAME}, "/manage/categories/{id}/edit"),
    Source(N_("Skill"), Skill, {"name": NAME}, "/manage/skills/{id}/edit"),
    Source(N_("Centre"), Centre, {"name": NAME, "address": N_("Address")},
           "/manage/centres/{id}/edit"),
    # written on the policy page, where each kind is added
    Source(N_("Membership type"), MembershipType, {"name": NAME}, "/policy#membership-types"),
    Source(N_("Concession category"), ConcessionCategory,
           {"name": NAME, "funder": N_("Funder")}, "/policy#concessions"),
    Source(N_("Session"), SkillSession, {"title": N_("Title"), "description": N_("Description")},
           "/manage/sessions/{id}/edit", name="title"),
)


def _column(source: Source, field: str, language: str) -> Any:
    return getattr(source.table, f"{field}_{language}")


async def _records(source: Source, now: datetime) -> list[dict[str, Any]]:
    """The records with a text missing in some language: one query."""
    first = LANGUAGES[0]
    condition = reduce(operator.or_, [
        (_column(source, field, language) == "") & (_column(source, field, first) != "")
        for field in source.fields for language in LANGUAGES[1:]])
    names = dict.fromkeys(f"{field}_{language}" for field in (source.name, *source.fields)
                          for language in LANGUAGES)
    columns = [source.table.id, *(getattr(source.table, name) for name in names)]
    if source.table is SkillSession:  # only what is still to be read: sessions not yet held
        condition &= (SkillSession.status == "scheduled") & (SkillSession.starts_at > now)
        columns += [SkillSession.starts_at, SkillSession.centre.timezone.as_alias("timezone")]
    return await source.table.select(*columns).where(condition).order_by(source.table.id)


async def missing_translations_page(*, now: datetime) -> dict[str, Any]:
    """Per language after the first: its code, how many texts are missing and which (the
    record, what kind it is, which field, its form), in the order of SOURCES."""
    async with read_transaction():
        found = [(source, await _records(source, now)) for source in SOURCES]
    missing: dict[str, list[dict[str, Any]]] = {language: [] for language in LANGUAGES[1:]}
    for source, records in found:
        for language, pairs in untranslated(records, list(source.fields), LANGUAGES).items():
            missing[language] += [
                {"kind": source.kind, "record": record, "name": source.name,
                 "field": source.fields[field], "path": source.edit.format(id=record["id"]),
                 # a session is told apart from the others of its series by when it starts
                 "starts_at": record.get("starts_at"), "timezone": record.get("timezone")}
                for record, field in pairs]
    return {"languages": [{"code": language, "count": len(rows), "rows": rows}
                          for language, rows in missing.items()]}
