"""Background imports: one task per SIS connection, safe to retry (the import is idempotent)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from folja.sis.auth import ApiKeyAuth, OAuth2ClientCredentials, SisAuthError, mtls_context, resolve_secret
from folja.sis.client import SisClient
from folja.sis.models import AuthKind, RunStatus, SisConnection, SyncRun
from folja.sis.process import OwnProcessFailed, sync_connection_in_own_process, unavailable_reason
from folja.sis.sync import SyncResult, record_failure, run_sync

logger = logging.getLogger(__name__)

# An import that has not finished after this long is killed and its run marked failed.
TIME_LIMIT = dt.timedelta(hours=2)
# A run older than this is assumed dead (its worker killed before it could say so); a new one may start.
STALE_RUN = TIME_LIMIT + dt.timedelta(minutes=5)


class SisSyncFailed(Exception):
    """A task's import failed; the message is the run's error (codes and paths, never personal data)."""


def client_for(connection: SisConnection) -> SisClient:
    """Return a client configured from a connection, with its secret read from the reference."""
    auth = None
    verify: object = True
    if connection.auth_kind == AuthKind.OAUTH2:
        auth = OAuth2ClientCredentials(
            token_url=connection.token_url,
            client_id=connection.client_id,
            client_secret=resolve_secret(connection.secret_ref),
        )
    elif connection.auth_kind == AuthKind.API_KEY:
        auth = ApiKeyAuth(header=connection.api_key_header or "X-API-Key", key=resolve_secret(connection.secret_ref))
    elif connection.auth_kind == AuthKind.MTLS:
        verify = mtls_context(cert_path=connection.client_cert_path, key_path=connection.client_key_path or None)
    return SisClient(connection.base_url, auth=auth, verify=verify)


def sync_with_connection(connection: SisConnection, *, full: bool, own_process: bool) -> SyncResult:
    """Import from one connection; a secret or certificate that cannot be read is a failed run too."""
    try:
        client = client_for(connection)
    except SisAuthError as exc:
        return record_failure(organisation=connection.organisation, connection=connection, full=full, error=exc)
    with client:
        return run_sync(
            organisation=connection.organisation,
            client=client,
            full=full,
            connection=connection,
            own_process=own_process,
        )


@task()
def sis_sync_connection(connection_id: int, full: bool = False) -> str:
    """Import from one connection's SIS; skip when another run of it is still going.

    The import runs in a process of its own (`folja.sis.process`): its process-wide tweaks (glibc's
    mmap threshold, the cyclic garbage collector paused) never reach the worker, which runs other
    tasks too. Only where a child could not reach the caller's data (the caller is inside a
    transaction, or the database is in memory: the tests) does it run here, without the tweaks.
    A run that does not succeed fails the task.
    """
    connection = SisConnection.objects.select_related("organisation").filter(pk=connection_id, enabled=True).first()
    if connection is None:
        return "skipped: no enabled connection"
    running = SyncRun.objects.filter(
        connection=connection, status=RunStatus.RUNNING, started_at__gt=timezone.now() - STALE_RUN
    )
    if running.exists():
        return "skipped: a run is in progress"
    reason = unavailable_reason()
    if reason is None:
        try:
            report = sync_connection_in_own_process(connection.pk, full=full, time_limit=TIME_LIMIT.total_seconds())
        except OwnProcessFailed as exc:
            logger.error("SIS sync of connection %d failed: %s", connection.pk, exc)
            raise SisSyncFailed(str(exc)) from None
        status, error = report["status"], report["error"]
        logger.info("SIS sync of connection %d ran in process %d: %s", connection.pk, report["pid"], status)
    else:
        logger.info(
            "SIS sync of connection %d runs in the worker, without the import's tweaks: %s", connection.pk, reason
        )
        result = sync_with_connection(connection, full=full, own_process=False)
        status, error = result.status, result.error
    if status != RunStatus.SUCCEEDED:
        logger.error("SIS sync of connection %d failed: %s", connection.pk, error)
        raise SisSyncFailed(error or str(status))
    return str(status)


@task()
def sis_sync_due() -> int:
    """Enqueue a sync for every enabled connection that is due (full when the reconciliation is due)."""
    now = timezone.now()
    enqueued = 0
    for connection in SisConnection.objects.filter(enabled=True):
        full_due = connection.last_full_at is None or now - connection.last_full_at >= dt.timedelta(
            hours=connection.full_every_hours
        )
        last = SyncRun.objects.filter(connection=connection).values_list("started_at", flat=True).first()
        delta_due = last is None or now - last >= dt.timedelta(minutes=connection.delta_minutes)
        if full_due or delta_due:
            sis_sync_connection.enqueue(connection.pk, full=full_due)
            enqueued += 1
    return enqueued
