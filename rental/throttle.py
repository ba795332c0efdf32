"""Rate limits for the forms a stranger or a new account can post: sign-up, password reset and
enrolment (the login keeps its own count of failures, rental.auth).

Every attempt is written twice, under its address and under its phone or account, in a
transaction of its own (so an attempt that then fails counts too), and refused once either has
reached its limit in the window. Limits hold across workers and hosts: they live in the
database. Behind a reverse proxy the address is the client's (TRUSTED_PROXIES)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar.connection import ASGIConnection

from rental.kernel import web
from rental.kernel.db import write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import Plural
from rental.tables import RateEvent


@dataclass(frozen=True)
class Limit:
    per_address: int  # a centre's public wifi is one address for many people
    per_key: int  # a phone number or an account
    minutes: int


LIMITS = {
    "signup": Limit(per_address=10, per_key=3, minutes=60),
    "password_reset": Limit(per_address=20, per_key=5, minutes=15),
    "enrol": Limit(per_address=60, per_key=20, minutes=15),
}


class Throttled(DomainError):
    """Too many attempts (429); `minutes` is how long to wait at most."""

    def __init__(self, minutes: int):
        super().__init__("throttled", {"form": Plural(
            "Too many attempts from here. Wait %(num)s minute and try again, or ask at the "
            "centre's desk.",
            "Too many attempts from here. Wait %(num)s minutes and try again, or ask at the "
            "centre's desk.", minutes)})
        self.minutes = minutes


async def attempt(action: str, *, address: str, key: str | None, now: datetime) -> None:
    """Count one attempt at `action` from `address` for `key` ("phone:+995…", "member:42"),
    or raise Throttled without counting it."""
    limit = LIMITS[action]
    since = now - timedelta(minutes=limit.minutes)
    keys = {f"ip:{address}"[:254]: limit.per_address}
    if key:
        keys[key[:254]] = limit.per_key
    async with write_transaction():
        # the window's attempts only: older ones of these keys go, so the table stays small
        await RateEvent.delete().where((RateEvent.action == action)
                                       & RateEvent.key.is_in(list(keys)) & (RateEvent.at <= since))
        for name, most in keys.items():
            if await RateEvent.count().where(
                    (RateEvent.action == action) & (RateEvent.key == name)) >= most:
                raise Throttled(limit.minutes)
        await RateEvent.insert(*[RateEvent(action=action, key=name, at=now) for name in keys])



async def admit(connection: ASGIConnection, action: str, key: str | None) -> None:
    """Count an attempt at a rate-limited form from the request's address; one too many is
    refused (Throttled)."""
    await attempt(action, address=web.client_ip(connection), key=key, now=web.now(connection))
