"""Uploaded photos and manuals: checked by their content, stored under the media folder with
generated names, served only under those names.

- `check()` is pure: bytes in, the file's extension out (or BadValue). The type comes from the
  first bytes (magic numbers), never from the file name or the browser's content type.
- `read_upload()` reads one form field (an UploadFile, or "" when no file was chosen) and returns
  a `Pending` file: checked, named, not yet written.
- `stored()` writes pending files, and removes them again if the block inside fails (the
  database transaction), so a failed save leaves no file behind.
- `path_for()` maps a requested name back to a file, only for names we generate.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread

from rental.kernel.i18n import N_
from rental.kernel.values import BadValue

MB = 1024 * 1024
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp|pdf)$")
MEDIA_PREFIX = "/media/"


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    max_bytes: int
    wrong_type: str  # message id

    @property
    def too_large(self) -> tuple[str, dict[str, int]]:
        return (N_("The file is too large: at most %(mb)s MB."), {"mb": self.max_bytes // MB})


PHOTO = Kind(("jpg", "png", "webp"), 5 * MB, N_("Choose a photo in JPEG, PNG or WebP format."))
MANUAL = Kind(("pdf",), 20 * MB, N_("Choose a PDF file."))
# What a form with a photo and a manual may weigh: both files at their largest, and the fields.
TOOL_TYPE_FORM_MAX_BYTES = PHOTO.max_bytes + MANUAL.max_bytes + MB
TICKET_FORM_MAX_BYTES = PHOTO.max_bytes + MB


def sniff(head: bytes) -> str | None:
    """The extension of a file from its first bytes: 'jpg', 'png', 'webp', 'pdf' or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def check(data: bytes, kind: Kind) -> str:
    """The extension to store `data` under, or BadValue with the message for the field."""
    if not data:
        raise BadValue(N_("The file is empty."))
    if len(data) > kind.max_bytes:
        raise BadValue(kind.too_large)
    extension = sniff(data[:16])
    if extension not in kind.extensions:
        raise BadValue(kind.wrong_type)
    return extension


def new_name(extension: str) -> str:
    """A random name nobody can guess or choose: 32 hex digits and the extension."""
    return f"{secrets.token_hex(16)}.{extension}"


def is_media_name(name: str) -> bool:
    return bool(NAME.match(name))


def media_url(name: str) -> str:
    return MEDIA_PREFIX + name


def name_of_url(url: str) -> str | None:
    """'/media/<name>' -> name, for a manual stored as a link; None for any other address."""
    if url.startswith(MEDIA_PREFIX) and is_media_name(url[len(MEDIA_PREFIX):]):
        return url[len(MEDIA_PREFIX):]
    return None


@dataclass(frozen=True)
class Pending:
    """An upload that passed the checks and has its name, not written yet."""

    data: bytes
    name: str


async def read_upload(value: Any, kind: Kind) -> Pending | None:
    """A form field's file -> Pending; None when no file was chosen; BadValue when refused.

    Reads at most one byte more than allowed, so a huge file is never read whole."""
    if value is None or isinstance(value, str) or not hasattr(value, "read"):
        return None  # a file input left empty arrives as an empty text field
    data = await value.read(kind.max_bytes + 1)
    return Pending(data, new_name(check(data, kind)))


def path_for(media_dir: Path, name: str) -> Path | None:
    """The file behind a requested name; None for any name we do not generate, or a path that
    would leave the media folder."""
    if not is_media_name(name):
        return None
    root = media_dir.resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        return None
    return path


def _write(media_dir: Path, name: str, data: bytes) -> None:
    media_dir.mkdir(parents=True, exist_ok=True)
    part = media_dir / f".{name}.part"  # never served: the name does not match NAME
    with part.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, media_dir / name)


def remove(media_dir: Path, name: str) -> None:
    if is_media_name(name):
        with suppress(FileNotFoundError):
            (media_dir / name).unlink()


@asynccontextmanager
async def stored(media_dir: Path, pending: Iterable[Pending | None]) -> AsyncIterator[None]:
    """Write the files, run the block (the database transaction), and take the files away
    again if the block fails."""
    written: list[str] = []
    try:
        for upload in pending:
            if upload is not None:
                await anyio.to_thread.run_sync(_write, media_dir, upload.name, upload.data)
                written.append(upload.name)
        yield
    except BaseException:
        for name in written:
            remove(media_dir, name)
        raise
