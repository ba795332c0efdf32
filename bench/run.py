"""The figures that matter at the desk, measured on a seeded database (python -m bench.seed):

    DATABASE_URL=... VAR_DIR=var/bench python -m bench.run [--port 8100] [--samples 300]

Starts the real server with the command users run (`rental serve --workers 2`) and a bare
Litestar + Jinja page beside it (bench/bare_app.py), then measures from this process over
127.0.0.1: round trips of sequential requests on a kept-alive connection after a warm-up
(asking for brotli or gzip, as a browser does), every report page, pages' bytes on the wire
and a login (bench/pages.py), a phone on a slow line (bench/phone.py), throughput under 50
connections (wrk, else bench/load.py), each worker's resident memory. Prints one table, each
figure beside its goal, and writes it as JSON to bench/results/<engine>-<date>.json."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench import pages, phone
from bench.client import Client, decoded
from bench.figures import Metric, at_most, latency
from bench.generate import COORDINATOR_PHONE, MEMBER_PHONE, YEARS
from bench.seed import BENCH_PASSWORD
from bookings.reports.services import REPORTS
from rental.centres import is_open_on
from rental.kernel.settings import PROJECT_ROOT, Database, load_settings

RESULTS = PROJECT_ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
# what a member types into the catalogue's search, letter by letter, in Georgian and Latin
TYPED = ["ბუ", "ბურ", "ბურღ", "მი", "მილ", "სა", "სახ", "dr", "dri", "dril", "pi", "pip",
         "pipe", "wr", "wre", "la", "lad"]
WARM_UP = 20  # requests before the timed ones
LENDERS = 20  # member and unit pairs the check-out runs lend in turn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--port", type=int, default=8100, help="the app; the bare page +1")
    parser.add_argument("--samples", type=int, default=300, help="requests per latency")
    parser.add_argument("--seconds", type=float, default=10, help="per throughput run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--phone-runs", type=int, default=phone.RUNS,
                        help="cold visits of the slow-line phone (0: none)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print("error: set DATABASE_URL to a database bench.seed made", file=sys.stderr)
        return 2
    settings = load_settings()
    today = datetime.now(ZoneInfo(settings.default_timezone)).date()
    db = Raw(settings.database)
    try:
        cast = Cast.choose(db, today, args.samples)
        token = api_token(cast.staff_phone)
        # no expiry job writing during the measurements; the one desk token sends far more
        # than the per-token limit allows
        env = {**os.environ, "EXPIRE_INTERVAL_SECONDS": "0", "API_TOKEN_RATE_PER_MINUTE": "0"}
        logs = settings.var_dir / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        app_command = [str(BIN / "rental"), "serve", "--host", "127.0.0.1", "--port",
                       str(args.port), "--workers", "2"]
        bare_command = [sys.executable, "-m", "bench.bare_app", "--port", str(args.port + 1),
                        "--workers", "2"]
        with serving(app_command, args.port, "/healthz", env, logs / "app.log") as app, \
                serving(bare_command, args.port + 1, "/", env, logs / "bare.log"):
            metrics = measure(args, cast, token, db, app)
            metrics += memory(app)
        counts = db.counts()
    finally:
        db.close()
    report(metrics, settings.database, counts)
    return 0


# --- the database, read directly ------------------------------------------------------------


class Raw:
    """Plain SQL on the bench database, `?` placeholders on both engines."""

    def __init__(self, database: Database):
        self.engine = database.engine
        if self.engine == "sqlite":
            import sqlite3

            self.db = sqlite3.connect(f"file:{database.path}?mode=ro", uri=True)
            self.db.row_factory = sqlite3.Row
        else:
            import asyncpg

            self.loop = asyncio.new_event_loop()
            self.db = self.loop.run_until_complete(asyncpg.connect(database.dsn))

    def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if self.engine == "sqlite":
            values = [a.isoformat() if isinstance(a, date) else a for a in args]
            return [dict(row) for row in self.db.execute(sql, values)]
        count = iter(range(1, sql.count("?") + 1))
        sql = re.sub(r"\?", lambda _m: f"${next(count)}", sql)
        return [dict(row) for row in self.loop.run_until_complete(self.db.fetch(sql, *args))]

    def counts(self) -> dict[str, int]:
        return {table: self.fetch(f"SELECT count(*) AS n FROM {table}")[0]["n"]
                for table in ("centre", "tool_type", "unit", "member", "booking",
                              "ledger_entry", "skill_session")}

    def close(self) -> None:
        if self.engine == "sqlite":
            self.db.close()
        else:
            self.loop.run_until_complete(self.db.close())
            self.loop.close()


@dataclass
class Cast:
    """Who and what the measured requests use, chosen from the data so they succeed: a
    centre open today and its bench desk staff; members who may book and owe nothing; units
    free to lend today; tool types to book; typed phone numbers."""

    today: date
    centre: int
    staff_phone: str
    return_on: date
    booking_members: list[int]
    lending: list[tuple[int, str, int]]  # member, asset tag, what the loan costs
    booking_types: list[int]
    booking_days: list[date]
    availability_type: int
    phone_prefixes: list[str]
    new_words: list[str]  # what members type that the catalogue was not asked before

    @classmethod
    def choose(cls, db: Raw, today: date, samples: int) -> Cast:
        centres = db.fetch(
            "SELECT c.id, c.opening_days, m.phone, count(u.id) AS units FROM centre c "
            "JOIN staff_centre s ON s.centre = c.id "
            "JOIN member m ON m.id = s.member AND m.phone LIKE '+995500000%' "
            "JOIN unit u ON u.centre = c.id "
            "GROUP BY c.id, c.opening_days, m.phone ORDER BY units DESC")
        centre = next(c for c in centres if is_open_on(c["opening_days"], today))
        days = [today + timedelta(days=n) for n in range(1, 60)]
        open_days = [d for d in days if is_open_on(centre["opening_days"], d)]
        return_on = open_days[0]
        members = [row["id"] for row in db.fetch(
            "SELECT m.id FROM member m "
            "JOIN membership s ON s.member = m.id AND s.status = 'active' AND s.ends_on >= ? "
            "JOIN membership_type t ON t.id = s.membership_type "
            "WHERE m.role = 'member' AND m.status = 'active' "
            "AND (SELECT count(*) FROM booking b WHERE b.member = m.id "
            "     AND b.status = 'reserved') < t.max_open_bookings "
            "AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.member = m.id "
            "                AND b.status = 'out') "
            "AND NOT EXISTS (SELECT 1 FROM member_concession c WHERE c.member = m.id) "
            "AND (SELECT coalesce(sum(amount), 0) FROM ledger_entry e "
            "     WHERE e.member = m.id) = 0 "
            "ORDER BY m.id LIMIT ?", today, WARM_UP + samples + LENDERS)]
        units = db.fetch(
            "SELECT u.asset_tag, t.daily_fee, t.deposit FROM unit u "
            "JOIN tool_type t ON t.id = u.tool_type "
            "WHERE u.centre = ? AND u.status = 'available' AND t.active "
            "AND t.required_skill IS NULL AND t.inspection_interval_days IS NULL "
            "AND t.max_loan_days >= ? AND NOT EXISTS (SELECT 1 FROM booking b "
            "  WHERE b.unit = u.id AND (b.status = 'out' OR b.status = 'reserved' "
            "  AND b.starts_on <= ? AND b.ends_on >= ?)) "
            "ORDER BY u.id LIMIT ?", centre["id"], (return_on - today).days, return_on, today,
            LENDERS)
        days_lent = max(1, (return_on - today).days)
        # lenders first: a small data set may have fewer members who may book than samples
        lending = [(member, unit["asset_tag"], unit["daily_fee"] * days_lent + unit["deposit"])
                   for member, unit in zip(members, units, strict=False)]
        members = members[len(lending):]
        if not lending or len(members) <= WARM_UP:
            raise RuntimeError("too few members who may book, or no unit free to lend: "
                               "seed a larger data set")
        types = db.fetch(
            "SELECT t.id, count(*) AS units FROM unit u "
            "JOIN tool_type t ON t.id = u.tool_type "
            "WHERE u.centre = ? AND u.status = 'available' AND t.active "
            "AND t.required_skill IS NULL AND t.inspection_interval_days IS NULL "
            "GROUP BY t.id ORDER BY units DESC, t.id LIMIT 10", centre["id"])
        phones = db.fetch("SELECT phone FROM member WHERE role = 'member' AND status = 'active' "
                          "ORDER BY id LIMIT 12")
        names = db.fetch("SELECT name_ka, name_en FROM tool_type WHERE active ORDER BY id")
        return cls(
            today=today, centre=centre["id"], staff_phone=centre["phone"], return_on=return_on,
            booking_members=members, lending=lending,
            booking_types=[t["id"] for t in types],
            # a week ahead and later: the check-out runs lend units until the next open day
            booking_days=[d for d in open_days if d >= today + timedelta(days=7)],
            availability_type=types[0]["id"],
            phone_prefixes=[f"{p['phone'][4:7]} {p['phone'][7:9]}" for p in phones],
            new_words=new_words(names, WARM_UP + samples),
        )


def new_words(names: list[dict[str, Any]], count: int) -> list[str]:
    """The first three, four and five letters of the words of the tool types' names, as a
    member types them, each once and none of TYPED: `count` of them, or all there are."""
    words: dict[str, None] = {}
    for row in names:
        for name in (row["name_ka"], row["name_en"]):
            for word in re.findall(r"[^\W\d_]{3,}", name.lower()):
                for letters in (3, 4, 5):
                    if len(word) >= letters and word[:letters] not in TYPED:
                        words.setdefault(word[:letters])
    return list(words)[:count]


def api_token(phone: str) -> str:
    """A bearer token for the desk API, made with the real command."""
    out = subprocess.run([str(BIN / "rental"), "api-token", "create", "--user", phone,
                          "--label", "bench"], capture_output=True, text=True, check=True)
    return next(line for line in out.stdout.splitlines() if line.startswith("tl_"))


# --- servers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(command: list[str], port: int, ready: str, env: dict[str, str],
            log: Path) -> Iterator[subprocess.Popen]:
    """A server in a process group of its own, stopped (TERM, then KILL) at the end."""
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=PROJECT_ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if Client(port).request("GET", ready)[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command[:3])} did not start: see {log}")
            time.sleep(0.3)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # granian can hang after heavy SQLite load: ../shared/STACK-NOTES.md
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- measuring --------------------------------------------------------------------------------

Step = Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]


def timings(client: Client, step: Step, samples: int, warm_up: int = WARM_UP,
            expect: int = 200) -> tuple[list[float], str]:
    """Round trips in milliseconds of `samples` sequential requests, after a warm-up; and
    what answered other than `expect` (how many, and the first answer)."""
    took, unexpected, first = [], 0, ""
    for n in range(warm_up + samples):
        status, body, seconds = client.request(*step(n))
        if n >= warm_up:
            took.append(seconds * 1000)
        if status != expect:
            unexpected += 1
            first = first or answer("", status, decoded(
                body, client.headers.get("Content-Encoding", "")), expect)
    return took, f"{unexpected} unexpected answers, the first: {first}" if unexpected else ""


def answer(what: str, status: int, body: bytes, expect: int) -> str:
    """An unexpected answer, briefly; nothing when it was the expected one."""
    if status == expect:
        return ""
    return f"{what} HTTP {status} {body[:300].decode(errors='replace')}".strip()


def measure(args: argparse.Namespace, cast: Cast, token: str, db: Raw,
            app: subprocess.Popen) -> list[Metric]:
    samples, port = args.samples, args.port
    fragment = {"HX-Request": "true"}
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    metrics: list[Metric] = []
    say = Steps()

    say("catalogue search fragment")
    took, bad = timings(Client(port), lambda n: (
        "GET", "/?" + urlencode({"q": TYPED[n % len(TYPED)]}), None,
        {**fragment, "HX-Target": "results"}), samples)
    metrics += latency("catalogue search fragment", took, 10, bad)

    # each word once, so none is served from what the worker kept of an earlier search
    say("catalogue search fragment, words not searched before")
    took, bad = timings(Client(port), lambda n: (
        "GET", "/?" + urlencode({"q": cast.new_words[n % len(cast.new_words)]}), None,
        {**fragment, "HX-Target": "results"}), samples)
    metrics += latency("catalogue search fragment, words not searched before", took, 10, bad)

    say("desk member lookup fragment")
    desk = Client(port).log_in(cast.staff_phone)
    took, bad = timings(desk, lambda n: (
        "GET", f"/desk/{cast.centre}?" + urlencode(
            {"q": cast.phone_prefixes[n % len(cast.phone_prefixes)]}), None,
        {**fragment, "HX-Target": "desk-member"}), samples)
    metrics += latency("desk member lookup fragment", took, 10, bad)

    say("availability of a tool type for a month")
    first = (cast.today.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    took, bad = timings(Client(port), lambda n: (
        "GET", f"/api/v1/tool-types/{cast.availability_type}/availability?" + urlencode(
            {"centre": cast.centre, "from": first.isoformat(), "to": last.isoformat()}),
        None, {}), samples)
    metrics += latency("availability, one month", took, 10, bad)

    say("desk check-out and check-in")
    api = Client(port)
    rounds = max(1, samples // 2)  # each round lends and takes back one unit
    outs, ins, bad = [], [], ""
    for n in range(rounds + 5):
        member, tag, cost = cast.lending[n % len(cast.lending)]
        status, body, took_out = api.request("POST", "/api/v1/loans/check-out", json.dumps({
            "member_id": member, "centre_id": cast.centre, "asset_tags": [tag],
            "return_on": cast.return_on.isoformat(),
            "payment": {"method": "cash", "amount_tetri": cost}}).encode(), bearer)
        bad = bad or answer("check-out", status, decoded(
            body, api.headers.get("Content-Encoding", "")), 201)
        status, body, took_in = api.request("POST", "/api/v1/loans/check-in", json.dumps({
            "asset_tag": tag, "condition": "fine"}).encode(), bearer)
        bad = bad or answer("check-in", status, decoded(
            body, api.headers.get("Content-Encoding", "")), 201)
        if n >= 5:
            outs.append(took_out * 1000)
            ins.append(took_in * 1000)
    metrics += latency("desk check-out (API)", outs, 20, bad)
    metrics += latency("desk check-in (API)", ins, 20, bad)

    say("booking create")

    def booking(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        """A day's booking; each tool type in turn takes one on every open day ahead."""
        days = cast.booking_days
        tool = cast.booking_types[(n // len(days)) % len(cast.booking_types)]
        on = days[n % len(days)].isoformat()
        return "POST", "/api/v1/bookings", json.dumps({
            "tool_type_id": tool, "centre_id": cast.centre, "starts_on": on, "ends_on": on,
            "member_id": cast.booking_members[n % len(cast.booking_members)]}).encode(), bearer

    took, bad = timings(api, booking, len(cast.booking_members) - WARM_UP, expect=201)
    metrics += latency("booking create (API)", took, 15, bad)

    # where the workers' memory grows: before the reports read five years of history
    metrics += [Metric(f"{m.metric}, before the reports", m.value, m.unit, note=m.note)
                for m in memory(app)]

    say("report pages, 5 years, all centres and one")
    metrics += report_pages(port, cast, db)

    say("bytes on the wire")
    metrics += pages.wire_sizes(port, pages.pages(
        centre=cast.centre, tool_type=cast.booking_types[0], desk=cast.staff_phone,
        member=MEMBER_PHONE, coordinator=COORDINATOR_PHONE, search=TYPED[9]))

    say("login")
    metrics += pages.login(port, MEMBER_PHONE)

    if args.phone_runs:
        say(f"a phone on a slow line, {args.phone_runs} cold visits")
        metrics += phone.on_a_phone(
            f"http://127.0.0.1:{port}", f"/tool-types/{cast.booking_types[0]}/book?"
            + urlencode({"centre": cast.centre}), TYPED[9], (MEMBER_PHONE, BENCH_PASSWORD),
            runs=args.phone_runs)

    say("throughput")
    catalogue = throughput(f"http://127.0.0.1:{port}/", args)
    bare = throughput(f"http://127.0.0.1:{port + 1}/", args)
    ratio = catalogue / bare * 100 if bare else None
    say.done()
    metrics += [
        Metric(f"catalogue page, {args.connections} connections", catalogue, "req/s"),
        Metric("bare Litestar + Jinja page", bare, "req/s"),
        Metric("catalogue / bare", ratio, "%", "≥ 50 %", ratio is not None and ratio >= 50),
    ]
    return metrics


class Steps:
    """Says what is measured next, and how long the one before took (to keep the run short)."""

    def __init__(self) -> None:
        self.begun: float | None = None

    def __call__(self, what: str) -> None:
        self.done()
        print(f"  measuring {what} …", end="", flush=True)
        self.begun = time.perf_counter()

    def done(self) -> None:
        if self.begun is not None:
            print(f" {time.perf_counter() - self.begun:.1f} s", flush=True)
            self.begun = None


def report_pages(port: int, cast: Cast, db: Raw) -> list[Metric]:
    """Every report page over five years, for all centres and for the bench's centre, as a
    coordinator opens it (median of 5 after one); the usage report also against its core
    aggregation run directly as one SQL statement."""
    today = cast.today
    start = today.replace(year=today.year - YEARS)
    coordinator = Client(port).log_in(COORDINATOR_PHONE)
    metrics: list[Metric] = []
    for name in REPORTS:
        for centre, scope in (("", "all centres"), (str(cast.centre), "one centre")):
            path = f"/reports/{name}?" + urlencode({
                "period": "dates", "from": start.isoformat(), "to": today.isoformat(),
                "centre": centre})
            took, bad = timings(coordinator, lambda _n, path=path: ("GET", path, None, {}), 5,
                                warm_up=1)
            page = statistics.median(took)
            metrics.append(at_most(f"{name} report, 5 years, {scope}", page, "ms", 300, bad))
            if name == "usage" and not centre:
                raw = raw_usage(db, start, today)
                metrics += [Metric("  usage aggregation as raw SQL", raw, "ms"),
                            Metric("  usage report / raw SQL", page / raw, "×", "≤ 1.3 ×",
                                   page / raw <= 1.3)]
    return metrics


def raw_usage(db: Raw, start: date, today: date) -> float:
    """Loans and loan-days by category and month, median of five runs, in milliseconds."""
    if db.engine == "sqlite":
        month, days = "substr(b.starts_on, 1, 7)", (
            "julianday(coalesce(b.ended_on, ?)) - julianday(b.starts_on) + 1")
    else:
        month, days = "to_char(b.starts_on, 'YYYY-MM')", "coalesce(b.ended_on, ?) - b.starts_on + 1"
    sql = (f"SELECT t.category, {month} AS month, count(*) AS loans, sum({days}) AS loan_days "
           "FROM booking b JOIN tool_type t ON t.id = b.tool_type "
           "WHERE b.status IN ('out', 'returned', 'lost') AND b.checked_out_at IS NOT NULL "
           f"AND b.starts_on BETWEEN ? AND ? GROUP BY t.category, {month}")
    took = []
    for _ in range(6):
        started = time.perf_counter()
        db.fetch(sql, today, start, today)
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took[1:])


def throughput(url: str, args: argparse.Namespace) -> float:
    """Requests per second under `connections` kept-alive connections."""
    wrk = shutil.which("wrk")
    if wrk:
        # a long timeout: a slow page is counted when it comes, not dropped
        out = subprocess.run([wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds:g}s",
                              "--timeout", "30s", url],
                             capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out or "timeout" in out:
            raise RuntimeError(f"{url} answered errors under load:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    out = subprocess.run([sys.executable, "-m", "bench.load", url, "--connections",
                          str(args.connections), "--seconds", str(args.seconds)],
                         capture_output=True, text=True, check=True, cwd=PROJECT_ROOT).stdout
    return float(re.search(r"requests/s ([\d.]+)", out).group(1))


