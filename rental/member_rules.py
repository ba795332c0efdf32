"""Pure rules about members: form parsing and validation, membership state, erasure, and who
may do what to an account.

Errors are message ids (English, marked N_) keyed by field, translated where they are shown; a
form with problems is refused as a whole (DomainError "invalid", every field's problem).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Plural
from rental.kernel.identity import CurrentUser
from rental.kernel.municipalities import is_code as is_municipality
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.settings import LANGUAGES
from rental.kernel.values import calendar_day, whole_number
from rental.tables import ID_DOCUMENT_TYPES, SEXES, SITUATIONS

RENTAL_AGREEMENT_VERSION = "2026-11"
DATA_PROCESSING_VERSION = "2026-11"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
PERSONAL_NUMBER = re.compile(r"^\d{11}$")
PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
# Personal fields: never written to the audit log, replaced when a member is erased.
PERSONAL_FIELDS = ("name", "phone", "email", "id_document_type", "id_document_number",
                   "birth_date", "notes", "password_hash")

Errors = dict[str, Any]


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)

    def checked(self) -> dict[str, Any]:
        """The values, or the refusal of the form with each field's problem."""
        if self.errors:
            raise DomainError("invalid", self.errors)
        return self.values


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def card_number(member_id: int) -> str:
    """What is printed on a member's card and typed or scanned at the desk: M00042."""
    return f"M{member_id:05d}"


def parse_card_number(text: str) -> int | None:
    text = text.strip().upper()
    if len(text) >= 2 and text[0] == "M" and text[1:].isascii() and text[1:].isdecimal():
        return whole_number(text[1:]) or None
    return None


def clean_name(raw: str) -> str:
    return " ".join(raw.split())


def parse_contact(form: Mapping[str, Any], parsed: Parsed) -> None:
    """Name, phone, e-mail, language and municipality: the fields a member may edit
    themselves (the municipality may be left unchosen)."""
    parse_municipality(form, parsed, required=False)
    name = clean_name(_text(form, "name"))
    if not name:
        parsed.errors["name"] = N_("Enter a name.")
    elif len(name) > 200:
        parsed.errors["name"] = N_("A name can have at most 200 characters.")
    else:
        parsed.values["name"] = name
    try:
        parsed.values["phone"] = normalise_phone(_text(form, "phone"))
    except InvalidPhone:
        parsed.errors["phone"] = N_("Enter a phone number, e.g. 555 12 34 56.")
    email = _text(form, "email").strip().lower()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        parsed.errors["email"] = N_(
            "Enter an e-mail address like name@example.ge, or leave it empty."
        )
    else:
        parsed.values["email"] = email or None
    language = _text(form, "language") or LANGUAGES[0]
    if language not in LANGUAGES:
        parsed.errors["language"] = N_("Choose a language from the list.")
    else:
        parsed.values["language"] = language


def parse_password(form: Mapping[str, Any], parsed: Parsed, name: str = "password") -> None:
    password = _text(form, name)
    if len(password) < MIN_PASSWORD:
        parsed.errors[name] = Plural("Use at least %(num)s character.",
                                     "Use at least %(num)s characters.", MIN_PASSWORD)
    elif len(password) > MAX_PASSWORD:
        parsed.errors[name] = N_("That password is too long.")
    elif _text(form, f"{name}_again") != password:
        parsed.errors[f"{name}_again"] = N_("The two passwords differ.")
    else:
        parsed.values[name] = password


def parse_consents(form: Mapping[str, Any], parsed: Parsed) -> None:
    for box, message in (
        ("agree_rental", N_("You need to accept the rental agreement.")),
        ("agree_data", N_("You need to agree to the processing of your data.")),
    ):
        if _text(form, box) != "yes":
            parsed.errors[box] = message


def parse_desk_fields(form: Mapping[str, Any], parsed: Parsed, *, today: date) -> None:
    """What the desk records after seeing the person: identity document and statistics."""
    kind = _text(form, "id_document_type")
    number = "".join(_text(form, "id_document_number").split()).upper()
    if kind not in ID_DOCUMENT_TYPES:
        parsed.errors["id_document_type"] = N_("Choose the kind of document you saw.")
    elif kind == "personal_number" and not PERSONAL_NUMBER.match(number):
        parsed.errors["id_document_number"] = N_("A Georgian personal number has 11 digits.")
    elif kind == "passport" and not PASSPORT.match(number):
        parsed.errors["id_document_number"] = N_(
            "A passport number has 5 to 20 letters and digits."
        )
    elif not number or len(number) > 40:
        parsed.errors["id_document_number"] = N_("Enter the document number.")
    else:
        parsed.values["id_document_type"] = kind
        parsed.values["id_document_number"] = number

    born = calendar_day(_text(form, "birth_date"))
    if born is None:
        parsed.errors["birth_date"] = N_("Enter the date of birth as YYYY-MM-DD.")
    else:
        if born > today:
            parsed.errors["birth_date"] = N_("The date of birth cannot be in the future.")
        elif born < date(1900, 1, 1):
            parsed.errors["birth_date"] = N_("Check the year of birth.")
        else:
            parsed.values["birth_date"] = born

    for name, choices, message in (
        ("sex", SEXES, N_("Choose one, or “prefer not to say”.")),
        ("situation", SITUATIONS, N_("Choose the member's situation.")),
    ):
        value = _text(form, name)
        if value not in choices:
            parsed.errors[name] = message
        else:
            parsed.values[name] = value

    parse_municipality(form, parsed, required=True)

    notes = _text(form, "notes").strip()
    if len(notes) > 2000:
        parsed.errors["notes"] = N_("Notes can have at most 2000 characters.")
    else:
        parsed.values["notes"] = notes


