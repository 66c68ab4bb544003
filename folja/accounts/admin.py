"""Admin of sign-in accounts; the person an account belongs to is picked by name, never by civic number.

The account of a sealed person is left out, and a sealed person is never offered (R5).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from folja.accounts.models import FederationProfile, OrganisationSSO, SSOKind, User
from folja.directory.admin import UnsealedPersonFieldsMixin


@admin.register(User)
class UserAdmin(UnsealedPersonFieldsMixin, DjangoUserAdmin):
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Return accounts of unsealed persons, and those with no person (operators)."""
        # A LEFT JOIN for the nullable person: "IS NULL" also keeps the accounts without one.
        return super().get_queryset(request).filter(person__sealed_at__isnull=True)


@admin.register(OrganisationSSO)
class OrganisationSSOAdmin(admin.ModelAdmin):
    """Each organisation's own IdP for staff; the secret stays in the environment, named here."""

    list_display = ("display_label", "organisation", "kind", "profile", "enabled")
    list_filter = ("kind", "profile", "enabled")
    list_select_related = ("organisation",)
    search_fields = ("label", "organisation__display_name", "idp_entity_id", "issuer")
    readonly_fields = ("sp_metadata_path", "oidc_redirect_path")
    fieldsets = (
        (None, {"fields": ("organisation", "kind", "label", "enabled")}),
        (
            _("Matchning mot personal i SIS"),
            {"fields": ("match", "match_attribute", "attribute_mapping", "required_loa")},
        ),
        # The metadata URL serves both kinds: SAML IdP metadata, or an OIDC discovery document.
        (_("Metadata"), {"fields": ("idp_metadata_url",)}),
        (_("SAML 2"), {"fields": ("profile", "idp_entity_id", "idp_metadata_xml", "sp_metadata_path")}),
        (_("OpenID Connect"), {"fields": ("issuer", "client_id", "client_secret_env", "scope", "oidc_redirect_path")}),
    )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Start from the Sweden Connect profile's defaults (personnummer, LoA3)."""
        from folja.accounts.saml.sp import PROFILE_DEFAULTS

        return {"kind": SSOKind.SAML, "profile": FederationProfile.SWEDEN_CONNECT} | dict(
            PROFILE_DEFAULTS[FederationProfile.SWEDEN_CONNECT]
        )

    @admin.display(description=_("SP-metadata (registreras hos IdP:n)"))
    def sp_metadata_path(self, obj: OrganisationSSO) -> str:
        """Return the path of the organisation's SP metadata."""
        return reverse("accounts:saml_metadata", args=[obj.uuid]) if obj.pk else "–"

    @admin.display(description=_("Redirect URI (registreras hos leverantören)"))
    def oidc_redirect_path(self, obj: OrganisationSSO) -> str:
        """Return the path of the organisation's OIDC redirect URI."""
        return reverse("accounts:sso_oidc_callback", args=[obj.uuid]) if obj.pk else "–"