def memory(app: subprocess.Popen) -> list[Metric]:
    """Resident memory of each process the server runs (its workers and their parent)."""
    found = []
    for pid in [app.pid, *descendants(app.pid)]:
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
            found.append((pid, rss))
    workers = found[1:] or found
    worst = max(rss for _pid, rss in workers)
    return [at_most("resident memory, largest worker", worst, "MB", 120,
                    "; ".join(f"pid {pid}: {rss:.0f} MB" for pid, rss in found))]


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(), [])
        found += children
        queue += children
    return sorted(found)


# --- the result -------------------------------------------------------------------------------


def report(metrics: list[Metric], database: Database, counts: dict[str, int]) -> None:
    width = max(len(m.metric) for m in metrics)
    print(f"\n{'metric':<{width}}  {'value':>14}  goal")
    for m in metrics:
        mark = "" if m.met is None else ("  met" if m.met else "  NOT MET")
        print(f"{m.metric:<{width}}  {m.text():>14}  {m.goal}{mark}"
              + (f"  ({m.note})" if m.note and m.met is not True else ""))
    now = datetime.now(UTC)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{database.engine}-{now.date().isoformat()}.json"
    path.write_text(json.dumps({
        "date": now.isoformat(timespec="seconds"), "engine": database.engine,
        "database": database.describe(), "rows": counts, "commit": commit(),
        "machine": machine(), "metrics": [asdict(m) for m in metrics],
    }, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {path.relative_to(PROJECT_ROOT)}")


def commit() -> str:
    program = shutil.which("git")
    if program is None:
        return "unknown"

    def git(*args: str) -> str:
        return subprocess.run([program, *args], capture_output=True, text=True,
                              cwd=PROJECT_ROOT).stdout.strip()

    head = git("rev-parse", "HEAD")
    return head + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"cpus": os.cpu_count(), "model": model, "memory_gb": round(memory_kb / 2**20, 1),
            "python": platform.python_version(), "system": platform.platform()}


if __name__ == "__main__":
    sys.exit(main())
