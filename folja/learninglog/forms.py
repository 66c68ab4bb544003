"""Forms of the learning log pages. They validate shape; rights are checked by the actions."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from folja.curriculum import offer
from folja.curriculum.models import Goal, current_goal_choices
from folja.directory.labels import distinguishing_labels
from folja.directory.models import Group, Person
from folja.learninglog.models import PostKind


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Vad handlar inlägget om?"),
        choices=[
            (PostKind.GROUP, _("Gruppen (gruppinlägg)")),
            (PostKind.INDIVIDUAL, _("Ett barn (individuellt inlägg)")),
        ],
        initial=PostKind.GROUP,
        widget=forms.RadioSelect,
    )
    children = forms.MultipleChoiceField(label=_("Barn"), required=False)
    title = forms.CharField(label=_("Rubrik"), max_length=200)
    # Plain text (paragraphs and line breaks), not stripped: `learninglog.text` keeps it as typed.
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=20000, strip=False
    )
    activity_date = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    goals = forms.TypedMultipleChoiceField(label=_("Mål i läroplanen"), required=False, coerce=int)
    confirm_photo_consent = forms.BooleanField(
        label=_("Jag har sett att några barn saknar samtycke till bild och vill publicera ändå"), required=False
    )

    def __init__(
        self,
        *args: object,
        groups: Sequence[Group] = (),
        group: Group | None = None,
        members: Sequence[Person] = (),
        editing: bool = False,
        goal_school_types: Sequence[str] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goal_school_types = list(goal_school_types)
        self.groups = groups
        self.group = group
        self.members = members
        self.editing = editing
        self.fields["children"].choices = [(str(m.uuid), m.full_name) for m in members]
        current = Goal.objects.current().select_related("curriculum", "area")
        self.fields["goals"].choices = [(g.pk, g.text) for g in offer.offered(current, self.goal_school_types)]
        if editing:
            self.fields["kind"].required = False
        if not self.is_bound and "children" not in self.initial:
            # Default for a group post: every member of the group is named; staff untick who was absent.
            self.initial["children"] = [str(m.uuid) for m in members]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        kind = data.get("kind") or PostKind.GROUP
        data["kind"] = kind
        children = data.get("children") or []
        if not children:
            self.add_error("children", _("Välj minst ett barn."))
        elif kind == PostKind.INDIVIDUAL and len(children) != 1 and not self.editing:
            self.add_error("children", _("Ett individuellt inlägg handlar om ett barn. Välj ett barn."))
        return data

    def selected_goal_ids(self) -> set[int]:
        raw = self.data.getlist("goals") if self.is_bound else self.initial.get("goals", [])
        return {int(v) for v in raw if str(v).isdigit()}

    def selected_child_uuids(self) -> set[str]:
        raw = self.data.getlist("children") if self.is_bound else self.initial.get("children", [])
        return {str(v) for v in raw}


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Kommentar"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    family = forms.ChoiceField(label=_("Kommentaren gäller"), required=False)

    def __init__(
        self,
        *args: object,
        families: Sequence[Person] = (),
        named: Sequence[Person] = (),
        labels: dict[int, str] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._children: dict[str, Person] = {}
        self._default: Person | None = None
        if families:
            # A guardian or child comments on behalf of one of their own named children.
            self._children = {str(c.uuid): c for c in families}
            self.fields["family"].choices = [(k, c.full_name) for k, c in self._children.items()]
            # With one own child named there is nothing to choose.
            self.fields["family"].required = len(self._children) > 1
            self.fields["family"].label = _("Ditt barn")
            self._default = next(iter(self._children.values())) if len(self._children) == 1 else None
        else:
            # Staff: to everyone the post reaches, or to one family only.
            self._children = {str(child.uuid): child for child in named}
            # Two children with the same name told apart (access/labels.py gives them per viewer).
            labels = labels if labels is not None else distinguishing_labels(named)
            self.fields["family"].choices = [("", _("Alla som ser inlägget"))] + [
                (k, _("Bara familjen till %(name)s") % {"name": labels[c.pk]}) for k, c in self._children.items()
            ]
        self.show_family = len(self.fields["family"].choices) > 1

    def clean_family(self) -> Person | None:
        value = self.cleaned_data.get("family") or ""
        return self._children.get(value, self._default)


def _goal_filter_choices() -> list[tuple[str, str]]:
    return [("", _("Alla mål")), *current_goal_choices()]


class FilterForm(forms.Form):
    # A callable: read only when the form is validated or drawn (the usual unfiltered box is cached).
    goal = forms.ChoiceField(label=_("Mål"), required=False, choices=_goal_filter_choices)
    date_from = forms.DateField(label=_("Från"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Till"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def goal_options(self) -> str:
        """Return the goal list's <option>s: written in Python, since a template loop over every
        goal (or Django's widget templates, one include per option) cost more than the rest of a
        list page's HTML."""
        chosen = self["goal"].value() or ""

        def options(choices: Sequence[tuple[str, str]]) -> str:
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((value, mark_safe(" selected") if value == chosen else "", label) for value, label in choices),
            )

        # Several curricula come as (curriculum name, [(key, label), …]) groups: one <optgroup> each.
        return mark_safe(
            "".join(
                format_html('<optgroup label="{}">{}</optgroup>', value, options(label))
                if isinstance(label, list | tuple)
                else options([(value, label)])
                for value, label in self.fields["goal"].choices
            )
        )


def filter_form(query: QueryDict) -> FilterForm:
    """Return the list pages' filter form, bound to the query string when there is one."""
    return FilterForm(query) if query else FilterForm()


class PhotoConsentForm(forms.Form):
    allowed = forms.ChoiceField(
        label=_("Får ditt barn synas på bilder i inlägg som andra familjer ser?"),
        choices=[("yes", _("Ja")), ("no", _("Nej"))],
        widget=forms.RadioSelect,
    )
