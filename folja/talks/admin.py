"""Talk templates and unit booking rules for organisation admins (R13: no talk content here).

A version's author is shown by name unless sealed (R5: then as "(skyddad person)").
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from folja.directory.admin import person_label
from folja.talks import actions
from folja.talks.models import TalkSettings, TalkTemplate, TalkTemplateVersion
from folja.talks.templates import default_content


class TalkTemplateForm(forms.ModelForm):
    """The template with its questions as JSON; saving new questions stores a new version."""

    content = forms.CharField(
        label=_("Frågor (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        help_text=_("Varje sparad ändring blir en ny version. Samtal som redan finns behåller sin version."),
    )

    class Meta:
        model = TalkTemplate
        fields = ["organisation", "school_unit", "name", "archived_at"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.current_version() if self.instance.pk else None
        self.fields["content"].initial = json.dumps(
            current.content if current else default_content(), ensure_ascii=False, indent=2
        )

    def clean_content(self) -> dict:
        try:
            content = json.loads(self.cleaned_data["content"])
        except json.JSONDecodeError as exc:
            raise ValidationError(_("Ogiltig JSON: %(error)s") % {"error": exc}) from None
        from folja.talks.templates import validate_content

        return validate_content(content)


@admin.register(TalkTemplate)
class TalkTemplateAdmin(admin.ModelAdmin):
    form = TalkTemplateForm
    list_display = ["name", "organisation", "school_unit", "archived_at"]
    list_filter = ["organisation"]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        current = obj.current_version()
        if current is None or current.content != form.cleaned_data["content"]:
            actions.template_version_create(
                actor=getattr(request.user, "person", None), template=obj, content=form.cleaned_data["content"]
            )


@admin.register(TalkTemplateVersion)
class TalkTemplateVersionAdmin(admin.ModelAdmin):
    """Versions are read-only: they are what held talks were planned with."""

    list_display = ["template", "number", "created_at"]
    fields = ["template", "number", "content", "created_at", "author"]
    readonly_fields = fields

    def get_queryset(self, request):  # noqa: ANN001, ANN201
        return super().get_queryset(request).select_related("template", "created_by")

    @admin.display(description=_("skapad av"))
    def author(self, obj: TalkTemplateVersion) -> str:
        return person_label(obj.created_by)

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(TalkSettings)
class TalkSettingsAdmin(admin.ModelAdmin):
    list_display = ["school_unit", "change_deadline_hours"]
