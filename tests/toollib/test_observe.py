"""What the running app tells the people who run it: a log line per request and per job run
(text and JSON), the request id from the X-Request-ID header to the error page, /metrics and who
may read it, and the settings that choose them."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
from contextlib import contextmanager

import httpx
import pytest
from helpers import CLOCK

from rental.kernel import observe
from rental.kernel.settings import ConfigError, load_settings


@contextmanager
def captured(log_format: str):
    """The app's log lines, formatted as the server writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observe.formatter(log_format))
    logger = logging.getLogger("rental")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_request_is_logged_as_text_with_its_id(client):
    with captured("text") as log:
        response = await client.get("/login", headers={"X-Request-ID": "req-42.abc"})
    assert response.headers["X-Request-ID"] == "req-42.abc"
    [line] = [line for line in log.getvalue().splitlines() if "rental.requests" in line]
    assert re.search(r"INFO rental\.requests: GET /login 200 \d+\.\dms user=- "
                     r"request=req-42\.abc$", line), line


async def test_a_request_is_logged_as_json_with_its_user(client, seeded):
    from helpers import credentials, log_in

    phone, password = credentials(seeded, "member")
    await log_in(client, phone, password)
    with captured("json") as log:
        response = await client.get("/me?page=2", headers={"X-Request-ID": "x" * 65})
    rid = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{12}", rid)  # too long: a new id, not the one sent
    [line] = [line for line in json_lines(log) if line["logger"] == "rental.requests"]
    assert line["event"] == "request" and line["request_id"] == rid
    assert (line["method"], line["path"], line["status"]) == ("GET", "/me", response.status_code)
    assert isinstance(line["user"], int) and line["user"] > 0
    assert isinstance(line["duration_ms"], float)
    assert "page=2" not in json.dumps(line)  # the query may hold a name: never logged


@pytest.mark.parametrize("sent, kept", [
    ("abc-123_X.y", True), ("a" * 64, True), ("a" * 65, False), ("", False),
    ("two words", False), ("<script>", False), ("-leading-dash", False), ("ид", False),
])
def test_which_request_ids_are_kept(sent, kept):
    assert (observe.chosen_request_id(sent) == sent) is kept


async def test_unrouted_requests_get_an_id_and_a_line_too(client):
    with captured("text") as log:
        response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "GET /no/such/page 404" in log.getvalue()
    assert f"request={response.headers['X-Request-ID']}" in log.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_job_run_is_logged_with_its_outcome(log_format):
    with captured(log_format) as log:
        with observe.job_run("booking expiry", CLOCK):
            pass
        with observe.job_run("the reminders sweep", CLOCK):
            raise RuntimeError("the database went away")
    assert observe.JOB_RUNS["booking expiry"] == CLOCK.now()
    text = log.getvalue()
    if log_format == "text":
        assert re.search(r"INFO rental\.jobs: job booking expiry ok \d+\.\dms", text)
        assert re.search(r"WARNING rental\.jobs: job the reminders sweep failed \d+\.\dms", text)
        assert "RuntimeError: the database went away" in text  # the trace
    else:
        lines = json_lines(log)
        jobs = [(line["job"], line["outcome"]) for line in lines if line.get("event") == "job"]
        assert jobs == [("booking expiry", "ok"), ("the reminders sweep", "failed")]
        [error] = [line for line in lines if line.get("event") == "job_error"]
        assert "RuntimeError: the database went away" in error["trace"]
        assert error["request_id"] is None


# --- the 500 path --------------------------------------------------------------------------


def failing_app(settings):
    """The app's own error path (its exception handlers, templates and request log) around one
    route that fails as a lost database would: the product has no route that raises."""
    from litestar import Litestar, get
    from litestar.datastructures import State
    from litestar.template.config import TemplateConfig

    from rental.kernel.responses import EXCEPTION_HANDLERS
    from rental.kernel.web import AppRequest, FragmentJinjaEngine, make_environment

    @get("/boom", opt={"access": "public"})
    async def boom() -> str:
        raise ConnectionError("the database is not there")

    app = Litestar(
        route_handlers=[boom], request_class=AppRequest, exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(engine=FragmentJinjaEngine.from_environment(
            make_environment(False))),
        before_send=[observe.note_user], state=State({"settings": settings}), debug=False)
    return observe.RequestLog(app)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_server_error_shows_the_id_that_finds_its_trace(settings, log_format):
    transport = httpx.ASGITransport(app=failing_app(settings), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        with captured(log_format) as log:
            response = await http.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert f"If you tell the staff, quote this number: {rid}" in response.text
    assert "the database is not there" not in response.text  # the trace is for the log only
    if log_format == "text":
        first, _, trace = log.getvalue().partition("\n")
        assert f"unhandled error on GET /boom request={rid}" in first
        assert "ConnectionError: the database is not there" in trace
        assert "GET /boom 500" in log.getvalue()
    else:
        lines = json_lines(log)
        [error] = [line for line in lines if line["level"] == "ERROR"]
        assert error["request_id"] == rid
        assert "ConnectionError: the database is not there" in error["trace"]
        [request] = [line for line in lines if line.get("event") == "request"]
        assert (request["status"], request["request_id"]) == (500, rid)


async def test_a_server_error_tells_an_api_client_its_id(settings):
    transport = httpx.ASGITransport(app=failing_app(settings), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/boom", headers={"Accept": "application/json",
                                                    "X-Request-ID": "from-the-proxy-1"})
    assert response.status_code == 500
    assert response.json()["request_id"] == "from-the-proxy-1"