def parse_municipality(form: Mapping[str, Any], parsed: Parsed, *, required: bool) -> None:
    """A code of the list (rental.kernel.municipalities); choosing one clears the text typed
    before the list that matched none. Not required and not chosen: nothing changes."""
    code = _text(form, "municipality").strip()
    if is_municipality(code):
        parsed.values["municipality"] = code
        parsed.values["municipality_text"] = ""
    elif code or required:
        parsed.errors["municipality"] = N_("Choose the municipality from the list.")


# --- the forms, whole: their values, or their refusal ---------------------------------------


def signup_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """A member's own sign-up: the contact values and the password."""
    parsed = Parsed()
    parse_contact(form, parsed)
    parse_password(form, parsed)
    parse_consents(form, parsed)
    values = parsed.checked()
    return {k: v for k, v in values.items() if k != "password"}, values["password"]


def contact_form(form: Mapping[str, Any]) -> dict[str, Any]:
    parsed = Parsed()
    parse_contact(form, parsed)
    return parsed.checked()


def desk_form(form: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """What the desk types when it registers or verifies a member."""
    parsed = Parsed()
    parse_contact(form, parsed)
    parse_desk_fields(form, parsed, today=today)
    centre = whole_number(form.get("home_centre"))
    if centre is None or centre <= 0:
        parsed.errors["home_centre"] = N_("Choose the member's home centre.")
    else:
        parsed.values["home_centre"] = centre
    return parsed.checked()


def may_be_home_centre(centre: Mapping[str, Any], actor: CurrentUser,
                       current: int | None = None) -> bool:
    """A centre the desk may give a member as their home: an open one the staff member acts
    for, or the one the member has already (kept when another centre's desk edits them)."""
    return centre["id"] == current or (bool(centre["active"]) and actor.can_act_for(centre["id"]))


def new_password_form(form: Mapping[str, Any]) -> str:
    parsed = Parsed()
    parse_password(form, parsed)
    return parsed.checked()["password"]


def reset_form(form: Mapping[str, Any]) -> tuple[str, str, str]:
    """A one-time code redeemed: the phone (E.164), the code as typed, the new password."""
    parsed = Parsed()
    parse_password(form, parsed)
    try:
        parsed.values["phone"] = normalise_phone(_text(form, "phone"))
    except InvalidPhone:
        parsed.errors["phone"] = N_("Enter a phone number, e.g. 555 12 34 56.")
    code = _text(form, "code")[:20]
    if not code.strip():
        parsed.errors["code"] = N_("Enter the code from the desk.")
    values = parsed.checked()
    return values["phone"], code, values["password"]


def chosen_language(text: Any) -> str:
    """A language the pages are written in."""
    if text not in LANGUAGES:
        raise DomainError("invalid", {"language": N_("Choose a language from the list.")})
    return text


def membership_type_form(form: Mapping[str, Any]) -> dict[str, Any]:
    parsed = _policy_form(form, {"validity_days": (1, 3660), "max_tools_out": (0, 100),
                                 "max_open_bookings": (0, 100)})
    return parsed.checked()


def concession_category_form(form: Mapping[str, Any]) -> dict[str, Any]:
    parsed = _policy_form(form, {"discount_percent": (0, 100)})
    for name in ("funder_ka", "funder_en", "funder_ru"):  # read in several languages
        funder = clean_name(_text(form, name))
        if len(funder) > 200:
            parsed.errors[name] = N_("At most 200 characters.")
        parsed.values[name] = funder
    names = parsed.values
    if (names["funder_en"] or names["funder_ru"]) and not names["funder_ka"]:
        parsed.errors["funder_ka"] = N_("Enter the funder's name in Georgian too.")
    return parsed.checked()


def _policy_form(form: Mapping[str, Any], numbers: dict[str, tuple[int, int]]) -> Parsed:
    """A membership type's or a concession's short name, names and numbers."""
    parsed = Parsed()
    slug = _text(form, "slug").strip().lower()
    if not slug or len(slug) > 40 or not all(c.isascii() and (c.isalnum() or c == "-")
                                             for c in slug):
        parsed.errors["slug"] = N_("Use 1 to 40 Latin letters, digits and hyphens.")
    parsed.values["slug"] = slug
    for name in ("name_ka", "name_en", "name_ru"):
        text = clean_name(_text(form, name))
        if len(text) > 100:
            parsed.errors[name] = N_("At most 100 characters.")
        parsed.values[name] = text
    if not parsed.values["name_ka"]:
        parsed.errors["name_ka"] = N_("Enter the name in Georgian.")
    for name, (low, high) in numbers.items():
        try:
            number = int(_text(form, name).strip())
        except ValueError:
            parsed.errors[name] = N_("Enter a whole number.")
            continue
        if not low <= number <= high:
            parsed.errors[name] = (N_("Enter a number from %(low)s to %(high)s."),
                                   {"low": low, "high": high})
        parsed.values[name] = number
    return parsed


# --- who may do what to an account ---------------------------------------------------------

# The desk's one-time codes and erasure are for community members; staff accounts are left
# to an administrator.


def takes_reset_codes(member: Mapping[str, Any]) -> bool:
    return member["role"] == "member"


def may_erase(viewer_role: str, member: Mapping[str, Any]) -> bool:
    return viewer_role == "admin" and member["role"] == "member"


# --- memberships ---------------------------------------------------------------------------


def membership_state(status: str, ends_on: date, today: date) -> str:
    """pending, active, suspended or expired: a membership past its last day has expired."""
    if status in ("pending", "active") and ends_on < today:
        return "expired"
    return status


def renewed_until(ends_on: date, validity_days: int, today: date) -> date:
    """A renewal adds the validity to the current end, or to today once it has expired."""
    return max(ends_on, today - timedelta(days=1)) + timedelta(days=validity_days)


def age_band(birth_date: date | None, on: date) -> str:
    """The donor-report bands: under 18, 18–24, 25–34, 35–49, 50–64, 65+."""
    if birth_date is None:
        return "unknown"
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for upper, band in ((18, "under 18"), (25, "18-24"), (35, "25-34"), (50, "35-49"),
                        (65, "50-64")):
        if age < upper:
            return band
    return "65+"


def erased_values(member_id: int, birth_date: date | None) -> dict[str, Any]:
    """What replaces a member's personal fields; sex, situation and municipality stay, and the
    date of birth keeps only its year (1 July), which keeps the age band for statistics."""
    return {
        "name": f"#{member_id}",
        "phone": f"+000{member_id:012d}"[:16],
        "email": None,
        "password_hash": "",
        "id_document_type": "",
        "id_document_number": "",
        "birth_date": date(birth_date.year, 7, 1) if birth_date else None,
        "notes": "",
        "status": "erased",
    }


def audit_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """Member values as the audit log keeps them: personal fields only as 'changed'."""
    return {
        key: ("(personal)" if key in PERSONAL_FIELDS else _jsonable(value))
        for key, value in values.items()
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# --- how a member is told ------------------------------------------------------------------

# Reminders on the member's page are always on; SMS and e-mail each may be turned off, and
# SMS may come in Latin letters.
REMINDER_CHOICES = ("sms_reminders", "email_reminders", "sms_latin")
REMINDERS_SHOWN = "reminder_choices"  # a hidden field of the forms that show the boxes


def parse_reminders(form: Mapping[str, Any], parsed: Parsed) -> None:
    """The three checkboxes: ticked ("yes") or not sent at all; anything else is refused."""
    for name in REMINDER_CHOICES:
        value = form.get(name)
        if value is None or value in ("", "yes"):
            parsed.values[name] = value == "yes"
        else:
            parsed.errors[name] = N_("Tick the box or leave it empty.")


def reminders_form(form: Mapping[str, Any]) -> dict[str, bool]:
    parsed = Parsed()
    parse_reminders(form, parsed)
    return parsed.checked()


def my_details_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, bool] | None]:
    """A member's own details, and their reminder choices when the form showed them (an
    unticked box is not sent, so only a form that says it showed the boxes turns one off)."""
    parsed = Parsed()
    parse_contact(form, parsed)
    shown = form.get(REMINDERS_SHOWN) == "yes"
    if shown:
        parse_reminders(form, parsed)
    values = parsed.checked()
    choices = {name: values.pop(name) for name in REMINDER_CHOICES} if shown else None
    return values, choices


def reminder_channels(member: Mapping[str, Any],
                      configured: Collection[str] = ("sms", "email")) -> tuple[str, ...]:
    """Where a member's reminders go: always their page; SMS and e-mail where the library has
    them set up (`configured`) and the member has not turned them off (e-mail only with an
    address)."""
    return ("page",) + (("sms",) if member["sms_reminders"] and "sms" in configured else ()) + (
        ("email",) if member["email_reminders"] and member.get("email")
        and "email" in configured else ())


def may_change_reminders(actor: CurrentUser, member: Mapping[str, Any]) -> bool:
    """The desk changes how a member is told at the member's home centre; a sign-up with no
    home centre yet is any desk's."""
    return actor.is_staff and (member["home_centre"] is None
                               or actor.can_act_for(member["home_centre"]))
