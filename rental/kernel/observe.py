"""What the running app tells the people who run it: one log line per request and per periodic
job run, as text for a person or as JSON lines for a log collector (LOG_FORMAT, LOG_LEVEL), and
the request id that ties a user's error page to the log's stack trace.

Through the standard library's logging: every module's `logging.getLogger(...)` already writes
there, and two formatters and a filter are all the JSON lines need (structlog would add a
dependency and a second way to log for the same result)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from rental.kernel.clock import Clock
from rental.kernel.memory import idle

requests_log = logging.getLogger("rental.requests")
jobs_log = logging.getLogger("rental.jobs")

REQUEST_ID_HEADER = "X-Request-ID"
# A request id a proxy or a client sends is kept when it is short and plain (it goes into logs
# and onto the error page); otherwise the app makes one.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass
class RequestEntry:
    """The request being answered, for its log line and for whatever is logged meanwhile."""

    id: str
    user: int | None = None


current_request: ContextVar[RequestEntry | None] = ContextVar("current_request", default=None)


def request_id() -> str | None:
    """The id of the request being answered (None outside a request)."""
    entry = current_request.get()
    return entry.id if entry else None


def new_request_id() -> str:
    return secrets.token_hex(6)  # 12 characters: short enough to read out over the phone


def chosen_request_id(sent: str | None) -> str:
    """The id a request goes by: the X-Request-ID it came with, if well-formed, else a new one."""
    if sent and WELL_FORMED_ID.fullmatch(sent):
        return sent
    return new_request_id()


class RequestLog:
    """The outermost ASGI layer: gives each request its id (echoed in X-Request-ID), and logs
    one line when it is answered, 404s and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await answer_logged(self.app, scope, receive, send)


async def answer_logged(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """`app` answers the request; its id and log line are given here (RequestLog)."""
    if scope["type"] != "http":
        await app(scope, receive, send)
        return
    sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
    entry = RequestEntry(chosen_request_id(sent))
    token = current_request.set(entry)
    status = 500  # unless a response starts
    started = time.perf_counter()
    idle.started()

    async def send_with_id(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = entry.id
        await send(message)

    try:
        await app(scope, receive, send_with_id)
    finally:
        idle.ended()  # gives freed memory back once the worker has nothing to answer
        duration = round((time.perf_counter() - started) * 1000, 1)
        # the path without its query: a search may hold a person's name
        requests_log.info(
            "%s %s %s %.1fms user=%s", scope["method"], scope["path"], status, duration,
            entry.user or "-",
            extra={"event": "request", "method": scope["method"], "path": scope["path"],
                   "status": status, "duration_ms": duration, "user": entry.user})
        current_request.reset(token)


async def note_user(message: Message, scope: Scope) -> None:
    """A before-send hook: the user the request context found, for the request's log line."""
    entry = current_request.get()
    user = scope.get("user")
    if entry is not None and message["type"] == "http.response.start" and user is not None:
        entry.user = user.id


# --- periodic jobs ---------------------------------------------------------------------------

# job name -> the instant its last run ended (this process's runs), for the job-lag metric
JOB_RUNS: dict[str, datetime] = {}


@contextmanager
def job_run(name: str, clock: Clock) -> Iterator[None]:
    """Log one line for a run of a periodic job (its name, duration and outcome) and note when it
    ran; a failure is logged with its stack trace and not raised: the next round tries again."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except Exception:  # noqa: BLE001 - logged here; the loop goes on
        outcome = "failed"
        jobs_log.exception("job %s failed", name, extra={"event": "job_error", "job": name})
    duration = round((time.perf_counter() - started) * 1000, 1)
    JOB_RUNS[name] = clock.now()
    log = jobs_log.info if outcome == "ok" else jobs_log.warning
    log("job %s %s %.1fms", name, outcome, duration,
        extra={"event": "job", "job": name, "duration_ms": duration, "outcome": outcome})


# --- formatting ------------------------------------------------------------------------------


def _request_id_of(record: logging.LogRecord) -> str | None:
    """The id of the request a record was logged in: emitted while it is answered."""
    return getattr(record, "request_id", None) or request_id()


class TextFormatter(logging.Formatter):
    """For a person: time, level, logger, message, request id; then the trace, if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = _request_id_of(record)
        if rid:
            first, newline, rest = line.partition("\n")
            line = f"{first} request={rid}{newline}{rest}"
        return line


# the keys a record carries by itself; anything else came in `extra` and goes into the JSON
_RECORD_KEYS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, the event's own
    fields, and the stack trace as one string."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _RECORD_KEYS})
        if record.exc_info:
            data["trace"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _Stderr(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test or a server may swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_logging(log_format: str, level: str) -> None:
    """Every logger writes to stderr (systemd's journal, docker logs) in the chosen format: the
    app's ("rental" and below) from `level`, the libraries' warnings and errors. Called again,
    it replaces its handler rather than adding one."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("rental").setLevel(level)
