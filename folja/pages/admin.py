"""Terms of use for organisation admins: read the versions, publish a new one (R9).

A version is never edited: saving the form publishes a new version through
`pages.transitions.actions.terms_publish`, which every guardian concerned must accept anew (and
is told about). An organisation names its machine translation service here before switching it
on (docs/languages.md). No decision of a guardian is shown (R13)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation
from folja.pages.transitions.actions import terms_publish
from folja.transitions.models import TermsOfUse


class TermsOfUseForm(forms.ModelForm):
    class Meta:
        model = TermsOfUse
        fields = ["organisation", "title", "body"]
        help_texts = {"organisation": _("Tomt: plattformens standardvillkor.")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "organisation" in self.fields:  # a published version is shown read-only, without fields
            self.fields["organisation"].queryset = Organisation.objects.filter(organisation__isnull=True)


@admin.register(TermsOfUse)
class TermsOfUseAdmin(admin.ModelAdmin):
    form = TermsOfUseForm
    list_display = ["title", "organisation", "version", "published_at"]
    list_filter = ["organisation"]

    def has_change_permission(self, request: HttpRequest, obj: TermsOfUse | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: TermsOfUse | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TermsOfUse, form: forms.Form, change: bool) -> None:
        published = terms_publish(
            organisation=form.cleaned_data["organisation"],
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        obj.pk, obj.uuid, obj.version, obj.published_at = (
            published.pk,
            published.uuid,
            published.version,
            published.published_at,
        )
