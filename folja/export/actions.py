"""All writes of exports: request, build, expire (docs/export.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from folja.access import assurance
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.directory.models import Person
from folja.export import access as export_policy
from folja.export.models import ACTIVE_STATES, Export, ExportStatus
from folja.notifications.api import notify

logger = logging.getLogger(__name__)

# A build that has run this long died with its worker; the sweep marks it failed so the person
# may ask again (one export at a time would otherwise hold for ever).
STALE_AFTER = dt.timedelta(hours=6)


def export_request(
    *, actor: Viewer, child: Person, language: str, on_behalf_of: Person | None = None, reason: str = ""
) -> tuple[Export, bool]:
    """Start an export of the child's portfolio for the actor, or return the one already running.

    Returns (export, created). The caller has checked `export_policy.exportable_child` (a guardian's
    own) or `export_policy.may_export_for` (a staff member on behalf of `on_behalf_of`); the build
    checks again when it starts. One export at a time per person who asks (a database constraint):
    a second request while one runs gets that one back, and with it its progress.
    """
    assurance.require(actor, assurance.Act.EXPORT)
    running = Export.objects.filter(requested_by=actor.person, status__in=ACTIVE_STATES).first()
    if running is not None:
        return running, False
    try:
        with transaction.atomic():
            export = Export.objects.create(
                requested_by=actor.person,
                child=child,
                role=str(actor.role),
                language=language,
                on_behalf_of=on_behalf_of,
                reason=reason,
                organisation_id=actor.organisation_id if on_behalf_of is not None else None,
            )
            _audit(actor, AuditAction.REQUEST_EXPORT, export, "export")
            transaction.on_commit(lambda: _enqueue(export.pk))
    except IntegrityError:
        # Another request of the same person won the race: answer with that one.
        return Export.objects.get(requested_by=actor.person, status__in=ACTIVE_STATES), False
    return export, True


def _audit(actor: Viewer, action: AuditAction, export: Export, object_type: str) -> None:
    """Record an export action: who (the actor), which child, which export; and for an export
    on a guardian's behalf a second record naming that guardian (object type "on_behalf_of",
    the guardian's uuid), so the log alone says on whose behalf, whatever becomes of the export."""
    child = [export.child_id]
    record_action(actor, action, child, object_type=object_type, object_uuid=export.uuid)
    if export.on_behalf_of_id is not None:
        record_action(actor, action, child, object_type="on_behalf_of", object_uuid=export.on_behalf_of.uuid)


def _enqueue(export_id: int) -> None:
    from folja.export.tasks import build_export

    build_export.enqueue(export_id)


def export_build(*, export_id: int) -> str:
    """Build the files of one export; idempotent: only a queued export is built, once."""
    from folja.export.build import build_export

    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=1
    )
    if not claimed:
        return "not queued"
    export = Export.objects.select_related("requested_by", "child", "on_behalf_of").get(pk=export_id)
    viewer = export_policy.viewer_of(export)  # a guardian: the requester, or the one it is for
    if not export_policy.may_build(export):
        # Custody ended, the child was sealed or left the platform since the request (R1, R5, R6),
        # or the staff member who asked is no longer connected to the child (R1).
        _finish(export, status=ExportStatus.FAILED, failure="not allowed")
        return "not allowed"

    def progress(percent: int) -> None:
        Export.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(progress=max(1, percent))

    try:
        with translation.override(export.language):
            built = build_export(viewer, export.child, progress)
    except Exception:
        logger.exception("export failed", extra={"export": str(export.uuid)})
        _finish(export, status=ExportStatus.FAILED, failure="error")
        return "error"
    now = timezone.now()
    export.status = ExportStatus.READY
    export.progress = 100
    export.pdf_file, export.zip_file = built.pdf_name, built.zip_name
    export.pdf_size, export.zip_size = built.pdf_size, built.zip_size
    export.post_count, export.media_count = built.posts, built.media
    export.finished_at = now
    export.expires_at = now + dt.timedelta(hours=settings.FOLJA_EXPORT_KEEP_HOURS)
    export.save()
    tell_export_ready(export)
    return "ready"


def tell_export_ready(export: Export) -> None:
    """Tell the guardian it is for (and a staff member who asked for it) that the export can be
    downloaded: a notice about the child, shown only while the recipient may still see the child
    (export/notices.py)."""
    context = {
        "child_given_name": export.child.given_name,
        "expires_at": timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M"),
    }
    notify(
        recipients=[export.on_behalf_of or export.requested_by],
        kind="export_ready",
        role="guardian",
        about=export.uuid,
        child=export.child,
        context={**context, "path": reverse("export:child", args=[export.child.uuid])},
    )
    if export.on_behalf_of_id is not None:
        notify(
            recipients=[export.requested_by],
            kind="export_ready",
            role=export.role,
            about=export.uuid,
            child=export.child,
            context={**context, "path": reverse("export:for_guardian", args=[export.child.uuid])},
        )


def _finish(export: Export, *, status: str, failure: str = "") -> None:
    export.status = status
    export.failure = failure
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "failure", "finished_at"])


def export_downloaded(*, actor: Viewer, export: Export, kind: str) -> None:
    """Record that the person fetched one of the export's files (and on whose behalf it was made)."""
    assurance.require(actor, assurance.Act.EXPORT)
    _audit(actor, AuditAction.DOWNLOAD_EXPORT, export, f"export_{kind}")


def exports_expire(now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their time, and fail builds whose worker died; return how
    many exports expired. Idempotent: an expired export has no files left to delete."""
    now = now or timezone.now()
    Export.objects.filter(status__in=ACTIVE_STATES, created_at__lt=now - STALE_AFTER).update(
        status=ExportStatus.FAILED, failure="stale", finished_at=now
    )
    expired = 0
    for export in Export.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        _delete_files(export)
        export.status = ExportStatus.EXPIRED
        export.pdf_file = export.zip_file = ""
        export.save(update_fields=["status", "pdf_file", "zip_file"])
        expired += 1
    return expired


def _delete_files(export: Export) -> None:
    for name in (export.pdf_file, export.zip_file):
        if name:
            default_storage.delete(name)
