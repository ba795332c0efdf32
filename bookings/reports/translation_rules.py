"""Which texts of the records people read are not yet written in a language: pure, the
records come in as plain rows with a column per field and language (`name_ka`, `name_en` ...).

The first language (Georgian) is always written; a text is missing in another language when it
is empty there while the Georgian is written (an empty Georgian text has nothing to translate)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def untranslated(rows: Sequence[Mapping[str, Any]], fields: Sequence[str],
                 languages: Sequence[str]) -> dict[str, list[tuple[Mapping[str, Any], str]]]:
    """For each language after the first: the (row, field) pairs whose text is missing in it,
    in the rows' order and then the fields'."""
    first, *others = languages

    def written(row: Mapping[str, Any], field: str, language: str) -> bool:
        return bool((row.get(f"{field}_{language}") or "").strip())

    return {language: [(row, field) for row in rows for field in fields
                       if written(row, field, first) and not written(row, field, language)]
            for language in others}
