"""The public catalogue's filters (centre, free on these dates, asset tag) and the read-only
JSON API, with a fixed number of queries whatever matches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import now, today

from inventory.tables import ToolType, Unit
from rental.tables import Centre

DRILL = "აკუმულატორიანი ბურღი-სახრახნისი"
SAMGORI = "სამგორის მრავალფუნქციური სერვისცენტრი"
KUTAISI = "ქუთაისის მრავალფუნქციური სერვისცენტრი"


async def book(tool_slug: str, centre_code: str, starts: date, ends: date) -> None:
    """Hold every unit of a tool type at a centre for the period."""
    from bookings.tables import Booking
    from rental.tables import Member

    member = await Member.select(Member.id).where(Member.role == "member").first()
    units = await Unit.select(Unit.id, Unit.tool_type, Unit.centre).where(
        (Unit.tool_type.slug == tool_slug) & (Unit.centre.code == centre_code)
    )
    await Booking.insert(*[
        Booking(member=member["id"], tool_type=u["tool_type"], unit=u["id"], centre=u["centre"],
                starts_on=starts, ends_on=ends, status="reserved", created_at=now())
        for u in units
    ])


async def test_centre_filter_shows_only_its_tools_and_counts(client, seeded):
    # move every Kutaisi unit of one tool type away so the filter has something to hide
    only_smg = await ToolType.select(ToolType.id, ToolType.name_ka).where(
        ToolType.id.not_in(Unit.select(Unit.tool_type).where(Unit.centre.code == "KUT"))
    ).first()
    kut = await client.get("/", params={"centre": "KUT", "q": only_smg["name_ka"]})
    assert kut.status_code == 200
    assert 'class="tool-card"' not in kut.text
    smg = await client.get("/", params={"centre": "SMG", "q": "drill"})
    assert DRILL in smg.text
    assert f"{SAMGORI}: " in smg.text and f"{KUTAISI}: " not in smg.text


async def test_unknown_centre_is_a_clear_message(client, seeded):
    client.cookies.set("lang", "en")
    response = await client.get("/", params={"centre": "XXX"})
    assert response.status_code == 422
    assert "There is no such centre." in response.text


async def test_free_on_these_dates_hides_fully_booked_tools(client, seeded):
    starts = today() + timedelta(days=3)
    ends = starts + timedelta(days=2)
    await book("cordless-drill", "SMG", starts, ends)
    await book("cordless-drill", "KUT", starts + timedelta(days=1), ends)
    response = await client.get("/", params={"q": "drill", "from": starts.isoformat(),
                                             "to": ends.isoformat()})
    assert response.status_code == 200
    assert DRILL not in response.text
    # the day after, all are free again
    later = ends + timedelta(days=1)
    response = await client.get("/", params={"q": "drill", "from": later.isoformat(),
                                             "to": later.isoformat()})
    assert DRILL in response.text
    # at Kutaisi the drills are free on the first day of the period
    response = await client.get("/", params={"q": "drill", "centre": "KUT",
                                             "from": starts.isoformat(),
                                             "to": starts.isoformat()})
    assert DRILL in response.text


async def test_free_on_dates_fragment(client, seeded):
    day = (today() + timedelta(days=1)).isoformat()
    response = await client.get("/", params={"q": "drill", "from": day, "to": day},
                                headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.text.lstrip().startswith('<section id="results"')
    assert DRILL in response.text


@pytest.mark.parametrize(
    "starts, ends, message",
    [
        ("2026-13-01", "2026-13-02", "Enter the dates as YYYY-MM-DD."),
        ("tomorrow", "", "Enter both dates: from and to."),
        ("+5", "-5", "Enter the dates as YYYY-MM-DD."),
        ("reversed", "reversed", "The end date is before the start date."),
        ("past", "past", "The dates are in the past."),
        ("long", "long", "Choose a period of at most a year."),
    ],
)
async def test_bad_dates_are_a_clear_message_not_a_500(client, seeded, starts, ends, message):
    client.cookies.set("lang", "en")
    t = today()
    cases = {
        "tomorrow": (t + timedelta(days=1)).isoformat(),
        "reversed": None, "past": None, "long": None,
    }
    if starts == "reversed":
        starts, ends = (t + timedelta(days=5)).isoformat(), (t + timedelta(days=2)).isoformat()
    elif starts == "past":
        starts, ends = (t - timedelta(days=5)).isoformat(), t.isoformat()
    elif starts == "long":
        starts, ends = t.isoformat(), (t + timedelta(days=400)).isoformat()
    else:
        starts = cases.get(starts) or starts
    response = await client.get("/", params={"from": starts, "to": ends})
    assert response.status_code == 422
    assert message in response.text
    assert 'class="tool-card"' in response.text  # the catalogue is still shown


async def test_search_by_asset_tag_finds_its_tool_type(client, seeded):
    for query in ("SMG-0001", "smg-0001", " smg-0001 "):
        response = await client.get("/", params={"q": query})
        assert DRILL in response.text, query
        assert response.text.count('class="tool-card"') == 1


async def test_failed_inspection_is_not_free(client, seeded):
    unit = await Unit.select(Unit.id, Unit.tool_type).where(
        Unit.tool_type.inspection_interval_days.is_not_null()
        & (Unit.centre.code == "KUT") & (Unit.status == "available")
    ).first()
    before = (await client.get(f"/api/v1/tool-types/{unit['tool_type']}")).json()
    await Unit.update({Unit.last_inspection_result: "fail"}).where(Unit.id == unit["id"])
    after = (await client.get(f"/api/v1/tool-types/{unit['tool_type']}")).json()
    free = {f["centre"]: f["free_today"] for f in before["free"]}
    assert {f["centre"]: f["free_today"] for f in after["free"]} == {**free,
                                                                    "KUT": free["KUT"] - 1}


async def test_catalogue_page_does_a_fixed_number_of_queries(client, seeded, count_queries):
    await client.get("/", params={"q": "drill"})
    few = count_queries["n"]
    assert few > 0
    count_queries["n"] = 0
    await client.get("/")
    assert count_queries["n"] == few
    day = (today() + timedelta(days=1)).isoformat()
    count_queries["n"] = 0
    await client.get("/", params={"q": "drill", "from": day, "to": day, "centre": "SMG"})
    with_filters = count_queries["n"]
    count_queries["n"] = 0
    await client.get("/", params={"from": day, "to": day, "centre": "SMG"})
    assert count_queries["n"] == with_filters


# --- the JSON API ----------------------------------------------------------------------------


async def test_api_lists_tool_types_with_free_counts(client, seeded):
    response = await client.get("/api/v1/tool-types", params={"q": "drill"})
    assert response.status_code == 200
    body = response.json()
    drill = next(item for item in body["items"] if item["slug"] == "cordless-drill")
    assert drill["name_ka"] == DRILL and drill["daily_fee_tetri"] == 150
    free = {f["centre"]: f["free_today"] for f in drill["free"]}
    smg_units = await Unit.count().where((Unit.tool_type.slug == "cordless-drill")
                                         & (Unit.centre.code == "SMG"))
    assert free["SMG"] == smg_units - 1  # one demo drill is in maintenance
    assert body["total"] >= 1 and body["page"] == 1


async def test_api_filters_by_category_and_centre(client, seeded):
    garden = (await client.get("/api/v1/tool-types", params={"category": "garden"})).json()
    assert garden["items"] and all(i["category"] == "garden" for i in garden["items"])
    smg = (await client.get("/api/v1/tool-types", params={"centre": "SMG"})).json()
    assert all([f["centre"] for f in i["free"]] == ["SMG"] for i in smg["items"])
    unknown = await client.get("/api/v1/tool-types", params={"centre": "XXX"})
    assert unknown.status_code == 404 and unknown.json()["status"] == 404


async def test_api_one_tool_type_and_unknown_is_json_404(client, seeded):
    drill = await ToolType.select(ToolType.id).where(ToolType.slug == "cordless-drill").first()
    response = await client.get(f"/api/v1/tool-types/{drill['id']}")
    assert response.status_code == 200 and response.json()["slug"] == "cordless-drill"
    missing = await client.get("/api/v1/tool-types/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/json")
    assert missing.json()["status"] == 404
    bad = await client.get("/api/v1/tool-types/abc")
    assert bad.status_code == 404


async def test_api_is_in_the_openapi_schema(client):
    schema = (await client.get("/api/v1/schema/openapi.json")).json()
    assert "/api/v1/tool-types" in schema["paths"]
    assert "/api/v1/tool-types/{tool_type_id}" in schema["paths"]


async def test_api_does_a_fixed_number_of_queries(client, seeded, count_queries):
    await client.get("/api/v1/tool-types", params={"q": "drill"})
    few = count_queries["n"]
    count_queries["n"] = 0
    await client.get("/api/v1/tool-types")
    assert count_queries["n"] == few


async def test_inactive_centre_is_not_offered(client, seeded):
    await Centre.update({Centre.active: False}).where(Centre.code == "KUT")
    response = await client.get("/")
    assert 'value="KUT"' not in response.text


def card_of(page: str, name: str) -> str:
    """The HTML of the catalogue card of the tool type named `name`."""
    start = page.index(f"<h3>{name}</h3>")
    return page[start:page.index("</article>", start)]


async def test_a_member_sees_their_centre_and_the_others_counted(client, seeded):
    """Issue 21: a card names the member's home centre, not every centre of the network;
    "also at N other centres" leads to a booking page that lists where else it is lent."""
    from helpers import credentials, log_in

    from rental.tables import Member

    phone, password = credentials(seeded, "member")
    await Member.update({Member.language: "en"}).where(Member.phone == phone)
    await log_in(client, phone, password)
    home = (await Member.select(Member.home_centre).where(Member.phone == phone).first())[
        "home_centre"]
    other = await Centre.select().where(Centre.id != home).first()
    drill = await ToolType.select(ToolType.id, ToolType.name_en).where(
        ToolType.name_ka == DRILL).first()
    card = card_of((await client.get("/", params={"q": "drill"})).text, drill["name_en"])
    assert f'/tool-types/{drill["id"]}/book?centre={home}"' in card
    assert other["name_en"] not in card  # named on the page it leads to, not here
    also = f'/tool-types/{drill["id"]}/book?centre={other["id"]}#other-centres'
    assert also in card and "Also at 1 other centre" in card
    there = await client.get(also.split("#")[0])
    assert there.status_code == 200 and 'id="other-centres"' in there.text
    listed = there.text[there.text.index('id="other-centres"'):]
    # picked up here (the page it came from) unless the member chooses otherwise
    assert f'/tool-types/{drill["id"]}/book?centre={home}&pickup={other["id"]}"' in listed


async def test_a_visitor_sees_the_two_centres_with_most_free_of_a_network(client, seeded):
    """Four centres lend a tool type: a card names the two with the most units free and counts
    the other two, whose names stay off the card."""
    from inventory.tables import Category

    smg = await Centre.select().where(Centre.code == "SMG").first()
    made = []
    for code in ("RST", "ZGD"):
        made.append((await Centre.insert(Centre(
            code=code, name_ka=f"ცენტრი {code}", name_en=f"Centre {code}", name_ru="",
            address_ka="", address_en="", address_ru="", phone="", opening_days=smg["opening_days"],
            opens_at=smg["opens_at"], closes_at=smg["closes_at"], created_at=now())
        ).returning(Centre.id))[0]["id"])
    kut = (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]
    category = await Category.select(Category.id).first()
    tool = (await ToolType.insert(ToolType(
        slug="network-saw", category=category["id"], name_ka="ქსელის ხერხი", name_en="Network saw",
        daily_fee=200, deposit=0, max_loan_days=7, created_at=now(), search_text="network saw")
    ).returning(ToolType.id))[0]["id"]
    units = {smg["id"]: 1, kut: 1, made[0]: 2, made[1]: 3}
    await Unit.insert(*[Unit(tool_type=tool, centre=centre, asset_tag=f"N{centre}-{n}",
                             created_at=now())
                        for centre, count in units.items() for n in range(count)])
    client.cookies.set("lang", "en")
    card = card_of((await client.get("/", params={"q": "network saw"})).text, "Network saw")
    assert "Centre ZGD: 3 free today" in card and "Centre RST: 2 free today" in card
    assert smg["name_en"] not in card and "Also at 2 other centres" in card
    assert f"/tool-types/{tool}/book?centre={smg['id']}#other-centres" in card
