"""A receipt read in Russian (issue 19) names the centre, its address, the funder who covers a
concession and the tool's safety notes in Russian; what nobody translated yet, in English."""

from __future__ import annotations

import pytest
from helpers import SMG, as_staff, demo_cast, now, open_day, today

from bookings.lending import desk
from inventory.tables import ToolType
from rental.tables import Centre, ConcessionCategory

pytestmark = pytest.mark.usefixtures("desk_open")

TAG = "SMG-0001"  # a demo cordless drill: it has safety notes


async def a_loan_to_the_migrant() -> int:
    """The demo's returning migrant borrows a drill: IOM's fund covers the fee."""
    cast = await demo_cast()
    back = open_day(1)
    due = (await desk.basket_view(cast.migrant, SMG, [TAG], back, today())).due
    return await desk.check_out(member_id=cast.migrant, centre_id=SMG, tags=[TAG],
                                return_on=back, payment={"method": "cash", "amount": due},
                                override_reason="", actor=cast.staff, today=today(), now=now())


async def test_a_receipt_in_russian_and_what_falls_back_to_english(client, seeded):
    receipt = await a_loan_to_the_migrant()
    drill = await ToolType.select().where(ToolType.slug == "cordless-drill").first()
    smg = await Centre.select().where(Centre.id == SMG).first()
    await as_staff(client, seeded)

    page = (await client.get(f"/receipts/{receipt}", params={"lang": "ru"})).text
    for russian in (smg["name_ru"], smg["address_ru"], "Фонд развития IOM",
                    drill["safety_notes_ru"]):
        assert russian in page
    for english in (smg["name_en"], smg["address_en"], "IOM Development Fund",
                    drill["safety_notes_en"]):
        assert english not in page

    await Centre.update({Centre.name_ru: "", Centre.address_ru: ""}).where(Centre.id == SMG)
    await ConcessionCategory.update({ConcessionCategory.funder_ru: ""}, force=True)
    await ToolType.update({ToolType.safety_notes_ru: ""}).where(ToolType.id == drill["id"])
    page = (await client.get(f"/receipts/{receipt}", params={"lang": "ru"})).text
    for english in (smg["name_en"], smg["address_en"], "IOM Development Fund",
                    drill["safety_notes_en"]):
        assert english in page
    assert smg["address_ka"] not in page and drill["safety_notes_ka"] not in page
