"""Admin view of the audit log (R11): operators can read it; nobody can add, change or delete.

A record whose actor or child is sealed (R5) is left out of every page (list, search, filters,
dates, the record's own page), as the person admin leaves the person out: such a record would
tell who read which protected child's documentation where. The record itself stays in the table.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from folja.access.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "actor_role", "action", "child", "object_type", "school_unit")
    list_filter = ("action", "actor_role", ("school_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("actor", "child", "school_unit")
    date_hierarchy = "at"
    # Names only: civic numbers never go into a search box (and from there into URLs).
    search_fields = ("actor__given_name", "actor__family_name", "child__given_name", "child__family_name")
    fields = ("at", "actor", "actor_role", "action", "child", "object_type", "object_uuid", "school_unit")
    readonly_fields = fields
    # Counting millions of rows for the "n results" line is slow and tells an operator little.
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditRecord]:
        """Return the records of unsealed persons only; a record without a child stays."""
        return (
            super()
            .get_queryset(request)
            # A LEFT JOIN for the nullable child: "IS NULL" also keeps the records with no child.
            .filter(actor__sealed_at__isnull=True, child__sealed_at__isnull=True)
            .select_related("actor", "child", "school_unit")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
