"""Media attached to posts: the stored original (metadata removed) and its renditions.

Files live under random names in the default storage and are only ever served through the
authorised view in folja.media.views; there is no public URL.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Bild")
    VIDEO = "video", _("Film")
    AUDIO = "audio", _("Ljud")
    FILE = "file", _("Fil")


class MediaStatus(models.TextChoices):
    PROCESSING = "processing", _("Bearbetas")
    READY = "ready", _("Klar")
    FAILED = "failed", _("Misslyckades")


def new_storage_name(prefix: str, extension: str) -> str:
    """Return a random, non-guessable storage name (122 random bits), never derived from the client's name."""
    token = uuid.uuid4().hex
    # The two-character folder keeps directories small on local disks; it repeats the token's start.
    return f"{prefix}/{token[:2]}/{token}{extension}"


class Media(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey("learninglog.Post", on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=16, choices=MediaKind.choices)
    status = models.CharField(max_length=16, choices=MediaStatus.choices, default=MediaStatus.PROCESSING)
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    byte_size = models.BigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    alt_text = models.CharField(_("bildbeskrivning"), max_length=300, blank=True)
    seq = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq", "id"]
        verbose_name = _("media")
        verbose_name_plural = _("media")


# The names renditions are made under (processing.RENDITION_SIZES and a film's poster frame).
RENDITION_NAMES = frozenset({"1280", "320", "poster"})


class Rendition(models.Model):
    """A derived file: a resized image ("320", "1280") or a film's poster frame ("poster")."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=16)
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    byte_size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["media", "name"], name="rendition_unique_name")]


class Upload(models.Model):
    """A file checked and cleaned like a post's media, not attached to a post yet.

    The compose page uploads each file as soon as it is chosen (with progress) and attaches it when
    the post is saved, so a form error or a lost session loses no file. Only its uploader may
    attach it (`media.access.own_uploads`); nobody opens it before then. Uploads left behind are
    deleted after `FOLJA_COMPOSE_KEEP_DAYS` (`actions.upload_stage` clears its uploader's).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(max_length=255)
    # The columns of the Media row it becomes: kind, status, content type, size, width, height,
    # duration, original name (cleaned).
    media_fields = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("uppladdad fil")
        verbose_name_plural = _("uppladdade filer")

    @property
    def name(self) -> str:
        return str(self.media_fields.get("original_name", ""))

    @property
    def kind(self) -> str:
        return str(self.media_fields.get("kind", ""))


class UploadSession(models.Model):
    """A file sent through the API in parts that can be resumed (tus 1.0.0, docs/api.md).

    Each part is stored under a random name in the default storage (`parts`, in order) until the
    last byte has come; then the whole file goes through the same checks as a file sent at once
    (`actions.upload_stage`) and becomes an `Upload`, which the session names (`upload_uuid`). Like
    an upload it is its uploader's alone (`media.access.own_upload_sessions`). A session that gets
    no part for FOLJA_UPLOAD_SESSION_HOURS expires and is deleted with its parts
    (`resumable.upload_sessions_discard_expired`, the daily uploads task).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # The name the client gave (Upload-Metadata), cleaned when the file is staged.
    filename = models.CharField(max_length=255, blank=True)
    # The storage names of the parts received, in order; emptied when the file is staged.
    parts = models.JSONField(default=list)
    # The staged upload, once the last part has come (it may since have been attached to a post).
    upload_uuid = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("uppladdning i delar")
        verbose_name_plural = _("uppladdningar i delar")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__gte=0, length__gt=0, offset__lte=models.F("length")),
                name="upload_session_offset_within_length",
            )
        ]

    @property
    def finished(self) -> bool:
        return self.upload_uuid is not None


class MarkerDecision(models.TextChoices):
    """Staff's decision on a child's "don't show" marker (B5)."""

    PENDING = "pending", _("Väntar på beslut")
    KEEP_HIDDEN = "hidden", _("Visas inte för andra familjer")
    SHOW = "shown", _("Visas efter samtal med barnet")


class ConsentMarker(models.Model):
    """A child's "Jag vill inte att den här bilden visas" on one photo or film of a post naming them
    (B5): set by the child, or by staff on the child's behalf for the youngest.

    Until staff decide to show it (`decision` SHOW), the file is withheld from everyone who does not
    see this child named on the post (`media.access.media_shown_filter`). The marker and the
    decision are kept with who and when, and both are audit records.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="markers")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    marked_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=16, choices=MarkerDecision.choices, default=MarkerDecision.PENDING)
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("barnets markering")
        verbose_name_plural = _("barnens markeringar")
        constraints = [models.UniqueConstraint(fields=["media", "child"], name="consent_marker_one_per_child")]
