"""The principal's page (issue 28): connect contact persons and grant named-child access at the
units where the staff member is Rektor or Förskolechef, list them and end them. Every answer comes
from `folja/access/connections.py`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from folja.access import connections
from folja.accounts.decorators import staff_required
from folja.core.dates import today
from folja.directory.civic import InvalidCivicNumber
from folja.directory.models import ContactRelation, NamedChildRole
from folja.pages.contacts import actions


class _Grant(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Enhet"), to_field_name="uuid")
    child = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Barn"), to_field_name="uuid")
    start = forms.DateField(label=gettext_lazy("Från och med"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=gettext_lazy("Till och med (tomt: tills vidare)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=gettext_lazy("Skäl"), max_length=300)

    def __init__(self, *args, units, day, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["child"].queryset = connections.children_at(units, day)
        self.fields["child"].label_from_instance = lambda person: person.full_name

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("Slutdatumet kan inte vara före startdatumet."))
        return data


class ContactForm(_Grant):
    relation = forms.ChoiceField(label=gettext_lazy("Relation"), choices=ContactRelation.choices)
    given_name = forms.CharField(label=gettext_lazy("Förnamn"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Efternamn"), max_length=100)
    civic_number = forms.CharField(
        label=gettext_lazy("Personnummer (för inloggning med e-legitimation)"),
        max_length=13,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class NamedForm(_Grant):
    staff = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Personal"), to_field_name="uuid")
    role = forms.ChoiceField(label=gettext_lazy("Uppdrag"), choices=NamedChildRole.choices)

    def __init__(self, *args, units, day, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, units=units, day=day, **kwargs)
        self.fields["staff"].queryset = connections.staff_at(units, day)
        self.fields["staff"].label_from_instance = lambda person: person.full_name


def _units_or_404(request: HttpRequest, day):  # noqa: ANN001, ANN202
    units = connections.managed_units(request.viewer, day)
    if not units.exists():
        raise Http404  # R12: only a Rektor or Förskolechef grants
    return units


def _page(request: HttpRequest, units, day, *, contact_form=None, named_form=None, status=200) -> HttpResponse:  # noqa: ANN001
    context = {
        "units": units,
        "contacts": connections.managed_contacts(units, day),
        "named": connections.managed_named_access(units, day),
        "suggestions": connections.sis_suggestions(units, day),
        "contact_form": contact_form or ContactForm(units=units, day=day, initial={"start": day}),
        "named_form": named_form or NamedForm(units=units, day=day, initial={"start": day}),
    }
    return render(request, "contacts/manage.html", context, status=status)


@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    """List the contact persons and named-child grants at the principal's units, with the forms."""
    day = today()
    return _page(request, _units_or_404(request, day), day)


@staff_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    day = today()
    units = _units_or_404(request, day)
    form = ContactForm(request.POST, units=units, day=day)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact = actions.contact_person_for(
                civic_number=data["civic_number"], given_name=data["given_name"], family_name=data["family_name"]
            )
        except InvalidCivicNumber:
            form.add_error("civic_number", _("Personnumret är inte giltigt."))
        else:
            if contact.sealed_at is not None or contact.pk == data["child"].pk:
                form.add_error("civic_number", _("Personen kan inte kopplas till barnet."))
            else:
                actions.connect_contact(
                    actor=request.viewer,
                    unit=data["unit"],
                    child=data["child"],
                    contact=contact,
                    relation=data["relation"],
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                )
                messages.success(request, _("Kontaktpersonen är kopplad till barnet."))
                return redirect("contacts:manage")
    return _page(request, units, day, contact_form=form, status=400)


@staff_required
@require_POST
def grant(request: HttpRequest) -> HttpResponse:
    day = today()
    units = _units_or_404(request, day)
    form = NamedForm(request.POST, units=units, day=day)
    if form.is_valid():
        data = form.cleaned_data
        actions.grant_named_access(
            actor=request.viewer,
            unit=data["unit"],
            child=data["child"],
            staff=data["staff"],
            role=data["role"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
        )
        messages.success(request, _("Åtkomsten till barnet är sparad."))
        return redirect("contacts:manage")
    return _page(request, units, day, named_form=form, status=400)


@staff_required
@require_POST
def end(request: HttpRequest, kind: str, grant_uuid: str) -> HttpResponse:
    """End a connection or a grant now (the next request no longer counts it)."""
    if kind not in ("contact", "named"):
        raise Http404
    found = connections.get_managed_grant(request.viewer, kind, grant_uuid, today())
    actions.end_grant(actor=request.viewer, grant=found)
    messages.success(request, _("Kopplingen är avslutad."))
    return redirect("contacts:manage")
