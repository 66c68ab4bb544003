"""Background imports: one task per SIS connection, safe to retry (the import is idempotent)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from folja.sis.auth import ApiKeyAuth, OAuth2ClientCredentials, mtls_context, resolve_secret
from folja.sis.client import SisClient
from folja.sis.models import AuthKind, RunStatus, SisConnection, SyncRun
from folja.sis.sync import run_sync

logger = logging.getLogger(__name__)

# A run older than this is assumed dead (worker killed); a new one may start.
STALE_RUN = dt.timedelta(hours=2)


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


@task()
def sis_sync_connection(connection_id: int, full: bool = False) -> str:
    """Import from one connection's SIS; skip when another run of it is still going."""
    connection = SisConnection.objects.select_related("organisation").filter(pk=connection_id, enabled=True).first()
    if connection is None:
        return "skipped: no enabled connection"
    running = SyncRun.objects.filter(
        connection=connection, status=RunStatus.RUNNING, started_at__gt=timezone.now() - STALE_RUN
    )
    if running.exists():
        return "skipped: a run is in progress"
    with client_for(connection) as client:
        result = run_sync(organisation=connection.organisation, client=client, full=full, connection=connection)
    return str(result.status)


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
