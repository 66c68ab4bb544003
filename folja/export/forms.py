"""The form a staff member fills in to ask for an export on a guardian's behalf."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class OnBehalfForm(forms.Form):
    """Which guardian the export is for (only those who may export the child now) and why."""

    guardian = forms.ChoiceField(
        label=_("Vårdnadshavare som exporten är till"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj vilken vårdnadshavare exporten är till."),
            "invalid_choice": _("Den vårdnadshavaren kan inte få en export av barnets portfolio nu."),
        },
    )
    reason = forms.CharField(
        label=_("Varför du gör exporten"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Till exempel: vårdnadshavaren bad om hjälp på utvecklingssamtalet. Sparas med exporten."),
        error_messages={"required": _("Skriv varför du gör exporten.")},
    )

    def __init__(self, *args: object, guardians: Sequence[Person] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.guardians = {str(g.uuid): g for g in guardians}
        self.fields["guardian"].choices = [(key, g.full_name) for key, g in self.guardians.items()]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Skriv varför du gör exporten."))
        return reason

    def chosen_guardian(self) -> Person:
        return self.guardians[self.cleaned_data["guardian"]]
