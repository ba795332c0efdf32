"""What an SMS costs and how it reads on any phone (pure).

A gateway bills an SMS per segment. Text written entirely in the GSM 03.38 alphabet goes as
GSM-7: 160 characters in one segment, 153 a segment when split (the rest of each holds the
header that joins them); the characters of its extension table (^{}\\[~]|€ and form feed) are
sent as an escape and the character, so they count 2 and are never split from their escape.
Anything else, Georgian among it, goes as UCS-2: 70 UTF-16 code units in one segment, 67 when
split, a character beyond the Basic Multilingual Plane (most emoji) counting 2 and never split
in half.

`to_latin` writes Georgian in the national romanization (the 2002 system of the State
Department of Geodesy and Cartography, Georgia's official one), with the ASCII apostrophe
for the ejectives so that the result is GSM-7: cheaper, and readable on phones that show
Georgian as boxes. It is a table, not a library: the Georgian package on PyPI (anbani) maps the
keyboard layout (თ -> T, ყ -> y), and ICU's rules are other systems (BGN/PCGN: თ -> t’,
წ -> ts; ISO 9984: letters with diacritics, which are not GSM-7). Russian goes by ICAO Doc 9303,
the system of Russian passports since 2014 (ж -> zh, щ -> shch, я -> ia), which is plain ASCII.
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# The 2002 national system, Mkhedruli letter by letter.
GEORGIAN_TO_LATIN = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t",
    "ი": "i", "კ": "k'", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p'", "ჟ": "zh",
    "რ": "r", "ს": "s", "ტ": "t'", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q'",
    "შ": "sh", "ჩ": "ch", "ც": "ts", "ძ": "dz", "წ": "ts'", "ჭ": "ch'", "ხ": "kh",
    "ჯ": "j", "ჰ": "h",
}
# ICAO Doc 9303, Cyrillic letter by letter (the soft sign is not written).
RUSSIAN_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# Mtavruli, Georgian's capitals (U+1C90...), used for whole words in capitals: the same
# letters in Latin capitals ('ᲗᲑᲘᲚᲘᲡᲘ' -> 'TBILISI').
MTAVRULI_OFFSET = ord("Ა") - ord("ა")
_LATIN = str.maketrans({
    **GEORGIAN_TO_LATIN,
    **{chr(ord(letter) + MTAVRULI_OFFSET): latin.upper()
       for letter, latin in GEORGIAN_TO_LATIN.items()},
    **RUSSIAN_TO_LATIN,
    **{cyrillic.upper(): latin.capitalize() for cyrillic, latin in RUSSIAN_TO_LATIN.items()},
    "₾": "GEL",  # the lari sign is not GSM-7; Latin text writes the currency's code
})


def is_gsm7(text: str) -> bool:
    """Every character is in the GSM 03.38 alphabet (its basic set or its extension table)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _units(text: str) -> tuple[list[int], int, int]:
    """The size of each character in the encoding the text goes in, and that encoding's limits
    for one segment and for each part of a split message."""
    if is_gsm7(text):
        return [2 if char in GSM7_EXTENSION else 1 for char in text], GSM7_SINGLE, GSM7_PART
    return [2 if ord(char) > 0xFFFF else 1 for char in text], UCS2_SINGLE, UCS2_PART


def segments(text: str) -> int:
    """The segments a gateway bills for `text` (an empty text is still one message)."""
    sizes, single, part = _units(text)
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:  # a character is never split across two parts
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def to_latin(text: str) -> str:
    """Georgian in the national Latin transliteration ('წყალი' -> "ts'q'ali"), Russian by
    ICAO ('Заберите' -> 'Zaberite'), and the lari sign as GEL; every other character
    unchanged."""
    return text.translate(_LATIN)
