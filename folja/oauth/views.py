"""The authorisation page, the token and revocation endpoints, and "Appar och enheter"."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from folja.access.roles import Role
from folja.accounts.decorators import viewer_required
from folja.accounts.session import METHOD_KEY
from folja.accounts.signin import client_ip, counted_over
from folja.oauth import actions, scopes
from folja.oauth.access import get_own_authorisation, own_authorisations
from folja.oauth.server import DEVICE_ID, server

logger = logging.getLogger(__name__)

APP_ROLES = (Role.GUARDIAN, Role.STAFF)


def _to_app(location: str) -> HttpResponseRedirect:
    """Redirect to the app's address, which was matched exactly against its registration; it may
    be a native app's own scheme (se.kommun.app:/inloggad), which Django's redirect refuses."""

    class AppRedirect(HttpResponseRedirect):
        allowed_schemes = [location.split(":", 1)[0].lower()]

    return AppRedirect(location)


def _error_redirect(redirect_uri: str, error: str, state: str) -> HttpResponse:
    """Send the person back to the app (its address already checked) with an OAuth error."""
    params = {"error": error}
    if state:
        params["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return _to_app(redirect_uri + separator + urlencode(params))


def _as_redirect(response: HttpResponse) -> HttpResponse:
    """Authlib's answer as a redirect of ours (its Location is the registered address)."""
    location = response.get("Location", "")
    if response.status_code == 302 and location:
        return _to_app(location)
    return response


@never_cache
def authorize(request: HttpRequest) -> HttpResponse:
    """Ask the signed-in person whether the app may act for them on this device, and record the answer.

    The request is checked before anything else: an unknown app or an address that is not exactly
    the registered one gets a page here, never a redirect (it could be anyone's address).
    """
    try:
        grant = server.get_consent_grant(request, end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            return _error_redirect(error.redirect_uri, error.error, request.GET.get("state", ""))
        logger.info("oauth: authorisation request refused (%s: %s)", error.error, error.description)
        return render(request, "oauth/error.html", {"error": error.error}, status=400)
    app = grant.client
    redirect_uri = grant.redirect_uri
    state = grant.request.payload.state or ""
    data = grant.request.payload.data
    device_id = data.get("device_id", "")
    if not DEVICE_ID.match(device_id):
        return _error_redirect(redirect_uri, "invalid_request", state)
    viewer = getattr(request, "viewer", None)
    if viewer is None:
        # The same two-step e-ID sign-in as the site's; back here afterwards.
        return redirect_to_login(request.get_full_path())
    if viewer.role not in APP_ROLES:
        return render(request, "oauth/error.html", {"error": "role"}, status=403)
    granted = scopes.for_role(scopes.parse(grant.request.payload.scope), viewer.role)
    if not granted:
        return _error_redirect(redirect_uri, "invalid_scope", state)
    device_name = (data.get("device_name") or "").strip()[:100]
    if request.method == "POST":
        if request.POST.get("answer") != "allow":
            logger.info("oauth: person declined", extra={"app": str(app.uuid)})
            return _error_redirect(redirect_uri, "access_denied", state)
        authorisation = actions.authorisation_create(
            actor=viewer,
            app=app,
            granted_scopes=granted,
            device_id=device_id,
            device_name=device_name,
            method=request.session.get(METHOD_KEY, ""),
        )
        return _as_redirect(server.create_authorization_response(request, grant_user=authorisation, grant=grant))
    context = {
        "app": app,
        "scopes": scopes.describe(granted),
        "device_name": device_name,
        "viewer": viewer,
    }
    return render(request, "oauth/authorize.html", context)


@csrf_exempt  # the app authenticates by PKCE and, if confidential, its secret; no cookie is read
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Exchange a code (with its PKCE verifier) or a refresh token for tokens; at most
    FOLJA_SIGNIN_ADDRESS_RATE_LIMIT requests per address and sign-in window (429 with Retry-After)."""
    wait = counted_over(
        f"folja:oauth-token-rate:address:{client_ip(request)}", settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT
    )
    if wait:
        logger.info("oauth: token requests over the rate limit")
        response = JsonResponse(
            {"error": "too_many_requests", "error_description": "Too many token requests; try again later."},
            status=429,
        )
        response["Retry-After"] = str(wait)
        response["Cache-Control"] = "no-store"
        return response
    try:
        response = server.create_token_response(request)
    except OAuth2Error as error:  # raised before Authlib's own handling: plain http (insecure_transport)
        response = server.handle_error_response(None, error)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    """RFC 7009: the app revokes its token; its authorisation on this device ends with it."""
    try:
        return server.create_endpoint_response("revocation", request)
    except OAuth2Error as error:
        return server.handle_error_response(None, error)


@viewer_required
def apps(request: HttpRequest) -> HttpResponse:
    """ "Appar och enheter": every app the person allowed, on which device, used when."""
    authorisations = list(own_authorisations(request.viewer))
    rows = [(authorisation, scopes.describe(authorisation.scope_list())) for authorisation in authorisations]
    return render(request, "oauth/apps.html", {"rows": rows})


@viewer_required
@require_POST
def app_remove(request: HttpRequest, authorisation_uuid: str) -> HttpResponse:
    """ "Ta bort": the app on that device can do nothing more; its tokens stop at once."""
    authorisation = get_own_authorisation(request.viewer, authorisation_uuid)
    actions.authorisation_revoke(authorisation, reason="person")
    messages.success(request, _("Appen är borttagen. Den kan inte längre hämta något från Följa."))
    return redirect("oauth:apps")
