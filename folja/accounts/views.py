"""Sign-in pages. Step 1 chooses the role; step 2 the method (e-ID, SSO). See docs/sign-in.md."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access.policy import may_sign_in_as
from folja.accounts.roles import Role
from folja.accounts.session import end_session, start_session
from folja.directory.models import Person

logger = logging.getLogger(__name__)


def login_page(request: HttpRequest) -> HttpResponse:
    """Render step 1: choose the role the session will act as."""
    return render(request, "accounts/login.html", {"roles": Role.choices})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    end_session(request)
    messages.info(request, _("Du är utloggad."))
    return redirect("core:home")


def demo_login(request: HttpRequest) -> HttpResponse:
    """Let a developer act as a demo persona. Refused unless DEBUG and FOLJA_DEMO_LOGIN are on."""
    if not settings.FOLJA_DEMO_LOGIN:
        raise Http404
    from folja.directory.demo.personas import demo_personas

    if request.method == "POST":
        role_value = request.POST.get("role", "")
        person = Person.objects.filter(uuid=request.POST.get("person", "") or None).first() if _is_uuid(
            request.POST.get("person", "")
        ) else None
        if person is None or role_value not in Role.values or not may_sign_in_as(person, Role(role_value)):
            messages.error(request, _("Personen finns inte i den rollen. Välj en annan."))
            return redirect("accounts:demo_login")
        start_session(request, person, Role(role_value), method="demo", loa="none")
        logger.info("demo sign-in", extra={"role": role_value})
        return redirect("core:home")
    return render(request, "accounts/demo_login.html", {"personas": demo_personas()})


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
