"""Members in and out as a coordinator does it: /members/import (a CSV file checked row by row
in a preview, then written in one go on confirming) and /members/export.csv (what a donor may
see; with personal data for administrators only), each audited."""

from __future__ import annotations

import base64
import csv
import io
import json
import re

import pytest
from helpers import credentials, csrf_token, log_in

from rental.member_csv_rules import COLUMNS, DONOR_COLUMNS, PERSONAL_COLUMNS
from rental.member_rules import card_number
from rental.tables import AuditLog, Member, MemberConsent

HEADER = ",".join(COLUMNS)
# name, phone, id_document_type, id_document_number, birth_date, sex, situation, municipality,
# home_centre, email, language, notes
ROWS = [
    "ნინო ბერიძე,555 41 00 01,,01001041001,1990-11-23,female,idp,Samgori,SMG,,ka,",
    "Giorgi Kapanadze,555 41 00 02,passport,AB123456,23.11.1985,male,returning_migrant,"
    "Кутаиси,kut,giorgi@example.ge,en,from the paper register",
    "Мария Иванова,555 41 00 03,other,X-1,2001-02-03,prefer_not,local_resident,კრწანისი,SMG,,ru,",
]


def file_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode()


GOOD_FILE = file_of(*ROWS)


async def as_role(client, seeded, role: str) -> None:
    """Logged in, reading English (the messages the tests look for)."""
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: "en"}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def upload(client, content: bytes):
    token = await csrf_token(client, "/members/import")
    return await client.post("/members/import", data={"_csrf_token": token},
                             files={"file": ("members.csv", content, "text/csv")})


async def confirm(client, content: bytes | str):
    token = await csrf_token(client, "/members/import")
    encoded = content if isinstance(content, str) else base64.b64encode(content).decode()
    return await client.post("/members/import/confirm",
                             data={"_csrf_token": token, "content": encoded})


def hidden_content(page: str) -> str:
    match = re.search(r'name="content" value="([^"]*)"', page)
    assert match, "no confirm form"
    return match.group(1)


def row_of(page: str, line: int) -> str:
    match = re.search(rf'<tr[^>]*id="line-{line}">(.*?)</tr>', page, re.S)
    assert match, f"no row for line {line}"
    return match.group(1)


async def counts() -> tuple[int, int, int]:
    return await Member.count(), await MemberConsent.count(), await AuditLog.count()


async def test_preview_checks_every_row_then_confirm_writes_them_all(client, seeded):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    preview = await upload(client, GOOD_FILE)
    assert preview.status_code == 200, preview.text
    assert "3 rows checked." in preview.text and 'class="row-error"' not in preview.text
    assert await counts() == before  # a dry run

    done = await confirm(client, hidden_content(preview.text))
    assert done.status_code == 303 and done.headers["location"] == "/members/import?imported=3"
    assert "3 members imported." in (await client.get(done.headers["location"])).text
    coordinator = await Member.select(Member.id).where(
        Member.phone == credentials(seeded, "coordinator")[0]).first()
    new = await Member.select().where(Member.phone.like("+99555541000%")).order_by(Member.phone)
    assert [m["status"] for m in new] == ["active"] * 3
    assert {m["verified_by"] for m in new} == {coordinator["id"]}
    assert new[1]["municipality"] == "kutaisi" and new[1]["id_document_number"] == "AB123456"
    assert new[1]["email"] == "giorgi@example.ge" and new[1]["language"] == "en"
    assert str(new[1]["birth_date"]) == "1985-11-23"
    assert new[2]["municipality"] == "krtsanisi" and new[2]["id_document_type"] == "other"
    assert await counts() == (before[0] + 3, before[1] + 6, before[2] + 4)
    one_each = await AuditLog.select(AuditLog.entity_id, AuditLog.after).where(
        AuditLog.action == "member.imported").order_by(AuditLog.entity_id)
    assert [a["entity_id"] for a in one_each] == [m["id"] for m in new]
    assert json.loads(one_each[0]["after"])["name"] == "(personal)"  # no personal data in the log
    [whole] = await AuditLog.select().where(AuditLog.action == "member.import")
    after = json.loads(whole["after"])
    assert whole["actor"] == coordinator["id"] and after["count"] == 3
    assert after["first"] == card_number(new[0]["id"])


