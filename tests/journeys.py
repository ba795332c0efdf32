"""What every browser journey stands on: the live server (`rental migrate`, `seed-demo`,
`serve` on a database of its own, its clock at the tests' instant), Debian's Chromium watched
for what the Content-Security-Policy blocks, and the helpers the journeys share. A browser test
module imports the fixtures it uses from here (`from journeys import browser, live_server,
nothing_blocked_by_the_security_policy`); pytest then makes them per module, and the module is
one unit of work for xdist (conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import (
    ON_POSTGRES,
    RUN_DIR,
    TEST_DATABASE_URL,
    _test_database_name,
    database_url_named,
    recreate_postgres_database,
)
from helpers import DEFAULT_INSTANT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rental(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toollib.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


async def until(page, condition: str, arg=None, within_ms: float = 10_000) -> None:
    """Poll a condition in the page, as wait_for_function does; but from here: Playwright's own
    poller evaluates strings inside the page, which the Content-Security-Policy forbids."""
    deadline = time.monotonic() + within_ms / 1000
    function = condition if "=>" in condition.split("(", 1)[0] or condition.startswith("(") \
        else f"() => ({condition})"
    while not await page.evaluate(function, arg):
        assert time.monotonic() < deadline, f"still false after {within_ms} ms: {condition}"
        await asyncio.sleep(0.05)


async def settled(page) -> None:
    """htmx is done: no request out, nothing swapping or settling. Until then a swapped form's
    buttons are not yet bound, and the desk's script may still move the focus back to the scan
    field, so that text typed meanwhile (Playwright's fill types too) lands there."""
    await until(page, "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


@contextlib.asynccontextmanager
async def screenshot_on_failure(page, name: str):
    """A journey that fails leaves what the person saw: test-artifacts/failed-<name>.png."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)
        raise


def live_server_env() -> dict[str, str]:
    """The live server's environment: its own database and var folder, its clock started at
    the tests' instant. Setup scripts of other journeys run with it too."""
    url = (database_url_named(TEST_DATABASE_URL, _test_database_name("_browser")) if ON_POSTGRES
           else f"sqlite:///{RUN_DIR / 'browser.sqlite'}")
    return {**os.environ, "VAR_DIR": str(RUN_DIR / "browser-var"), "DATABASE_URL": url,
            "CLOCK_START": DEFAULT_INSTANT.isoformat(),
            # schemathesis sends hundreds of requests a minute with one token
            "API_TOKEN_RATE_PER_MINUTE": "0"}


def run_on_live_database(script: str, *args: str) -> dict:
    """Run `script` (Python, with tests/ importable) on the live server's database in a process
    of its own; what it printed last, as JSON."""
    env = live_server_env()
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent),
                                         env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _text_of(log: Path) -> str:
    return log.read_text()


async def healthy(base: str, server: subprocess.Popen, log: Path, *, seconds: int) -> None:
    """Until the server at `base` answers /healthz; fails with its log if it stops, or after
    `seconds`."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=1) as http:
        while True:
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert server.poll() is None, _text_of(log)
            assert time.monotonic() < deadline, f"{base} did not start in {seconds} s"
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
async def live_server():
    """`rental migrate`, `rental seed-demo`, `rental serve` on a database of its own (made
    afresh for each module), with the server's clock started at the tests' instant."""
    env = live_server_env()
    if ON_POSTGRES:
        await recreate_postgres_database(TEST_DATABASE_URL, _test_database_name("_browser"))
    else:  # afresh, as on PostgreSQL: nothing an earlier module did in this worker is left
        for leftover in RUN_DIR.glob("browser.sqlite*"):
            leftover.unlink()
    for command in (("migrate",), ("seed-demo",)):
        done = _rental(env, *command)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = (RUN_DIR / "browser-server.log").open("w")  # a file: a full pipe would stall it
    server = subprocess.Popen(  # noqa: ASYNC220 - starts the server and returns at once
        [sys.executable, "-m", "toollib.cli", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await healthy(base, server, RUN_DIR / "browser-server.log", seconds=30)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # granian sometimes ignores SIGTERM under load
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="module")
async def browser():
    if not HAVE_CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        open_context = chromium.new_context

        async def watched_context(**options):
            """Every page of every test reports what the Content-Security-Policy blocked."""
            context = await open_context(**options)
            context.on("console", lambda message: BLOCKED.append(message.text)
                       if "Content Security Policy" in message.text else None)
            return context

        chromium.new_context = watched_context
        yield chromium
        await chromium.close()


BLOCKED: list[str] = []


@pytest.fixture(autouse=True)
def nothing_blocked_by_the_security_policy():
    BLOCKED.clear()
    yield
    assert BLOCKED == []


@pytest.fixture
async def page(browser):
    # a phone set to Georgian
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ka-GE")
    page = await context.new_page()
    yield page
    await context.close()


def demo_password(phone: str) -> str:
    lines = (RUN_DIR / "browser-var" / "demo-credentials.txt").read_text().splitlines()
    return dict(line.split("\t") for line in lines)[phone]


async def desk_page(chromium, base: str, staff: str, *, width: int, javascript: bool = True,
                    height: int = 800):
    """Desk staff (`staff`: their phone as typed) logged in on a screen `width` wide, in
    Georgian, on Samgori's desk: (context, page)."""
    context = await chromium.new_context(viewport={"width": width, "height": height},
                                        locale="ka-GE", java_script_enabled=javascript)
    page = await context.new_page()
    await page.goto(base + "/login")
    await page.fill("[name=login]", staff)
    await page.fill("[name=password]", demo_password("+995" + staff.replace(" ", "")))
    await page.click("button.primary")
    await until(page, "!location.pathname.startsWith('/login')")
    await page.goto(base + "/desk/1")
    if javascript:
        await until(page, "window.htmx !== undefined")
    return context, page
