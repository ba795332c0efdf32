"""Several app hosts on one PostgreSQL behave as one: two `rental serve` processes (two workers
each) on one database, driven through both at once. No tool is booked twice and no unit lent
twice; a login made on one host is a session on the other, and login failures on both count
towards one limit; each periodic job runs once per interval across the four workers (the lease
of rental.kernel.leases), not once per worker.

Bounded: a fixed number of requests, a time limit on the whole, the hosts always stopped and
their database dropped."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import journeys
import pytest
from conftest import (
    ON_POSTGRES,
    RUN_DIR,
    TEST_DATABASE_URL,
    _test_database_name,
    database_url_named,
    drop_postgres_database,
    recreate_postgres_database,
)
from helpers import SAMGORI_OPEN, at, csrf_token, log_in, open_day

from rental.kernel.settings import PROJECT_ROOT

pytestmark = [
    pytest.mark.no_database,  # the hosts have a database of their own
    pytest.mark.skipif(not ON_POSTGRES, reason=(
        "several hosts share a network database: PostgreSQL only (set TEST_DATABASE_URL); "
        "SQLite serves one host, whose workers the lease tests cover")),
]

WORKERS = 2  # per host
MEMBERS = 12  # requests in each storm, one member each, alternating between the hosts
UNITS_LENT = 3  # the units the desks fight over
MAX_FAILURES = 4  # LOGIN_MAX_FAILURES
JOBS = ("booking expiry", "the reminders sweep")  # each every second
WATCH_JOBS_SECONDS = 6.0
TIME_LIMIT = 240  # seconds, for the whole test
SAMGORI = 1

# Run in a process of its own on the hosts' database: members to book and borrow, their API
# tokens, the desk's token, the tool to book and the units to lend with what each costs.
SETUP = """
import asyncio, json, sys
from datetime import date, timedelta

from bookings.lending import desk
from inventory.tables import ToolType, Unit
from rental.accounts import create_api_token
from rental.kernel.settings import load_settings
from rental.tables import Member, Membership, MembershipType

count, staff_phone = int(sys.argv[1]), sys.argv[2]
return_on = date.fromisoformat(sys.argv[3])
lent = int(sys.argv[4])


async def lendable(centre):
    return await Unit.select(Unit.asset_tag, Unit.tool_type).where(
        (Unit.centre == centre) & (Unit.status == "available")
        & Unit.tool_type.required_skill.is_null()
        & Unit.tool_type.inspection_interval_days.is_null()).order_by(Unit.asset_tag)


async def main():
    clock = load_settings().clock
    now, today = clock.now(), clock.today("Asia/Tbilisi")
    standard = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first()
    people = [Member(name=f"Host test {n}", phone=f"+99559700{n:04d}", role="member",
                     status="active", created_at=now, updated_at=now) for n in range(count)]
    ids = [row["id"] for row in await Member.insert(*people).returning(Member.id)]
    await Membership.insert(*[Membership(member=i, membership_type=standard["id"],
                                         starts_on=today, ends_on=today + timedelta(days=300),
                                         status="active", created_at=now) for i in ids])
    tokens = [(await create_api_token(f"+99559700{n:04d}", "hosts", now=now))[1]
              for n in range(count)]
    staff = (await create_api_token(staff_phone, "hosts", now=now))[1]
    units = await lendable(1)
    per_tool = {}
    for unit in units:
        per_tool.setdefault(unit["tool_type"], []).append(unit["asset_tag"])
    booked = max(per_tool, key=lambda tool: len(per_tool[tool]))
    tags = [unit["asset_tag"] for unit in units if unit["tool_type"] != booked][:lent]
    due = {}
    for n, member in enumerate(ids):
        tag = tags[n % lent]
        due[tag + ":" + str(member)] = (await desk.basket_view(member, 1, [tag], return_on,
                                                               today)).due
    print(json.dumps({"members": ids, "tokens": tokens, "staff": staff, "tool": booked,
                      "tags": tags, "due": due}))


asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _logins(seed_output: str) -> dict[str, list[tuple[str, str]]]:
    """The demo logins `rental seed-demo` printed: role -> [(phone, password)]."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in seed_output.splitlines():
        match = re.fullmatch(r"\s+(\w+)\s+(\+\d+)\s+(\S+)", line)
        if match:
            found.setdefault(match[1], []).append((match[2], match[3]))
    return found


def _read(log: Path) -> str:
    return log.read_text()


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:  # granian sometimes ignores SIGTERM under load
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


async def test_two_hosts_on_one_database_behave_as_one():
    name = _test_database_name("_hosts")
    url = database_url_named(TEST_DATABASE_URL, name)
    await recreate_postgres_database(TEST_DATABASE_URL, name)
    day = open_day(0, SAMGORI_OPEN)  # the desk lends on a day Samgori opens
    env = {**os.environ, "DATABASE_URL": url, "CLOCK_START": at(day, 12).isoformat(),
           "SECRET_KEY": "two-hosts-share-this-secret-key-0123456789abcdef",
           "WORKERS": str(WORKERS), "EXPIRE_INTERVAL_SECONDS": "1",
           "NOTIFY_INTERVAL_SECONDS": "1", "LOGIN_MAX_FAILURES": str(MAX_FAILURES),
           "BACKUP_INTERVAL_HOURS": "0"}  # backups are timed in hours: not in this test
    servers: list[tuple[subprocess.Popen, Path]] = []
    try:
        async with asyncio.timeout(TIME_LIMIT):
            _run(env, "-m", "toollib.cli", "migrate")
            logins = _logins(_run(env, "-m", "toollib.cli", "seed-demo"))
            return_on = open_day(3, SAMGORI_OPEN, since=day)
            setup = json.loads(_run(env, "-c", SETUP, str(MEMBERS), logins["staff"][0][0],
                                    return_on.isoformat(), str(UNITS_LENT)).splitlines()[-1])
            hosts = []
            for host in ("a", "b"):
                port = _free_port()
                log = RUN_DIR / f"host-{host}.log"
                with log.open("w") as out:  # a file: a full pipe would stall the server
                    servers.append((subprocess.Popen(  # noqa: ASYNC220 - returns at once
                        [sys.executable, "-m", "toollib.cli", "serve", "--port", str(port)],
                        env={**env, "VAR_DIR": str(RUN_DIR / f"host-{host}-var")},
                        cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                        start_new_session=True), log))
                hosts.append(f"http://127.0.0.1:{port}")
            for (server, log), base in zip(servers, hosts, strict=True):
                await journeys.healthy(base, server, log, seconds=60)
            watched_from, runs_before = time.monotonic(), await _job_runs(url)

            await _booking_storm(hosts, setup, url, open_day(6, SAMGORI_OPEN, since=day))
            await _check_out_storm(hosts, setup, url, return_on)
            await _a_session_made_on_one_host_works_on_the_other(hosts, logins["member"][0])
            await _login_failures_on_both_hosts_count_towards_one_limit(
                hosts, logins["member"][1])

            await asyncio.sleep(max(0.0, WATCH_JOBS_SECONDS - (time.monotonic() - watched_from)))
            runs_after, watched = await _job_runs(url), time.monotonic() - watched_from
            for job in JOBS:
                ran = runs_after.get(job, 0) - runs_before.get(job, 0)
                # once a second across the four workers (one more where the hosts' clocks,
                # each started at CLOCK_START as it began, hand the job over); without the
                # lease each worker would run it every second
                assert 1 <= ran <= watched + 2, (job, ran, watched)
    finally:
        for server, _log in servers:
            _stop(server)
        await drop_postgres_database(TEST_DATABASE_URL, name)


async def _job_runs(url: str) -> dict[str, int]:
    """How often each job has run, across every worker of both hosts (rental.kernel.leases)."""
    rows = await _fetch(url, "SELECT name, runs FROM job_lease")
    return {row["name"]: row["runs"] for row in rows}


async def _fetch(url: str, sql: str, *args) -> list:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


async def _free_units(base: str, tool: int, starts: date, ends: date) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        days = (await http.get(f"/api/v1/tool-types/{tool}/availability", params={
            "centre": SAMGORI, "from": starts.isoformat(), "to": ends.isoformat()})).json()
    return min(day["free"] for day in days)


async def _booking_storm(hosts: list[str], setup: dict, url: str, starts: date) -> None:
    """More members than free units book the same tool for the same days, at once, half on
    each host: as many bookings as units, the rest refused, and no unit held twice."""
    ends = open_day(2, SAMGORI_OPEN, since=starts)
    free = await _free_units(hosts[0], setup["tool"], starts, ends)
    assert 2 <= free < MEMBERS

    async def book(n: int, token: str) -> int:
        async with httpx.AsyncClient(base_url=hosts[n % 2], timeout=60) as http:
            response = await http.post("/api/v1/bookings", headers={
                "Authorization": f"Bearer {token}"}, json={
                "tool_type_id": setup["tool"], "centre_id": SAMGORI,
                "starts_on": starts.isoformat(), "ends_on": ends.isoformat()})
            return response.status_code

    statuses = await asyncio.gather(*(book(n, t) for n, t in enumerate(setup["tokens"])))
    assert sorted(statuses) == sorted([201] * free + [409] * (MEMBERS - free)), statuses
    assert await _free_units(hosts[1], setup["tool"], starts, ends) == 0
    booked = await _fetch(url, "SELECT count(*) AS n FROM booking WHERE tool_type = $1 AND "
                          "status = 'reserved' AND starts_on = $2", setup["tool"], starts)
    assert booked[0]["n"] == free
    assert not await _overlapping_bookings(url)


async def _overlapping_bookings(url: str) -> list:
    return await _fetch(url, """
        SELECT one.id, other.id FROM booking one JOIN booking other
          ON one.unit = other.unit AND one.id < other.id
         AND one.starts_on <= other.ends_on AND other.starts_on <= one.ends_on
         WHERE one.status IN ('reserved', 'out') AND other.status IN ('reserved', 'out')""")


async def _check_out_storm(hosts: list[str], setup: dict, url: str, return_on: date) -> None:
    """Desks on both hosts lend the same few units to different members at once: each unit
    is lent once; the other desks are told it is out."""
    tags = setup["tags"]

    async def lend(n: int, member: int) -> tuple[int, str]:
        tag = tags[n % UNITS_LENT]
        async with httpx.AsyncClient(base_url=hosts[n % 2], timeout=60) as http:
            response = await http.post("/api/v1/loans/check-out", headers={
                "Authorization": f"Bearer {setup['staff']}"}, json={
                "member_id": member, "centre_id": SAMGORI, "asset_tags": [tag],
                "return_on": return_on.isoformat(),
                "payment": {"method": "cash", "amount_tetri": setup["due"][f"{tag}:{member}"]}})
            return response.status_code, tag

    results = await asyncio.gather(*(lend(n, m) for n, m in enumerate(setup["members"])))
    lent = sorted(tag for status, tag in results if status == 201)
    assert lent == sorted(tags), results
    assert all(status == 409 for status, _tag in results if status != 201), results
    out = await _fetch(url, "SELECT unit.asset_tag, count(*) AS n FROM booking JOIN unit ON "
                       "unit.id = booking.unit WHERE booking.status = 'out' AND "
                       "unit.asset_tag = ANY($1::text[]) GROUP BY unit.asset_tag", tags)
    assert {row["asset_tag"]: row["n"] for row in out} == dict.fromkeys(tags, 1)
    assert not await _overlapping_bookings(url)


async def _a_session_made_on_one_host_works_on_the_other(hosts: list[str],
                                                          login: tuple[str, str]) -> None:
    async with httpx.AsyncClient(base_url=hosts[0], timeout=30) as on_a:
        assert (await log_in(on_a, *login)).status_code == 303
        assert (await on_a.get("/me")).status_code == 200
        async with httpx.AsyncClient(base_url=hosts[1], timeout=30,
                                     cookies=on_a.cookies) as on_b:
            assert (await on_b.get("/me")).status_code == 200
            # and back: a form of host B signs the member out of host A too
            token = await csrf_token(on_b, "/me")
            assert (await on_b.post("/logout", data={"_csrf_token": token})).status_code == 303
        gone = await on_a.get("/me")  # with the session cookie host A gave
        assert gone.status_code in (302, 303) and "/login" in gone.headers["location"]


async def _login_failures_on_both_hosts_count_towards_one_limit(
        hosts: list[str], login: tuple[str, str]) -> None:
    phone, password = login
    statuses = []
    for attempt in range(MAX_FAILURES):  # wrong, on A and B in turn
        async with httpx.AsyncClient(base_url=hosts[attempt % 2], timeout=30) as http:
            statuses.append((await log_in(http, phone, "not the password")).status_code)
    assert statuses == [422] * MAX_FAILURES
    for base in hosts:  # now even the right password waits, on either host
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            assert (await log_in(http, phone, password)).status_code == 429