async def test_one_bad_row_shows_its_errors_beside_it_and_nothing_is_written(client, seeded):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    bad = ROWS[1].replace("AB123456", "A1").replace("Кутаиси", "Atlantis")
    preview = await upload(client, file_of(ROWS[0], bad, ROWS[2]))
    assert preview.status_code == 422
    assert 'name="content"' not in preview.text  # no confirm form
    assert "1 row has errors: nothing is imported." in preview.text
    assert 'class="row-error"' not in row_of(preview.text, 2)
    line = row_of(preview.text, 3)
    assert 'data-column="id_document_number"' in line and 'data-column="municipality"' in line
    assert "A passport number has 5 to 20 letters and digits." in line
    assert await counts() == before
    # the same file sent to confirm by hand: checked again, nothing written
    refused = await confirm(client, file_of(ROWS[0], bad, ROWS[2]))
    assert refused.status_code == 422 and 'class="row-error"' in refused.text
    assert await counts() == before


async def test_duplicates_inside_the_file_and_against_the_database(client, seeded):
    await as_role(client, seeded, "coordinator")
    member_phone = credentials(seeded, "member")[0]
    taken = await Member.select().where(Member.phone == member_phone).first()
    twice = ROWS[1].replace("555 41 00 02", "555410001")  # row 1's phone, written otherwise
    theirs = ROWS[2].replace("555 41 00 03", member_phone)
    preview = await upload(client, file_of(ROWS[0], twice, theirs))
    assert preview.status_code == 422
    assert "This phone number is in the file twice (line 2)." in row_of(preview.text, 3)
    assert "An account with this phone number exists already." in row_of(preview.text, 4)
    assert taken["id_document_number"]
    same_document = ROWS[1].replace("passport,AB123456", f"{taken['id_document_type']},"
                                    f"{taken['id_document_number']}")
    preview = await upload(client, file_of(same_document))
    assert "A member with this document is registered already." in row_of(preview.text, 2)


async def test_a_tampered_confirm_is_checked_again(client, seeded):
    await as_role(client, seeded, "coordinator")
    before = await counts()
    preview = await upload(client, GOOD_FILE)
    assert preview.status_code == 200
    # the checked file swapped for another with a bad row: its rows, refused
    swapped = file_of(ROWS[0], ROWS[1].replace("1985", "2085"))
    refused = await confirm(client, swapped)
    assert refused.status_code == 422
    assert "The date of birth cannot be in the future." in row_of(refused.text, 3)
    # a changed character: not base64, or not a CSV file any more
    for garbage in (hidden_content(preview.text)[:-3] + "!!!", "AAAA", ""):
        response = await confirm(client, garbage)
        assert response.status_code == 422 and 'id="e-file"' in response.text
    assert await counts() == before


async def test_the_database_changes_between_preview_and_confirm(client, seeded):
    await as_role(client, seeded, "coordinator")
    preview = await upload(client, GOOD_FILE)
    assert preview.status_code == 200
    member = await Member.select(Member.id).where(
        Member.phone == credentials(seeded, "member")[0]).first()
    await Member.update({Member.phone: "+995555410002"}).where(Member.id == member["id"])
    before = await counts()
    refused = await confirm(client, hidden_content(preview.text))
    assert refused.status_code == 422
    assert "An account with this phone number exists already." in row_of(refused.text, 3)
    assert await counts() == before


@pytest.mark.parametrize("content, message", [
    (file_of(ROWS[0], header=HEADER.replace("phone", "mobile")), "Unknown columns: mobile."),
    (file_of(ROWS[0].replace(",", ";"), header=HEADER.replace(",", ";") + ";colour"),
     "Unknown columns: colour."),
    (file_of(header=HEADER), "The file has no rows to import."),
])
async def test_a_file_refused_as_a_whole_says_why(client, seeded, content, message):
    await as_role(client, seeded, "coordinator")
    response = await upload(client, content)
    assert response.status_code == 422 and message in response.text


