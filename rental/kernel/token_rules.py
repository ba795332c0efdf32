"""API tokens' rules: which scopes a role may hold, which scope a request needs, the token form.

A token holds scopes (read, book, desk, coordinate), never more than its account's role allows;
what it may do is worked out on every request from the role the account has now, so an account
whose role is lowered loses the scopes at once. The scope a request needs follows from its
route's declared access (`opt["access"]`) and its method, in one place for every route: reading
needs "read"; a write needs the scope of the people the route is for (a member's: "book", the
desk's: "desk", a coordinator's or an admin's: "coordinate"). Public routes need none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Plural
from rental.kernel.values import calendar_day

SCOPES = ("read", "book", "desk", "coordinate")
SCOPE_LABELS = {
    "read": N_("Read: the catalogue, bookings, members and reports the account may see"),
    "book": N_("Book: book, cancel, renew, the waitlist, the account's own details"),
    "desk": N_("Desk: lend, take back, payments and members at the account's centres"),
    "coordinate": N_("Coordinate: what coordinators and admins change"),
}
ROLE_SCOPES = {
    "member": ("read", "book"),
    "staff": ("read", "book", "desk"),
    "coordinator": SCOPES,
    "admin": SCOPES,
}
WRITE_SCOPE = {"member": "book", "staff": "desk", "coordinator": "coordinate",
               "admin": "coordinate"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NAME_LENGTH = 100  # api_token.label


def allowed_scopes(role: str) -> tuple[str, ...]:
    return ROLE_SCOPES.get(role, ())


def scope_needed(access: str, method: str) -> str | None:
    """The scope a token needs for a route of this access level and this method."""
    if access == "public":
        return None
    if method.upper() in SAFE_METHODS:
        return "read"
    return WRITE_SCOPE[access]


def stored(scopes: Iterable[str]) -> str:
    """The scopes as api_token.scopes keeps them: in SCOPES order, separated by spaces."""
    chosen = set(scopes)
    return " ".join(scope for scope in SCOPES if scope in chosen)


def held(text: str, role: str) -> frozenset[str]:
    """What a token may do today: its scopes that its account's role still allows."""
    return frozenset(text.split()) & frozenset(allowed_scopes(role))


def is_expired(expires_on: date | None, today: date) -> bool:
    """A token works through its last day (in the centres' time zone)."""
    return expires_on is not None and expires_on < today


def scopes_problem(chosen: Iterable[str], role: str) -> str | None:
    """Why these scopes cannot be given to an account of this role (a message id), or None."""
    chosen = list(chosen)
    if not chosen:
        return N_("Choose at least one scope.")
    if any(scope not in SCOPES for scope in chosen):
        return N_("Choose scopes from the list.")
    if not set(chosen) <= set(allowed_scopes(role)):
        return N_("Your role does not allow one of these scopes.")
    return None


def expiry_problem(expires_on: date, today: date) -> str | None:
    return N_("Choose today or a later day.") if expires_on < today else None


@dataclass(frozen=True)
class TokenRequest:
    name: str
    scopes: str  # as stored
    expires_on: date | None


def token_form(form: Mapping[str, Any], role: str, *, today: date) -> TokenRequest:
    """The page's form for a new token: a name, the scopes ticked, an optional last day."""
    errors: dict[str, Any] = {}
    name = " ".join(str(form.get("name") or "").split())
    if not name:
        errors["name"] = N_("Give the token a name: what it is for, e.g. the kiosk.")
    elif len(name) > NAME_LENGTH:
        errors["name"] = Plural("Use at most %(num)s character.",
                                "Use at most %(num)s characters.", NAME_LENGTH)
    getall = getattr(form, "getall", None)
    chosen = [str(value) for value in getall("scopes", [])] if getall else list(
        form.get("scopes") or [])
    if problem := scopes_problem(chosen, role):
        errors["scopes"] = problem
    expires_on = None
    if text := str(form.get("expires_on") or "").strip():
        expires_on = calendar_day(text)
        if expires_on is None:
            errors["expires_on"] = N_("Enter a date as YYYY-MM-DD.")
        elif problem := expiry_problem(expires_on, today):
            errors["expires_on"] = problem
    if errors:
        raise DomainError("invalid", errors)
    return TokenRequest(name=name, scopes=stored(chosen), expires_on=expires_on)
