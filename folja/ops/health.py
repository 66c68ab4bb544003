"""Readiness checks: can this app server serve requests now? Each check answers without child data.

A check returns (ok, detail) where detail is a short fixed text or a number, never an exception
message (it may name a host, a path or a query). Failures are logged in full for the operator.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

PROBE_KEY = "ops:ready-probe"


def check_database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_cache() -> tuple[bool, str]:
    """Write and read back a value: a shared cache (Redis) that is down fails here."""
    nonce = secrets.token_hex(8)
    cache.set(PROBE_KEY, nonce, 30)
    if cache.get(PROBE_KEY) != nonce:
        return False, "the value written was not read back"
    return True, type(cache).__name__


def check_storage() -> tuple[bool, str]:
    """Media storage answers: the local folder is writable, or the bucket answers a lookup."""
    if settings.FOLJA_MEDIA_STORAGE == "local":
        root = str(settings.MEDIA_ROOT)
        if not os.path.isdir(root) or not os.access(root, os.W_OK | os.X_OK):
            return False, "media folder missing or not writable"
        return True, "local"
    # A HEAD request for a name that never exists: answers False quickly when the bucket is reachable.
    default_storage.exists("ops/ready-probe")
    return True, "s3"


def check_tasks() -> tuple[bool, str | float]:
    """Lag of the task queue: how long the oldest task ready to run has waited (seconds)."""
    lag = task_queue_lag()
    if lag is None:
        return True, "not queued"
    if lag > settings.FOLJA_READY_TASK_LAG_SECONDS:
        return False, round(lag, 1)
    return True, round(lag, 1)


def task_queue_lag() -> float | None:
    """Seconds the oldest waiting task has waited, 0.0 for an empty queue, None without a queue."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", "run_after").first()
        if oldest is None:
            return 0.0
        enqueued_at, run_after = oldest
        # A task deferred to later waits from the time it was due, not from when it was enqueued.
        since = max(enqueued_at, run_after) if run_after.year < 9999 else enqueued_at
        return max((timezone.now() - since).total_seconds(), 0.0)
    if backend == "django_tasks_rq.RQBackend":
        import django_rq

        queue = django_rq.get_queue("default")
        job_ids = queue.get_job_ids(0, 0)
        if not job_ids:
            return 0.0
        job = queue.fetch_job(job_ids[0])
        if job is None or job.enqueued_at is None:
            return 0.0
        enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
        return max((timezone.now() - enqueued).total_seconds(), 0.0)
    return None


CHECKS: dict[str, Callable[[], tuple[bool, object]]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "tasks": check_tasks,
}
# Checks whose failure leaves this app server able to serve pages: a lagging queue is the same for
# every app server, and taking them all out of the load balancer for it would stop the service.
DEGRADING = {"tasks"}


def readiness() -> tuple[str, dict[str, dict[str, object]]]:
    """Run every check: "ok", "degraded" (only a DEGRADING check failed) or "fail".

    A check that raises fails with a fixed text (the exception goes to the log)."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            ok, detail = check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            ok, detail = False, "unreachable"
        results[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    failed = {name for name, result in results.items() if not result["ok"]}
    status = "fail" if failed - DEGRADING else "degraded" if failed else "ok"
    return status, results
