"""Confirming a phone at sign-up, when SMS is configured: a six-digit code goes to the phone by
SMS and the person types it back, so nobody signs up with someone else's number.

The code is kept as an HMAC-SHA256 keyed with the app's secret, not with argon2 as passwords
are: six digits are a million values, which a slow hash would not protect from anyone holding
the table (a million argon2 hashes is hours, not years), while the key, which is not in the
database, does; and every request and try stays cheap. A code works for 10 minutes and
5 wrong tries; a phone gets at most 3 codes an hour and an address asks for at most 10 (the
rows themselves are the count, across workers and hosts).

The SMS goes straight through the gateway, not the outbox: there is no member yet to queue it
for, and the person is waiting for it on the page."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from rental.channels import ChannelError, send_sms
from rental.kernel.db import write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_, gettext, in_locale
from rental.kernel.settings import SmsConfig
from rental.tables import PhoneCode

CODE_MINUTES = 10
MAX_WRONG_TRIES = 5
PER_PHONE_PER_HOUR = 3
PER_ADDRESS_PER_HOUR = 10
DIGITS = 6

SMS_TEXT = N_("Tool library code: %(code)s")


class PhoneCodeError(DomainError):
    def __init__(self, kind: str, field: str, message: object) -> None:
        super().__init__(kind, {field: message})


def code_digest(phone: str, code: str, secret: str) -> str:
    """The code as stored: keyed by the app's secret and bound to the phone it was sent to."""
    return hmac.new(secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


async def request_code(phone: str, *, address: str, now: datetime, sms: SmsConfig,
                       secret: str, language: str) -> None:
    """Send a new code to `phone` (E.164) for the person at `address`, in `language`; refused
    past the hourly limits, or when the gateway does not take the SMS (then nothing is kept)."""
    code = new_code()
    since = now - timedelta(hours=1)
    async with write_transaction():
        # an hour on, a row counts for no limit and confirms nothing: the phones go
        await PhoneCode.delete().where(PhoneCode.created_at <= since)
        if await PhoneCode.count().where((PhoneCode.phone == phone)
                                         & (PhoneCode.created_at > since)) >= PER_PHONE_PER_HOUR:
            raise PhoneCodeError("throttled", "form", N_(
                "We have sent this phone three codes in the last hour. Wait an hour and try "
                "again, or ask at the centre's desk."))
        if await PhoneCode.count().where(
                (PhoneCode.requested_from == address[:64])
                & (PhoneCode.created_at > since)) >= PER_ADDRESS_PER_HOUR:
            raise PhoneCodeError("throttled", "form", N_(
                "Too many codes were asked for from here. Wait an hour and try again, or ask "
                "at the centre's desk."))
        rows = await PhoneCode.insert(PhoneCode(
            phone=phone, code_hash=code_digest(phone, code, secret),
            expires_at=now + timedelta(minutes=CODE_MINUTES), attempts=0,
            requested_from=address[:64], created_at=now,
        )).returning(PhoneCode.id)
    with in_locale(language):
        text = gettext(SMS_TEXT, code=code)
    try:  # outside the transaction: the database is not held while the gateway answers
        await send_sms(sms, phone, text, reference=f"phone-code-{rows[0]['id']}")
    except ChannelError as exc:
        async with write_transaction():
            await PhoneCode.delete().where(PhoneCode.id == rows[0]["id"])
        if exc.permanent:
            raise PhoneCodeError("invalid", "phone", N_(
                "We could not send an SMS to this number. Check it, or ask at the desk."
            )) from None
        raise PhoneCodeError("conflict", "form", N_(
            "We could not send the code now; try again later or ask at the desk.")) from None


async def confirm_code(phone: str, code: str, *, now: datetime, secret: str) -> None:
    """The code typed for `phone`: any of its live codes confirms it (the latest SMS may not
    be the first to arrive); a wrong one counts as a try on each, and is refused."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not (typed.isascii() and typed.isdigit()):
        raise PhoneCodeError("invalid", "code", N_("Type the 6 digits of the code."))
    wrong = None
    async with write_transaction():
        live = await PhoneCode.select().where(
            (PhoneCode.phone == phone) & PhoneCode.confirmed_at.is_null()
            & (PhoneCode.expires_at > now)
        ).order_by(PhoneCode.id)
        if not live:
            wrong = N_("This code has expired. Ask for a new one.")
        elif all(row["attempts"] >= MAX_WRONG_TRIES for row in live):
            wrong = N_("Too many wrong tries. Ask for a new code.")
        else:
            digest = code_digest(phone, typed, secret)
            # every live code is compared, so the time taken says nothing about which matched
            matches = [row for row in live if row["attempts"] < MAX_WRONG_TRIES
                       and hmac.compare_digest(row["code_hash"], digest)]
            if matches:
                await PhoneCode.update({PhoneCode.confirmed_at: now}).where(
                    PhoneCode.id == matches[0]["id"])
            else:
                # the tries are kept: the refusal is raised after the transaction commits
                await PhoneCode.update({PhoneCode.attempts: PhoneCode.attempts + 1}).where(
                    PhoneCode.id.is_in([row["id"] for row in live])
                    & (PhoneCode.attempts < MAX_WRONG_TRIES))
                wrong = N_("That is not the code we sent. Check the SMS and try again.")
    if wrong is not None:
        raise PhoneCodeError("invalid", "code", wrong)

