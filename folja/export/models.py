"""A guardian's export of a child's portfolio: one background job, two files, a time to live.

The files (a PDF and a ZIP) live under random names in the media storage and are served only
through `folja.export.views.download`, to the person who asked, while the child is still theirs
to see (`folja.export.access`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("I kö")
    RUNNING = "running", _("Skapas")
    READY = "ready", _("Klar")
    FAILED = "failed", _("Misslyckades")
    EXPIRED = "expired", _("Borttagen")


# An export in one of these states is "running": a person has at most one (see the constraint).
ACTIVE_STATES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class Export(models.Model):
    """One request to export one child's portfolio, as the person who asked sees it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # The role the person asked in (only "guardian" today): the build reads as that viewer.
    role = models.CharField(max_length=16)
    language = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    # 0–100, written by the worker as it goes; the page shows it.
    progress = models.PositiveSmallIntegerField(default=0)
    pdf_file = models.CharField(max_length=255, blank=True)
    zip_file = models.CharField(max_length=255, blank=True)
    pdf_size = models.BigIntegerField(default=0)
    zip_size = models.BigIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    media_count = models.PositiveIntegerField(default=0)
    # Why a build failed, in words a guardian can be shown (never a traceback).
    failure = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exporter")
        constraints = [
            # One export at a time per person: a second request gets the running one's progress.
            models.UniqueConstraint(
                fields=["requested_by"], condition=Q(status__in=ACTIVE_STATES), name="export_one_running_per_person"
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_status_expiry")]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY
