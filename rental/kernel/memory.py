"""Giving a worker's freed memory back to the system (issue 21: a worker's resident memory).

glibc keeps what the app frees for reuse instead of returning it: argon2's 19 MiB buffer at
each login (under glibc's mmap threshold, so it lands in the heap), the page cache of each SQLite
connection that concurrent requests opened (aiosqlite runs each on its own thread, and glibc
gives each thread its own arena, up to 8 a core), a report's rows. The live Python heap stays
near 65 MB, but the resident memory grew to 230-260 MB. Fewer glibc arenas and a trim when the
worker falls idle give it back (114 MB on SQLite, 103 MB on PostgreSQL after a bench-like
load). Without glibc (musl, macOS) all of this does nothing."""

from __future__ import annotations

import asyncio
import ctypes
import os

# mallopt's parameters (glibc's malloc.h) and the environment variables glibc reads for them
# at start; a value the person running the server set is kept
_M_ARENA_MAX = -8
SERVER_MALLOC = {
    # two arenas, not 8 a core: a thread shares one instead of keeping its own. (A fixed
    # mmap threshold, tried too, also fixes glibc's trim threshold: the heap was given back
    # and faulted in again on every request, 2-4 ms each and 10-15 ms a login.)
    "MALLOC_ARENA_MAX": (_M_ARENA_MAX, 2),
}
IDLE_SECONDS = 1.0  # how long a worker answers nothing before it trims


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)  # the C library this process already uses
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def tune_server_malloc() -> None:
    """For `rental serve`, before it starts its workers: the settings above, for this process
    and the workers it forks (they inherit them), and in the environment for workers started
    afresh (glibc reads it at start)."""
    for name, (parameter, value) in SERVER_MALLOC.items():
        if name in os.environ:
            continue  # glibc read it when this process started
        os.environ[name] = str(value)
        if _LIBC is not None:
            _LIBC.mallopt(parameter, value)


class _Idle:
    """Counts the requests a worker is answering; when none has come for IDLE_SECONDS, gives the
    freed memory back with malloc_trim (a few ms, so only while idle, never under load)."""

    def __init__(self) -> None:
        self.answering = 0
        self.trim: asyncio.TimerHandle | None = None

    def started(self) -> None:
        self.answering += 1
        if self.trim is not None:
            self.trim.cancel()
            self.trim = None

    def ended(self) -> None:
        self.answering -= 1
        if self.answering == 0 and _LIBC is not None:
            self.trim = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._trim)

    def _trim(self) -> None:
        self.trim = None
        _LIBC.malloc_trim(0)


idle = _Idle()
