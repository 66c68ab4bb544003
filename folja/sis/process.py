"""Run an import in a process of its own, so that its process-wide tweaks never reach a shared worker.

The import fixes glibc's mmap threshold and pauses the cyclic garbage collector (`folja.sis.sync`,
`run_sync(own_process=True)`). Both hold for the whole process: inside the task worker they
would change how every other task in it (renditions, notices, …) allocates memory and collects
garbage, and the threshold would stay changed. So the task starts a child process (multiprocessing,
"spawn": a fresh interpreter, nothing inherited but the environment), which sets Django up, runs
the import with the tweaks and sends its report back; the worker only waits for it.

What the parent guarantees: a time limit (the child is killed when it is exceeded), a child that
crashes or is killed (out of memory, a signal) fails the task with a clear error, and neither
case leaves the import's `SyncRun` marked as running. Errors and logs name exception classes,
exit codes and our own SIS error messages, never an exception's message from elsewhere (a
database error's DETAIL can hold a civic number).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

# After the child has reported, how long it may take to exit before it is killed.
EXIT_GRACE_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


class OwnProcessFailed(RuntimeError):
    """The import's own process failed, crashed or ran out of time (the message names no one)."""


def unavailable_reason(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """Say why a child process could not do the caller's database work here, or None when it can.

    A child has a connection of its own: it cannot see what the caller has written in a transaction
    that is still open (and would wait for that transaction's locks while the caller waits for it),
    nor an in-memory SQLite database (the tests' default).
    """
    db = connections[alias]
    if db.in_atomic_block:
        return "the caller is inside a database transaction"
    is_in_memory = getattr(db, "is_in_memory_db", None)
    if is_in_memory is not None and is_in_memory():
        return "the database is in memory"
    return None


def _safe_description(exc: BaseException) -> str:
    """Describe an exception for logs and task errors: our SIS errors in full, anything else by class."""
    from folja.sis.client import SisError

    if isinstance(exc, SisError):  # SisAuthError included
        return f"{type(exc).__name__}: {exc}"  # our own messages: paths, HTTP statuses, never data
    return type(exc).__name__


def _die_with_parent(parent_pid: int) -> None:
    """Let the kernel kill this process when its parent dies (Linux), so no import outlives its task."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the child finishes its import on its own
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def _child_main(job: dict[str, Any], target: Callable[..., dict[str, Any]], args: tuple, reply: Any) -> None:
    """The child's whole life: set Django up as the parent has it, run `target`, send its answer."""
    _die_with_parent(job["parent_pid"])
    # The parent decides when the import ends: a worker stopping gracefully (SIGTERM to the whole
    # process group or service) waits for its task, and so must the task's import. The parent
    # kills the child (SIGKILL) when it gives up on it.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if job["settings_module"]:
            os.environ["DJANGO_SETTINGS_MODULE"] = job["settings_module"]
        if job["testing"]:
            os.environ["FOLJA_TESTING"] = "1"  # config.settings otherwise learns it from pytest being imported
        import django

        django.setup()
        # The database the parent uses (under pytest-django the test database, not the configured one).
        settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"] = job["database_name"]
        connections[DEFAULT_DB_ALIAS].settings_dict["NAME"] = job["database_name"]
        answer = target(*args)
    except BaseException as exc:  # everything is reported to the parent, which fails the task
        description = _safe_description(exc)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logging.getLogger(__name__).error("SIS import process %d failed: %s\n%s", os.getpid(), description, frames)
        reply.send(("error", description))
        reply.close()
        connections.close_all()
        sys.exit(1)
    reply.send(("ok", answer))
    reply.close()
    connections.close_all()


def run_in_own_process(target: Callable[..., dict[str, Any]], *args: Any, time_limit: float) -> dict[str, Any]:
    """Run `target(*args)` in a new process and return what it returns (a picklable dict).

    `target` must be a module-level function (the child imports it by name). Raises
    `OwnProcessFailed` when the target raises, the child dies without answering, or it has not
    answered within `time_limit` seconds (it is then killed).
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    job = {
        "parent_pid": os.getpid(),
        # (Overridden settings, as in the tests, name no module: the environment still does.)
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
        "testing": bool(getattr(settings, "TESTING", False)),
        "database_name": connections[DEFAULT_DB_ALIAS].settings_dict["NAME"],
    }
    child = context.Process(target=_child_main, args=(job, target, args, send), name="folja-sis-import")
    child.start()
    send.close()  # only the child holds the sending end: its death ends the pipe
    try:
        if not receive.poll(time_limit):
            raise OwnProcessFailed(f"the import process exceeded its time limit of {time_limit:.0f} s and was killed")
        try:
            kind, answer = receive.recv()
        except EOFError:
            child.join(EXIT_GRACE_SECONDS)
            raise OwnProcessFailed(f"the import process ended without a report (exit code {child.exitcode})") from None
        if kind != "ok":
            raise OwnProcessFailed(f"the import process failed: {answer}")
        child.join(EXIT_GRACE_SECONDS)
        return answer
    finally:
        # Whatever happened here (an answer, a time limit, the worker interrupted): no child is left.
        if child.is_alive():
            child.kill()
            child.join()
        receive.close()
        child.close()


def sync_connection(connection_id: int, full: bool) -> dict[str, Any]:
    """In the import's own process: import from one connection, with the process-wide tweaks.

    Returns the run's report (`SyncResult.as_dict()`) and the id of the process that ran it.
    """
    from folja.sis.models import SisConnection
    from folja.sis.tasks import sync_with_connection

    connection = SisConnection.objects.select_related("organisation").get(pk=connection_id)
    result = sync_with_connection(connection, full=full, own_process=True)
    return {**result.as_dict(), "pid": os.getpid()}


def sync_connection_in_own_process(connection_id: int, *, full: bool, time_limit: float) -> dict[str, Any]:
    """Run `sync_connection` in a child process and return its report; see `run_in_own_process`.

    When the child ends without finishing its run's report (killed at the time limit, crashed, or
    killed because the task itself was stopped: an RQ job timeout, an interrupt), the run is
    marked failed here, so that the next one need not wait for it to go stale.
    """
    from django.utils import timezone

    from folja.sis.models import RunStatus, SyncRun

    began = timezone.now()
    try:
        return run_in_own_process(sync_connection, connection_id, full, time_limit=time_limit)
    except BaseException as exc:  # the child is gone by now (run_in_own_process kills it)
        error = str(exc) if isinstance(exc, OwnProcessFailed) else f"the import was stopped: {type(exc).__name__}"
        SyncRun.objects.filter(connection_id=connection_id, status=RunStatus.RUNNING, started_at__gte=began).update(
            status=RunStatus.FAILED, error=error, finished_at=timezone.now()
        )
        raise
