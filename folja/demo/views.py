"""The persona picker: sign in as a demo persona without an e-ID, in development only."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from folja.access import assurance
from folja.access.policy import may_sign_in_as, person_for_sign_in, staff_organisations
from folja.access.roles import Role
from folja.accounts.session import start_session
from folja.accounts.signin import ask_for_organisation
from folja.demo.personas import demo_personas
from folja.directory import civic

logger = logging.getLogger(__name__)


def demo_login(request: HttpRequest) -> HttpResponse:
    """Let a developer act as a demo persona. Refused unless DEBUG and FOLJA_DEMO_LOGIN are on."""
    if not settings.FOLJA_DEMO_LOGIN:
        raise Http404
    if request.method == "POST":
        role_value = request.POST.get("role", "")
        person = person_for_sign_in(person_uuid=request.POST.get("person", ""))
        if person is None or role_value not in Role.values or not may_sign_in_as(person, Role(role_value)):
            messages.error(request, _("Personen finns inte i den rollen. Välj en annan."))
            return redirect("demo:personas")
        if role_value == Role.STAFF:
            organisations = list(staff_organisations(person))
            if len(organisations) > 1:
                return ask_for_organisation(request, person, method="demo", loa="none")
            start_session(request, person, Role.STAFF, method="demo", loa="none", organisation_id=organisations[0].pk)
            return redirect("core:home")
        if role_value == Role.GUARDIAN and person.civic_number_kind == civic.TEMPORARY:
            # No e-ID can vouch for a temporary number: the picker gives the session a code would.
            start_session(request, person, Role.GUARDIAN, method=assurance.SMS, loa=assurance.LOWER)
            return redirect("core:home")
        start_session(request, person, Role(role_value), method="demo", loa="none")
        logger.info("demo sign-in", extra={"role": role_value})
        return redirect("core:home")
    return render(request, "accounts/demo_login.html", {"personas": demo_personas()})
