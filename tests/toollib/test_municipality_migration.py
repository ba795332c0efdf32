"""The migration that made the municipality a code of the list (rental 2026-12-05T13:10):
the text typed before is matched to a code, text that matches nothing is kept and flagged,
and going back writes the names back as text. On both databases."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, time

import pytest
from conftest import DB, migrate_all
from piccolo.querystring import QueryString

MIGRATION_ID = "2026-12-05T13:10:00:000000"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TYPED = {  # phone -> what the desk typed, and what the migration makes of it
    "+995555200001": ("Kutaisi", "kutaisi", ""),
    "+995555200002": ("kutaisi ", "kutaisi", ""),
    "+995555200003": ("სამგორი", "samgori", ""),
    "+995555200004": ("Samgori district", "samgori", ""),
    "+995555200005": ("Foo", "", "Foo"),  # matches nothing: kept, for the coordinator
    "+995555200006": ("Tbilisi", "", "Tbilisi"),  # which district?
    "+995555200007": ("", "", ""),
}


async def _back_to_before_the_list() -> None:
    from piccolo.apps.migrations.commands.backwards import run_backwards

    with contextlib.redirect_stdout(io.StringIO()):
        result = await run_backwards(app_name="rental", migration_id=MIGRATION_ID,
                                     auto_agree=True)
    assert result.success, result.message


async def _rows(sql: str) -> list[dict]:
    return await DB.run_querystring(QueryString(sql))


@pytest.mark.xdist_group("migrations")
async def test_typed_municipalities_become_codes_and_the_unknown_are_kept():
    await _back_to_before_the_list()
    try:
        for phone, (typed, _code, _kept) in TYPED.items():
            await DB.run_querystring(QueryString(
                "INSERT INTO member (name, phone, password_hash, created_at, updated_at, "
                "municipality) VALUES ('m', {}, '', {}, {}, {})", phone, NOW, NOW, typed))
        await DB.run_querystring(QueryString(
            "INSERT INTO centre (code, name_ka, municipality, opens_at, closes_at, created_at) "
            "VALUES ('KUT', 'ქუთაისი', 'ქ. ქუთაისი', {}, {}, {})",
            time(10), time(18), NOW))
    finally:
        await migrate_all()

    rows = await _rows("SELECT phone, municipality, municipality_text FROM member "
                       "WHERE phone LIKE '+9955552%' ORDER BY phone")
    assert {row["phone"]: (row["municipality"], row["municipality_text"]) for row in rows} == {
        phone: (code, kept) for phone, (_typed, code, kept) in TYPED.items()}
    centre = (await _rows("SELECT municipality, municipality_text FROM centre"))[0]
    assert (centre["municipality"], centre["municipality_text"]) == ("kutaisi", "")

    # back again: the English names of the codes as text, the unrecognised text as it was
    await _back_to_before_the_list()
    try:
        rows = await _rows("SELECT phone, municipality FROM member "
                           "WHERE phone LIKE '+9955552%' ORDER BY phone")
        assert [row["municipality"] for row in rows] == [
            "Kutaisi", "Kutaisi", "Samgori", "Samgori", "Foo", "Tbilisi", ""]
    finally:
        await migrate_all()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE member SET municipality = 'Kutaisi'",  # a name, not a code
        "UPDATE member SET municipality = 'tbilisi'",  # not on the list
        "UPDATE member SET municipality = 'kutaisi', municipality_text = 'Kutaisi'",  # both
        "UPDATE centre SET municipality = 'nowhere'",
    ],
)
async def test_the_database_refuses_a_municipality_not_on_the_list(statement):
    from rental.tables import Centre, Member

    await Member.insert(Member(name="ა", phone="+995555123456", created_at=NOW, updated_at=NOW,
                               municipality="kutaisi"))
    await Centre.insert(Centre(code="TST", name_ka="ც", created_at=NOW, municipality="vake"))
    with pytest.raises(Exception) as failure:
        await DB.run_ddl(statement)
    assert "check" in str(failure.value).lower() or "constraint" in str(failure.value).lower()
    assert (await Member.select(Member.municipality).first())["municipality"] == "kutaisi"
