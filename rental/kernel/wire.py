"""What goes on the wire, as middleware: responses compressed (brotli, else gzip), a page the
client already holds answered with 304 Not Modified, and the CSRF token masked afresh in every
page (see wire_rules for why the two go together)."""

from __future__ import annotations

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.headers import Headers
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from rental.kernel.wire_rules import entity_tag, has_current_copy, mask_token, unmask_token

TOKEN_LENGTH = 2 * CSRF_SECRET_LENGTH  # Litestar's token: a secret and its signature, in hex


def compression() -> DefineMiddleware:
    """Brotli where the browser takes it, gzip otherwise; bodies under 500 bytes as they are
    (the headers would cost more than they save); uploaded photos are compressed already."""
    return DefineMiddleware(CompressionMiddleware, config=CompressionConfig(
        backend="brotli", brotli_gzip_fallback=True, minimum_size=500,
        brotli_quality=5, gzip_compress_level=6, exclude=["^/media/"]))


def masking_csrf_token(app: ASGIApp) -> ASGIApp:
    """Wraps the app inside the CSRF middleware: the token the pages of this response carry
    (forms and htmx's header) is the cookie's token masked with a new pad."""

    async def masked(scope: Scope, receive: Receive, send: Send) -> None:
        state = ScopeState.from_scope(scope)
        token = state.csrf_token
        if isinstance(token, str) and token:
            state.csrf_token = mask_token(unmask_token(token, TOKEN_LENGTH))
        await app(scope, receive, send)

    return masked


def unmasked(token: str) -> str:
    return unmask_token(token, TOKEN_LENGTH)


class ConditionalGet:
    """A page or JSON read the client already holds is answered 304 Not Modified, without
    its body: the client asks again with If-None-Match (Cache-Control: no-cache makes it ask
    every time, and `private` keeps personal pages out of shared caches). The entity tag is
    taken of the body as sent, without the masked CSRF token. Streamed bodies (files, exports)
    are left alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers.from_scope(scope).get("if-none-match", "")
        start: Message | None = None

        async def tagging(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] == 200 and _taggable(message):
                    start = message  # held until the body says whether it is news
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            if message.get("more_body"):  # streamed: no tag
                await send(held)
                await send(message)
                return
            token = ScopeState.from_scope(scope).csrf_token
            tag = entity_tag(message.get("body", b""),
                             leaving_out=token if isinstance(token, str) else "")
            headers = MutableScopeHeaders.from_message(held)
            headers["ETag"] = tag
            if "cache-control" not in headers:
                headers["Cache-Control"] = "private, no-cache"
            if if_none_match and has_current_copy(if_none_match, tag):
                held["status"] = 304
                for name in ("content-length", "content-type"):
                    if name in headers:
                        del headers[name]
                await send(held)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(held)
            await send(message)

        await self.app(scope, receive, tagging)


def _taggable(start: Message) -> bool:
    headers = MutableScopeHeaders.from_message(start)
    kind = headers.get("content-type", "")
    return ("etag" not in headers and "content-encoding" not in headers
            and kind.startswith(("text/html", "application/json")))
