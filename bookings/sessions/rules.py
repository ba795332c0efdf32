"""Pure rules of skills sessions and certificates: plain data in, plain data out, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.tables import AUDIENCES, SESSION_LANGUAGES
from rental.kernel.i18n import N_, Plural
from rental.kernel.identity import CurrentUser
from rental.kernel.values import calendar_day, whole_number

MAX_SERIES = 26  # half a year of weekly sessions


def certificate_expiry(issued_on: date, validity_days: int | None) -> date | None:
    """A skill without a validity period gives a certificate that never expires."""
    return None if validity_days is None else issued_on + timedelta(days=validity_days)


def certificate_valid(certificate: Mapping[str, Any], today: date) -> bool:
    return certificate["revoked_at"] is None and (
        certificate["expires_on"] is None or certificate["expires_on"] >= today)


def audience_fits(audience: str, situation: str, age: int | None) -> bool:
    """Who a session is meant for; staff may still enrol anyone at the desk."""
    if audience == "youth":
        return age is not None and 14 <= age <= 29
    if audience == "returning_migrants":
        return situation == "returning_migrant"
    return True


def weekly(starts_at: datetime, ends_at: datetime, count: int, timezone: str
           ) -> list[tuple[datetime, datetime]]:
    """The same local time each week (a DST change keeps the wall-clock hour)."""
    zone = ZoneInfo(timezone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return [
        (datetime.combine(start.date() + timedelta(weeks=n), start.timetz().replace(tzinfo=None),
                          zone),
         datetime.combine(end.date() + timedelta(weeks=n), end.timetz().replace(tzinfo=None),
                          zone))
        for n in range(count)
    ]


def parse_session(form: Mapping[str, Any], *, timezone: str, now: datetime,
                  skills: set[int], centres: set[int], enrolled: int = 0
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A session form -> (values, errors by field). Times are typed in the centre's zone."""
    def text(name: str, limit: int) -> str:
        value = form.get(name)
        return " ".join(value.split())[:limit] if isinstance(value, str) else ""

    errors: dict[str, Any] = {}
    values: dict[str, Any] = {
        "title_ka": text("title_ka", 200), "title_en": text("title_en", 200),
        "title_ru": text("title_ru", 200),
        "description_ka": (form.get("description_ka") or "").strip()[:5000]
        if isinstance(form.get("description_ka"), str) else "",
        "description_en": (form.get("description_en") or "").strip()[:5000]
        if isinstance(form.get("description_en"), str) else "",
        "description_ru": (form.get("description_ru") or "").strip()[:5000]
        if isinstance(form.get("description_ru"), str) else "",
        "room": text("room", 100), "instructor": text("instructor", 200),
        "audience": text("audience", 20), "language": text("language", 5),
    }
    if not values["title_ka"]:
        errors["title_ka"] = N_("Enter the title in Georgian.")
    if values["audience"] not in AUDIENCES:
        errors["audience"] = N_("Choose one of the options.")
    if values["language"] not in SESSION_LANGUAGES:
        errors["language"] = N_("Choose one of the options.")
    centre = whole_number(form.get("centre"))
    if centre not in centres:
        errors["centre"] = N_("Choose one of the options.")
    values["centre"] = centre
    skill_text = text("skill", 10)
    skill = whole_number(skill_text) if skill_text else None
    if skill_text and skill not in skills:
        errors["skill"] = N_("Choose one of the options.")
    values["skill"] = skill
    capacity = whole_number(form.get("capacity"))
    if capacity is None or not 1 <= capacity <= 500:
        errors["capacity"] = (N_("Enter a number from %(low)s to %(high)s."),
                              {"low": 1, "high": 500})
    elif capacity < enrolled:
        errors["capacity"] = Plural(
            "%(num)s member is enrolled already: the places cannot be fewer.",
            "%(num)s members are enrolled already: the places cannot be fewer.", enrolled)
    values["capacity"] = capacity
    day = calendar_day(form.get("day"))
    starts, ends = _time(form.get("starts")), _time(form.get("ends"))
    if day is None:
        errors["day"] = N_("Enter a date.")
    if starts is None:
        errors["starts"] = N_("Enter a time such as 10:00.")
    if ends is None:
        errors["ends"] = N_("Enter a time such as 10:00.")
    if day and starts and ends:
        zone = ZoneInfo(timezone)
        values["starts_at"] = datetime.combine(day, starts, zone)
        values["ends_at"] = datetime.combine(day, ends, zone)
        if values["ends_at"] <= values["starts_at"]:
            errors["ends"] = N_("The end is before the start.")
        elif values["starts_at"] < now:
            errors["day"] = N_("That time has passed.")
    repeat = text("weeks", 3)
    weeks = whole_number(repeat) if repeat else 1
    if weeks is None or not 1 <= weeks <= MAX_SERIES:
        errors["weeks"] = (N_("Enter a number from %(low)s to %(high)s."),
                           {"low": 1, "high": MAX_SERIES})
    values["weeks"] = weeks
    return values, errors


def _time(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


# --- what the pages show ----------------------------------------------------------------------


def places_free(session: Mapping[str, Any]) -> int:
    """Places not taken yet; a full session still takes names for its waitlist."""
    return max(session["capacity"] - session["enrolled"], 0)


def manages(user: CurrentUser | None) -> bool:
    """Coordinators schedule, edit and cancel sessions, see their summary and grant or revoke
    certificates; the desk enrols members and keeps the attendance sheet."""
    return user is not None and user.all_centres


def may_enrol(member_status: str) -> bool:
    """A member whose registration is pending finishes it at the desk before enrolling."""
    return member_status != "pending"


def may_print(certificate: Mapping[str, Any], user: CurrentUser) -> bool:
    """A certificate is printed for its holder or by the staff; the public see its check."""
    return certificate["member"] == user.id or user.is_staff


def initials(name: str) -> str:
    """What the public check shows of the holder: "Nino Beridze" -> "N. B."."""
    return ". ".join(part[0] for part in name.split() if part) + "."


MAX_SUMMARY_DAYS = 366


def summary_period(starts: date | None, ends: date | None, today: date
                   ) -> tuple[date, date, dict[str, Any]]:
    """The summary's days: this month so far unless both ends are given; an end before the
    start, or more than a year, is said and cut short."""
    first = starts or today.replace(day=1)
    last = ends or today
    errors: dict[str, Any] = {}
    if last < first:
        errors["to"] = N_("The end is before the start.")
        last = first
    if (last - first).days > MAX_SUMMARY_DAYS:
        errors["to"] = N_("Choose at most a year.")
        last = first + timedelta(days=MAX_SUMMARY_DAYS)
    return first, last, errors


NEW_SESSION = {"capacity": 10, "weeks": 1, "audience": "everyone", "language": "ka"}


def form_values_of(session: Mapping[str, Any]) -> dict[str, Any]:
    """A scheduled session as its form shows it: day and times in the centre's zone."""
    zone = ZoneInfo(session["timezone"])
    starts, ends = session["starts_at"].astimezone(zone), session["ends_at"].astimezone(zone)
    return {**session, "day": starts.date().isoformat(), "starts": starts.strftime("%H:%M"),
            "ends": ends.strftime("%H:%M"), "skill": session["skill"] or "", "weeks": 1}
