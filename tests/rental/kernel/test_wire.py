"""What goes on the wire (issue 21): pages compressed with brotli, else gzip, else not; small
bodies and uploaded photos as they are; the CSRF token masked afresh in every page and every
mask accepted; a page the client already holds answered 304 Not Modified, a fragment never
taken for the page."""

from __future__ import annotations

import gzip
import re

import brotli
from helpers import CSRF_FIELD, credentials, csrf_token, log_in

TOKEN_IN_PAGE = re.compile(rb'[0-9a-f]{256}')  # a masked token, wherever the page carries it


async def _on_the_wire(client, path: str, encoding: str, **headers) -> tuple[object, bytes]:
    """The response and its body as sent, not decoded."""
    async with client.stream("GET", path, headers={"Accept-Encoding": encoding, **headers}) \
            as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


def _without_tokens(body: bytes) -> bytes:
    return TOKEN_IN_PAGE.sub(b"", body)


async def test_the_catalogue_comes_compressed_with_brotli_else_gzip(client, seeded):
    plain, as_is = await _on_the_wire(client, "/", "identity")
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    br, squeezed = await _on_the_wire(client, "/", "gzip, deflate, br")
    assert br.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in br.headers["vary"]
    assert _without_tokens(brotli.decompress(squeezed)) == _without_tokens(as_is)
    assert len(squeezed) * 5 < len(as_is)  # the point: a phone downloads a fifth or less
    gz, zipped = await _on_the_wire(client, "/", "gzip")
    assert gz.headers["content-encoding"] == "gzip"
    assert _without_tokens(gzip.decompress(zipped)) == _without_tokens(as_is)


async def test_small_bodies_and_photos_go_as_they_are(client, seeded):
    small, body = await _on_the_wire(client, "/healthz", "br, gzip")
    assert len(body) < 500 and "content-encoding" not in small.headers
    photo, _ = await _on_the_wire(client, "/media/tool-types/none.jpg", "br, gzip")
    assert photo.status_code == 404 and "content-encoding" not in photo.headers


async def test_every_page_masks_the_token_afresh_and_every_mask_is_accepted(client, seeded):
    first = await csrf_token(client, "/login")
    second = await csrf_token(client, "/login")
    assert first != second and len(first) == 256
    cookie = client.cookies["toollib_csrf"]
    assert cookie not in (await client.get("/login")).text  # never the token itself
    phone, password = credentials(seeded, "member")
    done = await client.post("/login", data={"login": phone, "password": password,
                                             "_csrf_token": first, "next": "/"})
    assert done.status_code == 303  # the older page's mask still stands for the cookie's token


async def test_a_tampered_or_foreign_token_is_refused(client, seeded):
    token = await csrf_token(client, "/login")
    phone, password = credentials(seeded, "member")
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (flipped, "0" * 256, "not a token"):
        refused = await client.post("/login", data={"login": phone, "password": password,
                                                    "_csrf_token": bad, "next": "/"})
        assert refused.status_code == 403, bad
    # the token itself, as a page from before masking carried it, is still accepted
    raw = client.cookies["toollib_csrf"]
    done = await client.post("/login", data={"login": phone, "password": password,
                                             "_csrf_token": raw, "next": "/"})
    assert done.status_code == 303


async def test_a_page_the_client_holds_is_not_sent_again(client, seeded):
    page = await client.get("/")
    tag = page.headers["etag"]
    assert tag.startswith('W/"') and page.headers["cache-control"] == "private, no-cache"
    assert "HX-Request" in page.headers["vary"]
    again = await client.get("/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert (await client.get("/", headers={"If-None-Match": 'W/"other"'})).status_code == 200
    # the search fragment htmx asks for at the same address is another entity
    fragment = await client.get("/", headers={"HX-Request": "true", "HX-Target": "results",
                                              "If-None-Match": tag})
    assert fragment.status_code == 200 and fragment.headers["etag"] != tag
    # in another language the page is new too
    client.cookies.set("lang", "en")
    assert (await client.get("/", headers={"If-None-Match": tag})).status_code == 200


async def test_a_logged_in_page_is_tagged_for_that_person_only(client, seeded):
    await log_in(client, *credentials(seeded, "member"))
    welcomed = await client.get("/me")  # with the flash of the login: shown once
    mine = await client.get("/me")
    assert mine.headers["etag"] != welcomed.headers["etag"]
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-cache"
    assert (await client.get("/me", headers={"If-None-Match": mine.headers["etag"]})
            ).status_code == 304
    assert CSRF_FIELD.search(mine.text)  # the forms of a kept copy still post
