"""The settings form of notices: channels, rhythm, quiet hours, names in push, the mail's language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from folja.notifications.models import Preference, Rhythm


class PreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Språk i e-post"), required=False)

    class Meta:
        model = Preference
        fields = ["rhythm", "email_enabled", "push_enabled", "push_names", "quiet_from", "quiet_until", "language"]
        labels = {
            "rhythm": _("Hur ofta vill du höra om nya inlägg och kommentarer?"),
            "email_enabled": _("E-post"),
            "push_enabled": _("Push till mina enheter"),
            "push_names": _("Visa barnets namn i push"),
            "quiet_from": _("Tyst från"),
            "quiet_until": _("Tyst till"),
        }
        help_texts = {
            "rhythm": _("Det som kräver något av dig (en ändrad bokning, nya samtalstider) kommer alltid direkt."),
            "push_names": _("Annars står det bara till exempel ”Nytt inlägg om ditt barn” på låsskärmen."),
            "quiet_until": _("Under tysta timmar skickas varken push eller e-post; det kommer när de är slut."),
        }
        widgets = {
            "rhythm": forms.RadioSelect,
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rhythm"].choices = Rhythm.choices
        self.fields["language"].choices = [("", _("Samma som Följa visas på"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]
