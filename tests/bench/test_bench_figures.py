"""The bench's own arithmetic and wiring (bench/figures.py, bench/pages.py, bench/phone.py,
bench/client.py), without a database, a server of ours or a browser: no time is asserted."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest

from bench.client import Client, decoded
from bench.figures import KB, Metric, at_most, latency, on_the_wire, percentile
from bench.pages import Page, pages, wire_sizes
from bench.phone import Line, Run, phone_metrics, searched
from bench.run import TYPED, new_words

pytestmark = pytest.mark.no_database

PAGE = "<!doctype html><title>x</title>" + "<li>ბურღი</li>" * 400


def test_a_page_on_the_wire_is_weighed_compressed_beside_the_goal():
    compressed, uncompressed = on_the_wire("catalogue home page", (4_860, "br"), 56_992)
    assert compressed.metric == "catalogue home page, on the wire (br)"
    assert (compressed.value, compressed.unit, compressed.met) == (4_860, "bytes", True)
    assert compressed.goal == "≤ 15,000 bytes (15 KB)"
    assert compressed.note == "11.7 × smaller than uncompressed"
    assert (uncompressed.value, uncompressed.goal, uncompressed.met) == (56_992, "", None)
    assert compressed.text() == "4,860 bytes"


def test_a_page_sent_uncompressed_misses_the_goal_when_it_is_heavy():
    compressed, _ = on_the_wire("desk page", (121_554, ""), 121_554)
    assert compressed.metric == "desk page, on the wire (not compressed)"
    assert compressed.met is False
    assert "uncompressed" in compressed.note


def test_ceilings_and_percentiles():
    assert at_most("report", 300, "ms", 300).met is True
    assert at_most("report", 301, "ms", 300).goal == "≤ 300 ms"
    assert at_most("report", None, "ms", 300).met is None
    assert at_most("memory", 121, "MB", 120).met is False
    assert at_most("bytes", 15 * KB + 1, "bytes", 15 * KB).met is False
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3
    p50, p95 = latency("search", [float(n) for n in range(1, 101)], 10)
    assert (p50.value, p95.value, p95.met, p95.goal) == (51.0, 95.0, False, "≤ 10 ms")
    assert Metric("x", None, "ms").text() == "n/a"


def test_the_pages_weighed_are_opened_by_who_opens_them():
    listed = {page.name: page for page in pages(
        centre=3, tool_type=17, desk="+995500000003", member="+995500000200",
        coordinator="+995500000100", search="dril")}
    assert listed["catalogue home page"].path == "/"
    assert listed["catalogue home page"].who is None
    fragment = listed["catalogue search fragment"]
    assert fragment.path == "/?q=dril"
    assert dict(fragment.headers) == {"HX-Request": "true", "HX-Target": "results"}
    assert listed["booking page of a tool type"].path == "/tool-types/17/book?centre=3"
    assert (listed["desk page"].path, listed["desk page"].who) == ("/desk/3", "+995500000003")
    assert (listed["my page (/me)"].path, listed["my page (/me)"].who) == (
        "/me", "+995500000200")
    assert listed["usage report page"].who == "+995500000100"


def test_the_slow_line_in_the_devtools_protocols_units():
    assert Line().conditions() == {"offline": False, "latency": 400,
                                   "downloadThroughput": 50_000.0,
                                   "uploadThroughput": 50_000.0}
    assert str(Line()) == "400 ms round trip, 400/400 kbit/s"


def test_a_keystrokes_fragment_is_told_from_the_ones_before_it():
    class Answer:
        def __init__(self, url: str):
            self.url = url

    dril = searched("dril")
    assert dril(Answer("http://127.0.0.1:8100/?q=dril&centre="))
    assert dril(Answer("http://127.0.0.1:8100/?centre=&q=dril"))
    assert not dril(Answer("http://127.0.0.1:8100/?q=dri&centre="))
    assert not searched("dri")(Answer("http://127.0.0.1:8100/?q=dril"))
    assert searched("ბურღ")(Answer("http://x/?q=%E1%83%91%E1%83%A3%E1%83%A0%E1%83%A6"))


def test_the_phone_figures_are_medians_of_the_visits_beside_their_goals():
    def visit(catalogue: float, keystroke: float, fcp: float | None) -> Run:
        return Run(catalogue={"dcl": catalogue, "fcp": fcp, "bytes": 5_000, "files": 3,
                              "all": 30_000},
                   keystroke={"took": keystroke, "bytes": 1_200, "body": 900},
                   booking={"dcl": 500.0, "fcp": 480.0, "bytes": 3_000},
                   login={"dcl": 950.0, "fcp": 900.0, "bytes": 5_000, "redirected": 450.0})

    found = {m.metric: m for m in phone_metrics(
        [visit(1_400, 440, 1_200), visit(2_600, 700, None), visit(1_500, 450, 1_300)], Line())}
    assert found["phone: catalogue DOMContentLoaded"].value == 1_500
    assert found["phone: catalogue DOMContentLoaded"].met is True
    # a visit without a paint entry does not count as a paint at zero
    assert found["phone: catalogue first contentful paint"].value == 1_250
    assert found["phone: a search keystroke's fragment"].value == 450
    assert found["phone: a search keystroke's fragment"].goal == "≤ 500 ms"
    assert found["phone: its bytes on the wire"].met is True
    assert found["phone: catalogue with the files it loads"].value == 30_000
    assert found["phone: catalogue with the files it loads"].note == (
        "3 files besides the page, median")
    assert found["phone: booking page first contentful paint"].value == 480
    assert found["  of which the POST and its 303"].value == 450
    assert "median of 3 cold visits" in found["phone: catalogue DOMContentLoaded"].note


def test_a_visit_that_measured_nothing_reports_no_figure():
    found = {m.metric: m for m in phone_metrics([Run()], Line())}
    assert found["phone: catalogue DOMContentLoaded"].value is None
    assert found["phone: catalogue DOMContentLoaded"].met is None


class Compressing(BaseHTTPRequestHandler):
    """Answers as a compressing server would: brotli, gzip or plain, as asked."""

    def do_GET(self):  # noqa: N802 - http.server's name
        accepted = self.headers.get("Accept-Encoding", "")
        if self.path == "/missing":
            self.send_error(404)
            return
        body, encoding = PAGE.encode(), ""
        if "br" in accepted:
            body, encoding = brotli.compress(body), "br"
        elif "gzip" in accepted:
            body, encoding = gzip.compress(body), "gzip"
        self.send_response(200)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def port():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Compressing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_client_keeps_the_body_as_it_came_over_the_wire(port):
    client = Client(port)
    _status, body, _took = client.request("GET", "/")
    assert client.headers["Content-Encoding"] == "br"
    assert len(body) < len(PAGE.encode()) / 5
    assert decoded(body, "br") == PAGE.encode()
    _status, body, _took = client.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert client.headers["Content-Encoding"] == "gzip"
    assert decoded(body, "gzip") == PAGE.encode()
    _status, body, _took = client.request("GET", "/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in client.headers
    assert body == PAGE.encode()


def test_each_page_is_weighed_as_sent_and_uncompressed(port):
    home, uncompressed, missing, _ = wire_sizes(port, [Page("home", "/"),
                                                       Page("gone", "/missing")])
    assert home.metric == "home, on the wire (br)"
    assert home.value == len(brotli.compress(PAGE.encode()))
    assert home.met is True
    assert uncompressed.value == len(PAGE.encode())
    assert (missing.met, missing.note) == (None, "/missing answered HTTP 404")


def test_the_words_not_searched_before_are_each_new_once():
    names = [{"name_ka": "აკუმულატორიანი ბურღი", "name_en": "Cordless drill-driver (18 V)"},
             {"name_ka": "ბურღი", "name_en": "Drill press"}]
    words = new_words(names, 100)
    assert words == ["აკუ", "აკუმ", "აკუმუ", "ბურღი", "cor", "cord", "cordl", "drill",
                     "driv", "drive", "pre", "pres", "press"]
    assert not set(words) & set(TYPED)
    assert new_words(names, 3) == words[:3]
