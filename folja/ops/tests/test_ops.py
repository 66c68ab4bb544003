"""Health probes and /metrics: answers, who may read metrics, and what the metrics never hold."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.ops import health
from folja.sis.models import RunMode, RunStatus, SyncRun

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40


def test_live_answers_without_touching_the_database(django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(0):
        response = Client().get(reverse("ops:live"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_each_check(django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(2):
        response = Client().get(reverse("ops:ready"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage", "tasks"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "Set-Cookie" not in response


def test_ready_fails_with_a_fixed_word_when_a_check_raises(monkeypatch) -> None:
    def broken() -> tuple[bool, str]:
        raise DatabaseError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = Client().get(reverse("ops:ready"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable", "ms": body["checks"]["database"]["ms"]}
    assert "db.internal" not in response.content.decode()


def test_ready_is_degraded_when_the_task_queue_lags(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.FOLJA_READY_TASK_LAG_SECONDS = 60
    row = _ready_task()
    long_ago = row.enqueued_at - timedelta(hours=1)
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=long_ago, run_after=long_ago)
    response = Client().get(reverse("ops:ready"))
    # Still serving pages: a lagging queue would take every app server out of the load balancer.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["tasks"]["ok"] is False
    assert response.json()["checks"]["tasks"]["detail"] >= 3600


def test_ready_is_not_sign_in_rate_limited() -> None:
    client = Client()
    answers = {client.get(reverse("ops:ready")).status_code for _ in range(30)}
    assert answers == {200}


def test_metrics_from_an_allowed_address() -> None:
    response = Client(REMOTE_ADDR="127.0.0.1").get(reverse("ops:metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in (
        "folja_http_requests_total",
        "folja_http_request_duration_seconds_bucket",
        "folja_task_queue_depth",
        "folja_sis_runs_recent",
        "folja_state_up",
    ):
        assert f"# TYPE {name.removesuffix('_total').removesuffix('_bucket')}" in text, name


@pytest.mark.parametrize("address", ["203.0.113.9", "10.1.2.3", "2001:db8::1"])
def test_metrics_refused_elsewhere(address) -> None:
    assert Client(REMOTE_ADDR=address).get(reverse("ops:metrics")).status_code == 404


def test_metrics_behind_a_proxy_use_the_forwarded_address(settings) -> None:
    settings.FOLJA_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="127.0.0.1")
    # nginx appends the real client; a client's own "127.0.0.1" to the left of it counts for nothing.
    refused = client.get(reverse("ops:metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.7")
    assert refused.status_code == 404
    allowed = client.get(reverse("ops:metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert allowed.status_code == 200


def test_metrics_with_the_token_from_anywhere(settings) -> None:
    settings.FOLJA_METRICS_TOKEN = TOKEN
    settings.FOLJA_METRICS_ALLOWED_NETWORKS = []
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get(reverse("ops:metrics")).status_code == 404


def test_metrics_count_routes_sign_ins_and_imports(django_assert_max_num_queries) -> None:
    from folja.directory.models import Organisation

    client = Client()
    client.get(reverse("ops:live"))
    SignInAttempt.objects.create(method="bankid", outcome=SignInOutcome.FAILED)
    organisation = Organisation.objects.create(organisation_type="Huvudman", display_name="Solrosens förskolor")
    SyncRun.objects.create(organisation=organisation, mode=RunMode.FULL, status=RunStatus.FAILED)
    with django_assert_max_num_queries(6):
        text = client.get(reverse("ops:metrics")).content.decode()
    assert 'folja_http_requests_total{method="GET",route="ops:live",status="200"}' in text
    assert 'folja_signin_attempts_total{method="bankid",outcome="failed"}' in text
    assert 'folja_sis_runs_recent{status="failed"} 1.0' in text
    # No path, query or address as a label: routes are pattern names.
    assert "/health/live" not in text


def test_metrics_survive_a_database_outage(monkeypatch) -> None:
    from folja.ops import metrics

    def broken():
        raise DatabaseError("down")
        yield  # pragma: no cover

    monkeypatch.setattr(metrics, "sis_metrics", broken)
    text = Client().get(reverse("ops:metrics")).content.decode()
    assert 'folja_state_up{group="sis"} 0.0' in text
    assert 'folja_state_up{group="tasks"} 1.0' in text


def _ready_task() -> DBTaskResult:
    """A row as the database backend enqueues it, due now (no worker runs in tests)."""
    from django.utils import timezone

    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="folja.core.tasks.clear_expired_sessions",
        backend_name="default",
        run_after=timezone.now(),
    )


def test_health_answers_are_json_without_child_data() -> None:
    body = Client().get(reverse("ops:ready")).content
    assert set(json.loads(body)) == {"status", "checks"}
