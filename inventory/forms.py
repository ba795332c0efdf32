"""Reading the catalogue forms: typed text in, clean values and error message ids out. Pure.

Each `clean_*` returns (values, errors); `errors` maps a field name to a message id (marked N_)
or to (message id, params), which the form macros translate next to the field. Values are
only written when `errors` is empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inventory.media import name_of_url
from inventory.rules import is_slug, search_text
from inventory.tables import UNIT_CONDITIONS
from rental.centres import opening_days_mask
from rental.kernel.i18n import N_, Plural
from rental.kernel.municipalities import is_code as is_municipality
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.values import BadValue, parse_date, parse_int, parse_money, whole_number

Errors = dict[str, Any]
MAX_TEXT = 5000  # descriptions and notes


def at_most_characters(limit: int) -> Plural:
    return Plural("Use at most %(num)s character.", "Use at most %(num)s characters.", limit)


class Form:
    """Typed text of one submitted form, with the errors found while reading it."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: Errors = {}

    def text(self, name: str, max_length: int, *, required: bool = False,
             multiline: bool = False) -> str:
        raw = self.data.get(name)
        value = raw if isinstance(raw, str) else ""
        value = value.strip() if multiline else " ".join(value.split())
        if required and not value:
            self.errors[name] = N_("This field is required.")
        elif len(value) > max_length:
            self.errors[name] = at_most_characters(max_length)
        return value

    def parsed(self, name: str, parse: Callable[[str], Any]) -> Any:
        raw = self.data.get(name)
        try:
            return parse(raw if isinstance(raw, str) else "")
        except BadValue as bad:
            self.errors[name] = bad.message
            return None

    def checked(self, name: str) -> bool:
        return self.data.get(name) in ("1", "on", "true", "yes")

    def choice(self, name: str, choices: tuple[str, ...] | list[str], *,
               required: bool = True) -> str | None:
        raw = self.data.get(name)
        value = raw.strip() if isinstance(raw, str) else ""
        if not value and not required:
            return None
        if value not in choices:
            self.errors[name] = N_("Choose one of the options.")
            return None
        return value

    def slug(self, max_length: int, name: str = "slug") -> str:
        value = self.text(name, max_length, required=True).lower()
        if value and name not in self.errors and not is_slug(value):
            self.errors[name] = N_(
                "Use lower-case Latin letters, digits and hyphens, e.g. pipe-wrench."
            )
        return value

    def id_in(self, name: str, known: set[int], *, required: bool = True) -> int | None:
        raw = self.data.get(name)
        value = raw.strip() if isinstance(raw, str) else ""
        if not value and not required:
            return None
        number = whole_number(value)
        if number is None or number not in known:
            self.errors[name] = N_("Choose one of the options.")
            return None
        return number


# --- centres ---------------------------------------------------------------------------------

CENTRE_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


def clean_phone(text: str) -> str:
    """'032 247 08 15' or '+995 32 247 08 15' -> '+995322470815'; '' stays '' (a centre may
    have no phone)."""
    if not text.strip():
        return ""
    try:
        return normalise_phone(text)
    except InvalidPhone:
        raise BadValue(N_("Enter a phone number, e.g. +995 32 247 08 15.")) from None


