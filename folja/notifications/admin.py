from django.contrib import admin

from folja.notifications.models import Notice, Preference


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["person", "language", "email_enabled"]
    raw_id_fields = ["person"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only view of the outbox: what was sent to whom and when."""

    list_display = ["created_at", "kind", "channel", "sent_at", "skipped_reason"]
    list_filter = ["kind", "channel"]
    readonly_fields = ["recipient", "channel", "kind", "context", "created_at", "sent_at", "skipped_reason"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
