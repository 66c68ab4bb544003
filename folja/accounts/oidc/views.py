"""OIDC broker sign-in (Freja eID and others) with Authlib: code flow, PKCE S256, state and nonce in the session.

The e-ID chosen in step 2 becomes `acr_values`; the ID token's `iss`, `aud`, `exp`, `nonce` and
`acr` are checked against what was asked. The civic number comes from FOLJA_OIDC_CIVIC_CLAIM.
"""

from __future__ import annotations

import functools
import logging
import secrets
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from folja.access.roles import Role
from folja.accounts.methods import oidc_methods
from folja.accounts.models import SignInOutcome
from folja.accounts.session import METHOD_KEY
from folja.accounts.signin import VerifiedIdentity, audit, complete_sign_in, rate_limited, rate_limited_response

logger = logging.getLogger(__name__)

PENDING_KEY = "folja_oidc_pending"
ID_TOKEN_KEY = "folja_oidc_id_token"  # noqa: S105  a session key, not a secret


@functools.lru_cache(maxsize=4)
def _broker(issuer: str, client_id: str, client_secret: str) -> Any:
    oauth = OAuth()
    return oauth.register(
        name="broker",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256", "timeout": 10},
    )


def broker() -> Any:
    """Return the Authlib client for the configured broker (metadata and keys are cached per process)."""
    return _broker(settings.FOLJA_OIDC_ISSUER, settings.FOLJA_OIDC_CLIENT_ID, settings.FOLJA_OIDC_CLIENT_SECRET)


@require_POST
def start(request: HttpRequest, role: str, method: str) -> HttpResponse:
    """Send the browser to the broker, asking for the chosen e-ID through acr_values."""
    if role != Role.GUARDIAN or method not in oidc_methods():
        raise Http404
    wait = rate_limited(request, method=f"oidc:{method}")
    if wait:
        return rate_limited_response(request, wait)
    acr = oidc_methods()[method]
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc_callback"))
    try:
        response = broker().authorize_redirect(
            request,
            redirect_uri,
            acr_values=acr,
            prompt="login",  # a fresh authentication, never a session left open at the broker
            nonce=secrets.token_urlsafe(24),
            ui_locales=getattr(request, "LANGUAGE_CODE", "sv"),
        )
    except Exception:  # metadata unreachable or malformed: the broker is down
        logger.warning("OIDC broker unreachable", exc_info=True)
        audit(request, method=f"oidc:{method}", role=role, outcome=SignInOutcome.ERROR, detail="broker-unreachable")
        messages.error(request, _("Inloggningstjänsten svarar inte just nu. Försök igen om en stund."))
        return redirect("accounts:login_role", role=role)
    state = _query_value(response["Location"], "state")
    request.session[PENDING_KEY] = {"state": state, "role": role, "method": method, "acr": acr}
    audit(request, method=f"oidc:{method}", role=role, outcome=SignInOutcome.STARTED, transaction_ref=state)
    return response


def _query_value(url: str, name: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(url).query).get(name, [""])[0]


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Finish the code flow: check state, PKCE, the ID token and its acr, then bind the identity."""
    pending = request.session.pop(PENDING_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(str(pending.get("state", "")), state):
        audit(request, method="oidc", role=(pending or {}).get("role"), outcome=SignInOutcome.REFUSED, detail="state")
        messages.error(request, _("Inloggningen kunde inte slutföras. Börja om."))
        return redirect("accounts:login")
    method_name = f"oidc:{pending['method']}"
    role = Role(pending["role"])
    if request.GET.get("error"):
        outcome = SignInOutcome.CANCELLED if request.GET["error"] == "access_denied" else SignInOutcome.FAILED
        audit(request, method=method_name, role=role, outcome=outcome, detail=request.GET["error"][:64],
              transaction_ref=state)  # fmt: skip
        messages.error(request, _("Inloggningen avbröts. Försök igen."))
        return redirect("accounts:login_role", role=role.value)
    claims_options = {
        "iss": {"essential": True, "values": [broker().load_server_metadata().get("issuer")]},
        "acr": {"essential": True, "values": [pending["acr"]]},  # the e-ID we asked for, not a weaker one
    }
    try:
        token = broker().authorize_access_token(request, claims_options=claims_options)
    except (OAuthError, JoseError) as exc:
        # e.g. "invalid_claim:acr" or "invalid_claim:nonce": says which check refused, never a value.
        detail = getattr(exc, "error", "") or type(exc).__name__
        if getattr(exc, "claim", ""):
            detail = f"{detail}:{exc.claim}"
        audit(request, method=method_name, role=role, outcome=SignInOutcome.REFUSED, detail=str(detail)[:64],
              transaction_ref=state)  # fmt: skip
        logger.info("OIDC sign-in refused", extra={"reason": str(detail)[:64]})
        messages.error(request, _("Inloggningen kunde inte slutföras. Börja om."))
        return redirect("accounts:login_role", role=role.value)
    claims = dict(token.get("userinfo") or {})
    civic_number = str(claims.get(settings.FOLJA_OIDC_CIVIC_CLAIM, "") or "")
    if not civic_number:
        extra = broker().userinfo(token=token)
        claims.update(extra)
        civic_number = str(claims.get(settings.FOLJA_OIDC_CIVIC_CLAIM, "") or "")
    identity = VerifiedIdentity(
        civic_number=civic_number,
        given_name=str(claims.get("given_name", "")),
        family_name=str(claims.get("family_name", "")),
        method=method_name,
        loa=str(claims.get("acr", "")),
        transaction_ref=str(claims.get("sid") or claims.get("jti") or state)[:128],
    )
    response = complete_sign_in(request, identity, role)
    if request.user.is_authenticated:
        # Kept for RP-initiated logout: the broker's session ends when ours does.
        request.session[ID_TOKEN_KEY] = token.get("id_token", "")
    return response


def broker_logout_url(request: HttpRequest) -> str:
    """Return the broker's end-session URL for this session, or "" when it did not come from the broker."""
    id_token = request.session.get(ID_TOKEN_KEY, "")
    if not id_token or not str(request.session.get(METHOD_KEY, "")).startswith("oidc:"):
        return ""
    try:
        result = broker().create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(reverse("core:home")), id_token_hint=id_token
        )
    except Exception:  # no end_session_endpoint, or the broker is down: our session ends anyway
        logger.warning("OIDC broker logout URL unavailable", exc_info=True)
        return ""
    return str(result.get("url", ""))
