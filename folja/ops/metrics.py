"""Prometheus metrics with the plain `prometheus_client` (docs/decisions/0004-metrics.md).

Two kinds:
- counted in the app server as things happen: requests and their latency per route (the URL
  pattern's name, never the path: paths hold UUIDs), sign-in attempts by method and outcome;
- read from the database at scrape time (`StateCollector`): the task queue's depth, failures and
  lag, and the SIS imports' results. The task worker and the importer run in other processes,
  so their counters would never reach the app server's scrape; their rows do.

Under gunicorn every worker is a process of its own: with `PROMETHEUS_MULTIPROC_DIR` set (the
systemd unit sets it) the counters are kept in files there and every scrape adds them up
(prometheus_client's multiprocess mode). Without it (development, tests) they are per process.
No label holds a person, a child, a path or an address.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "folja_http_requests",
    "HTTP requests answered, by route (URL pattern name), method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "folja_http_request_duration_seconds",
    "Time from the request reaching Django to the answer, by route and method.",
    ["route", "method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SIGNINS = Counter(
    "folja_signin_attempts",
    "Sign-in events recorded (accounts.SignInAttempt), by method and outcome (started, success, failed, …).",
    ["method", "outcome"],
)
# Outcomes the SIS import and the tasks report, over this window, as gauges read at scrape time.
RECENT_HOURS = 24


def route_of(request: HttpRequest) -> str:
    """The URL pattern's name ("learninglog:timeline"), a fixed word for what did not resolve."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    """Count every answer and its latency; first in MIDDLEWARE so that the whole stack is timed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        if route != "ops:metrics":  # the scrapes themselves would only add noise
            method = request.method if request.method in _METHODS else "other"
            LATENCY.labels(route, method).observe(time.perf_counter() - started)
            REQUESTS.labels(route, method, str(response.status_code)).inc()
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _count_signin(sender: type, instance: object, created: bool, **kwargs: object) -> None:
    if created:
        method = getattr(instance, "method", "") or "unknown"
        SIGNINS.labels(method, getattr(instance, "outcome", "") or "unknown").inc()


def connect_signals() -> None:
    from folja.accounts.models import SignInAttempt

    post_save.connect(_count_signin, sender=SignInAttempt, dispatch_uid="ops-signin-metrics")


class StateCollector(Collector):
    """Gauges read from the database when scraped: a few aggregate queries, no personal data."""

    def collect(self) -> Iterator[Metric]:
        # Each group is read whole before it is yielded: a database outage drops the group and
        # says so in folja_state_up, and the request counters are still scraped.
        up = GaugeMetricFamily("folja_state_up", "1 when the group's state could be read now.", labels=["group"])
        for name, read in (("tasks", task_metrics), ("sis", sis_metrics)):
            try:
                metrics = list(read())
            except Exception:
                logger.exception("metrics: reading %s failed", name)
                metrics = []
            yield from metrics
            up.add_metric([name], 1 if metrics else 0)
        yield up


def task_metrics() -> Iterator[Metric]:
    from folja.ops.health import task_queue_lag

    depth = GaugeMetricFamily("folja_task_queue_depth", "Tasks waiting to run (ready now), by queue.", labels=["queue"])
    recent = GaugeMetricFamily(
        "folja_tasks_recent",
        f"Tasks by status among those enqueued in the last {RECENT_HOURS} hours (FAILED: tasks that raised).",
        labels=["status"],
    )
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        for row in DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id")).order_by():
            depth.add_metric([row["queue_name"]], row["n"])
        since = timezone.now() - timedelta(hours=RECENT_HOURS)
        rows = DBTaskResult.objects.filter(enqueued_at__gte=since).values("status").annotate(n=Count("id")).order_by()
        for row in rows:
            recent.add_metric([row["status"]], row["n"])
    elif backend == "django_tasks_rq.RQBackend":
        import django_rq

        queue = django_rq.get_queue("default")
        depth.add_metric(["default"], queue.count)
        recent.add_metric(["FAILED"], queue.failed_job_registry.count)
    yield depth
    yield recent
    lag = task_queue_lag()
    if lag is not None:
        yield GaugeMetricFamily("folja_task_queue_lag_seconds", "How long the oldest waiting task has waited.", lag)


def sis_metrics() -> Iterator[Metric]:
    from folja.sis.models import SyncRun

    runs = GaugeMetricFamily(
        "folja_sis_runs_recent", f"SIS imports started in the last {RECENT_HOURS} hours, by status.", labels=["status"]
    )
    last = GaugeMetricFamily(
        "folja_sis_run_last_finished_timestamp_seconds",
        "When the last SIS import of each status finished (Unix time).",
        labels=["status"],
    )
    since = timezone.now() - timedelta(hours=RECENT_HOURS)
    for row in SyncRun.objects.filter(started_at__gte=since).values("status").annotate(n=Count("id")).order_by():
        runs.add_metric([row["status"]], row["n"])
    rows = SyncRun.objects.filter(finished_at__isnull=False).values("status").annotate(at=Max("finished_at")).order_by()
    for row in rows:
        last.add_metric([row["status"]], row["at"].timestamp())
    yield runs
    yield last


class _ThisProcess(Collector):
    """The counters of this process (no multiprocess folder: development and tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition() -> bytes:
    """The text a scrape gets: every process's counters and the state read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector())
    return generate_latest(registry)
