"""The catalogue search's rules: which words of a query must appear in a tool type's search text,
and in which forms. Pure: plain values in and out, no database.

Georgian glues case endings, the plural -ებ- and postpositions onto a noun (ბურღი, ბურღის,
ბურღებით, ბურღებისთვის), drops a stem's last vowel before some endings (ფილა -> ფილის,
კიბე -> კიბით) and squeezes one out of the middle of others (ქამარი -> ქამრები, მაკრატელი ->
მაკრატლის). So the query, not the stored text, is reduced to a stem: the longest ending it
carries is taken off (a stem keeps at least three letters) and then a final vowel, and the stem
must begin a word of a name (or, from four letters on, appear inside one: Georgian compounds
such as ბუჩქსაკრეჭი or მილსაჭრელი hold the word searched for). A stem that ends in a vowel and
a consonant may lose that vowel (ქამარ -> ქამრ), one that ends in two consonants may have one
put back (ნიჩბ -> ნიჩაბ). English and Russian endings are taken off the same way, more lightly.
Every word of a query must match, in any order; wildcards typed are never obeyed, as only
letters and digits make a word.
"""

from __future__ import annotations

import os
import unicodedata
from itertools import groupby, product

MAX_QUERY = 200  # characters of a query looked at
MAX_WORDS = 8  # words of a query that must match; the rest are ignored
MIN_STEM = 3  # letters an ending may leave of a word
INFIX_MIN = 4  # a stem this long also matches inside a word (compounds)
# what may stand right before a word in a tool type's search text
WORD_BREAKS = (" ", "-", "(", "/", ",")
WORD_BREAKS_TEXT = "".join(WORD_BREAKS)

GEORGIAN_VOWELS = frozenset("აეიოუ")
# per alphabet: its vowels, and those a stem loses from its last syllable (ქამარი -> ქამრის,
# замок -> замка)
FLEETING = {
    "georgian": (GEORGIAN_VOWELS, ("ა", "ე")),
    "cyrillic": (frozenset("аеёиоуыэюя"), ("о", "е", "ё")),
}

# plural, then a case ending with or without a postposition, then a particle
_PLURAL = ("", "ებ")
_CASES = (
    "", "ი", "ის", "ს", "ით", "თ", "თი", "ად", "დ", "ო", "მა", "მ", "ისა", "ითა", "ადა", "სა",
    "ში", "ზე", "თან", "სთან", "ისთვის", "ისათვის", "თვის", "იდან", "დან", "ამდე", "მდე", "ისკენ",
    "კენ", "ისგან", "გან", "ივით", "ვით", "სავით", "ზედ", "ადმი",
)
_PARTICLES = ("", "ც", "აც", "ვე")
GEORGIAN_ENDINGS = tuple(sorted(
    {"".join(parts) for parts in product(_PLURAL, _CASES, _PARTICLES)} - {""},
    key=len, reverse=True,
))
_GEORGIAN_ENDING_SET = frozenset(GEORGIAN_ENDINGS)
ENGLISH_ENDINGS = ("ings", "ing", "ers", "er", "ies", "es", "s")
RUSSIAN_ENDINGS = tuple(sorted(
    ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ий", "ый", "ая",
     "яя", "ое", "ее", "ую", "юю", "ов", "ев", "ах", "ях", "ам", "ям", "ом", "ем", "ью", "а",
     "я", "ы", "и", "у", "ю", "е", "о", "ь"),
    key=len, reverse=True,
))
# words that say nothing about a tool: left out of a query that has other words
STOP_WORDS = frozenset({
    "და", "ან", "თუ", "the", "a", "an", "and", "or", "of", "for", "with", "to", "in", "on",
    "и", "или", "для", "с", "со", "на", "в", "во", "из",
})


def script(char: str) -> str | None:
    """The alphabet a character belongs to, for splitting words: None for anything that is not
    a letter or a digit (spaces, punctuation, wildcards, combining marks on their own)."""
    if char.isdigit():
        return "digit"
    if not char.isalpha():
        return None
    if "\u10a0" <= char <= "\u10ff" or "\u1c90" <= char <= "\u1cbf" or "\u2d00" <= char <= "\u2d2f":
        return "georgian"
    if "a" <= char <= "z" or "\u00c0" <= char <= "\u024f":
        return "latin"
    if "\u0400" <= char <= "\u04ff":
        return "cyrillic"
    return "other"


