"""Forms of the talk pages. They validate shape; rights are checked by the actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from folja.talks.models import FollowUp, QuestionKind, TalkTemplateVersion
from folja.talks.templates import choice_label, template_name


class AnswersForm(forms.Form):
    """Fields built from one part of a template version: text, scale (radio buttons) or choice."""

    def __init__(self, *args: object, version: TalkTemplateVersion, part: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[dict, list[str]]] = []
        for section in version.sections(part):
            names = []
            for question in section.get("questions", []):
                name = f"q_{question['key']}"
                kind = question["kind"]
                if kind == QuestionKind.SCALE:
                    low, high = question.get("scale_min", 1), question.get("scale_max", 5)
                    field: forms.Field = forms.ChoiceField(
                        choices=[(str(n), str(n)) for n in range(low, high + 1)],
                        widget=forms.RadioSelect,
                        required=False,
                    )
                    field.scale_labels = (question.get("min_label", ""), question.get("max_label", ""))
                elif kind == QuestionKind.CHOICE:
                    field = forms.ChoiceField(
                        choices=[("", _("Välj"))]
                        + [(c, choice_label(question, c)) for c in question.get("choices", [])],
                        required=False,
                    )
                else:
                    field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000)
                field.label = question["text"]
                field.help_text = question.get("help", "")
                field.kind = kind
                self.fields[name] = field
                names.append(name)
            self.sections.append((section, names))

    def answers(self) -> dict[str, object]:
        return {name.removeprefix("q_"): value for name, value in self.cleaned_data.items() if name.startswith("q_")}

    def bound_sections(self) -> list[tuple[dict, list[forms.BoundField]]]:
        return [(section, [self[name] for name in names]) for section, names in self.sections]


class GuardianPreparationForm(AnswersForm):
    together = forms.ChoiceField(
        label=_("Vem svarar?"),
        choices=[
            ("alone", _("Jag svarar själv")),
            ("together", _("Vi svarar tillsammans (den andra vårdnadshavaren ser och kan ändra svaren)")),
        ],
        widget=forms.RadioSelect,
        initial="alone",
    )


AUTO_TEMPLATE = "auto"


class PlanForm(forms.Form):
    group = forms.ChoiceField(label=_("Grupp"))
    template_version = forms.ChoiceField(label=_("Samtalsmall"))
    planned_date = forms.DateField(
        label=_("Ungefär när"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Används tills en tid är bokad."),
    )

    def __init__(self, *args: object, groups: Sequence = (), versions: Sequence = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [
            (str(g.uuid), f"{g.display_name} ({g.school_unit.display_name})") for g in groups
        ]
        # By default each group's talks get the template written for the group's school type
        # (förskola, förskoleklass, skola, fritidshem): templates.version_for.
        self.fields["template_version"].choices = [
            (AUTO_TEMPLATE, _("Mallen för gruppens skolform")),
            *[(str(v.pk), f"{template_name(v.template)} (v{v.number})") for v in versions],
        ]
        self.fields["template_version"].initial = AUTO_TEMPLATE


class SlotsForm(forms.Form):
    """Publish a run of slots on one day: first start, how many, length and pause between."""

    target = forms.ChoiceField(label=_("Vem kan boka?"))
    day = forms.DateField(label=_("Dag"), widget=forms.DateInput(attrs={"type": "date"}))
    first_start = forms.TimeField(label=_("Första tiden börjar"), widget=forms.TimeInput(attrs={"type": "time"}))
    count = forms.IntegerField(label=_("Antal tider"), min_value=1, max_value=60, initial=4)
    duration_minutes = forms.IntegerField(label=_("Längd (minuter)"), min_value=5, max_value=240, initial=30)
    pause_minutes = forms.IntegerField(label=_("Paus mellan tiderna (minuter)"), min_value=0, max_value=120, initial=10)
    place = forms.CharField(label=_("Plats"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Länk till videomöte"), required=False, assume_scheme="https")

    def __init__(self, *args: object, targets: Sequence[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)

    def starts(self) -> list[dt.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        first = dt.datetime.combine(data["day"], data["first_start"], tzinfo=tz)
        step = dt.timedelta(minutes=data["duration_minutes"] + data["pause_minutes"])
        # Wall-clock arithmetic in Europe/Stockholm; then each start is an aware datetime.
        return [first + step * n for n in range(data["count"])]


class AgreementForm(forms.Form):
    what = forms.CharField(label=_("Vad kom ni överens om?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    who = forms.CharField(label=_("Vem gör det?"), max_length=200)
    due_date = forms.DateField(label=_("Till när"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(forms.Form):
    follow_up = forms.ChoiceField(label=_("Hur gick det?"), choices=FollowUp.choices)
    note = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)
    talk = forms.UUIDField(widget=forms.HiddenInput)
