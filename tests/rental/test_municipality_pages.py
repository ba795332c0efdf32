"""The municipality is chosen from the list (rental/data/municipalities.json) on every form
that asks for it: the desk's registration and verification, sign-up, a member's own details.
A choice not on the list is refused next to the field and writes nothing; members whose
municipality was typed before the list and matched none of it are listed for the desk."""

from __future__ import annotations

from helpers import credentials, csrf_token, log_in

from rental.tables import Member

DESK = {
    "name": "ლევან ჩხეიძე", "phone": "599 77 66 55", "email": "", "language": "ka",
    "id_document_type": "personal_number", "id_document_number": "01024056700",
    "birth_date": "1980-02-03", "sex": "male", "municipality": "kutaisi",
    "situation": "local_resident", "notes": "", "home_centre": "1",
}
SIGNUP = {
    "name": "ნინო ბერიძე", "phone": "599 12 34 56", "email": "", "language": "ka",
    "password": "kargi-paroli-1", "password_again": "kargi-paroli-1",
    "agree_rental": "yes", "agree_data": "yes",
}


async def post(client, path: str, data: dict, page: str):
    return await client.post(path, data={**data, "_csrf_token": await csrf_token(client, page)})


async def as_role(client, seeded, role: str) -> int:
    phone, password = credentials(seeded, role)
    assert (await log_in(client, phone, password)).status_code == 303
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


async def municipality_of(member_id: int) -> tuple[str, str]:
    row = await Member.select(Member.municipality, Member.municipality_text).where(
        Member.id == member_id).first()
    return row["municipality"], row["municipality_text"]


async def test_the_desk_chooses_from_the_list_grouped_by_region_in_its_language(client, seeded):
    staff = await as_role(client, seeded, "staff")
    page = (await client.get("/members/new")).text
    assert '<select id="f-municipality" name="municipality" required' in page
    assert '<optgroup label="თბილისი">' in page and '<optgroup label="იმერეთი">' in page
    assert '<option value="samgori">სამგორი</option>' in page
    assert '<option value="kutaisi">ქუთაისი</option>' in page
    assert 'name="municipality" type="text"' not in page  # no free text any more

    await Member.update({Member.language: "en"}).where(Member.id == staff)
    english = (await client.get("/members/new")).text
    assert '<optgroup label="Imereti">' in english
    assert '<option value="kutaisi">Kutaisi</option>' in english


async def test_the_desk_registers_the_code_and_refuses_what_is_not_on_the_list(client, seeded):
    await as_role(client, seeded, "staff")
    before = await Member.count()
    for wrong in ("Kutaisi", "ქუთაისი", "tbilisi", ""):
        refused = await post(client, "/members/new", {**DESK, "municipality": wrong},
                             "/members/new")
        assert refused.status_code == 422, wrong
        assert 'id="e-municipality"' in refused.text
        assert await Member.count() == before
    saved = await post(client, "/members/new", DESK, "/members/new")
    assert saved.status_code == 303
    member = int(saved.headers["location"].rsplit("/", 1)[1])
    assert await municipality_of(member) == ("kutaisi", "")
    assert "ქუთაისი" in (await client.get(f"/members/{member}")).text


async def test_sign_up_takes_a_municipality_from_the_list_or_none(client, seeded):
    form = (await client.get("/signup")).text
    assert '<option value="vake">ვაკე</option>' in form
    refused = await post(client, "/signup", {**SIGNUP, "municipality": "Vake"}, "/signup")
    assert refused.status_code == 422 and 'id="e-municipality"' in refused.text
    assert not await Member.exists().where(Member.phone == "+995599123456")
    assert (await post(client, "/signup", {**SIGNUP, "municipality": "vake"},
                       "/signup")).status_code == 303
    member = (await Member.select(Member.id).where(Member.phone == "+995599123456").first())
    assert await municipality_of(member["id"]) == ("vake", "")


async def test_a_member_chooses_the_municipality_their_old_text_meant(client, seeded):
    me = await as_role(client, seeded, "member")
    await Member.update({Member.municipality: "", Member.municipality_text: "Foo"}).where(
        Member.id == me)
    form = (await client.get("/me/edit")).text
    assert 'id="t-municipality"' in form and "Foo" in form
    contact = {"name": "დავით მამულაშვილი", "phone": "555 00 00 11", "email": "",
               "language": "ka"}
    refused = await post(client, "/me/edit", {**contact, "municipality": "Foo"}, "/me/edit")
    assert refused.status_code == 422 and 'id="e-municipality"' in refused.text
    assert await municipality_of(me) == ("", "Foo")
    assert (await post(client, "/me/edit", contact, "/me/edit")).status_code == 303
    assert await municipality_of(me) == ("", "Foo")  # none chosen: nothing changes
    assert (await post(client, "/me/edit", {**contact, "municipality": "isani"},
                       "/me/edit")).status_code == 303
    assert await municipality_of(me) == ("isani", "")


async def test_the_desk_sees_who_has_a_municipality_not_recognised_and_fixes_it(
        client, seeded):
    await as_role(client, seeded, "staff")
    flagged = await Member.select(Member.id).where(Member.phone == "+995555000012").first()
    await Member.update({Member.municipality: "", Member.municipality_text: "Tbilisi"}).where(
        Member.id == flagged["id"])
    page = (await client.get("/members")).text
    assert 'id="unrecognised-heading"' in page
    assert f'href="/members/{flagged["id"]}/verify"' in page and "Tbilisi" in page
    form = (await client.get(f"/members/{flagged['id']}/verify")).text
    assert 'id="t-municipality"' in form  # what was typed, beside the list

    fixed = await post(client, f"/members/{flagged['id']}/verify", {
        "name": "თამარ ქავთარაძე", "phone": "+995555000012", "email": "", "language": "ka",
        "id_document_type": "personal_number", "id_document_number": "01001012346",
        "birth_date": "1999-09-03", "sex": "female", "municipality": "isani",
        "situation": "idp", "notes": "", "home_centre": "1"}, f"/members/{flagged['id']}/verify")
    assert fixed.status_code == 303
    assert await municipality_of(flagged["id"]) == ("isani", "")
    assert 'id="unrecognised-heading"' not in (await client.get("/members")).text
