"""Admin of retention rules (each change logged), their change log, the culling log, the dry run.

Counts only: no page here shows a document, a child or a name (R13: administration is not reading).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from folja.core.dates import today
from folja.directory.models import Organisation
from folja.retention import actions
from folja.retention.models import (
    ORGANISATION_TYPES,
    CullingLogEntry,
    Event,
    RetentionRule,
    RetentionRuleChange,
)
from folja.retention.rules import due

WHAT_LABELS = {
    "post": gettext_lazy("inlägg"),
    "media": gettext_lazy("bilder, filmer och filer"),
    "comment": gettext_lazy("kommentarer"),
    "child_name": gettext_lazy("barns namn i gruppinlägg"),
    "talk": gettext_lazy("utvecklingssamtal"),
    "talk_record": gettext_lazy("utvecklingssamtal"),
    "agreement": gettext_lazy("överenskommelser"),
    "audit_record": gettext_lazy("rader i åtkomstloggen"),
    "notice": gettext_lazy("aviseringar"),
    "signin_record": gettext_lazy("inloggningar"),
}


def _huvudman_choices():  # noqa: ANN202
    return Organisation.objects.filter(organisation__isnull=True).order_by("display_name")


class RuleForm(forms.ModelForm):
    document_type = forms.ChoiceField(
        label=gettext_lazy("dokumenttyp"), choices=[(t.value, t.label) for t in ORGANISATION_TYPES]
    )

    class Meta:
        model = RetentionRule
        fields = ["organisation", "document_type", "event", "months"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _huvudman_choices()


class DryRunForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("huvudman"), queryset=Organisation.objects.none())
    document_type = forms.ChoiceField(
        label=gettext_lazy("dokumenttyp"), choices=[(t.value, t.label) for t in ORGANISATION_TYPES]
    )
    event = forms.ChoiceField(label=gettext_lazy("räknas från"), choices=Event.choices)
    months = forms.IntegerField(label=gettext_lazy("månader"), min_value=0, max_value=1200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _huvudman_choices()


class DefaultsForm(forms.Form):
    organisation = forms.ModelChoiceField(label=gettext_lazy("huvudman"), queryset=Organisation.objects.none())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _huvudman_choices()


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ["organisation", "document_type", "event", "months", "effective_from"]
    list_filter = ["organisation", "document_type"]
    readonly_fields = ["effective_from"]
    change_list_template = "admin/retention/rule_changelist.html"

    def save_model(self, request: HttpRequest, obj: RetentionRule, form: forms.Form, change: bool) -> None:
        saved = actions.rule_set(
            actor=request.user,
            organisation=obj.organisation,
            document_type=obj.document_type,
            event=obj.event,
            months=obj.months,
        )
        obj.pk, obj.uuid, obj.effective_from = saved.pk, saved.uuid, saved.effective_from

    def delete_model(self, request: HttpRequest, obj: RetentionRule) -> None:
        actions.rule_delete(actor=request.user, rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:  # noqa: ANN001
        for rule in queryset:
            actions.rule_delete(actor=request.user, rule=rule)

    def get_urls(self) -> list:
        extra = [
            path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name="retention_dry_run"),
            path("defaults/", self.admin_site.admin_view(self.defaults_view), name="retention_defaults"),
        ]
        return extra + super().get_urls()

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """Show what a rule would cull today, before it is adopted (nothing is deleted)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DryRunForm(request.GET or None)
        rows = None
        if form.is_valid():
            data = form.cleaned_data
            rule = RetentionRule(
                organisation=data["organisation"],
                document_type=data["document_type"],
                event=data["event"],
                months=data["months"],
            )
            counts = actions.effect(due(rule, today()))
            rows = [(WHAT_LABELS.get(what, what), n) for what, n in sorted(counts.items())]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Provkörning av en gallringsregel"),
            "form": form,
            "rows": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/retention/dry_run.html", context)

    def defaults_view(self, request: HttpRequest) -> HttpResponse:
        """Give a huvudman the default rules for every type it has none for."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DefaultsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            created = actions.rules_adopt_defaults(actor=request.user, organisation=form.cleaned_data["organisation"])
            messages.success(request, _("%(n)s standardregler lades till.") % {"n": len(created)})
            return redirect("admin:retention_retentionrule_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Använd standardreglerna"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/retention/defaults.html", context)


@admin.register(RetentionRuleChange)
class RetentionRuleChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "organisation", "document_type", "before", "after", "changed_by"]
    list_filter = ["organisation", "document_type"]
    readonly_fields = ["changed_at", "organisation", "document_type", "before", "after", "changed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CullingLogEntry)
class CullingLogAdmin(RetentionRuleChangeAdmin):
    list_display = ["at", "organisation", "document_type", "event", "months", "what", "count"]
    list_filter = ["organisation", "document_type", "what"]
    readonly_fields = ["at", "organisation", "document_type", "event", "months", "what", "count", "run"]
