"""Read-mostly admin of the school directory for platform operators.

The directory is owned by each organisation's SIS, so the admin shows it and lets operators
change only the few settings that are Följa's own (unit visibility settings). Civic numbers are
shown masked and are never searchable: a search term ends up in the URL (?q=…). Contact details
are not shown at all (R4), sealed persons are left out everywhere (R5), and no learning log model
is registered anywhere (R13: administration is not reading).

The same holds in every other admin (`UnsealedPersonFieldsMixin`, `person_label`): a row that is
about a sealed person (an audit record, a notice, an account) is left out, as here; a row of the
organisation's own that a sealed person merely wrote (a template version) stays, with the person
shown as "(skyddad person)". A sealed person's name or civic number is never on an admin page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from folja.directory.models import (
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
)

# What an admin page shows instead of a sealed person who wrote a row of the organisation's own.
SEALED_PLACEHOLDER = _("(skyddad person)")


def person_label(person: Person | None) -> str:
    """Return the person's name for an admin page, or the placeholder for a sealed person (R5)."""
    if person is None:
        return "–"
    return str(SEALED_PLACEHOLDER) if person.sealed_at is not None else person.full_name


class UnsealedPersonFieldsMixin:
    """Offer and show only unsealed persons in a form's person fields (R5).

    The choices also decide what a selected value is shown as (autocomplete), and a value outside
    them is refused, so an operator cannot reach a sealed person by typing an id either.
    """

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Person:
            kwargs["queryset"] = Person.objects.unsealed()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ReadOnlyAdminMixin:
    """Let operators look, never add, change or delete: the SIS import owns these rows."""

    editable_fields: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A model with settings of Följa's own stays changeable, but only in those settings.
        return bool(self.editable_fields) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        """Return every field shown except the operator-editable settings."""
        shown = [name for name in self.fields if name not in self.editable_fields]  # type: ignore[attr-defined]
        return [*shown, *super().get_readonly_fields(request, obj)]  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        # Write only the settings, so a concurrent SIS import of the other fields is never overwritten.
        obj.save(update_fields=list(self.editable_fields))


class ReadOnlyInline(admin.TabularInline):
    """Show related rows without letting anyone add, change or delete them here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    editable_fields = (
        "all_staff_see_all_children",
        "hidden_members_by_default",
        "guardian_sms_sign_in",
        "guardian_enrolment_codes",
    )
    list_display = (
        "display_name",
        "organisation_type",
        "school_unit_code",
        "organisation",
        "all_staff_see_all_children",
        "hidden_members_by_default",
    )
    list_filter = (
        "organisation_type",
        "all_staff_see_all_children",
        "hidden_members_by_default",
        ("organisation", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("organisation",)
    search_fields = ("display_name", "school_unit_code", "organisation_code")
    fields = (
        "display_name",
        "organisation_type",
        "organisation",
        "parent",
        "sis_id",
        "organisation_code",
        "organisation_number",
        "school_unit_code",
        "school_types",
        "municipality_code",
        "start_date",
        "end_date",
        "all_staff_see_all_children",
        "hidden_members_by_default",
        "guardian_sms_sign_in",
        "guardian_enrolment_codes",
    )


@admin.register(Person)
class PersonAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("full_name", "masked_civic_number_display", "birth_date", "status", "security_marking")
    # The number's form: a newly arrived person with a temporary number cannot sign in by e-ID.
    list_filter = ("status", "security_marking", "civic_number_kind")
    # Names only: a civic number typed here would end up in the URL and the access log.
    search_fields = ("given_name", "family_name")
    fields = (
        "uuid",
        "given_name",
        "middle_name",
        "family_name",
        "masked_civic_number_display",
        "civic_number_kind",
        "birth_date",
        "status",
        "security_marking",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        """Return persons who are not sealed (R5: a sealed person is invisible everywhere)."""
        return super().get_queryset(request).unsealed()

    @admin.display(description=_("personnummer"), ordering="civic_number")
    def masked_civic_number_display(self, obj: Person) -> str:
        return obj.masked_civic_number


@admin.register(Guardianship)
class GuardianshipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("responsible", "relation_type", "child", "organisation")
    list_filter = ("relation_type", ("organisation", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("responsible", "child", "organisation")
    search_fields = ("child__given_name", "child__family_name", "responsible__given_name", "responsible__family_name")
    fields = ("uuid", "organisation", "child", "responsible", "relation_type")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Guardianship]:
        return super().get_queryset(request).filter(child__sealed_at__isnull=True, responsible__sealed_at__isnull=True)


class GroupMembershipInline(ReadOnlyInline):
    model = GroupMembership
    fields = ("person", "start_date", "end_date")
    readonly_fields = fields
    verbose_name_plural = _("medlemmar")

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroupMembership]:
        # One query for all rows, not one per member name.
        return super().get_queryset(request).filter(person__sealed_at__isnull=True).select_related("person")


@admin.register(Group)
class GroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    editable_fields = ("hidden_members",)
    list_display = (
        "display_name",
        "group_type",
        "school_type",
        "school_unit",
        "hidden_members",
        "start_date",
        "end_date",
    )
    list_filter = ("group_type", "school_type", "hidden_members", ("school_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("school_unit",)
    search_fields = ("display_name", "school_unit__display_name")
    fields = (
        "uuid",
        "display_name",
        "organisation",
        "school_unit",
        "group_type",
        "school_type",
        "sis_id",
        "start_date",
        "end_date",
        "hidden_members",
    )
    inlines = (GroupMembershipInline,)


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("child", "school_unit", "group", "school_type", "start_date", "end_date")
    list_filter = ("school_type", ("school_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("child", "school_unit", "group")
    search_fields = ("child__given_name", "child__family_name", "school_unit__display_name", "group__display_name")
    fields = (
        "uuid",
        "organisation",
        "child",
        "school_unit",
        "group",
        "school_type",
        "sis_id",
        "start_date",
        "end_date",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Placement]:
        return super().get_queryset(request).filter(child__sealed_at__isnull=True)


class DutyAssignmentInline(ReadOnlyInline):
    model = DutyAssignment
    fields = ("group", "assignment_role_type", "start_date", "end_date")
    readonly_fields = fields
    verbose_name_plural = _("uppdrag i grupper")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DutyAssignment]:
        return super().get_queryset(request).select_related("group")


@admin.register(Duty)
class DutyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("person", "duty_role", "school_unit", "start_date", "end_date")
    list_filter = ("duty_role", ("school_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("person", "school_unit")
    search_fields = ("person__given_name", "person__family_name", "school_unit__display_name")
    fields = (
        "uuid",
        "organisation",
        "person",
        "school_unit",
        "duty_role",
        "signature",
        "sis_id",
        "start_date",
        "end_date",
    )
    inlines = (DutyAssignmentInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Duty]:
        return super().get_queryset(request).filter(person__sealed_at__isnull=True)