def parse_time(text: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise BadValue(N_("Enter a time as HH:MM, e.g. 10:00.")) from None
    return value.replace(second=0, microsecond=0, tzinfo=None)


def clean_timezone(text: str) -> str:
    name = text.strip() or "Asia/Tbilisi"
    if len(name) > 64 or "/" not in name:
        raise BadValue(N_("Enter a time zone such as Asia/Tbilisi."))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadValue(N_("Enter a time zone such as Asia/Tbilisi.")) from None
    return name


def clean_centre(data: Mapping[str, Any], days: list[str], *, new: bool) -> tuple[dict, Errors]:
    form = Form(data)
    values: dict[str, Any] = {}
    if new:
        code = form.text("code", 8, required=True).upper()
        if code and "code" not in form.errors and not CENTRE_CODE.match(code):
            form.errors["code"] = N_("Use 2 to 8 Latin capital letters or digits, e.g. SMG.")
        values["code"] = code
    values["name_ka"] = form.text("name_ka", 200, required=True)
    values["name_en"] = form.text("name_en", 200)
    values["name_ru"] = form.text("name_ru", 200)
    municipality = form.text("municipality", 40)
    values["municipality"] = ""  # none chosen: what was typed before the list stays
    if is_municipality(municipality):
        values["municipality"], values["municipality_text"] = municipality, ""
    elif municipality:
        form.errors["municipality"] = N_("Choose the municipality from the list.")
    values["address_ka"] = form.text("address_ka", 300)
    values["address_en"] = form.text("address_en", 300)
    values["address_ru"] = form.text("address_ru", 300)
    values["phone"] = form.parsed("phone", clean_phone)
    values["timezone"] = form.parsed("timezone", clean_timezone)
    try:
        values["opening_days"] = opening_days_mask(
            sorted({number for day in days if (number := whole_number(day)) is not None})
        )
    except ValueError:
        form.errors["opening_days"] = N_("Choose one of the options.")
    opens = form.parsed("opens_at", parse_time)
    closes = form.parsed("closes_at", parse_time)
    if opens and closes and closes <= opens:
        form.errors["closes_at"] = N_("The closing time must be after the opening time.")
    values["opens_at"], values["closes_at"] = opens, closes
    values["active"] = form.checked("active")
    return values, form.errors


# --- categories and skills -------------------------------------------------------------------


def clean_category(data: Mapping[str, Any]) -> tuple[dict, Errors]:
    form = Form(data)
    values = {
        "slug": form.slug(40),
        "name_ka": form.text("name_ka", 100, required=True),
        "name_en": form.text("name_en", 100),
        "name_ru": form.text("name_ru", 100),
        "position": form.parsed(
            "position", lambda t: parse_int(t or "0", minimum=0, maximum=10_000)
        ),
    }
    return values, form.errors


def clean_skill(data: Mapping[str, Any]) -> tuple[dict, Errors]:
    form = Form(data)
    values = {
        "slug": form.slug(40),
        "name_ka": form.text("name_ka", 150, required=True),
        "name_en": form.text("name_en", 150),
        "name_ru": form.text("name_ru", 150),
        "validity_days": form.parsed(
            "validity_days",
            lambda t: parse_int(t, minimum=1, maximum=36_500, required=False),
        ),
    }
    return values, form.errors


# --- tool types ------------------------------------------------------------------------------


def clean_url(text: str) -> str:
    value = text.strip()
    if not value:
        return ""
    if len(value) > 500:
        raise BadValue(at_most_characters(500))
    if value.startswith("/"):
        if name_of_url(value) is None:  # only a manual uploaded here
            raise BadValue(N_("Enter a web address starting with https://."))
    elif not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise BadValue(N_("Enter a web address starting with https://."))
    return value


def clean_tool_type(
    data: Mapping[str, Any], *, categories: set[int], skills: set[int]
) -> tuple[dict, Errors]:
    form = Form(data)
    values: dict[str, Any] = {"slug": form.slug(80)}
    values["category"] = form.id_in("category", categories)
    for language in ("ka", "en", "ru"):
        values[f"name_{language}"] = form.text(f"name_{language}", 200,
                                               required=language == "ka")
        values[f"description_{language}"] = form.text(f"description_{language}", MAX_TEXT,
                                                      multiline=True)
    for language in ("ka", "en", "ru"):
        values[f"safety_notes_{language}"] = form.text(f"safety_notes_{language}", MAX_TEXT,
                                                       multiline=True)
    values["daily_fee"] = form.parsed("daily_fee", parse_money)
    values["deposit"] = form.parsed("deposit", parse_money)
    values["saving_per_loan"] = form.parsed("saving_per_loan",
                                            lambda t: parse_money(t, required=False))
    values["max_loan_days"] = form.parsed(
        "max_loan_days", lambda t: parse_int(t, minimum=1, maximum=365)
    )
    values["required_skill"] = form.id_in("required_skill", skills, required=False)
    if form.checked("needs_inspection"):
        values["inspection_interval_days"] = form.parsed(
            "inspection_interval_days", lambda t: parse_int(t, minimum=1, maximum=3650)
        )
    else:
        values["inspection_interval_days"] = None
    values["manual_url"] = form.parsed("manual_url", clean_url)
    values["active"] = form.checked("active")
    values["search_text"] = search_text(
        values["name_ka"], values["name_en"], values["name_ru"], values["slug"]
    )
    return values, form.errors


# --- maintenance tickets ---------------------------------------------------------------------


def clean_ticket(data: Mapping[str, Any]) -> tuple[dict, Errors]:
    """The fault description of a new ticket (the photo is checked by inventory.media)."""
    form = Form(data)
    description = form.text("description", MAX_TEXT, required=True, multiline=True)
    if form.errors.get("description") == N_("This field is required."):
        form.errors["description"] = N_("Describe what is wrong.")
    return {"description": description}, form.errors


# --- units -----------------------------------------------------------------------------------


def clean_unit(data: Mapping[str, Any], *, centres: set[int], tool_types: set[int],
               today) -> tuple[dict, Errors]:
    form = Form(data)
    values: dict[str, Any] = {
        "tool_type": form.id_in("tool_type", tool_types),
        "centre": form.id_in("centre", centres),
        "serial_number": form.text("serial_number", 100),
        "condition": form.choice("condition", UNIT_CONDITIONS),
        "acquired_on": form.parsed("acquired_on", lambda t: parse_date(t, required=False)),
        "cost": form.parsed("cost", lambda t: parse_money(t, required=False)),
        "donor": form.text("donor", 200),
    }
    if values["acquired_on"] and values["acquired_on"] > today:
        form.errors["acquired_on"] = N_("This date is in the future.")
    return values, form.errors
