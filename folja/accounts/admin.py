"""Admin of sign-in accounts; the person an account belongs to is picked by name, never by civic number."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from folja.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "person", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    list_select_related = ("person",)
    search_fields = ("username", "email", "person__given_name", "person__family_name")
    # Autocomplete searches PersonAdmin by name and keeps a list of all persons off the page.
    autocomplete_fields = ("person",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Person"), {"fields": ("person",)}),
    )