# --- /metrics ------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        sample = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if sample:
            found = dict(re.findall(r'(\w+)="([^"]*)"', sample[1] or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(sample[2])
    return None


async def test_metrics_count_requests_by_route_template(client):
    before = await client.get("/metrics")
    counted = metric(before.text, "toollib_requests_total", path="/sessions/{session_id}",
                     method="GET", status_code="404") or 0
    for session_id in (812, 813, 814):
        await client.get(f"/sessions/{session_id}")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert metric(text, "toollib_requests_total", path="/sessions/{session_id}",
                  method="GET", status_code="404") == counted + 3  # no such sessions
    assert metric(text, "toollib_request_duration_seconds_count",
                  path="/sessions/{session_id}") is not None
    assert "/sessions/812" not in text  # never a raw id: one series a route


async def test_metrics_read_the_queues_and_the_jobs(client, seeded):
    from datetime import timedelta

    from helpers import SMG, now, today

    from bookings.tables import WaitlistEntry
    from inventory.tables import ToolType
    from rental.tables import Member, Notification

    member = await Member.select(Member.id).where(Member.role == "member").first()
    tool = await ToolType.select(ToolType.id).first()
    await WaitlistEntry.insert(*[WaitlistEntry(
        member=member["id"], tool_type=tool["id"], centre=SMG,
        starts_on=today() + timedelta(days=days), ends_on=today() + timedelta(days=days),
        status=status, created_at=now(),
        offer_expires_at=now() + timedelta(hours=5) if status == "offered" else None,
        offered_at=now() if status == "offered" else None) for days, status in enumerate((
        "offered", "offered", "waiting", "expired"))])
    base = {"member": member["id"], "kind": "test", "subject": "", "body": "",
            "created_at": now()}
    await Notification.insert(
        Notification(**base, channel="sms", status="queued", event_key="a"),
        Notification(**base, channel="sms", status="failed", event_key="b"),
        Notification(**base, channel="email", status="failed", event_key="c"),
        Notification(**base, channel="email", status="sent", event_key="d"))
    observe.JOB_RUNS["booking expiry"] = now() - timedelta(seconds=90)

    text = (await client.get("/metrics")).text

    for status in ("offered", "waiting"):
        assert metric(text, "toollib_waitlist_entries", status=status) == (
            await WaitlistEntry.count().where(WaitlistEntry.status == status))
    assert metric(text, "toollib_waitlist_entries", status="offered") >= 2
    assert metric(text, "toollib_waitlist_entries", status="expired") is None
    for channel, status in (("sms", "queued"), ("sms", "failed"), ("email", "failed"),
                            ("email", "queued")):
        assert metric(text, "toollib_outbox_messages", channel=channel,
                      status=status) == await Notification.count().where(
            (Notification.channel == channel) & (Notification.status == status))
    assert metric(text, "toollib_outbox_messages", channel="sms", status="failed") >= 1
    assert metric(text, "toollib_job_lag_seconds", job="booking expiry") == 90


async def test_metrics_show_the_age_of_the_last_backup_once_backups_exist(client):
    pytest.importorskip("toollib.backup", reason="the backups (toollib/backup.py) are not here")
    text = (await client.get("/metrics")).text
    assert metric(text, "toollib_last_backup_age_seconds") is not None


@pytest.mark.parametrize("allow, proxies, peer, forwarded, status", [
    (("127.0.0.1", "::1"), (), "127.0.0.1", None, 200),  # the default: this machine only
    (("127.0.0.1", "::1"), (), "::1", None, 200),
    (("127.0.0.1", "::1"), (), "203.0.113.5", None, 404),  # anyone else: no such page
    (("127.0.0.1", "::1"), (), "203.0.113.5", "127.0.0.1", 404),  # no proxy trusted
    (("10.0.0.0/8",), (), "10.1.2.3", None, 200),  # a network
    # behind a trusted proxy the forwarded client counts, not the proxy
    (("127.0.0.1",), ("127.0.0.1",), "127.0.0.1", "203.0.113.5", 404),
    (("10.0.0.0/8",), ("127.0.0.1",), "127.0.0.1", "10.9.9.9", 200),
])
async def test_metrics_answer_only_the_allowed_addresses(settings, allow, proxies, peer,
                                                         forwarded, status):
    from toollib.app import create_app

    app = create_app(dataclasses.replace(settings, metrics_allow=allow,
                                         trusted_proxies=proxies))
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 5000)),
                                 base_url="http://testserver") as http:
        response = await http.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 404:
        assert "toollib_" not in response.text


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("env, expected", [
    ({}, ("text", "INFO", ("127.0.0.1", "::1"))),
    ({"LOG_FORMAT": "JSON", "LOG_LEVEL": "debug"}, ("json", "DEBUG", ("127.0.0.1", "::1"))),
    ({"METRICS_ALLOW": "10.0.0.0/8, 192.168.1.7"}, ("text", "INFO", ("10.0.0.0/8",
                                                                       "192.168.1.7"))),
])
def test_observe_settings(monkeypatch, env, expected):
    for name in ("LOG_FORMAT", "LOG_LEVEL", "METRICS_ALLOW"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.log_format, settings.log_level, settings.metrics_allow) == expected


@pytest.mark.parametrize("name, value", [
    ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud"), ("METRICS_ALLOW", "127.0.0.1, the monitor"),
])
def test_malformed_observe_settings_say_which(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()
