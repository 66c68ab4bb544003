"""The session sweep task runs on every task backend Följa supports: database, RQ, immediate."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import signal
import socket
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus

from folja.core.tasks import clear_expired_sessions

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of its own so the test never touches the queues of a running demo.
REDIS_TEST_DB = 13


def _session(*, expires_in: dt.timedelta) -> str:
    """Store a session that expires after the given time (negative: already expired)."""
    store = SessionStore()
    store["role"] = "guardian"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


@contextlib.contextmanager
def _signal_handlers_restored() -> Iterator[None]:
    """Put back SIGINT/SIGTERM handlers that in-process workers replace with their own."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db
def test_clear_expired_sessions_removes_only_expired_sessions_and_is_idempotent():
    expired = _session(expires_in=-dt.timedelta(minutes=5))
    live = _session(expires_in=dt.timedelta(hours=1))

    first = clear_expired_sessions.call()
    second = clear_expired_sessions.call()

    assert (first, second) == (1, 0)
    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()


# The worker closes "old" connections between tasks, which would end a test wrapped in a
# transaction; a transactional test lets it run exactly as in production.
@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_the_enqueued_sweep_and_records_success(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    expired = _session(expires_in=-dt.timedelta(seconds=1))
    live = _session(expires_in=dt.timedelta(hours=1))

    result = clear_expired_sessions.enqueue()
    assert result.status == TaskResultStatus.READY
    assert Session.objects.filter(session_key=expired).exists(), "enqueue alone must not run the task"

    with _signal_handlers_restored():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()


@pytest.mark.django_db
def test_rq_worker_runs_the_enqueued_sweep_and_records_success(settings):
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_HOST}:{REDIS_PORT}")
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    # A queue of its own per run, so parallel runs never take each other's jobs.
    queue_name = f"test-{uuid.uuid4().hex[:12]}"
    redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_TEST_DB}"
    # The backend fetches results through the "default" connection, so it points at the test db too.
    settings.RQ_QUEUES = {"default": {"URL": redis_url}, queue_name: {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    expired = _session(expires_in=-dt.timedelta(seconds=1))
    live = _session(expires_in=dt.timedelta(hours=1))
    queue = django_rq.get_queue(queue_name, job_class=Job)
    worker = None
    job_ids: list[str] = []
    try:
        result = clear_expired_sessions.using(queue_name=queue_name).enqueue()
        job_ids.append(result.id)
        assert result.status == TaskResultStatus.READY
        assert len(queue) == 1

        # SimpleWorker runs the job in this process, so it sees this test's database transaction.
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        with _signal_handlers_restored():
            worked = worker.work(burst=True, logging_level="WARNING")

        result.refresh()
        assert worked is True
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value == 1
        assert not Session.objects.filter(session_key=expired).exists()
        assert Session.objects.filter(session_key=live).exists()
    finally:
        connection = queue.connection
        queue.delete(delete_jobs=True)
        keys = list(connection.scan_iter(match=f"*{queue_name}*"))
        for job_id in job_ids:
            keys += list(connection.scan_iter(match=f"rq:*{job_id}*"))
        if worker is not None:
            keys += list(connection.scan_iter(match=f"*{worker.name}*"))
        if keys:
            connection.delete(*keys)