def words(text: str) -> list[tuple[str, str]]:
    """The words of a text as (script, word), lower case (Mtavruli folds to Mkhedruli),
    NFKC-normalised; a change of alphabet starts a new word."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return [(kind, "".join(chars)) for kind, chars in groupby(folded, key=script)
            if kind is not None]


def _strip(word: str, endings: tuple[str, ...]) -> str:
    """The word without the longest of `endings` that leaves MIN_STEM letters."""
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def stem(word: str, kind: str = "georgian") -> str:
    """What is left of a word for matching: ბურღებით -> ბურღ, ფილა -> ფილ, drills -> drill,
    дрелью -> дрел. Words shorter than MIN_STEM + 1 and numbers stay as they are."""
    if kind == "georgian":
        bare = _strip(word, GEORGIAN_ENDINGS)
        if len(bare) > MIN_STEM and bare[-1] in GEORGIAN_VOWELS:
            bare = bare[:-1]  # ფილა -> ფილ, კიბე -> კიბ, ტუმბო -> ტუმბ
        return bare
    if kind == "latin":
        return _strip(word, ENGLISH_ENDINGS) if not word.endswith("ss") else word
    if kind == "cyrillic":
        return _strip(word, RUSSIAN_ENDINGS)
    return word


def variants(bare: str, kind: str) -> tuple[str, ...]:
    """A stem and the forms it takes when a vowel is squeezed out of or put back into its last
    syllable: ქამარ -> (ქამარ, ქამრ); ნიჩბ -> (ნიჩბ, ნიჩაბ, ნიჩებ); отвёртк -> (..., отвёрток)."""
    if kind not in FLEETING or len(bare) < MIN_STEM:
        return (bare,)
    vowels, fleeting = FLEETING[kind]
    found = [bare]
    last, before, third = bare[-1], bare[-2], bare[-3]
    if last in vowels:
        return (bare,)
    if before in fleeting and third not in vowels and len(bare) - 1 >= MIN_STEM:
        found.append(bare[:-2] + last)
    if before not in vowels:
        found.extend(bare[:-1] + vowel + last for vowel in fleeting)
    return tuple(found)


def word_forms(kind: str, word: str) -> tuple[str, ...]:
    """The stems one word of a query may match, the word's own stem first."""
    if len(word) <= MIN_STEM:
        return (word,)
    return variants(stem(word, kind), kind)


def like_patterns(form: str, *, inside: bool = True) -> tuple[str, ...]:
    """LIKE patterns for a search text with a word that begins with `form` (or, for a long
    enough form, a word that holds it). The form holds only letters and digits."""
    if inside and len(form) >= INFIX_MIN and not form.isdigit():
        return (f"%{form}%",)
    return (f"{form}%", *(f"%{mark}{form}%" for mark in WORD_BREAKS))


def is_ending(kind: str, word: str) -> bool:
    """A Georgian ending typed on its own (ის, ებით, ისთვის): it begins no tool's name, while
    inside one it would match nearly every name."""
    return kind == "georgian" and word in _GEORGIAN_ENDING_SET


def query_terms(query: str) -> list[tuple[str, ...]]:
    """What a query asks for: one tuple of LIKE patterns per word, of which each tuple must have
    one pattern that matches. No words (blank, only punctuation or wildcards) -> []: no filter."""
    found = words(query[:MAX_QUERY])
    meaningful = [(kind, word) for kind, word in found if word not in STOP_WORDS]
    chosen = meaningful or found
    terms: list[tuple[str, ...]] = []
    for kind, word in dict.fromkeys(chosen):
        if is_ending(kind, word):
            patterns = like_patterns(word, inside=False)
        else:
            patterns = tuple(dict.fromkeys(
                pattern for form in word_forms(kind, word) for pattern in like_patterns(form)
            ))
        if patterns not in terms:
            terms.append(patterns)
    return terms[:MAX_WORDS]


def screen(term: tuple[str, ...]) -> str | None:
    """A LIKE pattern that every pattern of a term implies (the longest beginning their forms
    share, anywhere in the text), or None for a term of one pattern: asked first, it spares
    the database the term's other patterns on nearly every row that does not match."""
    if len(term) < 2:
        return None
    shared = os.path.commonprefix([pattern.strip("%").lstrip(WORD_BREAKS_TEXT)
                                   for pattern in term])
    return f"%{shared}%" if len(shared) >= 2 else None


def matches(query: str, text: str) -> bool:
    """Whether a search text answers a query, as the database's LIKE would decide it (for
    measuring and testing without one)."""
    return all(any(_like(pattern, text) for pattern in term) for term in query_terms(query))


def _like(pattern: str, text: str) -> bool:
    """LIKE with only `%` (query_terms never yields `_`), on lower-case text."""
    parts = pattern.split("%")
    if not text.startswith(parts[0]):
        return False
    position = len(parts[0])
    for part in parts[1:-1]:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return text.endswith(parts[-1]) and len(text) - len(parts[-1]) >= position
