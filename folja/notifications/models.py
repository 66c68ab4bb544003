"""Notices to persons: an outbox row per recipient, sent by a task (so a retry never sends twice)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class Channel(models.TextChoices):
    EMAIL = "email", _("E-post")


class Preference(models.Model):
    """A person's choices for notices: language, and whether e-mail is wanted at all."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="notification_preference")
    language = models.CharField(_("språk"), max_length=16, blank=True)
    email_enabled = models.BooleanField(_("e-post"), default=True)

    class Meta:
        verbose_name = _("inställning för aviseringar")
        verbose_name_plural = _("inställningar för aviseringar")


class Notice(models.Model):
    """One notice to one recipient: `kind` names the templates, `context` holds plain JSON values.

    The text is rendered when sending, in the recipient's language, so nothing but the values is stored.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notices")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(max_length=64)
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why a notice was not sent (no address, e-mail turned off, recipient sealed).
    skipped_reason = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notice_recipient_created")]
