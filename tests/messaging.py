"""The providers members' messages leave through, played by small real servers on 127.0.0.1
that the tests start: an SMTP server (aiosmtpd) that keeps every e-mail it receives, and an SMS
gateway (HTTP, rental.channels' JSON format) that records every request and can be told to
refuse, fail or not answer. A test module takes the fixtures it uses from here
(`smtp_server = messaging.smtp_server`, as browser modules take journeys').

`sending_settings` is the suite's settings pointing at both servers, installed as the
process's settings (rental.kernel.settings.use_settings) so that rental.notifications queues
e-mail and SMS, and put back afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from rental.kernel.settings import (
    EmailConfig,
    Settings,
    SmsConfig,
    current_settings,
    use_settings,
)

SMTP_USER, SMTP_PASSWORD = "tools", "smtp-Pa55"
SMS_TOKEN = "gateway-token-0123456789"
REFUSED_DOMAIN = "refused.example"  # the SMTP server refuses every recipient there (550)


@dataclass
class Inbox:
    """What the SMTP server received: each message parsed, with its envelope and login."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def url(self, credentials: bool = True) -> str:
        who = f"{SMTP_USER}:{SMTP_PASSWORD}@" if credentials else ""
        return f"smtp://{who}{self.host}:{self.port}"


class _Keeper:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.inbox.messages.append(email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default))
        self.inbox.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
async def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), in the tests' event loop; it takes a login
    of SMTP_USER and SMTP_PASSWORD (without TLS: it is the loopback) but does not ask for one."""
    inbox = Inbox("127.0.0.1", 0)

    def authenticate(server, session, envelope, mechanism, secret):
        if isinstance(secret, LoginPassword) and secret.login.decode() == SMTP_USER \
                and secret.password.decode() == SMTP_PASSWORD:
            inbox.logins.append(SMTP_USER)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(_Keeper(inbox), hostname="mail.test", authenticator=authenticate,
                     auth_require_tls=False, loop=loop),
        "127.0.0.1", 0)
    inbox.port = server.sockets[0].getsockname()[1]
    yield inbox
    server.close()
    await server.wait_closed()


@dataclass
class Gateway:
    """The SMS gateway: `requests` holds each request's headers and JSON; `answer` is the
    status it answers with (200: accepted, with an id), `hang` makes it keep the request
    without answering until the test ends."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: int = 200
    hang: bool = False
    released: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The JSON of each request the gateway accepted."""
        return [request["json"] for request in self.requests if request["status"] < 300]


@pytest.fixture
async def sms_gateway():
    """A small HTTP server on 127.0.0.1 playing the SMS gateway of rental.channels."""
    gateway = Gateway()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _version = head[0].split(" ", 2)
            headers = {name.strip().lower(): value.strip() for name, _, value in
                       (line.partition(":") for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status = gateway.answer
            gateway.requests.append({"method": method, "path": path, "headers": headers,
                                     "json": json.loads(body), "status": status})
            if gateway.hang:
                await gateway.released.wait()
                return
            answer = json.dumps({"id": f"gw-{len(gateway.requests)}"} if status < 300 else
                                {"error": "the gateway says no"}).encode()
            writer.write(f"HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
                         + answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    gateway.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/sms"
    yield gateway
    gateway.released.set()
    server.close()
    await server.wait_closed()


def with_providers(settings: Settings, inbox: Inbox | None = None,
                   gateway: Gateway | None = None, **changes: Any) -> Settings:
    """`settings` sending e-mail through `inbox`'s server and SMS through `gateway`."""
    return replace(
        settings,
        email=EmailConfig(host=inbox.host, port=inbox.port, username=SMTP_USER,
                          password=SMTP_PASSWORD, implicit_tls=False,
                          sender="Tool library <tools@toollib.test>", timeout=5.0)
        if inbox else None,
        sms=SmsConfig(url=gateway.url, token=SMS_TOKEN, sender="TOOLS", timeout=0.5)
        if gateway else None,
        public_url="https://tools.example.ge",
        **changes)


@contextlib.contextmanager
def installed(settings: Settings):
    """Run the block with `settings` as the process's settings."""
    before = current_settings()
    use_settings(settings)
    try:
        yield settings
    finally:
        use_settings(before)


@pytest.fixture
def sending_settings(settings, smtp_server, sms_gateway):
    """The suite's settings with both providers, installed for the test."""
    with installed(with_providers(settings, smtp_server, sms_gateway)) as chosen:
        yield chosen
