"""Admin of notice preferences and the outbox, for operators: who was told what kind of thing, and when.

A notice to a sealed person, or about a sealed child (its talk), is left out (R5); a preference
of a sealed person too. What a notice said (its context: a child's name, a unit, a time) is
never shown (R13: administration is not reading); its kind, channel and outcome are.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from folja.directory.admin import UnsealedPersonFieldsMixin
from folja.notifications.models import Delivery, Notice, Preference


@admin.register(Preference)
class PreferenceAdmin(UnsealedPersonFieldsMixin, admin.ModelAdmin):
    list_display = ["person", "language", "email_enabled", "push_enabled", "rhythm"]
    list_select_related = ["person"]
    # Autocomplete searches PersonAdmin (unsealed, by name); a raw id would show any person's name.
    autocomplete_fields = ["person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Preference]:
        return super().get_queryset(request).filter(person__sealed_at__isnull=True)


def _talks_of_sealed_children() -> list[str]:
    """Return the uuids (as notices store them) of the talks of sealed children: a few at most."""
    # By app label, as a foreign key names another app's model: talks notify through this app
    # (talks.actions imports folja.notifications), so this app does not import talks back.
    Talk = apps.get_model("talks", "Talk")

    return [str(uuid) for uuid in Talk.objects.filter(child__sealed_at__isnull=False).values_list("uuid", flat=True)]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only view of the outbox: what kind of notice was sent to whom and when."""

    list_display = ["created_at", "kind", "role", "urgent", "read_at", "mailed_at"]
    list_filter = ["kind", "role", "urgent"]
    fields = ["recipient", "role", "kind", "urgent", "created_at", "read_at", "mailed_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        """Return notices neither to a sealed person nor about a sealed child's talk."""
        notices = (
            super()
            .get_queryset(request)
            .filter(recipient__sealed_at__isnull=True)
            .filter(Q(child__isnull=True) | Q(child__sealed_at__isnull=True))
            .select_related("recipient")
        )
        sealed_talks = _talks_of_sealed_children()
        if sealed_talks:
            # By primary key: a NOT over a JSON key would also drop the notices without that key.
            about_sealed = Notice.objects.filter(context__talk_uuid__in=sealed_talks).values("pk")
            notices = notices.exclude(pk__in=about_sealed)
        return notices

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The sent-log, read-only: who was sent what kind of message on which channel, when, and the outcome."""

    list_display = ["created_at", "channel", "kind", "notices", "outcome", "finished_at"]
    list_filter = ["channel", "kind", "outcome"]
    fields = ["recipient", "channel", "kind", "notices", "created_at", "finished_at", "outcome"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).filter(recipient__sealed_at__isnull=True).select_related("recipient")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
