"""The bench's HTTP client: one kept-alive HTTP/1.1 connection with a cookie jar, the
stdlib's for low overhead. It never decodes a body: what `request` returns is what came over
the wire (chunked framing removed, Content-Encoding kept), so sizes are the sizes sent."""

from __future__ import annotations

import http.client
import re
import time
from email.message import Message
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.seed import BENCH_PASSWORD

CSRF_FIELD = re.compile(rb'name="_csrf_token" value="([^"]+)"')
BROWSER_ENCODINGS = "br, gzip"  # what a phone's browser accepts (and zstd, deflate)


class Client:
    """Requests carry `Accept-Encoding: br, gzip` as a browser's do, unless a request says
    otherwise (`identity` for the uncompressed size)."""

    def __init__(self, port: int, accept_encoding: str = BROWSER_ENCODINGS):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.accept_encoding = accept_encoding
        self.headers = Message()  # the last answer's

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        headers = {"Accept-Encoding": self.accept_encoding, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            started = time.perf_counter()
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closed a kept-alive connection that sat idle: open a new one
            self.connection.close()
            started = time.perf_counter()
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
        data = response.read()
        took = time.perf_counter() - started
        self.headers = response.headers
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        return response.status, data, took

    def login_form(self, phone: str, next_page: str = "/") -> bytes:
        """The login page's form filled in (its CSRF token read from the page)."""
        _status, page, _took = self.request("GET", "/login")
        if self.headers.get("Content-Encoding"):
            page = decoded(page, self.headers["Content-Encoding"])
        token = CSRF_FIELD.search(page).group(1).decode()
        return urlencode({"login": phone, "password": BENCH_PASSWORD, "_csrf_token": token,
                          "next": next_page}).encode()

    def log_in(self, phone: str) -> Client:
        form = self.login_form(phone)
        status, _body, _took = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303 or "session" not in self.cookies:
            raise RuntimeError(f"log in as {phone}: HTTP {status}")
        return self


def decoded(body: bytes, encoding: str) -> bytes:
    """A body as the browser reads it, for the few pages the bench reads (a form's token)."""
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    return body
