"""Retention rules (gallringsbeslut) per organisation, and the log of what culling removed.

A rule says: documents of this type are culled this many months after this event. The log says
what kind, how many, under which rule and when: never the content, never a name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation, Person


class DocumentType(models.TextChoices):
    INDIVIDUAL_POST = "individual_post", _("Individuella inlägg")
    GROUP_POST = "group_post", _("Gruppinlägg")
    COMMENT = "comment", _("Kommentarer")
    TALK_RECORD = "talk_record", _("Utvecklingssamtal")
    AGREEMENT = "agreement", _("Överenskommelser")
    MEDIA = "media", _("Bilder, filmer och filer")
    AUDIT_RECORD = "audit_record", _("Åtkomstlogg")
    # Platform-wide, not per organisation (a sign-in belongs to no organisation): FOLJA_SIGNIN_KEEP_DAYS.
    SIGNIN_RECORD = "signin_record", _("Inloggningar")


# The types an organisation sets rules for (sign-in records follow the platform's setting).
ORGANISATION_TYPES = [t for t in DocumentType if t != DocumentType.SIGNIN_RECORD]


class Event(models.TextChoices):
    CHILD_LEFT = "child_left", _("barnet slutade hos huvudmannen")
    SCHOOL_YEAR_END = "school_year_end", _("läsårets slut")
    CREATED = "created", _("dokumentets datum")


class RetentionRule(models.Model):
    """One organisation's rule for one document type."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="retention_rules")
    document_type = models.CharField(_("dokumenttyp"), max_length=32, choices=DocumentType.choices)
    event = models.CharField(_("räknas från"), max_length=32, choices=Event.choices)
    months = models.PositiveIntegerField(_("månader"))
    # Culling under a new or changed rule starts only after the notice period, so guardians are
    # always told ahead what it will cull (FOLJA_CULL_NOTICE_DAYS).
    effective_from = models.DateField(_("gäller från"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "document_type"]
        verbose_name = _("gallringsregel")
        verbose_name_plural = _("gallringsregler")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "document_type"], name="retentionrule_one_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()}: {self.months} mån. efter {self.get_event_display()}"


class RetentionRuleChange(models.Model):
    """A change of an organisation's rules: who, when, what it was and what it became."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    document_type = models.CharField(max_length=32, choices=DocumentType.choices)
    # {"event": …, "months": …} or {} when there was no rule / the rule was removed.
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ändring av gallringsregel")
        verbose_name_plural = _("ändringar av gallringsregler")


class CullingRun(models.Model):
    """One run of the nightly culling."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    day = models.DateField()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("gallringskörning")
        verbose_name_plural = _("gallringskörningar")


class CullingLogEntry(models.Model):
    """What one rule removed in one run: the kind, how many, never the content."""

    run = models.ForeignKey(CullingRun, on_delete=models.CASCADE, related_name="entries")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The rule as it was applied (a later change of the rule does not rewrite the log).
    document_type = models.CharField(_("dokumenttyp"), max_length=32, choices=DocumentType.choices)
    event = models.CharField(_("räknas från"), max_length=32, blank=True)
    months = models.PositiveIntegerField(null=True, blank=True)
    # What was removed: "post", "media_file", "comment", "child_name", "talk", "agreement", …
    what = models.CharField(_("vad"), max_length=32)
    count = models.PositiveIntegerField(_("antal"))
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("rad i gallringsloggen")
        verbose_name_plural = _("gallringslogg")


class PendingFileDeletion(models.Model):
    """A stored file whose rows are gone and whose bytes are still to be deleted.

    Written in the same transaction that deletes the rows, removed once the storage has deleted
    the file: a crash between the two leaves this row, and the next run deletes the file.
    """

    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)


class CullingNotice(models.Model):
    """That the guardians of a child were told what the organisation will cull by `due_by`:
    told once per notice period (FOLJA_CULL_NOTICE_DAYS), not every night."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    due_by = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "child", "-created_at"], name="cullingnotice_recent")]
