"""The language a member reads the pages in: kept with the account, audited like any other
change of their details, and only one the pages are written in."""

from __future__ import annotations

import json

import pytest
from helpers import Cast, demo_cast, now

from rental import members
from rental.kernel.errors import DomainError
from rental.tables import AuditLog, Member


@pytest.fixture
async def cast(seeded) -> Cast:
    return await demo_cast()


async def language_of(member_id: int) -> str:
    return (await Member.select(Member.language).where(Member.id == member_id).first())[
        "language"]


def as_dict(value) -> dict:
    """A JSON column: text on SQLite, decoded already on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


async def test_a_members_language_is_kept_and_audited(cast):
    before = await language_of(cast.member)
    assert before != "en"
    await members.set_language(cast.member, "en", now=now())
    row = await Member.select(Member.language, Member.updated_at).where(
        Member.id == cast.member).first()
    assert row == {"language": "en", "updated_at": now()}
    entries = await AuditLog.select().where(
        (AuditLog.action == "update") & (AuditLog.entity == "member")
        & (AuditLog.entity_id == cast.member))
    assert [(e["actor"], e["at"], as_dict(e["before"]), as_dict(e["after"]))
            for e in entries] == [(cast.member, now(), {"language": before}, {"language": "en"})]


@pytest.mark.parametrize("language", ["xx", "", "EN", "ka "])
async def test_a_language_the_pages_are_not_written_in_is_refused(cast, language):
    audited = await AuditLog.count()
    with pytest.raises(DomainError) as refused:
        await members.set_language(cast.member, language, now=now())
    assert refused.value.kind == "invalid" and "language" in refused.value.errors
    assert await language_of(cast.member) == "ka"
    assert await AuditLog.count() == audited


async def test_no_language_is_kept_for_a_member_who_is_not_there(cast):
    with pytest.raises(members.NotFound):
        await members.set_language(999_999, "en", now=now())
