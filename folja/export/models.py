"""An export of a child's portfolio: one background job, two files, a time to live.

A guardian asks for their own; a staff member connected to the child may ask for one on behalf of
a named guardian (its content is that guardian's view). The files (a PDF and a ZIP) live under
random names in the media storage and are served only through `folja.export.views.download`, to
the persons `folja.export.access` names, while they may still see the child.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation, Person


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("I kö")
    RUNNING = "running", _("Skapas")
    READY = "ready", _("Klar")
    FAILED = "failed", _("Misslyckades")
    EXPIRED = "expired", _("Borttagen")


# An export in one of these states is "running": a person has at most one (see the constraint).
ACTIVE_STATES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class Export(models.Model):
    """One request to export one child's portfolio, as one guardian sees it: the person who asked,
    or the guardian a staff member asked on behalf of."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # The role the person asked in: "guardian" (their own export) or "staff" (on behalf of a guardian).
    role = models.CharField(max_length=16)
    # The guardian whose view a staff member's export is (the build reads as them); empty for a
    # guardian's own export, which is read as its requester.
    on_behalf_of = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Why a staff member asked, in their words (kept with the export; the audit log names both persons).
    reason = models.CharField(max_length=500, blank=True)
    # A staff request's session organisation: connections count only there (access-rules.md), so
    # the worker asks in it whether the staff member is still connected to the child.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
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
    def guardian_id(self) -> int:
        """The guardian whose view the export is: the one a staff member asked for, else the requester."""
        return self.on_behalf_of_id or self.requested_by_id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY
