"""The API's documentation page (/api/v1/docs) in Chromium: Swagger UI from the vendored files
draws every operation of the schema, with nothing blocked by the Content-Security-Policy and
nothing asked of another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import journeys
import pytest
from journeys import until

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy


async def test_the_documentation_page_draws_the_schema_offline(live_server, browser):
    context = await browser.new_context()
    page = await context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{live_server}/api/v1/docs")
    await until(page, "document.querySelectorAll('.opblock').length >= 6")
    text = await page.inner_text("#swagger-ui")
    assert "/api/v1/loans/check-out" in text and "Authorize" in text
    assert hosts == {urlsplit(live_server).netloc}
    assert errors == []
    await context.close()
