"""One Georgian word a concept (issue 17, item 17): the glossary below is the table translators
follow; it reads the Georgian catalog and fails when a translation uses a word the glossary
forbids for the concept its English names, or leaves the concept's word out.

A concept: the English that names it (a regular expression over the message id, placeholders
removed), the stem of its one Georgian word (Georgian inflects: ქვითარი, ქვითრის), the
synonyms it replaces, and whether each message naming it must say the word (where English
uses the word in other senses too, only the synonyms are checked)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from babel.messages.pofile import read_po

from rental.kernel.i18n import LOCALE_DIR

pytestmark = pytest.mark.no_database  # reads the catalog only


@dataclass(frozen=True)
class Concept:
    english: str  # a regular expression, case-insensitive
    georgian: str  # the stem every translation of the concept uses
    forbidden: tuple[str, ...]  # synonyms (stems) it replaces
    required: bool = True


GLOSSARY = {
    "deposit": Concept(r"\bdeposits?\b", "გირაო", ("დეპოზიტ",)),
    "receipt": Concept(r"\breceipts?\b", "ქვით", ("ჩეკ",)),
    "booking": Concept(r"\bbook(s|ed|ing|ings)?\b", "ჯავშ", ("რეზერვ",)),
    "tool": Concept(r"\btools?\b(?! type)", "ხელსაწყო", ("იარაღ", "ინსტრუმენტ")),
    "member": Concept(r"(?<!staff )\bmembers?\b|\bmembership", "წევრ", ("მომხმარებ", "აბონენტ")),
    "debt": Concept(r"\bowed\b|\bowing\b|\bdebts?\b", "დავალიან", ("ვალი ", "ვალის ")),
    # განახლება, განაახლეთ, ანახლებთ, განსაახლებელი: the stem is -ახლ-
    "renew": Concept(r"\brenew", "ახლ", ("გრძელ",)),
    # 'come to the desk' may be 'come to the centre': only the synonym is checked
    "desk": Concept(r"\bdesks?\b", "მისაღებ", ("მაგიდ",), required=False),
    "funder": Concept(r"\bfunders?\b", "დამფინანს", ("სპონსორ", "დონორ")),
    "waiver": Concept(r"\bwaive", "პატი", ("ჩამოწერ",)),  # ჩამოწერა is retiring a unit
    "session": Concept(r"\bsessions?\b", "შეხვედრ", ("სესი",)),
    "payment method": Concept(r"\bpayment method|^paid by$", "გადახდის მეთოდ",
                              ("დამფინანს",)),
    "label": Concept(r"\blabels?\b", "ეტიკეტ", ("იარლიყ",)),
    "asset tag": Concept(r"\basset tags?\b", "ინვენტარის ნომ", ("საინვენტარო",)),
}
NEVER = ("დეპოზიტ",)  # words no Georgian text of ours uses, whatever it is about

# Russian (rental/locale/GLOSSARY.md): the same rule, stems of Russian words
RUSSIAN = {
    "deposit": Concept(r"\bdeposits?\b", "залог", ("депозит",)),
    "receipt": Concept(r"\breceipts?\b", "квитанц", ("чек",)),
    "booking": Concept(r"\bbook(s|ed|ing|ings)?\b", "брон", ("резерв",)),
    "tool": Concept(r"\btools?\b(?! type)", "инструмент", ("прибор", "оборудован")),
    "member": Concept(r"(?<!staff )\bmembers?\b", "участник",
                      ("пользовател", "клиент", "абонент")),
    "membership": Concept(r"\bmembership", "членств", ("абонемент", "подписк")),
    "debt": Concept(r"\bowed\b|\bowing\b|\bdebts?\b", "задолж", ("долг ", "долга")),
    "renew": Concept(r"\brenew", "продл", ("пролонг",)),
    "desk": Concept(r"\bdesks?\b", "стойк", ("ресепшн", "приёмн"), required=False),
    "funder": Concept(r"\bfunders?\b", "финансирующ", ("спонсор", "донор")),
    "session": Concept(r"\bsessions?\b", "заняти", ("сесси", "семинар")),
}

PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]")


def georgian_catalog(language: str = "ka") -> list[tuple[str, str]]:
    """(message id, translation) for every translated message, plural forms each."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    pairs = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs.extend((ids[0], text) for text in texts if text)
    return pairs


@pytest.mark.parametrize("concept", GLOSSARY, ids=str)
def test_one_georgian_word_per_concept(concept):
    rule = GLOSSARY[concept]
    wrong = []
    for english, georgian in georgian_catalog():
        if not re.search(rule.english, PLACEHOLDER.sub("", english), re.IGNORECASE):
            continue
        synonyms = [word for word in rule.forbidden if word in georgian]
        if synonyms or (rule.required and rule.georgian not in georgian):
            wrong.append(f"{english!r} -> {georgian!r}")
    assert wrong == [], f"{concept} is '{rule.georgian}…' in Georgian:\n" + "\n".join(wrong)


@pytest.mark.parametrize("concept", RUSSIAN, ids=str)
def test_one_russian_word_per_concept(concept):
    rule = RUSSIAN[concept]
    wrong = []
    for english, russian in georgian_catalog("ru"):
        if not re.search(rule.english, PLACEHOLDER.sub("", english), re.IGNORECASE):
            continue
        text = russian.lower()
        synonyms = [word for word in rule.forbidden if word in text]
        if synonyms or (rule.required and rule.georgian not in text):
            wrong.append(f"{english!r} -> {russian!r}")
    assert wrong == [], f"{concept} is '{rule.georgian}…' in Russian:\n" + "\n".join(wrong)


def test_no_georgian_text_uses_a_word_the_glossary_retired():
    used = [(english, georgian) for english, georgian in georgian_catalog()
            if any(word in georgian for word in NEVER)]
    assert used == []


@pytest.mark.parametrize(
    ("english", "georgian", "concept", "ok"),
    [
        pytest.param("Deposit", "გირაო", "deposit", True, id="the-word"),
        pytest.param("Deposit taken", "დეპოზიტი აღებულია", "deposit", False, id="synonym"),
        pytest.param("Paid by", "დამფინანსებელი", "payment method", False,
                     id="payment-method-is-not-the-funder"),
        pytest.param("Paid by", "გადახდის მეთოდი", "payment method", True, id="method"),
        pytest.param("Covered by %(funder)s", "ფარავს: %(funder)s", "funder", True,
                     id="a-placeholder-is-not-the-word"),
        pytest.param("By staff member", "თანამშრომლების მიხედვით", "member", True,
                     id="staff-member-is-not-a-member"),
        pytest.param("Renewal", "გაგრძელება", "renew", False, id="extend-is-not-renew"),
        pytest.param("Back to the desk", "მაგიდასთან დაბრუნება", "desk", False,
                     id="table-is-not-the-desk"),
    ],
)
def test_the_glossary_rules_themselves(english, georgian, concept, ok):
    rule = GLOSSARY[concept]
    applies = re.search(rule.english, PLACEHOLDER.sub("", english), re.IGNORECASE)
    breaks = bool(applies) and (any(word in georgian for word in rule.forbidden)
                                or (rule.required and rule.georgian not in georgian))
    assert breaks is not ok
