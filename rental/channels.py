"""The two channels that leave the building: e-mail over SMTP and SMS through an HTTP gateway.
Each sends one message and returns the provider's id for it, or raises ChannelError saying
whether trying again could help (rental.sending decides when).

E-mail (EMAIL_URL, EMAIL_FROM): a plain-text UTF-8 message through the SMTP server, over TLS
(smtps://) or STARTTLS when the server offers it (smtp://), logged in when the URL names a
user. Its Message-ID is the provider's id.

SMS (SMS_URL, SMS_TOKEN, SMS_SENDER): one JSON POST per message to SMS_URL. A provider whose
API differs is connected by a small adapter (a few lines of any web framework) that takes this
request and makes the provider's.

    POST <SMS_URL>
    Authorization: Bearer <SMS_TOKEN>
    Content-Type: application/json

    {"to": "+995555123456",       the member's phone, E.164
     "from": "TOOLS",             SMS_SENDER, or null for the gateway's default
     "text": "Return tomorrow: ...",  UTF-8; Georgian goes as UCS-2, Latin as GSM-7
     "reference": "sms-812"}      our id for the message: the same on every retry of it,
                                  so a gateway may drop a repeat it has already sent

The gateway answers:

- 2xx with {"id": "<its id for the message>"}: accepted; the id is recorded;
- 4xx (but 408 and 429): refused for good (a malformed number, a blocked recipient, a bad
  token); the message shows as failed and is not tried again;
- 408, 429, 5xx, no answer within a few seconds, or no connection: tried again later.
"""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from rental.kernel.settings import EmailConfig, Settings, SmsConfig, current_settings

__all__ = ["ChannelError", "send_email", "send_sms"]

ERROR_LENGTH = 300  # of a provider's answer kept with a failed message


class ChannelError(Exception):
    """The provider did not take the message; `permanent`: trying again will not help."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def email_message(config: EmailConfig, to: str, subject: str, body: str) -> EmailMessage:
    """The e-mail as it leaves: plain UTF-8 text, marked as sent by a machine (no
    out-of-office replies), with a Message-ID of our own domain."""
    message = EmailMessage()
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    message["Date"] = formatdate(localtime=False)
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    return message


async def send_email(config: EmailConfig, to: str, subject: str, body: str) -> str:
    """Send one e-mail; its Message-ID is the provider's id."""
    message = email_message(config, to, subject, body)
    try:
        await aiosmtplib.send(
            message, hostname=config.host, port=config.port, username=config.username,
            password=config.password, use_tls=config.implicit_tls,
            start_tls=False if config.implicit_tls else None,  # None: when offered
            timeout=config.timeout)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusal = exc.recipients[0]
        raise ChannelError(_short(f"SMTP {refusal.code}: {refusal.message}"),
                           permanent=refusal.code >= 500) from None
    except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
        # the server's or our settings' fault, not this message's: the next try may pass
        raise ChannelError(_short(f"SMTP {exc.code}: {exc.message}"), permanent=False) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise ChannelError(_short(f"SMTP {exc.code}: {exc.message}"),
                           permanent=exc.code >= 500) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise ChannelError(_short(f"SMTP: {type(exc).__name__}: {exc}"),
                           permanent=False) from None
    return message["Message-ID"]


async def send_sms(config: SmsConfig, phone: str, text: str, *, reference: str | None = None
                   ) -> str:
    """Send one SMS through the gateway (the request and its answers: above); returns the
    gateway's id for it."""
    import httpx  # here: 7 MB in every worker, and most centres send no SMS

    payload = {"to": phone, "from": config.sender, "text": text, "reference": reference}
    try:
        async with httpx.AsyncClient(timeout=config.timeout) as client:
            response = await client.post(
                config.url, json=payload, headers={"Authorization": f"Bearer {config.token}"})
    except httpx.TimeoutException:
        raise ChannelError(f"SMS gateway: no answer within {config.timeout:g} s",
                           permanent=False) from None
    except httpx.HTTPError as exc:
        raise ChannelError(_short(f"SMS gateway: {type(exc).__name__}: {exc}"),
                           permanent=False) from None
    if not response.is_success:
        refused = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise ChannelError(_short(f"SMS gateway {response.status_code}: {response.text}"),
                           permanent=refused)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    # Accepted either way: a 2xx means the gateway took it, and trying again would send twice.
    return str(answer["id"]) if isinstance(answer, dict) and answer.get("id") else ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_LENGTH else text[:ERROR_LENGTH - 1] + "…"


def configured_channels(settings: Settings | None = None) -> frozenset[str]:
    """The channels beyond the member's page that the app has settings for (SMS_URL,
    EMAIL_URL; by default those it runs with, as rental.notifications asks); without them the
    app still queues every message for the member's page."""
    settings = settings or current_settings()
    return frozenset(name for name, config in (("sms", settings.sms), ("email", settings.email))
                     if config is not None)
