"""Apps in the admin: an administrator reviews and edits the registered apps (R13: nothing about
children or persons; `manage.py oauth_app` registers one and shows a confidential app's secret once)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from folja.oauth import scopes
from folja.oauth.models import App
from folja.oauth.redirects import redirect_uri_problem


class AppForm(forms.ModelForm):
    class Meta:
        model = App
        fields = ["name", "redirect_uris", "allowed_scopes", "active"]

    def clean_redirect_uris(self) -> str:
        uris = [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines() if line.strip()]
        if not uris:
            raise forms.ValidationError(_("Ange minst en adress."))
        for uri in uris:
            problem = redirect_uri_problem(uri)
            if problem:
                raise forms.ValidationError(problem)
        return "\n".join(uris)

    def clean_allowed_scopes(self) -> str:
        names = self.cleaned_data["allowed_scopes"].split()
        unknown = [name for name in names if name not in scopes.SCOPES]
        if unknown:
            raise forms.ValidationError(_("Okända behörigheter: %(names)s") % {"names": " ".join(unknown)})
        return " ".join(scopes.parse(" ".join(names)))


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    form = AppForm
    list_display = ["name", "client_type", "active", "created_at"]
    list_filter = ["client_type", "active"]
    readonly_fields = ["client_id", "client_type", "created_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False  # registered by `manage.py oauth_app`, which shows the secret once

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False  # turn "aktiv" off instead: the authorisations stay explainable
