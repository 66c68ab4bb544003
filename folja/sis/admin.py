"""Admin for SIS connections and read-only import reports (for organisation admins, R13).

Reports hold counts and warning codes only; no personal data is shown. Secrets are never entered
here: a connection names where its secret lives (env:NAME or file:/path).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from folja.sis.models import RECORD_LABELS, SisConnection, SyncRun
from folja.sis.tasks import sis_sync_connection


@admin.register(SisConnection)
class SisConnectionAdmin(admin.ModelAdmin):
    list_display = ("organisation", "base_url", "auth_kind", "enabled", "last_delta_at", "last_full_at")
    list_filter = ("enabled", "auth_kind")
    readonly_fields = ("last_delta_at", "last_full_at")
    actions = ("run_now", "run_full_now")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("organisation", "base_url", "enabled")}),
        (
            _("Autentisering"),
            {
                "fields": (
                    "auth_kind",
                    "token_url",
                    "client_id",
                    "api_key_header",
                    "secret_ref",
                    "client_cert_path",
                    "client_key_path",
                )
            },
        ),
        (_("Schema"), {"fields": ("delta_minutes", "full_every_hours", "last_delta_at", "last_full_at")}),
    )

    @admin.action(description=_("Importera ändringar nu"))
    def run_now(self, request: HttpRequest, queryset: QuerySet[SisConnection]) -> None:
        self._enqueue(request, queryset, full=False)

    @admin.action(description=_("Gör en fullständig avstämning nu"))
    def run_full_now(self, request: HttpRequest, queryset: QuerySet[SisConnection]) -> None:
        self._enqueue(request, queryset, full=True)

    def _enqueue(self, request: HttpRequest, queryset: QuerySet[SisConnection], *, full: bool) -> None:
        count = 0
        for connection in queryset.filter(enabled=True):
            sis_sync_connection.enqueue(connection.pk, full=full)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d import har lagts i kö.", "%(count)d importer har lagts i kö.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    # What is going on first: an import in progress says how far it has come beside its status.
    list_display = ("started_at", "organisation", "status", "progress_shown", "mode", "dry_run", "duration_shown")
    list_filter = ("status", "mode", "dry_run")
    date_hierarchy = "started_at"
    readonly_fields = [
        {"progress": "progress_shown", "error": "error_shown", "records": "records_shown"}.get(f.name, f.name)
        for f in SyncRun._meta.fields
        if f.name != "error_code"
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("förlopp"))
    def progress_shown(self, run: SyncRun) -> str:
        return run.progress_label

    @admin.display(description=_("fel"))
    def error_shown(self, run: SyncRun) -> str:
        return run.error_label

    @admin.display(description=_("poster att rätta i SIS"))
    def records_shown(self, run: SyncRun) -> str:
        # SIS ids only (never a civic number): which records the SIS administrator should correct.
        return format_html_join(
            "", "<p>{}: {}</p>", ((RECORD_LABELS.get(code, code), ", ".join(ids)) for code, ids in run.records.items())
        )

    @admin.display(description=_("tid (s)"), ordering="duration_seconds")
    def duration_shown(self, run: SyncRun) -> str:
        return "" if run.duration_seconds is None else formats.number_format(run.duration_seconds, 1)

    def has_change_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False
