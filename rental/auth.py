"""Accounts: password hashing, login with rate limiting, and database-backed sessions.

A session cookie carries a random token; the database keeps only its SHA-256, so a copy of the
database cannot be used to log in. Logging in always creates a new token (rotation) and
logging out deletes the row, so a stolen cookie dies with the session. A refused login is a
DomainError (LoginRefused), answered like any other refusal.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rental import audit
from rental.kernel import token_rules
from rental.kernel.db import read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, Plural
from rental.kernel.identity import CurrentUser
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.settings import current_settings
from rental.tables import ApiToken, LoginFailure, Member, Notification, StaffCentre, UserSession

# argon2id with OWASP's recommended cost (19 MiB, 2 passes, 1 lane): about 30 ms a login on a
# 2-core desk PC instead of argon2-cffi's 150 ms default, which the per-account and per-address
# login limits make unnecessary. Older hashes are upgraded at their next login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the login name is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginRefused(DomainError):
    """Invalid (a field left empty, or a wrong name or password, never saying which) or
    throttled (too many failures for the name or from the address)."""


@dataclass(frozen=True)
class Visit:
    """Where a session is opened from, as it is recorded; `old_token` is the visitor's session
    so far, which the new one replaces."""

    ip: str
    user_agent: str
    old_token: str | None = None


def login_key(login: str) -> str | None:
    """The stored form of a login name: an e-mail lower-cased, or a phone number in E.164."""
    text = login.strip()
    if "@" in text:
        return text.lower()[:254]
    try:
        return normalise_phone(text)
    except InvalidPhone:
        return None


async def log_in(
    login: str,
    password: str,
    visit: Visit,
    *,
    now: datetime,
    session_days: int,
    max_failures: int,
    window_minutes: int,
) -> tuple[str, Member]:
    """Check the password and open a session; returns the new session token and the member."""
    errors: dict[str, str] = {}
    if not login.strip():
        errors["login"] = N_("Enter your phone number or e-mail.")
    if not password:
        errors["password"] = N_("Enter your password.")
    if errors:
        raise LoginRefused("invalid", errors)
    key = login_key(login) or login.strip().lower()[:254]
    since = now - timedelta(minutes=window_minutes)
    failures_for_login = await LoginFailure.count().where(
        (LoginFailure.login == key) & (LoginFailure.at > since)
    )
    # An address may try several accounts (a shared desk PC), but not without bound.
    failures_for_ip = await LoginFailure.count().where(
        (LoginFailure.ip == visit.ip) & (LoginFailure.at > since)
    )
    if failures_for_login >= max_failures or failures_for_ip >= max_failures * 4:
        raise LoginRefused("throttled", {"form": Plural(
            "Too many failed attempts. Wait %(num)s minute and try again.",
            "Too many failed attempts. Wait %(num)s minutes and try again.", window_minutes)})

    if "@" in key:
        member = await Member.objects().where(Member.email == key).first()  # stored lower-case
    else:
        member = await Member.objects().where(Member.phone == key).first()
    ok = verify_password(member.password_hash if member else "", password)
    if not ok or member is None or member.status == "erased":
        await LoginFailure.insert(LoginFailure(login=key, ip=visit.ip, at=now))
        raise LoginRefused("invalid", {"form": N_(
            "The phone number, e-mail or password is not right.")})

    async with write_transaction():
        token = await open_session(member.id, visit, now=now, session_days=session_days)
        await LoginFailure.delete().where(LoginFailure.login == key)
        if _hasher.check_needs_rehash(member.password_hash):
            await Member.update({Member.password_hash: hash_password(password)}).where(
                Member.id == member.id
            )
        await audit.record("login", "member", member.id, now=now, actor_id=member.id)
    return token, member


async def open_session(member_id: int, visit: Visit, *, now: datetime,
                       session_days: int) -> str:
    """A new session token (never the old one: sessions rotate at login). Call inside the
    service's transaction."""
    token = secrets.token_urlsafe(32)
    if visit.old_token:
        await UserSession.delete().where(UserSession.token_hash == token_digest(visit.old_token))
    await UserSession.insert(
        UserSession(
            token_hash=token_digest(token),
            member=member_id,
            created_at=now,
            expires_at=now + timedelta(days=session_days),
            ip=visit.ip[:64],
            user_agent=visit.user_agent[:300],
        )
    )
    return token


async def log_out(token: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == token_digest(token))


async def request_user(session: str | None, bearer: str | None,
                       now: datetime) -> CurrentUser | None:
    """Who sent a request, by its session cookie or its API bearer token (the kernel's
    request context asks this)."""
    if bearer is not None:
        return await token_user(bearer, now)
    return await session_user(session, now) if session else None


