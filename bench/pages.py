"""Pages as a browser gets them: their size on the wire, and what a login costs.

Sizes are of the body as sent (`bench.client` never decodes): once with `Accept-Encoding:
br, gzip`, as a phone's browser asks, and once with `identity`."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.client import Client
from bench.figures import Metric, on_the_wire, percentile
from bench.seed import BENCH_PASSWORD

LOGINS = 20


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str | None = None  # the login phone; None: a visitor
    headers: tuple[tuple[str, str], ...] = ()


def pages(*, centre: int, tool_type: int, desk: str, member: str, coordinator: str,
          search: str) -> list[Page]:
    """The pages issue 21 weighs, each as the person who opens it."""
    return [
        Page("catalogue home page", "/"),
        Page("catalogue search fragment", "/?" + urlencode({"q": search}), None,
             (("HX-Request", "true"), ("HX-Target", "results"))),
        Page("booking page of a tool type",
             f"/tool-types/{tool_type}/book?" + urlencode({"centre": centre}), member),
        Page("desk page", f"/desk/{centre}", desk),
        Page("my page (/me)", "/me", member),
        Page("usage report page", "/reports/usage", coordinator),
    ]


def wire_sizes(port: int, listed: list[Page]) -> list[Metric]:
    """Each page's figures on the wire; a page that answered other than 200 says so."""
    clients: dict[str | None, Client] = {}
    metrics = []
    for page in listed:
        if page.who not in clients:
            clients[page.who] = Client(port) if page.who is None else \
                Client(port).log_in(page.who)
        client = clients[page.who]
        sizes, bad = {}, ""
        for accept in ("br, gzip", "identity"):
            status, body, _took = client.request(
                "GET", page.path, None, {**dict(page.headers), "Accept-Encoding": accept})
            bad = bad or (f"{page.path} answered HTTP {status}" if status != 200 else "")
            sizes[accept] = (len(body), client.headers.get("Content-Encoding", ""))
        found = on_the_wire(page.name, sizes["br, gzip"], sizes["identity"][0])
        if bad:
            found[0].met, found[0].note = None, bad
        metrics += found
    return metrics


def login(port: int, phone: str) -> list[Metric]:
    """POST /login as a browser sends it, LOGINS times, each from a fresh visitor; the page it
    redirects to, fetched with the new session; and argon2's verification alone in this
    process with the app's parameters, to say where the time goes."""
    posts, landings = [], []
    for _ in range(LOGINS):
        client = Client(port)
        form = client.login_form(phone)
        status, _body, took = client.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise RuntimeError(f"log in as {phone}: HTTP {status}")
        posts.append(took * 1000)
        landings.append(client.request("GET", client.headers["Location"])[2] * 1000)
    from rental.auth import hash_password, verify_password

    stored = hash_password(BENCH_PASSWORD)
    argon2 = []
    for _ in range(5):
        started = time.perf_counter()
        verify_password(stored, BENCH_PASSWORD)
        argon2.append((time.perf_counter() - started) * 1000)
    post, landing = statistics.median(posts), statistics.median(landings)
    note = "no goal; a browser felt 0.9–1.5 s"
    return [
        Metric("login POST p50", post, "ms", note=note),
        Metric("login POST p95", percentile(posts, 0.95), "ms", note=note),
        Metric("  of which argon2 verify (in the bench's process) p50",
               statistics.median(argon2), "ms"),
        Metric("  the page it redirects to, p50", landing, "ms"),
    ]
