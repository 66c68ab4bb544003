"""The import runs in a process of its own: the task worker's garbage collector and allocator stay as they are."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection as db_connection

from folja.directory.models import Person
from folja.sis import sync as sync_module
from folja.sis import tasks
from folja.sis.models import RunStatus, SisConnection, SyncRun
from folja.sis.process import OwnProcessFailed, run_in_own_process
from folja.sis.tests import process_targets

CIVIC = "191212121212"


def needs_a_shared_database() -> None:
    """A child process has a connection of its own: the tests' in-memory SQLite is out of its reach."""
    if db_connection.vendor != "postgresql":
        pytest.skip("a child process cannot reach the tests' in-memory SQLite database: needs PostgreSQL")


@contextmanager
def process_state_watched(monkeypatch) -> Iterator[dict[str, list]]:
    """Record every tweak of this process's allocator or collector, and sample the collector's state."""
    seen: dict[str, list] = {"tweaks": [], "gc_enabled": []}
    monkeypatch.setattr(sync_module, "fix_mmap_threshold", lambda: seen["tweaks"].append("mallopt") or True)
    disable = gc.disable
    monkeypatch.setattr(gc, "disable", lambda: seen["tweaks"].append("gc.disable") or disable())
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen["gc_enabled"].append(gc.isenabled())
            done.wait(0.002)

    assert gc.isenabled()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join()


@pytest.fixture
def sis_connection(huvudman, fake) -> SisConnection:
    return SisConnection.objects.create(organisation=huvudman, base_url=fake.base_url, auth_kind="none")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the child process reads what the test wrote
def test_a_sync_task_imports_in_a_child_process_and_leaves_the_workers_process_alone(sis_connection, monkeypatch):
    needs_a_shared_database()
    reports = []
    in_child = tasks.sync_connection_in_own_process
    monkeypatch.setattr(
        tasks, "sync_connection_in_own_process", lambda *a, **k: reports.append(in_child(*a, **k)) or reports[-1]
    )
    with process_state_watched(monkeypatch) as seen:
        assert tasks.sis_sync_connection.call(sis_connection.pk) == "succeeded"

    assert seen["tweaks"] == []  # neither mallopt nor gc.disable in the worker
    assert seen["gc_enabled"] and all(seen["gc_enabled"])
    [report] = reports
    assert report["pid"] != os.getpid()
    assert report["status"] == RunStatus.SUCCEEDED and report["counts"]["persons"]["created"] > 0
    assert Person.objects.count() == report["counts"]["persons"]["created"]
    run = SyncRun.objects.get()
    assert (run.status, run.connection_id) == (RunStatus.SUCCEEDED, sis_connection.pk)
    assert multiprocessing.active_children() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_import_process_that_dies_fails_the_task_and_its_run(sis_connection, fake, monkeypatch, caplog):
    needs_a_shared_database()
    listing = fake.listing

    def die_while_fetching(kind, query):
        # The run has started (its SyncRun is written first); the import's process is killed, as by
        # the kernel when it runs out of memory.
        for child in multiprocessing.active_children():
            os.kill(child.pid, 9)
        return listing(kind, query)

    monkeypatch.setattr(fake, "listing", die_while_fetching)
    with pytest.raises(tasks.SisSyncFailed, match=r"ended without a report \(exit code -9\)"):
        tasks.sis_sync_connection.call(sis_connection.pk)
    run = SyncRun.objects.get()
    assert run.status == RunStatus.FAILED and "ended without a report" in run.error
    assert run.finished_at is not None  # the next run need not wait for this one to go stale
    assert "SIS sync of connection" in caplog.text and "failed" in caplog.text
    assert not Person.objects.exists()


def test_a_sync_task_inside_a_transaction_runs_here_without_tuning_the_process(sis_connection, monkeypatch):
    # The tests' tasks run inline, in the test's transaction, which a child could not see.
    monkeypatch.setattr(tasks, "sync_connection_in_own_process", None)  # never called
    with process_state_watched(monkeypatch) as seen:
        assert tasks.sis_sync_connection.call(sis_connection.pk) == "succeeded"
    assert seen["tweaks"] == []
    assert seen["gc_enabled"] and all(seen["gc_enabled"])
    assert Person.objects.exists()


def test_a_failed_run_fails_the_task_with_the_runs_error(sis_connection, fake, caplog):
    fake.faults.fail("/persons", page=1, status=403)
    with pytest.raises(tasks.SisSyncFailed, match="HTTP 403"):
        tasks.sis_sync_connection.call(sis_connection.pk)
    assert SyncRun.objects.get().status == RunStatus.FAILED
    assert "SIS sync of connection" in caplog.text and "HTTP 403" in caplog.text


@pytest.mark.django_db
def test_run_sync_tunes_the_process_only_when_told_it_is_its_own(sync, monkeypatch):
    for own_process, tweaks, gc_during_the_run in ((False, [], {True}), (True, ["mallopt", "gc.disable"], {False})):
        states: dict[str, bool] = {}
        with process_state_watched(monkeypatch) as seen:
            result = sync(
                own_process=own_process,
                progress=lambda message, states=states: states.setdefault(message, gc.isenabled()),
            )
        assert result.status == RunStatus.SUCCEEDED
        assert seen["tweaks"] == tweaks
        assert {states[step] for step in ("fetching", "applying", "committing")} == gc_during_the_run
        assert states["committed"] is True  # the pause ends with the apply
        assert gc.isenabled()  # the collector is back afterwards


def test_the_child_process_is_set_up_like_its_parent():
    report = run_in_own_process(process_targets.report_process, time_limit=60)
    assert report["pid"] != os.getpid()
    assert report["database"] == db_connection.settings_dict["NAME"]  # the tests' database, not the configured one
    assert gc.isenabled()


def test_an_import_process_over_its_time_limit_is_killed():
    started = time.monotonic()
    with pytest.raises(OwnProcessFailed, match="exceeded its time limit of 1 s and was killed"):
        run_in_own_process(process_targets.sleep, 60, time_limit=1)
    assert time.monotonic() - started < 10
    assert multiprocessing.active_children() == []


def test_an_import_process_that_crashes_or_raises_fails_without_the_exceptions_message(capfd):
    with pytest.raises(OwnProcessFailed, match=r"ended without a report \(exit code 3\)"):
        run_in_own_process(process_targets.crash, 3, time_limit=60)
    with pytest.raises(OwnProcessFailed) as failed:
        run_in_own_process(process_targets.fail_with, f"Key (civic_number)=({CIVIC}) already exists.", time_limit=60)
    assert str(failed.value) == "the import process failed: ValueError"
    logged = capfd.readouterr()
    assert "ValueError" in logged.err  # the child logs the class and where it was raised
    assert CIVIC not in logged.out + logged.err
    assert multiprocessing.active_children() == []
