"""Municipality from the list (rental/data/municipalities.json) instead of free text, for
members and centres: `municipality` becomes the code ('' when not given), checked against the
codes below; what was typed before is matched to a code by rental.kernel.municipalities
.recognise (a Python step after the SQL, which cannot do that matching) and, when it matches
nothing, kept in `municipality_text` for the coordinator to correct (the members page lists
those members, the donor report counts them as "not recognised"). A row has a code or such
text, never both.

The codes are written out here, not read from the data file, so that this migration does the
same thing on every database whatever the file says later: a new code in the file needs a new
migration (tests/rental/test_municipality_rules.py checks that the two agree).
"""

from piccolo.querystring import QueryString

from rental.kernel.db import engine, sql_migration
from rental.kernel.municipalities import BY_CODE, recognise

ID = "2026-12-05T13:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "member and centre: municipality as a code of the list, unrecognised text kept"

CODES = (
    "mtatsminda", "vake", "saburtalo", "krtsanisi", "isani", "samgori", "chugureti", "didube",
    "nadzaladevi", "gldani", "batumi", "keda", "kobuleti", "shuakhevi", "khelvachauri", "khulo",
    "ozurgeti", "lanchkhuti", "chokhatauri", "kutaisi", "baghdati", "vani", "zestaponi",
    "terjola", "samtredia", "sachkhere", "tkibuli", "tskaltubo", "chiatura", "kharagauli",
    "khoni", "telavi", "akhmeta", "gurjaani", "dedoplistskaro", "lagodekhi", "sagarejo",
    "sighnaghi", "kvareli", "mtskheta", "dusheti", "tianeti", "kazbegi", "ambrolauri",
    "lentekhi", "oni", "tsageri", "zugdidi", "poti", "abasha", "martvili", "mestia", "senaki",
    "chkhorotsku", "tsalenjikha", "khobi", "akhaltsikhe", "adigeni", "aspindza", "akhalkalaki",
    "borjomi", "ninotsminda", "rustavi", "bolnisi", "gardabani", "dmanisi", "tetritskaro",
    "marneuli", "tsalka", "gori", "kaspi", "kareli", "khashuri",
)
TABLES = ("member", "centre")
_KNOWN = ", ".join(f"'{code}'" for code in ("", *CODES))

FORWARDS = [
    statement
    for table in TABLES
    for statement in (
        f"ALTER TABLE {table} RENAME COLUMN municipality TO municipality_text",
        f"ALTER TABLE {table} ADD COLUMN municipality VARCHAR(40) NOT NULL DEFAULT '' "
        f"CHECK (municipality IN ({_KNOWN}) AND (municipality = '' OR municipality_text = ''))",
    )
]


def _english_names() -> str:
    """The backwards migration writes each code's English name back as the free text."""
    cases = " ".join(f"WHEN '{code}' THEN '{BY_CODE[code].name_en}'" for code in CODES)
    return f"CASE municipality {cases} ELSE municipality END"


BACKWARDS = [
    statement
    for table in reversed(TABLES)
    for statement in (
        f"UPDATE {table} SET municipality_text = {_english_names()}, municipality = '' "
        "WHERE municipality <> ''",
        f"ALTER TABLE {table} DROP COLUMN municipality",
        f"ALTER TABLE {table} RENAME COLUMN municipality_text TO municipality",
    )
]


async def recognise_typed_text() -> None:
    """Each distinct text typed before: its code when the list knows it (the text is then
    cleared), otherwise left as it is, for the coordinator."""
    db = engine()
    for table in TABLES:
        rows = await db.run_querystring(QueryString(
            f"SELECT DISTINCT municipality_text AS text FROM {table} "
            "WHERE municipality_text <> ''"))
        for row in rows:
            code = recognise(row["text"])
            if code is not None:
                await db.run_querystring(QueryString(
                    f"UPDATE {table} SET municipality = {{}}, municipality_text = '' "
                    "WHERE municipality_text = {}", code, row["text"]))


async def forwards():
    manager = sql_migration(migration_id=ID, app_name="rental", description=DESCRIPTION,
                            forwards=FORWARDS, backwards=BACKWARDS)
    manager.add_raw(recognise_typed_text)
    return manager
