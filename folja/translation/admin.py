"""The organisation's machine translation service (issue 32, B3), for organisation admins.

A service can be switched on only when the terms of use in force for the organisation name it;
`services.service_for` checks the same again on every use (docs/languages.md). No text, post or
translation is shown here (R13: administration is not reading).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation
from folja.translation.backends import backend_choices, backend_named
from folja.translation.models import TranslationService
from folja.translation.services import terms_in_force_name


class TranslationServiceForm(forms.ModelForm):
    backend = forms.ChoiceField(label=_("tjänst"), choices=())

    class Meta:
        model = TranslationService
        fields = ["organisation", "backend", "service_name", "enabled"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["backend"].choices = backend_choices()
        self.fields["organisation"].queryset = Organisation.objects.filter(organisation__isnull=True)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("enabled") or self.errors:
            return data
        if backend_named(data["backend"]) is None:
            raise ValidationError(
                _("Tjänsten är inte inställd på den här plattformen. Be dem som driver Följa att ställa in den.")
            )
        if not terms_in_force_name(data["organisation"].pk, data["service_name"]):
            raise ValidationError(
                _(
                    "Användarvillkoren som gäller för huvudmannen nämner inte ”%(name)s”. Publicera villkor "
                    "som säger att inlägg och kommentarer kan skickas till tjänsten innan du slår på den."
                )
                % {"name": data["service_name"]}
            )
        return data


@admin.register(TranslationService)
class TranslationServiceAdmin(admin.ModelAdmin):
    form = TranslationServiceForm
    list_display = ["organisation", "backend", "service_name", "enabled", "changed_at"]
    list_filter = ["enabled", "backend"]
