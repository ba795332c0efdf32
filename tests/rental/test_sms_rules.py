"""What an SMS costs and how Georgian reads in Latin letters (rental.sms_rules): tables of
cases, no database."""

from __future__ import annotations

import pytest

from rental.sms_rules import is_gsm7, segments, to_latin

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

KA = "ა"  # one Georgian letter: one UTF-16 code unit, UCS-2
EMOJI = "🔧"  # beyond the Basic Multilingual Plane: a surrogate pair, two code units


@pytest.mark.parametrize("text, expected", [
    ("", 1),  # an empty message is still one
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),  # 2 x 153
    ("a" * 307, 3),
    (KA * 70, 1),
    (KA * 71, 2),
    (KA * 134, 2),  # 2 x 67
    (KA * 135, 3),
    ("a" * 69 + KA, 1),
    ("a" * 159 + KA, 3),  # one Georgian letter makes the whole text UCS-2: 160 / 67
    ("€" * 80, 1),  # the extension table counts 2: 160
    ("a" * 159 + "€", 2),  # 161
    ("[" * 152, 2),  # 304 septets: 76 brackets a part
    ("[" * 153, 3),  # 306 septets, yet a bracket is never split from its escape
    ("a" * 152 + "{" + "a" * 152, 3),  # 306, but the escape and its brace stay in one part
    ("a" * 151 + "{" + "a" * 153, 2),  # 153 + 153: the brace fits at the end of the first
    (EMOJI * 35, 1),  # 70 code units
    (EMOJI * 35 + "a", 2),
    ((EMOJI * 33 + "a") * 2, 2),  # 67 | 67
    (EMOJI * 67, 3),  # 134 code units, but 67 is odd: 66 | 66 | 2
    ("a" * 66 + EMOJI + "a" * 66, 3),  # the pair is not split: 66 | 2 + 66 is one too many
    ("a" * 65 + EMOJI + "a" * 67, 2),  # 67 | 67
    ("Return tomorrow: Wire stripper, Samgori centre, +995322470815", 1),
])
def test_segments(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Hello, world! 12:30 @ £5 ¥ è é Ä ß Ω", True),
    ("^{}\\[~]|€", True),  # the extension table
    ("line\nbreak\r", True),
    ("ხელსაწყო", False),
    ("12,50 ₾", False),  # the lari sign is not GSM-7
    ("GEL\xa012.50", False),  # a no-break space is not either
    ("2:30\u202fPM", False),  # nor Babel's narrow one
    ("en – dash", False),
    ("`grave`", False),
    (EMOJI, False),
    ("", True),
])
def test_is_gsm7(text, expected):
    assert is_gsm7(text) is expected


@pytest.mark.parametrize("georgian, latin", [
    ("თბილისი", "tbilisi"),
    ("წყალი", "ts'q'ali"),
    # the system writes კ as k' (ქ is k), so the last letters are k'i
    ("ჭანჭიკი", "ch'anch'ik'i"),
    ("ქუთაისი", "kutaisi"),
    ("ხელსაწყო", "khelsats'q'o"),
    ("ჟურნალი", "zhurnali"),
    ("ღვინო", "ghvino"),
    ("შაბათი", "shabati"),
    ("ჩაი", "chai"),
    ("ცენტრი", "tsent'ri"),
    ("ძმა", "dzma"),
    ("ჯავშანი", "javshani"),
    ("ჰაერი", "haeri"),
    ("პური", "p'uri"),
    ("ფული", "puli"),
    ("ზღვა", "zghva"),
    ("ᲗᲑᲘᲚᲘᲡᲘ", "TBILISI"),  # Mtavruli capitals
    ("12,50 ₾", "12,50 GEL"),
    ("ხვალ დააბრუნეთ: ბურღი (SMG-0042), +995322470815.",
     "khval daabrunet: burghi (SMG-0042), +995322470815."),
    ("Return tomorrow: Wire stripper", "Return tomorrow: Wire stripper"),  # unchanged
    ("", ""),
    # Russian by ICAO Doc 9303, as in Russian passports
    ("Заберите завтра: дрель", "Zaberite zavtra: drel"),
    ("Щётка, Жёлтая", "Shchetka, Zheltaia"),
    ("Юрий Хачатурян", "Iurii Khachaturian"),
    ("подъезд", "podieezd"),
])
def test_to_latin(georgian, latin):
    assert to_latin(georgian) == latin


def test_every_georgian_letter_of_the_system_becomes_gsm7():
    alphabet = "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"
    latin = to_latin(alphabet)
    assert is_gsm7(latin) and latin.isascii()
    assert to_latin(alphabet.upper()) == latin.upper()  # Unicode's capitals are Mtavruli


def test_every_russian_letter_becomes_gsm7():
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    latin = to_latin(alphabet + alphabet.upper())
    assert is_gsm7(latin) and latin.isascii()
