"""Small helpers the tests share: CSRF tokens, logging in, demo credentials."""

from __future__ import annotations

import re

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client, path: str = "/login") -> str:
    """Load a page as a browser would and return the CSRF token of its forms."""
    response = await client.get(path)
    match = CSRF_FIELD.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def log_in(client, phone: str, password: str):
    token = await csrf_token(client)
    return await client.post(
        "/login", data={"login": phone, "password": password, "_csrf_token": token, "next": "/"}
    )


def credentials(report, role: str) -> tuple[str, str]:
    return next((phone, pw) for r, phone, pw in report.credentials if r == role)

