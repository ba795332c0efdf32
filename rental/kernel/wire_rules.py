"""What a response carries on the wire, as pure functions: the CSRF token masked afresh for
each response, and the entity tag that lets a phone keep a page it already has.

Masking: responses are compressed, and a compressed page that holds a secret beside text an
attacker can choose (a search reflected in the page) leaks the secret through its size
(BREACH). So a page never carries the CSRF token itself, only the token XORed with a random pad
of the same length, pad first: the same secret, different bytes in every response."""

from __future__ import annotations

import hashlib
import secrets


def mask_token(token: str) -> str:
    """`token` (hex, as Litestar makes it) as one response carries it: pad and token XOR pad, in
    hex, twice as long. A token that is not hex (a cookie tampered with) is left as it is: the
    CSRF check refuses it."""
    try:
        raw = bytes.fromhex(token)
    except ValueError:
        return token
    pad = secrets.token_bytes(len(raw))
    return (pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))).hex()


def unmask_token(text: str, token_length: int) -> str:
    """The token a masked one stands for; a token of `token_length` characters as it is (pages
    rendered before masking began); anything else unchanged, for the CSRF check to refuse."""
    if len(text) != 2 * token_length:
        return text
    try:
        data = bytes.fromhex(text)
    except ValueError:
        return text
    half = len(data) // 2
    return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True)).hex()


def entity_tag(body: bytes, *, leaving_out: str = "") -> str:
    """A weak entity tag of a page: the same for the same content. `leaving_out` is this
    response's masked CSRF token, different every time and still valid in a kept copy."""
    if leaving_out:
        body = body.replace(leaving_out.encode(), b"")
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def has_current_copy(if_none_match: str, tag: str) -> bool:
    """Whether the client's If-None-Match names this entity tag (compared weakly, as a GET is)."""
    wanted = tag.removeprefix("W/")
    return any(candidate.strip() == "*" or candidate.strip().removeprefix("W/") == wanted
               for candidate in if_none_match.split(","))
