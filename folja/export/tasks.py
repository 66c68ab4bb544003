"""Background work for exports (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from folja.export.actions import export_build, exports_expire


@task()
def build_export(export_id: int) -> str:
    """Build one export's PDF and ZIP; a retry of a built export does nothing."""
    return export_build(export_id=export_id)


@task()
def expire_exports() -> int:
    """Delete the files of expired exports (run hourly or nightly); idempotent."""
    return exports_expire()
