"""A phone on a slow line: Chromium through Playwright, its network slowed through the
DevTools protocol, opens the catalogue, types one letter of a search, then opens a booking
page. Each run is a new browser context, so its cache is empty: a first visit.

Times come from the page's own performance entries (navigation, paint, resource timing), read
with `page.evaluate`; the app's Content-Security-Policy forbids inline scripts, so nothing is
injected into the pages."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus

from bench.figures import KB, Metric, at_most

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # as tests/journeys.py finds it
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Mobile Safari/537.36")
VIEWPORT = {"width": 390, "height": 844}
RUNS = 3  # each a cold cache; about 15 s each at 400 kbit/s

# milliseconds from the navigation's start; null until the browser has it
PAGE_TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const files = performance.getEntriesByType("resource");
  return {dcl: nav ? nav.domContentLoadedEventEnd : null,
          fcp: paint ? paint.startTime : null,
          bytes: nav ? nav.transferSize : null,
          redirected: nav && nav.redirectEnd ? nav.redirectEnd : null,
          files: files.length,
          all: nav ? files.reduce((sum, file) => sum + file.transferSize, nav.transferSize)
                   : null};
}"""
FRAGMENT_TIMES = """(fragment) => {
  const found = performance.getEntriesByType("resource").filter(
    (entry) => decodeURIComponent(entry.name).includes(fragment));
  const last = found[found.length - 1];
  return last ? {took: last.responseEnd - last.startTime, bytes: last.transferSize,
                 body: last.encodedBodySize} : null;
}"""


@dataclass(frozen=True)
class Line:
    """A slow mobile line, in the DevTools protocol's units."""

    round_trip_ms: float = 400
    down_kbit: float = 400
    up_kbit: float = 400

    def conditions(self) -> dict[str, float | bool]:
        """Network.emulateNetworkConditions' parameters: throughput in bytes a second."""
        return {"offline": False, "latency": self.round_trip_ms,
                "downloadThroughput": self.down_kbit * 1000 / 8,
                "uploadThroughput": self.up_kbit * 1000 / 8}

    def __str__(self) -> str:
        return (f"{self.round_trip_ms:g} ms round trip, {self.down_kbit:g}/{self.up_kbit:g} "
                "kbit/s")


@dataclass
class Run:
    """One cold visit's figures, in milliseconds and bytes."""

    catalogue: dict[str, float | None] = field(default_factory=dict)
    keystroke: dict[str, float | None] = field(default_factory=dict)
    booking: dict[str, float | None] = field(default_factory=dict)
    login: dict[str, float | None] = field(default_factory=dict)


async def visit(base: str, booking_path: str, typed: str, line: Line,
                login: tuple[str, str]) -> Run:
    """The catalogue, `typed` but its last letter and then the last letter alone (its fragment
    is the one measured), then the booking page; then the login page, and logging in as
    `login` (phone, password): the POST, its redirect and the page it lands on."""
    from playwright.async_api import async_playwright

    run = Run()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=FLAGS)
        try:
            context = await browser.new_context(
                viewport=VIEWPORT, user_agent=USER_AGENT, is_mobile=True, has_touch=True,
                device_scale_factor=3, locale="ka-GE")
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.emulateNetworkConditions", line.conditions())
            await page.goto(base + "/", wait_until="load")
            run.catalogue = await page_times(page)

            search = page.locator("#q")
            # the letters before, and their fragment in place, so the measured one is alone
            async with page.expect_response(searched(typed[:-1])) as answered:
                await search.fill(typed[:-1])
            await (await answered.value).finished()
            await page.wait_for_timeout(100)
            async with page.expect_response(searched(typed)) as answered:
                await search.press(typed[-1])
            await (await answered.value).finished()
            await page.wait_for_timeout(50)  # the resource entry is written after the event
            run.keystroke = await page.evaluate(FRAGMENT_TIMES, "q=" + typed) or {}

            await page.goto(base + booking_path, wait_until="load")
            run.booking = await page_times(page)

            await page.goto(base + "/login", wait_until="load")
            await page.fill("input[name=login]", login[0])
            await page.fill("input[name=password]", login[1])
            async with page.expect_navigation(wait_until="load"):
                await page.click("form[action='/login'] button[type=submit]")
            # the landing page's navigation entry starts at the POST; a refused login
            # answers the form again, from /login
            if not page.url.split("?")[0].endswith("/login"):
                run.login = await page_times(page)
            await context.close()
        finally:
            await browser.close()
    return run


def searched(query: str):
    """Whether a response answers the catalogue search for exactly `query`."""
    pattern = re.compile(r"[?&]q=" + re.escape(query) + r"(&|$)")
    return lambda response: pattern.search(unquote_plus(response.url)) is not None


async def page_times(page) -> dict[str, float | None]:
    # first contentful paint can come a frame after the load event
    for _ in range(20):
        times = await page.evaluate(PAGE_TIMES)
        if times["fcp"] is not None:
            break
        await page.wait_for_timeout(50)
    return times


def on_a_phone(base: str, booking_path: str, typed: str, login: tuple[str, str],
               runs: int = RUNS, line: Line = Line()) -> list[Metric]:
    """The medians of `runs` cold visits beside the goals: ≤ 2 s a page, ≤ 0.5 s a keystroke."""
    missing = "" if Path(CHROMIUM).exists() else \
        f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        missing = "no Playwright (make install-dev)"
    if missing:
        return [Metric("phone: catalogue DOMContentLoaded", None, "ms", note=missing)]
    visits = [asyncio.run(visit(base, booking_path, typed, line, login))
              for _ in range(runs)]
    return phone_metrics(visits, line)


def phone_metrics(visits: list[Run], line: Line) -> list[Metric]:
    """Medians over the visits (pure: the test gives it made-up visits)."""

    def median(part: str, key: str) -> float | None:
        values = [getattr(v, part).get(key) for v in visits]
        values = [x for x in values if x is not None]
        return statistics.median(values) if values else None

    note = f"{line}, 390 px, median of {len(visits)} cold visits"

    def page(part: str, name: str) -> list[Metric]:
        return [
            at_most(f"phone: {name} DOMContentLoaded", median(part, "dcl"), "ms", 2000, note),
            at_most(f"phone: {name} first contentful paint", median(part, "fcp"), "ms", 2000,
                    note),
            Metric(f"phone: {name} document on the wire", median(part, "bytes"), "bytes"),
            Metric(f"phone: {name} with the files it loads", median(part, "all"), "bytes",
                   note=f"{median(part, 'files') or 0:g} files besides the page, median"),
        ]

    return [
        *page("catalogue", "catalogue"),
        at_most("phone: a search keystroke's fragment", median("keystroke", "took"), "ms", 500,
                note + "; request to last byte, after htmx's 250 ms pause"),
        at_most("phone: its bytes on the wire", median("keystroke", "bytes"), "bytes", 15 * KB,
                "headers and body"),
        *page("booking", "booking page"),
        Metric("phone: log in, submit to the landing page's DOMContentLoaded",
               median("login", "dcl"), "ms", note="no goal; a browser felt 0.9–1.5 s"),
        Metric("  of which the POST and its 303", median("login", "redirected"), "ms"),
    ]
