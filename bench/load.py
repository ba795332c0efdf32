"""Throughput when wrk is not installed: keep-alive GETs from N connections for a few seconds,
with asyncio streams (no client library: its overhead would be what is measured).

    python -m bench.load http://127.0.0.1:8100/ --connections 50 --seconds 10
prints `requests/s <n>` and `errors <n>`."""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit


async def _connection(host: str, port: int, path: str, until: float, counts: dict) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        while time.perf_counter() < until:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is None:  # chunked: read to the last chunk
                await reader.readuntil(b"0\r\n\r\n")
            else:
                await reader.readexactly(length)
            counts["ok" if status < 400 else "errors"] += 1
    finally:
        writer.close()


async def measure(url: str, connections: int, seconds: float) -> tuple[float, int]:
    parts = urlsplit(url)
    counts = {"ok": 0, "errors": 0}
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_connection(parts.hostname, parts.port or 80, parts.path or "/",
                                       until, counts) for _ in range(connections)))
    total = counts["ok"] + counts["errors"]
    return total / (time.perf_counter() - started), counts["errors"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    rate, errors = asyncio.run(measure(args.url, args.connections, args.seconds))
    print(f"requests/s {rate:.1f}\nerrors {errors}")


if __name__ == "__main__":
    main()
