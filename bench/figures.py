"""A measured figure beside its goal, and the arithmetic on samples the bench shares (pure:
tests/bench/test_bench_figures.py)."""

from __future__ import annotations

from dataclasses import dataclass

KB = 1000  # the goals' kilobyte: "≤ 15 KB" is at most 15,000 bytes


@dataclass
class Metric:
    metric: str
    value: float | None
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def text(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "bytes":
            return f"{self.value:,.0f} bytes"
        return f"{self.value:,.1f} {self.unit}".strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency(name: str, took: list[float], goal_ms: float, note: str = "") -> list[Metric]:
    """p50 and p95 of round trips in milliseconds; the goal is on the p95."""
    p95 = percentile(took, 0.95)
    return [Metric(f"{name} p50", percentile(took, 0.5), "ms", note=note),
            Metric(f"{name} p95", p95, "ms", f"≤ {goal_ms:g} ms", p95 <= goal_ms, note)]


def at_most(name: str, value: float | None, unit: str, goal: float, note: str = "") -> Metric:
    """A figure whose goal is a ceiling; None when it could not be measured."""
    shown = f"{goal:,.0f} bytes ({goal / KB:g} KB)" if unit == "bytes" else f"{goal:g} {unit}"
    return Metric(name, value, unit, f"≤ {shown}", None if value is None else value <= goal,
                  note)


def on_the_wire(page: str, compressed: tuple[int, str], identity: int) -> list[Metric]:
    """A page's body as the server sent it to a browser that accepts brotli and gzip (with
    the Content-Encoding it chose), and as it sends it to one that accepts neither."""
    size, encoding = compressed
    return [
        at_most(f"{page}, on the wire ({encoding or 'not compressed'})", size, "bytes", 15 * KB,
                f"{identity / size:.1f} × smaller than uncompressed" if encoding and size
                else "sent uncompressed to a browser that accepts br, gzip"),
        Metric(f"{page}, uncompressed", identity, "bytes"),
    ]
