"""Test e-ID: sign in by typing a demo person's civic number. Only when FOLJA_TEST_EID_ENABLED is on."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from folja.access.roles import Role
from folja.accounts.signin import VerifiedIdentity, complete_sign_in, rate_limited, rate_limited_response
from folja.directory import civic

METHOD = "test_eid"


class TestEidForm(forms.Form):
    civic_number = forms.CharField(
        label=_("Personnummer"),
        max_length=13,
        help_text=_("ÅÅÅÅMMDD-NNNN. Endast påhittade personnummer i demovärlden."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_civic_number(self) -> str:
        """Return the normalised civic number; the error never repeats the value."""
        try:
            return civic.normalise(self.cleaned_data["civic_number"])
        except civic.InvalidCivicNumber:
            raise forms.ValidationError(_("Det är inte ett giltigt personnummer.")) from None


def sign_in(request: HttpRequest, role: str) -> HttpResponse:
    """Show the test e-ID form for the role and sign in as the person with the civic number."""
    if not settings.FOLJA_TEST_EID_ENABLED or role not in Role.values:
        raise Http404
    chosen = Role(role)
    form = TestEidForm(request.POST or None)
    if request.method == "POST":
        # Limited per civic number attempted and, with a larger budget, per address (signin.rate_limited).
        attempted = form.cleaned_data["civic_number"] if form.is_valid() else ""
        wait = rate_limited(request, method=METHOD, civic_number=attempted)
        if wait:
            return rate_limited_response(request, wait)
        if form.is_valid():
            identity = VerifiedIdentity(
                civic_number=form.cleaned_data["civic_number"],
                given_name="",
                family_name="",
                method=METHOD,
                loa="none",
                transaction_ref=f"test-{secrets.token_hex(8)}",
            )
            return complete_sign_in(request, identity, chosen)
    return render(request, "accounts/test_eid.html", {"form": form, "role": chosen})
