"""Membership types, concessions and centres read in Russian (issue 19): the policy page adds
them with their Russian names, refuses an over-long one next to its field, and shows the
Russian to a Russian reader, the English where the Russian is empty."""

from __future__ import annotations

from helpers import credentials, csrf_token, log_in

from rental.tables import Centre, ConcessionCategory, Member, MembershipType

MIGRANT = "+995555000011"  # the demo member with the returning migrant's concession


async def read_as(client, seeded, role: str, language: str) -> None:
    phone, password = credentials(seeded, role)
    await Member.update({Member.language: language}).where(Member.phone == phone)
    assert (await log_in(client, phone, password)).status_code == 303


async def post(client, path: str, data: dict):
    token = await csrf_token(client, "/policy")
    return await client.post(path, data={**data, "_csrf_token": token})


async def test_the_coordinator_names_types_and_concessions_in_russian(client, seeded):
    await read_as(client, seeded, "coordinator", "en")
    form = (await client.get("/policy")).text
    assert form.count('name="name_ru"') == 2 and 'name="funder_ru"' in form
    added = await post(client, "/policy/concessions", {
        "slug": "large-family", "name_ka": "მრავალშვილიანი ოჯახი", "name_en": "Large family",
        "name_ru": "Многодетная семья", "discount_percent": "30", "funder_ka": "მერია",
        "funder_en": "City hall", "funder_ru": "Мэрия"})
    assert added.status_code == 303
    row = await ConcessionCategory.select().where(ConcessionCategory.slug == "large-family").first()
    assert (row["name_ru"], row["funder_ru"]) == ("Многодетная семья", "Мэрия")
    kind = await post(client, "/policy/membership-types", {
        "slug": "family", "name_ka": "საოჯახო", "name_en": "Family", "name_ru": "Семейное",
        "validity_days": "365", "max_tools_out": "3", "max_open_bookings": "3"})
    assert kind.status_code == 303
    assert (await MembershipType.select(MembershipType.name_ru).where(
        MembershipType.slug == "family").first())["name_ru"] == "Семейное"


async def test_too_long_russian_names_are_refused_next_to_their_fields(client, seeded):
    await read_as(client, seeded, "coordinator", "ru")
    concessions, types = await ConcessionCategory.count(), await MembershipType.count()
    refused = await post(client, "/policy/concessions", {
        "slug": "large-family", "name_ka": "მრავალშვილიანი ოჯახი", "name_ru": "м" * 101,
        "discount_percent": "30", "funder_ka": "მერია", "funder_ru": "м" * 201})
    assert refused.status_code == 422
    assert 'id="e-concession-name_ru"' in refused.text
    assert 'id="e-concession-funder_ru"' in refused.text
    refused = await post(client, "/policy/membership-types", {
        "slug": "family", "name_ka": "საოჯახო", "name_ru": "с" * 101, "validity_days": "365",
        "max_tools_out": "3", "max_open_bookings": "3"})
    assert refused.status_code == 422 and 'id="e-name_ru"' in refused.text
    assert (await ConcessionCategory.count(), await MembershipType.count()) == (concessions,
                                                                                types)


async def test_the_policy_page_in_russian_falls_back_to_english(client, seeded):
    await read_as(client, seeded, "coordinator", "ru")
    page = (await client.get("/policy")).text
    for russian in ("Стандартное", "Организация или товарищество собственников жилья",
                    "Вернувшийся мигрант", "Фонд развития IOM"):
        assert russian in page
    assert "IOM Development Fund" not in page

    await MembershipType.update({MembershipType.name_ru: ""}).where(
        MembershipType.slug == "organisation")
    await ConcessionCategory.update({ConcessionCategory.funder_ru: ""}).where(
        ConcessionCategory.slug == "returning-migrant")
    page = (await client.get("/policy")).text
    assert "Organisation or building association" in page and "IOM Development Fund" in page
    assert "ორგანიზაცია" not in page


async def test_a_members_card_in_russian_names_the_centre_type_and_concession(client, seeded):
    await read_as(client, seeded, "staff", "ru")
    member = await Member.select(Member.id).where(Member.phone == MIGRANT).first()
    page = (await client.get(f"/members/{member['id']}")).text
    for russian in ("Самгорский многофункциональный сервисный центр", "Стандартное",
                    "Вернувшийся мигрант"):
        assert russian in page
    assert "Samgori Multifunctional Service Centre" not in page

    await Centre.update({Centre.name_ru: ""}).where(Centre.code == "SMG")
    page = (await client.get(f"/members/{member['id']}")).text
    assert "Samgori Multifunctional Service Centre" in page
