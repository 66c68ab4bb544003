"""The settings form of notices: channels, rhythm (also per child), quiet hours, names in push, the mail's language."""

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

    def __init__(
        self, *args: object, children: list | None = None, child_rhythms: dict[int, str] | None = None, **kwargs: object
    ) -> None:
        """`children` are the children the guardian may see (`policy.visible_children`): one choice
        of rhythm each, named by the child's uuid. A posted field for any other child is no field
        of this form, so it is ignored (a guardian cannot set a rhythm for a child they may not see)."""
        super().__init__(*args, **kwargs)
        self.fields["rhythm"].choices = Rhythm.choices
        self.children = list(children or [])
        chosen = child_rhythms or {}
        for child in self.children:
            self.fields[self.child_field(child)] = forms.ChoiceField(
                label=child.given_name,
                required=False,
                choices=[("", _("Som ovan")), *Rhythm.choices],
                initial=chosen.get(child.pk, ""),
            )
        self.fields["language"].choices = [("", _("Samma som Följa visas på"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]

    @staticmethod
    def child_field(child) -> str:  # noqa: ANN001
        return f"child_{child.uuid}"

    def child_fields(self) -> list:
        """The bound fields of the per-child rhythms, in the children's order (for the template)."""
        return [self[self.child_field(child)] for child in self.children]

    def chosen_child_rhythms(self) -> dict[int, str]:
        """{child id: rhythm, or "" for the person's own}, of the children of this form only."""
        return {child.pk: self.cleaned_data.get(self.child_field(child), "") for child in self.children}
