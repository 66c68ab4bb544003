"""Sign-in for guardians without Swedish e-ID: SMS code and printed enrolment code (docs/sign-in.md).

The sessions they start are at the lower level of assurance (access/assurance.py).
"""

from __future__ import annotations

import logging
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from folja.access import assurance
from folja.access.policy import may_sign_in_as
from folja.access.roles import Role
from folja.accounts.lower import codes
from folja.accounts.lower.gateways import sms_configured
from folja.accounts.models import SignInOutcome
from folja.accounts.session import NEXT_KEY, after_sign_in_url, end_session, start_session
from folja.accounts.signin import audit, rate_limited, rate_limited_response
from folja.directory.models import Organisation, Person

logger = logging.getLogger(__name__)

SMS_PENDING_KEY = "folja_sms_pending"


def sms_offered() -> bool:
    return sms_configured() and Organisation.objects.filter(guardian_sms_sign_in=True).exists()


def enrolment_offered() -> bool:
    return Organisation.objects.filter(guardian_enrolment_codes=True).exists()


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobilnummer"),
        max_length=24,
        help_text=_("Det nummer som förskolan eller skolan har till dig, t.ex. 070-123 45 67."),
    )

    def clean_mobile(self) -> str:
        try:
            return codes.normalise_mobile(self.cleaned_data["mobile"])
        except codes.InvalidMobileNumber:
            raise forms.ValidationError(_("Det är inte ett mobilnummer. Skriv det som 070-123 45 67.")) from None


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Kod"), max_length=16)


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Inloggningskod"), max_length=24, help_text=_("Koden på papperet från förskolan eller skolan.")
    )


def _sign_in(request: HttpRequest, person: Person | None, method: str) -> HttpResponse | None:
    """Start the lower-assurance guardian session, or None when the person may not have one."""
    if person is None or not (
        may_sign_in_as(person, Role.GUARDIAN) and assurance.may_hold_lower_session(person, method)
    ):
        return None
    target = request.session.get(NEXT_KEY, "")
    start_session(request, person, Role.GUARDIAN, method=method, loa=assurance.LOWER)
    audit(request, method=method, role=Role.GUARDIAN, outcome=SignInOutcome.SUCCESS, person=person, loa=assurance.LOWER)
    logger.info("signed in", extra={"method": method, "role": str(Role.GUARDIAN), "loa": assurance.LOWER})
    return redirect(after_sign_in_url(request, target))


@never_cache
def sms_start(request: HttpRequest) -> HttpResponse:
    """Ask for the mobile number and send a code: the same answer whether or not the number is known."""
    if not sms_offered():
        raise Http404
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["mobile"]
        wait = rate_limited(
            request, method=assurance.SMS, identity=f"sms:{number}", identity_limit=settings.FOLJA_SMS_PER_NUMBER_LIMIT
        )
        if wait:
            return rate_limited_response(request, wait, back_url=request.path)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            end_session(request)  # the device changed hands
        person = codes.send_sms_code(number)
        audit(
            request,
            method=assurance.SMS,
            role=Role.GUARDIAN,
            outcome=SignInOutcome.STARTED,
            detail="sent" if person else "",
            person=person,
        )
        request.session[SMS_PENDING_KEY] = {"number": codes.number_hash(number), "at": int(time.time())}
        return redirect("accounts:sms_code")
    return render(request, "accounts/sms_start.html", {"form": form})


@never_cache
def sms_code(request: HttpRequest) -> HttpResponse:
    """Check the code sent by SMS and start the lower-assurance session."""
    pending = request.session.get(SMS_PENDING_KEY)
    if not sms_offered():
        raise Http404
    if not isinstance(pending, dict) or int(time.time()) - pending.get("at", 0) > settings.FOLJA_SMS_CODE_MINUTES * 60:
        request.session.pop(SMS_PENDING_KEY, None)
        messages.error(request, _("Koden har gått ut. Be om en ny kod."))
        return redirect("accounts:sms_start")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = rate_limited(request, method=assurance.SMS)
        if wait:
            return rate_limited_response(request, wait, back_url=request.path)
        person = codes.check_sms_code(pending["number"], form.cleaned_data["code"])
        signed_in = _sign_in(request, person, assurance.SMS)
        if signed_in is not None:
            return signed_in
        audit(request, method=assurance.SMS, role=Role.GUARDIAN, outcome=SignInOutcome.FAILED, detail="code")
        form.add_error("code", _("Koden stämmer inte eller har gått ut. Försök igen eller be om en ny kod."))
    return render(request, "accounts/sms_code.html", {"form": form})


@never_cache
def enrolment(request: HttpRequest) -> HttpResponse:
    """Sign in with a printed enrolment code from the child's unit (on its own: see docs/sign-in.md)."""
    if not enrolment_offered():
        raise Http404
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = rate_limited(request, method=assurance.ENROLMENT_CODE)
        if wait:
            return rate_limited_response(request, wait, back_url=request.path)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            end_session(request)
        person = codes.redeem_enrolment_code(form.cleaned_data["code"])
        signed_in = _sign_in(request, person, assurance.ENROLMENT_CODE)
        if signed_in is not None:
            return signed_in
        audit(request, method=assurance.ENROLMENT_CODE, role=Role.GUARDIAN, outcome=SignInOutcome.FAILED, detail="code")
        form.add_error(
            "code", _("Koden stämmer inte, är redan använd eller har gått ut. Be förskolan eller skolan om en ny.")
        )
    return render(request, "accounts/enrolment_sign_in.html", {"form": form})
