"""The member's card number for any scanner: on /me as a QR code and a Code 128 barcode, on the
card the member (/me/card) or the desk (/members/{id}/card) prints; the number either code
holds, typed or scanned into the desk's member search, opens the member's panel."""

from __future__ import annotations

import re

import pytest
from helpers import SMG, credentials, log_in
from scanning import draw_bars, read

from rental.kernel.qr import qr_svg
from rental.member_rules import card_number
from rental.tables import Member

pytestmark = pytest.mark.usefixtures("desk_open")

MEMBER_PHONE = "+995555000012"


async def the_member() -> dict:
    return await Member.select(Member.id, Member.name, Member.language).where(
        Member.phone == MEMBER_PHONE).first()


async def as_the_member(client, seeded) -> dict:
    password = next(pw for _role, phone, pw in seeded.credentials if phone == MEMBER_PHONE)
    assert (await log_in(client, MEMBER_PHONE, password)).status_code == 303
    return await the_member()


def barcode_in(html: str, box: str) -> str:
    return re.search(rf'<div class="{box}"[^>]*>(<svg.*?</svg>)</div>', html, re.S).group(1)


async def test_my_page_shows_the_card_number_as_a_barcode_and_links_the_printed_card(
        client, seeded):
    member = await as_the_member(client, seeded)
    page = await client.get("/me")
    number = card_number(member["id"])
    assert read(*draw_bars(barcode_in(page.text, "card-barcode"))) == {("Code 128", number)}
    assert 'href="/me/card"' in page.text


async def test_the_member_prints_their_own_card(client, seeded):
    member = await as_the_member(client, seeded)
    number = card_number(member["id"])
    page = await client.get("/me/card")
    assert page.status_code == 200
    assert f'data-card="{number}"' in page.text and member["name"] in page.text
    assert qr_svg(number) in page.text
    assert read(*draw_bars(barcode_in(page.text, "member-card-barcode"))) == {
        ("Code 128", number)}
    assert "data-print" in page.text


async def test_the_desk_prints_a_members_card_in_the_members_language(client, seeded):
    member = await the_member()
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    client.cookies.set("lang", "en")
    desk_card = await client.get(f"/members/{member['id']}")
    assert f'href="/members/{member["id"]}/card"' in desk_card.text
    page = await client.get(f"/members/{member['id']}/card")
    assert page.status_code == 200
    assert f'data-card="{card_number(member["id"])}"' in page.text
    assert f'<html lang="{member["language"]}">' in page.text
    assert (await client.get("/members/99999999/card")).status_code == 404


async def test_a_member_cannot_print_another_members_card(client, seeded):
    await as_the_member(client, seeded)
    other = await Member.select(Member.id).where(Member.phone == "+995555000013").first()
    assert (await client.get(f"/members/{other['id']}/card")).status_code == 403


@pytest.mark.parametrize("scanned", ["{number}", "{lower}", " {number} "])
async def test_the_scanned_card_number_opens_the_members_panel_at_the_desk(
        client, seeded, scanned):
    member = await the_member()
    number = card_number(member["id"])
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    query = scanned.format(number=number, lower=number.lower())
    page = await client.get(f"/desk/{SMG}", params={"q": query})
    assert page.status_code == 200
    panel = re.search(r'<h3 id="h-member">(.*?)</h3>', page.text, re.S)
    assert panel and member["name"] in panel.group(1) and number in panel.group(1)