async def session_user(token: str, now: datetime) -> CurrentUser | None:
    """The user behind a session cookie and how many of their messages are unread, in two
    queries (three for desk staff)."""
    async with read_transaction():  # one connection for both
        row = (
            await UserSession.select(
                UserSession.member.id.as_alias("id"),
                UserSession.member.name.as_alias("name"),
                UserSession.member.role.as_alias("role"),
                UserSession.member.status.as_alias("status"),
                UserSession.member.language.as_alias("language"),
                UserSession.member.home_centre.as_alias("home_centre"),
            )
            .where((UserSession.token_hash == token_digest(token)) & (UserSession.expires_at > now))
            .first()
        )
        user = await _current_user(row)
        if user is None:
            return None
        unread = await Notification.count().where(  # the menu shows them on "My page"
            (Notification.member == user.id) & (Notification.channel == "page")
            & (Notification.status == "sent") & Notification.read_at.is_null())
        return replace(user, unread_messages=unread)


class TokenThrottled(DomainError):
    """An API token sent more requests this minute than API_TOKEN_RATE_PER_MINUTE allows
    (429, with Retry-After: the error path reads `minutes`)."""

    def __init__(self, limit: int):
        super().__init__("throttled", {"form": Plural(
            "This API token may send %(num)s request a minute. Wait a minute and try again.",
            "This API token may send %(num)s requests a minute. Wait a minute and try again.",
            limit)})
        self.minutes = 1


async def token_user(token: str, now: datetime) -> CurrentUser | None:
    """The user behind an API bearer token that is neither revoked nor past its last day, with
    the token's scopes that the user's role allows today; one request more than the rate limit
    allows this minute is refused (TokenThrottled)."""
    settings = current_settings()
    today = now.astimezone(ZoneInfo(settings.default_timezone)).date()
    async with read_transaction():
        row = (
            await ApiToken.select(
                ApiToken.id.as_alias("token_id"),
                ApiToken.last_used_at.as_alias("last_used_at"),
                ApiToken.scopes.as_alias("scopes"),
                ApiToken.member.id.as_alias("id"),
                ApiToken.member.name.as_alias("name"),
                ApiToken.member.role.as_alias("role"),
                ApiToken.member.status.as_alias("status"),
                ApiToken.member.language.as_alias("language"),
                ApiToken.member.home_centre.as_alias("home_centre"),
            )
            .where((ApiToken.token_hash == token_digest(token)) & ApiToken.revoked_at.is_null()
                   & (ApiToken.expires_on.is_null() | (ApiToken.expires_on >= today)))
            .first()
        )
        user = await _current_user(row)
    if user is None:
        return None
    limit = settings.api_token_rate_per_minute
    if limit and await requests_this_minute(row["token_id"], now) > limit:
        raise TokenThrottled(limit)
    if token_use_is_news(row["last_used_at"], now):
        await ApiToken.update({ApiToken.last_used_at: now}).where(
            ApiToken.id == row["token_id"])
    return replace(user, scopes=token_rules.held(row["scopes"], user.role))


async def requests_this_minute(token_id: int, now: datetime) -> int:
    """Count one request of the token and return how many it sent this minute: a counter in
    the token's row, so the limit holds across workers and hosts, in one statement (a row per
    request, as rental.throttle keeps for forms, would be three on every API call)."""
    minute = int(now.timestamp() // 60)
    rows = await ApiToken.raw(
        "UPDATE api_token SET window_requests = CASE WHEN window_minute = {} "
        "THEN window_requests + 1 ELSE 1 END, window_minute = {} WHERE id = {} "
        "RETURNING window_requests", minute, minute, token_id)
    return rows[0]["window_requests"] if rows else 0


# "Last used" is shown to the minute; writing it on every request would make every API call
# a write (a disk sync on SQLite) for a figure nobody reads that closely.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_use_is_news(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= TOKEN_USE_RESOLUTION


async def _current_user(row: dict | None) -> CurrentUser | None:
    if row is None or row["status"] == "erased":
        return None
    centre_ids: frozenset[int] = frozenset()
    if row["role"] == "staff":
        links = await StaffCentre.select(StaffCentre.centre).where(
            StaffCentre.member == row["id"]
        )
        centre_ids = frozenset(link["centre"] for link in links)
    fields = {key: row[key] for key in ("id", "name", "role", "status", "language",
                                        "home_centre")}
    return CurrentUser(centre_ids=centre_ids, **fields)
