"""Sign-in pages. Step 1 chooses the role; step 2 the method (e-ID, SSO). See docs/sign-in.md."""

from __future__ import annotations

import logging

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from folja.access.policy import staff_organisations
from folja.access.roles import Role
from folja.accounts.methods import methods_for
from folja.accounts.session import after_sign_in_url, end_session, remember_next
from folja.accounts.signin import (
    NOT_FOUND_ROLE_KEY,
    finish_with_organisation,
    pending_staff,
    rate_limited,
    rate_limited_response,
)

logger = logging.getLogger(__name__)


def login_page(request: HttpRequest) -> HttpResponse:
    """Render step 1: choose the role the session will act as."""
    remember_next(request)
    return render(request, "accounts/login.html", {"roles": Role.choices})


# Its forms are answered by redirects to identity providers (config/settings.py, docs/operations.md).
@csp_update({"form-action": settings.FOLJA_CSP_SIGN_IN_FORM_ACTION})
def login_role(request: HttpRequest, role: str) -> HttpResponse:
    """Render step 2: the sign-in methods of the chosen role."""
    if role not in Role.values:
        raise Http404
    chosen = Role(role)
    remember_next(request)
    return render(request, "accounts/login_role.html", {"role": chosen, "methods": methods_for(chosen)})


def not_found(request: HttpRequest) -> HttpResponse:
    """Explain that the e-ID worked but the person is not in the platform in that role, and whom to contact."""
    role_value = request.session.get(NOT_FOUND_ROLE_KEY, "")
    role = Role(role_value) if role_value in Role.values else None
    return render(request, "accounts/not_found.html", {"role": role}, status=403)


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's sign-in (/admin/login/, config/urls.py), rate limited as the e-ID starts are.

    Every attempt counts per username (FOLJA_SIGNIN_RATE_LIMIT, hashed in the key) and per address
    (FOLJA_SIGNIN_ADDRESS_RATE_LIMIT); anything else is the admin site's own login view.
    """
    if request.method == "POST":
        wait = rate_limited(request, method="admin", username=request.POST.get("username", ""))
        if wait:
            return rate_limited_response(request, wait, back_url=reverse("admin:login"))
    return admin.site.login(request)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the session (and, for the OIDC broker, its session there too)."""
    from folja.accounts.oidc.views import broker_logout_url

    broker_url = broker_logout_url(request)
    end_session(request)
    if broker_url:
        return redirect(broker_url)
    messages.info(request, _("Du är utloggad."))
    return redirect("core:home")


@never_cache
def choose_organisation(request: HttpRequest) -> HttpResponse:
    """Step 3 of a staff sign-in with a national e-ID, for a person with duties in several
    organisations: choose which one this session acts in (access-rules.md)."""
    found = pending_staff(request)
    if found is None:
        messages.error(request, _("Inloggningen tog för lång tid. Logga in igen."))
        return redirect("accounts:login")
    person, pending = found
    organisations = staff_organisations(person).order_by("display_name")
    if request.method == "POST":
        organisation = organisations.filter(uuid=_uuid_or_none(request.POST.get("organisation", ""))).first()
        if organisation is not None:
            finish_with_organisation(request, person, pending, organisation)
            return redirect(after_sign_in_url(request))
        messages.error(request, _("Välj en av organisationerna i listan."))
    return render(request, "accounts/choose_organisation.html", {"organisations": organisations, "person": person})


def _uuid_or_none(value: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
