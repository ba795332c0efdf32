"""Kits: a tool type's parts list, a unit's own counts, and what a part not brought back costs.
Pure: plain values in, plain values out.

A part is a mapping with `id`, `name_ka`, `name_en`, `name_ru`, `count` (the type's),
`replacement_cost` (tetri, one piece) and `position`; a unit's overrides map a part id to its
own count. Missing parts map a part id to how many did not come back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.forms import Form
from rental.kernel.i18n import N_
from rental.kernel.values import parse_int, parse_money

Errors = dict[str, Any]
MAX_COUNT = 1000  # pieces of one part in a kit
MAX_COST = 100_000_000  # tetri: a million lari


def clean_part(data: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """The part form (name in each language, count, replacement cost in GEL, order) ->
    (values, errors by field)."""
    form = Form(data)
    values = {
        "name_ka": form.text("name_ka", 100, required=True),
        "name_en": form.text("name_en", 100, required=True),
        "name_ru": form.text("name_ru", 100),
        "count": form.parsed("count", lambda t: parse_int(
            t or "1", minimum=0, maximum=MAX_COUNT)),
        "replacement_cost": form.parsed("replacement_cost", lambda t: parse_money(
            t, required=False) or 0),
        "position": form.parsed("position", lambda t: parse_int(
            t or "0", minimum=0, maximum=10_000)),
    }
    cost = values["replacement_cost"]
    if cost is not None and not 0 <= cost <= MAX_COST:
        form.errors["replacement_cost"] = N_("Enter an amount of zero or more.")
    return values, form.errors


def same_name(parts: list[Mapping[str, Any]], values: Mapping[str, Any],
              part_id: int | None = None) -> Errors:
    """A name another part of the same tool type has already, by field (the database refuses
    it too; this says which)."""
    errors: Errors = {}
    for other in parts:
        if other["id"] == part_id:
            continue
        for name in ("name_ka", "name_en"):
            if values.get(name) and other[name] == values[name]:
                errors[name] = N_("This tool type has a part with this name already.")
    return errors


def effective_parts(parts: list[Mapping[str, Any]], overrides: Mapping[int, int]
                    ) -> list[dict[str, Any]]:
    """A unit's parts list: its type's parts in order, each with the unit's own `count` where
    it has one (`type_count`: the type's); a part the unit lacks (0) stays listed."""
    ordered = sorted(parts, key=lambda part: (part["position"], part["id"]))
    return [{**part, "type_count": part["count"],
             "count": overrides.get(part["id"], part["count"])} for part in ordered]


def missing_problems(parts: list[Mapping[str, Any]], missing: Mapping[int, int]) -> Errors:
    """What is wrong with the missing parts said for a unit whose list is `parts` (effective
    counts): a part not on it, a negative count, more than went out. Keyed by part id."""
    counts = {part["id"]: part["count"] for part in parts}
    errors: Errors = {}
    for part_id, count in missing.items():
        if part_id not in counts:
            errors[str(part_id)] = N_("This part is not on the unit's list.")
        elif count < 0:
            errors[str(part_id)] = N_("Enter a number of zero or more.")
        elif count > counts[part_id]:
            errors[str(part_id)] = (N_("At most %(count)s went out."),
                                    {"count": counts[part_id]})
    return errors


def missing_lines(parts: list[Mapping[str, Any]], missing: Mapping[int, int]
                  ) -> list[dict[str, Any]]:
    """Each part on the list with how many went out (`out`), came back (`back`), are missing
    and what they cost (`charge`: replacement cost × missing), in the list's order."""
    lines = []
    for part in parts:
        gone = max(0, min(missing.get(part["id"], 0), part["count"]))
        lines.append({"id": part["id"], "name_ka": part["name_ka"], "name_en": part["name_en"],
                      "name_ru": part["name_ru"], "out": part["count"],
                      "back": part["count"] - gone, "missing": gone,
                      "charge": gone * part["replacement_cost"]})
    return lines


def missing_charge(parts: list[Mapping[str, Any]], missing: Mapping[int, int]) -> int:
    """What the parts not brought back cost to replace, in tetri."""
    return sum(line["charge"] for line in missing_lines(parts, missing))


def counts_after(parts: list[Mapping[str, Any]], missing: Mapping[int, int]) -> dict[int, int]:
    """The unit's own counts of the parts that did not all come back: what it has now."""
    return {line["id"]: line["back"] for line in missing_lines(parts, missing)
            if line["missing"]}


def missing_note(parts: list[Mapping[str, Any]], missing: Mapping[int, int]) -> str:
    """The missing parts in words for a maintenance ticket: "Charger / დამტენი × 1; ..."."""
    return "; ".join(f"{line['name_en']} / {line['name_ka']} × {line['missing']}"
                     for line in missing_lines(parts, missing) if line["missing"])


def parts_snapshot(parts: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What went out, as a receipt keeps it (the names as they were then, and the counts)."""
    return [{"name_ka": part["name_ka"], "name_en": part["name_en"],
             "name_ru": part["name_ru"], "count": part["count"]} for part in parts
            if part["count"]]
