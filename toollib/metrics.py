"""/metrics for Prometheus: the requests by route (Litestar's Prometheus plugin: counts and
durations by route template, so /members/812 and /members/813 are one series), and figures read
from the database when Prometheus asks: waitlist offers, the outbox, how long since each periodic
job ran, the age of the last good backup. Only the addresses in METRICS_ALLOW get an answer;
to anyone else the page does not exist.

Several workers (WORKERS > 1) each count their own requests: set PROMETHEUS_MULTIPROC_DIR to an
empty directory for the counts of all of them (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import importlib
import ipaddress
import os
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from litestar import Request, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.response import Response
from piccolo.query.functions.aggregate import Count
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bookings.tables import WaitlistEntry
from rental.kernel.db import read_transaction
from rental.kernel.observe import JOB_RUNS
from rental.kernel.settings import Settings
from rental.kernel.web import client_ip, now
from rental.tables import Notification

PREFIX = "toollib"

class RouteMetrics(PrometheusMiddleware):
    """The plugin's middleware, labelling by the scope's route template without parsing the
    request's URL: Litestar keeps a parsed URL for the rest of the request, and a mount (the
    admin) restores its full path after this runs."""

    def _get_default_labels(self, request: Request) -> dict[str, str | int | float]:
        return {"method": request.scope.get("method", request.scope["type"]),
                "path": request.scope.get("path_template", ""), "status_code": 200,
                "app_name": self._config.app_name}


# every routed request by method, route template and status
PROMETHEUS = PrometheusConfig(app_name="toollib", prefix=PREFIX, group_path=True,
                              middleware_class=RouteMetrics,
                              exclude=["^/metrics$", "^/static/"])


@cache
def _networks(allowed: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(ipaddress.ip_network(name, strict=False) for name in allowed)


def allowed(address: str, allow: tuple[str, ...]) -> bool:
    """Whether a client address is one of METRICS_ALLOW's addresses or networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(allow))


def metrics_allowed(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of /metrics: behind TRUSTED_PROXIES the client's address is the forwarded one
    (as every per-address rule reads it: rental.kernel.web.client_ip)."""
    settings: Settings = connection.app.state.settings
    if not allowed(client_ip(connection), settings.metrics_allow):
        raise NotFoundException()


class Figures(Collector):
    """The figures read for this scrape, as Prometheus gauges."""

    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures

    def collect(self) -> Iterable[GaugeMetricFamily]:
        waitlist = GaugeMetricFamily(f"{PREFIX}_waitlist_entries",
                                     "Waitlist entries waiting or holding an offer",
                                     labels=["status"])
        for status, count in self.figures["waitlist"].items():
            waitlist.add_metric([status], count)
        yield waitlist
        outbox = GaugeMetricFamily(f"{PREFIX}_outbox_messages",
                                   "Messages to members queued or failed, by channel",
                                   labels=["channel", "status"])
        for (channel, status), count in sorted(self.figures["outbox"].items()):
            outbox.add_metric([channel, status], count)
        yield outbox
        lag = GaugeMetricFamily(f"{PREFIX}_job_lag_seconds",
                                "Seconds since each periodic job last ran in this process",
                                labels=["job"])
        for job, seconds in sorted(self.figures["jobs"].items()):
            lag.add_metric([job], seconds)
        yield lag
        if "backup_age" in self.figures:
            yield GaugeMetricFamily(
                f"{PREFIX}_last_backup_age_seconds",
                "Seconds since the last good backup (-1: there is none)",
                value=self.figures["backup_age"])


async def read_figures(settings: Settings, at: datetime) -> dict[str, Any]:
    """The gauges' values at `at`, in one read transaction."""
    async with read_transaction():
        waitlist = {row["status"]: row["count"] for row in await WaitlistEntry.select(
            WaitlistEntry.status, Count(WaitlistEntry.id, alias="count")).where(
            WaitlistEntry.status.is_in(["waiting", "offered"])).group_by(WaitlistEntry.status)}
        outbox = {(row["channel"], row["status"]): row["count"]
                  for row in await Notification.select(
                      Notification.channel, Notification.status,
                      Count(Notification.id, alias="count")).where(
                      Notification.status.is_in(["queued", "failed"])).group_by(
                      Notification.channel, Notification.status)}
    figures: dict[str, Any] = {
        "waitlist": {"waiting": 0, "offered": 0} | waitlist,
        "outbox": {(channel, status): 0 for channel in ("email", "sms")
                   for status in ("queued", "failed")} | outbox,
        "jobs": {job: max(0.0, (at - ran).total_seconds()) for job, ran in JOB_RUNS.items()},
    }
    last_backup = _last_good_backup()
    if last_backup is not None:
        taken = await _maybe_await(last_backup(settings))
        figures["backup_age"] = (at - taken).total_seconds() if taken else -1
    return figures


def _last_good_backup():
    """toollib.backup.last_good_backup, once the backups are part of the app."""
    try:
        return importlib.import_module("toollib.backup").last_good_backup
    except (ImportError, AttributeError):
        return None


async def _maybe_await(value: Any) -> Any:
    return await value if hasattr(value, "__await__") else value


def exposition(figures: dict[str, Any]) -> bytes:
    """The requests' series (this process's, or every worker's in multiprocess mode) and the
    figures, in Prometheus's text format."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    extra = CollectorRegistry(auto_describe=False)
    extra.register(Figures(figures))
    return generate_latest(registry) + generate_latest(extra)


@get("/metrics", opt={"access": "public"}, guards=[metrics_allowed], include_in_schema=False)
async def metrics(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    figures = await read_figures(settings, now(request))
    return Response(exposition(figures), media_type=CONTENT_TYPE_LATEST)
