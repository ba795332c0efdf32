"""Georgia's municipalities (and Tbilisi's districts): the fixed list members and centres choose
from, read from rental/data/municipalities.json, and the matching of free text to it. Pure:
plain values in, plain values out.

A member's or a centre's `municipality` is a code of this list ('' when not given). Text typed
before the list existed is matched by `recognise`: without case, punctuation or the words
'district', 'municipality', 'city' (and their Georgian and Russian words, the Georgian
genitive too), on any of the names and the listed aliases. "Tbilisi" on its own is *not*
recognised: a Tbilisi member lives in one of its ten districts, and the donor report counts
districts; such text stays as it was typed and the desk chooses the district.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parents[1] / "data" / "municipalities.json"
NAME_LANGUAGES = ("ka", "en", "ru")

# words around a place's name that say what kind of place it is
FILLER_WORDS = frozenset({
    "district", "municipality", "municipal", "city", "town", "of", "the", "raion", "rayon",
    "region", "r", "n", "rn", "georgia",
    "რაიონი", "რაიონის", "რ", "ნ", "ნი", "მუნიციპალიტეტი", "მუნიციპალიტეტის", "მუნ", "ქალაქი",
    "ქალაქის", "ქ", "საქართველო", "საქართველოს",
    "район", "района", "р", "н", "рн", "муниципалитет", "муниципалитета", "город", "города", "г",
    "грузия", "грузии",
})
_PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Municipality:
    code: str
    region: str  # the region's code
    name_ka: str
    name_en: str
    name_ru: str
    aliases: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        return _in(self, locale)


@dataclass(frozen=True)
class Region:
    code: str
    name_ka: str
    name_en: str
    name_ru: str
    municipalities: tuple[Municipality, ...]

    def name(self, locale: str) -> str:
        return _in(self, locale)


def _in(place: Municipality | Region, locale: str) -> str:
    """The name in a language of the list; any other language reads the Georgian name."""
    return getattr(place, f"name_{locale}") if locale in NAME_LANGUAGES else place.name_ka


def load(text: str) -> tuple[Region, ...]:
    """The regions and their municipalities, in the order of the file."""
    data = json.loads(text)
    return tuple(
        Region(region["code"], region["ka"], region["en"], region["ru"], tuple(
            Municipality(item["code"], region["code"], item["ka"], item["en"], item["ru"],
                         tuple(item.get("aliases", ())))
            for item in region["municipalities"]))
        for region in data["regions"])


REGIONS: tuple[Region, ...] = load(DATA_FILE.read_text(encoding="utf-8"))
BY_CODE: dict[str, Municipality] = {m.code: m for r in REGIONS for m in r.municipalities}
CODES: tuple[str, ...] = tuple(BY_CODE)


def words(text: str) -> list[str]:
    """Lower-case words of a text, its punctuation dropped."""
    return [word for word in _PUNCTUATION.split(text.casefold()) if word]


def key(text: str) -> str:
    """What two spellings of one place have in common: its words without the fillers, joined."""
    return "".join(word for word in words(text) if word not in FILLER_WORDS)


def georgian_genitive(name: str) -> str:
    """'სამგორი' -> 'სამგორის', 'ვაკე' -> 'ვაკის', 'ქედა' -> 'ქედის', 'ხულო' -> 'ხულოს'."""
    if name.endswith(("ი", "ა", "ე")):
        return name[:-1] + "ის"
    return name + "ს"


def _spellings(place: Municipality | Region) -> list[str]:
    names = [place.name_ka, place.name_en, place.name_ru, place.code,
             *getattr(place, "aliases", ())]
    return [*names, georgian_genitive(place.name_ka)]


@cache
def _index() -> tuple[dict[str, str], frozenset[str]]:
    """Each spelling's key -> its municipality's code; and the keys of the regions' names."""
    codes: dict[str, str] = {}
    for municipality in BY_CODE.values():
        for spelling in _spellings(municipality):
            found = codes.setdefault(key(spelling), municipality.code)
            if found != municipality.code:
                raise ValueError(f"{spelling!r} names both {found} and {municipality.code}")
    regions = frozenset(word for region in REGIONS for spelling in _spellings(region)
                        for word in words(spelling)) - codes.keys()
    return codes, regions


def recognise(text: str) -> str | None:
    """The code of the municipality a free text names, or None: 'Kutaisi', ' kutaisi ',
    'ქ. ქუთაისი' and 'Кутаиси' are 'kutaisi'; 'Samgori district', 'სამგორის რაიონი' and
    'Tbilisi, Samgori' are 'samgori'; 'Tbilisi' alone is None (which district?)."""
    codes, regions = _index()
    found = codes.get(key(text))
    if found is None:  # the region or city around the name: 'Tbilisi, Samgori', 'Imereti, Vani'
        inner = [word for word in words(text)
                 if word not in FILLER_WORDS and word not in regions]
        found = codes.get("".join(inner)) if inner else None
    return found


def is_code(value: object) -> bool:
    return isinstance(value, str) and value in BY_CODE


def name(code: str | None, locale: str) -> str:
    """A code's name in a language; '' for no code, the code itself if it is not on the list."""
    if not code:
        return ""
    municipality = BY_CODE.get(code)
    return municipality.name(locale) if municipality else code


def choices(locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The list as a form offers it: (region's name, [(code, name)]), regions in the order of
    the file (Tbilisi first), municipalities by their names in that language."""
    return [(region.name(locale), sorted(((m.code, m.name(locale))
                                          for m in region.municipalities),
                                         key=lambda choice: choice[1].casefold()))
            for region in REGIONS]


def ordered(codes: list[str]) -> list[str]:
    """Codes in the order of the list (region by region), those not on it last."""
    position = {code: index for index, code in enumerate(CODES)}
    return sorted(codes, key=lambda code: (position.get(code, len(position)), code))
