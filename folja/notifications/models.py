"""Notices to persons, their preferences, their devices and the log of what was delivered.

A `Notice` is one thing one person is told, in one role, about one object (a post, a talk) and
usually one child; it is shown on the notices page and sent by e-mail or push. What may be shown
is decided again every time it is shown or sent (`folja.notifications.rules`). A `Delivery` is
one e-mail or push message handed over (the sent-log): who, channel, when and outcome, never the
content; its unique key makes a retried task a no-op.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class Channel(models.TextChoices):
    EMAIL = "email", _("E-post")
    PUSH = "push", _("Push")


class Rhythm(models.TextChoices):
    """How often a person hears of notices that need no action."""

    IMMEDIATE = "immediate", _("Direkt")
    DAILY = "daily", _("En sammanfattning om dagen")
    WEEKLY = "weekly", _("En sammanfattning i veckan")
    OFF = "off", _("Inte alls")


class Preference(models.Model):
    """A person's choices for notices: language, channels, rhythm and quiet hours."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="notification_preference")
    language = models.CharField(_("språk"), max_length=16, blank=True)
    email_enabled = models.BooleanField(_("e-post"), default=True)
    push_enabled = models.BooleanField(_("push"), default=True)
    rhythm = models.CharField(_("rytm"), max_length=16, choices=Rhythm.choices, default=Rhythm.DAILY)
    quiet_from = models.TimeField(_("tyst från"), default=dt.time(20, 0))
    quiet_until = models.TimeField(_("tyst till"), default=dt.time(7, 0))
    # Push messages name the child and the post only when the person asked for it.
    push_names = models.BooleanField(_("namn i push"), default=False)

    class Meta:
        verbose_name = _("inställning för aviseringar")
        verbose_name_plural = _("inställningar för aviseringar")


class ChildRhythm(models.Model):
    """A guardian's rhythm for the notices about one child ("direkt för Sam, i veckan för Alva"),
    instead of their own (`Preference.rhythm`). Set on the settings page only for a child the
    guardian may see (`policy.visible_children`); a row about a child they no longer see changes
    nothing they receive (the notices about that child are not shown or sent anyway)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="child_rhythms")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rhythm = models.CharField(_("rytm"), max_length=16, choices=Rhythm.choices)

    class Meta:
        verbose_name = _("rytm för ett barn")
        verbose_name_plural = _("rytmer för barn")
        constraints = [models.UniqueConstraint(fields=["person", "child"], name="child_rhythm_unique")]


class Notice(models.Model):
    """One notice to one person in one role: `kind` names the templates, `context` holds plain JSON values.

    `about_uuid` is the object the notice is about (a post, a talk) and `child` the child it
    concerns: the rules of the kind ask the access layer whether the recipient may still see
    both before the notice is shown, counted, mailed or pushed.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notices")
    role = models.CharField(max_length=16, default="guardian")
    kind = models.CharField(max_length=64)
    context = models.JSONField(default=dict)
    about_uuid = models.UUIDField(null=True, blank=True)
    child = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Needs action (a booking changed, consent asked, terms): sent at once, outside quiet hours.
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the notice went out by e-mail (on its own or in a digest): never mailed twice.
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "role", "-created_at"], name="notice_recipient_created"),
            models.Index(fields=["about_uuid"], name="notice_about"),
            # The digest's scan: unread, not yet mailed.
            models.Index(
                fields=["recipient"],
                name="notice_digest_pending",
                condition=models.Q(read_at__isnull=True, mailed_at__isnull=True),
            ),
        ]


class PushSubscription(models.Model):
    """One device (browser, installed app) of one person that may receive push messages."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    # What the person sees to tell their devices apart, e.g. "Chrome på Android".
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("push-prenumeration")
        verbose_name_plural = _("push-prenumerationer")


class Delivery(models.Model):
    """The sent-log: one message handed over on one channel (never what it said).

    `key` is unique: a notice's own message is "notice:<id>:<channel>[:<device>]", a digest
    "digest:<person>:<period>". A task claims the key before sending, so a retry sends nothing.
    """

    key = models.CharField(max_length=120, unique=True)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    kind = models.CharField(max_length=64)  # a notice kind, or "digest"
    notices = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # "claimed" while sending; then "sent", or why not ("no address", "e-mail off", "gone", "error: …").
    outcome = models.CharField(max_length=120, default="claimed")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("utskick")
        verbose_name_plural = _("utskick")
