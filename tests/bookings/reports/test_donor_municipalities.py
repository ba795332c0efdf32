"""The donor report counts members by municipality from the list: 'Kutaisi' and 'ქუთაისი'
typed before the list are one municipality, named in the reader's language; text that
matches nothing is one "not recognised" line, on the page and in the exports."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import UTC, date, datetime

from bookings.reports import exports
from bookings.reports import queries as reports
from bookings.reports.rules import period_of
from rental.kernel import i18n
from rental.tables import Member, Membership, MembershipType

MIGRATION = importlib.import_module(
    "rental.piccolo_migrations.rental_2026_12_05t13_10_00_000000")
NOVEMBER = period_of("month", date(2026, 11, 1))
ON = date(2026, 12, 2)
JOINED = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


async def _members_typed_before_the_list(typed: dict[str, str]) -> None:
    """Members who joined in November, their municipality as the desk typed it before the
    list (what the migration's SQL left), matched by the migration's own step."""
    kind = (await MembershipType.insert(MembershipType(
        slug="standard", name_ka="სტანდარტული", validity_days=365, max_tools_out=3,
        max_open_bookings=3)).returning(MembershipType.id))[0]["id"]
    for phone, text in typed.items():
        member = (await Member.insert(Member(
            name="წევრი", phone=phone, role="member", status="active", created_at=JOINED,
            updated_at=JOINED, municipality_text=text)).returning(Member.id))[0]["id"]
        await Membership.insert(Membership(
            member=member, membership_type=kind, starts_on=JOINED.date(),
            ends_on=date(2027, 11, 9), status="active", created_at=JOINED))
    await MIGRATION.recognise_typed_text()


async def test_kutaisi_and_its_georgian_name_are_one_municipality():
    await _members_typed_before_the_list({
        "+995555300001": "Kutaisi", "+995555300002": "ქუთაისი", "+995555300003": "kutaisi ",
        "+995555300004": "Samgori district", "+995555300005": "Foo",
        "+995555300006": "Tbilisi"})
    report = await reports.donor(reports.Scope(None, "Asia/Tbilisi"), NOVEMBER, ON)
    table = next(t for t in report["tables"] if t.name == "by_municipality")
    assert [(row["value"], row["name_en"], row.get("fallback"), row["new"])
            for row in table.rows] == [
        ("samgori", "Samgori", None, 1),
        ("kutaisi", "Kutaisi", None, 3),
        ("?", "", "Not recognised", 2),  # Foo, and Tbilisi without its district
    ]
    assert table.columns[0].kind == "name"  # shown in the reader's language
    assert table.note and "Members page" in table.note  # where to choose it for each

    token = i18n.current_locale.set("ka")
    try:
        lines = list(csv.reader(io.StringIO(exports.csv_bytes(table).decode("utf-8-sig"))))
    finally:
        i18n.current_locale.reset(token)
    assert [line[0] for line in lines[1:]] == [
        "სამგორი", "ქუთაისი", i18n.translations("ka").gettext("Not recognised"),
        i18n.translations("ka").gettext("Total")]
