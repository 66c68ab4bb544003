"""Transition consent (R7) and terms of use (R9).

Consent answers are kept as an append-only history; the current answer of each guardian is the
row with `is_current`, so the access policy reads one row per guardian in SQL.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation, Person


class TransitionConsent(models.Model):
    """One guardian's answer to "May the learning log and development talks be shown to the school?"."""

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transition_consents")
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    allowed = models.BooleanField(_("får visas"))
    answered_at = models.DateTimeField()
    # The latest answer of this guardian for this child; older answers stay as history.
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("samtycke vid övergång")
        verbose_name_plural = _("samtycken vid övergång")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "guardian"], condition=Q(is_current=True), name="transitionconsent_one_current"
            )
        ]
        indexes = [models.Index(fields=["child", "is_current", "allowed"])]


class TermsOfUse(models.Model):
    """One published version of an organisation's terms of use (organisation empty: the platform default)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="terms_of_use"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-version"]
        verbose_name = _("användarvillkor")
        verbose_name_plural = _("användarvillkor")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="terms_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class TermsDecision(models.Model):
    """A guardian's accept or decline of one version of terms of use."""

    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="terms_decisions")
    terms = models.ForeignKey(TermsOfUse, on_delete=models.PROTECT, related_name="decisions")
    accepted = models.BooleanField()
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["guardian", "terms", "accepted"])]