async def test_excel_semicolon_file_imports(client, seeded):
    await as_role(client, seeded, "coordinator")
    content = file_of(*(r.replace(",", ";") for r in ROWS), header=HEADER.replace(",", ";"))
    preview = await upload(client, content)
    assert preview.status_code == 200 and "3 rows checked." in preview.text


async def test_no_file_is_a_clear_error(client, seeded):
    await as_role(client, seeded, "coordinator")
    token = await csrf_token(client, "/members/import")
    response = await client.post("/members/import", data={"_csrf_token": token})
    assert response.status_code == 422 and "Choose a CSV file." in response.text


@pytest.mark.parametrize("method, path", [
    ("get", "/members/import"), ("get", "/members/export.csv"),
    ("get", "/members/export-personal.csv"),
])
async def test_desk_staff_may_not_import_or_export(client, seeded, method, path):
    await as_role(client, seeded, "staff")
    assert (await client.request(method.upper(), path)).status_code == 403
    members_page = await client.get("/members")
    assert "/members/import" not in members_page.text


async def test_desk_staff_may_not_post_a_file(client, seeded):
    await as_role(client, seeded, "staff")
    token = await csrf_token(client, "/members")
    before = await counts()
    for path in ("/members/import", "/members/import/confirm"):
        response = await client.post(path, data={
            "_csrf_token": token, "content": base64.b64encode(GOOD_FILE).decode()},
            files={"file": ("members.csv", GOOD_FILE, "text/csv")})
        assert response.status_code == 403
    assert await counts() == before


def read(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_the_coordinators_export_names_no_one_and_is_audited(client, seeded):
    await as_role(client, seeded, "coordinator")
    page = await client.get("/members")
    assert "/members/import" in page.text and "/members/export.csv" in page.text
    assert "/members/export-personal.csv" not in page.text
    response = await client.get("/members/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read(response.content)
    assert tuple(rows[0]) == DONOR_COLUMNS
    members = await Member.select().where((Member.role == "member")
                                          & (Member.status != "erased"))
    assert len(rows) == len(members)
    text = response.content.decode()
    for member in members:
        assert member["name"] not in text and member["phone"][4:] not in text
    [entry] = await AuditLog.select().where(AuditLog.action == "member.export")
    assert json.loads(entry["after"]) == {"kind": "donor", "rows": len(rows)}
    assert (await client.get("/members/export-personal.csv")).status_code == 403
    assert await AuditLog.count().where(AuditLog.action == "member.export") == 1


async def test_an_administrator_exports_personal_data_too(client, seeded):
    await as_role(client, seeded, "admin")
    page = await client.get("/members")
    assert "/members/export-personal.csv" in page.text
    response = await client.get("/members/export-personal.csv")
    assert response.status_code == 200
    rows = read(response.content)
    assert tuple(rows[0]) == PERSONAL_COLUMNS
    phone = credentials(seeded, "member")[0]
    assert any(r["phone"] == "'" + phone for r in rows)  # guarded against formulas
    donor = read((await client.get("/members/export.csv")).content)
    assert len(donor) == len(rows)
    entries = await AuditLog.select(AuditLog.after).where(
        AuditLog.action == "member.export").order_by(AuditLog.id)
    assert [json.loads(e["after"]) for e in entries] == [{"kind": "personal", "rows": len(rows)},
                                            {"kind": "donor", "rows": len(rows)}]


async def test_the_largest_file_imports_in_one_go(client, seeded):
    """MAX_ROWS members: the preview and the import stay within the engines' bound values."""
    from rental.member_csv_rules import MAX_ROWS

    await as_role(client, seeded, "coordinator")
    rows = [f"Member {i},5557{i:05d},,{70000000000 + i},1980-01-01,male,other,Vake,SMG,,ka,"
            for i in range(MAX_ROWS)]
    before = await counts()
    preview = await upload(client, file_of(*rows))
    assert preview.status_code == 200
    done = await confirm(client, hidden_content(preview.text))
    assert done.status_code == 303
    assert await counts() == (before[0] + MAX_ROWS, before[1] + 2 * MAX_ROWS,
                              before[2] + MAX_ROWS + 1)
