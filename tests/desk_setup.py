"""What the desk's browser journeys lend, made on the live server's database by a script of
their own (journeys.run_on_live_database): a member with an organisation's membership (up to
six tools out, no warnings) and tool types with units at Samgori that no other journey
touches. Each call makes new ones (a random suffix), so journeys never share them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import helpers
from helpers import SMG

from inventory.tables import Category, ToolType, ToolTypePart, Unit
from rental.member_rules import card_number
from rental.tables import Member, Membership, MembershipType


def suffix() -> tuple[str, int]:
    """A random suffix for names, and a number made of it for phones, documents and tags."""
    text = uuid.uuid4().hex[:6]
    return text, int(text, 16) % 10_000_000


async def member(name: str, number: int, *, prefix: str = "+99559") -> str:
    """A verified member of Samgori with an organisation's membership: their card number."""
    now, today = helpers.now(), helpers.today()
    member_id = (await Member.insert(Member(
        name=name, phone=prefix + f"{number:07d}", password_hash="", role="member",
        status="active", language="ka", home_centre=SMG, created_at=now, updated_at=now,
        id_document_type="personal_number", id_document_number=f"{prefix[-1]}{number:010d}",
        verified_at=now)).returning(Member.id))[0]["id"]
    kind = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "organisation").first()
    await Membership.insert(Membership(
        member=member_id, membership_type=kind["id"], starts_on=today,
        ends_on=today + timedelta(days=364), status="active", created_at=now))
    return card_number(member_id)


async def tool(slug: str, name_ka: str, name_en: str, tags: list[str], *, daily_fee: int = 300,
               deposit: int = 2000, max_loan_days: int = 14) -> int:
    """A tool type with a unit at Samgori for each tag: its id."""
    now = helpers.now()
    category = await Category.select(Category.id).first()
    tool_id = (await ToolType.insert(ToolType(
        slug=slug, category=category["id"], name_ka=name_ka, name_en=name_en,
        daily_fee=daily_fee, deposit=deposit, max_loan_days=max_loan_days, created_at=now,
        search_text=name_en.lower())).returning(ToolType.id))[0]["id"]
    await Unit.insert(*[Unit(tool_type=tool_id, centre=SMG, asset_tag=tag, created_at=now)
                        for tag in tags])
    return tool_id


async def parts(tool_id: int) -> dict[str, int]:
    """A charger and two batteries go out with the tool: their ids by English name."""
    rows = await ToolTypePart.insert(
        ToolTypePart(tool_type=tool_id, name_ka="დამტენი", name_en="Charger", name_ru="",
                     quantity=1, replacement_cost=4500, position=1),
        ToolTypePart(tool_type=tool_id, name_ka="აკუმულატორი", name_en="Battery", name_ru="",
                     quantity=2, replacement_cost=6000, position=2),
    ).returning(ToolTypePart.id)
    return {"Charger": rows[0]["id"], "Battery": rows[1]["id"]}
