"""Staff SSO per organisation: "Logga in via <organisation>" starts SAML or OIDC; the OIDC callback.

The SAML endpoints (metadata, ACS) are in `folja.accounts.saml.views`. Both kinds end in
`complete_sign_in(..., Role.STAFF, organisation=...)`, which only finds staff with an active duty
in that organisation.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from folja.access.roles import Role
from folja.accounts.models import OrganisationSSO, SignInOutcome, SSOKind, StaffMatch
from folja.accounts.saml import sp
from folja.accounts.signin import VerifiedIdentity, audit, complete_sign_in, rate_limited, rate_limited_response
from folja.accounts.sso import oidc

logger = logging.getLogger(__name__)

PENDING_KEY = "folja_sso_pending"
SAML_COOKIE = "folja_saml_pending"
SAML_COOKIE_SALT = "folja.accounts.saml-pending"
PENDING_SECONDS = 600  # an unanswered request older than this is not accepted


def enabled_sso(sso_uuid: Any, kind: str | None = None) -> OrganisationSSO:
    """Return the enabled SSO configuration with the UUID (optionally of one kind), or raise Http404."""
    found = OrganisationSSO.objects.select_related("organisation").filter(uuid=sso_uuid, enabled=True)
    if kind:
        found = found.filter(kind=kind)
    sso = found.first()
    if sso is None:
        raise Http404
    return sso


def method_name(sso: OrganisationSSO) -> str:
    """Return the method recorded in the session and audit, e.g. "saml:3f2a…" (the SSO's UUID prefix)."""
    return f"{sso.kind}:{sso.uuid.hex[:12]}"


def pending_for(request: HttpRequest, sso: OrganisationSSO) -> dict[str, Any] | None:
    """Return (and forget) this browser's pending request to the SSO when it is still fresh, else None.

    SAML keeps it in its own signed cookie, because the IdP's cross-site POST to the ACS does not
    carry the SameSite=Lax session cookie; OIDC returns by a GET redirect and keeps it in the session.
    """
    if sso.kind == SSOKind.SAML:
        raw = request.get_signed_cookie(SAML_COOKIE, default=None, salt=SAML_COOKIE_SALT, max_age=PENDING_SECONDS)
        try:
            pending = json.loads(raw) if raw else None
        except ValueError:
            pending = None
    else:
        pending = request.session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict) or pending.get("sso") != str(sso.uuid):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return pending


def remember_pending(
    request: HttpRequest, response: HttpResponse, sso: OrganisationSSO, request_id: str, role: Role = Role.STAFF
) -> None:
    """Bind the outgoing request id (and the role it was started for) to this browser (see `pending_for`)."""
    pending = {"sso": str(sso.uuid), "id": request_id, "at": time.time(), "role": role.value}
    if sso.kind == SSOKind.SAML:
        secure = bool(settings.SESSION_COOKIE_SECURE)
        response.set_signed_cookie(
            SAML_COOKIE,
            json.dumps(pending),
            salt=SAML_COOKIE_SALT,
            max_age=PENDING_SECONDS,
            path="/login/sso/",
            secure=secure,
            httponly=True,
            samesite="None" if secure else "Lax",  # browsers drop SameSite=None without Secure
        )
    else:
        request.session[PENDING_KEY] = pending


def forget_pending(response: HttpResponse) -> HttpResponse:
    """Delete the SAML pending cookie: each request id is answered at most once per browser."""
    response.delete_cookie(SAML_COOKIE, path="/login/sso/")
    return response


def identity_from(
    sso: OrganisationSSO,
    value: str,
    *,
    given: str,
    family: str,
    loa: str,
    ref: str,
    affiliations: tuple[str, ...] = (),
) -> VerifiedIdentity:
    """Return the verified identity, with the matched value as civic number or as school e-mail."""
    by_civic = sso.match == StaffMatch.CIVIC_NUMBER
    return VerifiedIdentity(
        civic_number=value if by_civic else "",
        school_email="" if by_civic else value,
        given_name=given,
        family_name=family,
        method=method_name(sso),
        loa=loa,
        transaction_ref=ref[:128],
        affiliations=affiliations,
    )


def pending_role(pending: dict[str, Any]) -> Role:
    """The role the sign-in was started for: Personal, or Elev (issue 29: pupils through the same IdP)."""
    return Role.CHILD if pending.get("role") == Role.CHILD.value else Role.STAFF


# eduPersonAffiliation values that make a pupil (Skolfederation: "student").
PUPIL_AFFILIATIONS = frozenset({"student"})


def affiliation_refused(role: Role, identity: VerifiedIdentity) -> bool:
    """A pupil's sign-in needs the IdP to say the person is a student (eduPersonAffiliation)."""
    return role == Role.CHILD and not (PUPIL_AFFILIATIONS & set(identity.affiliations))


def refuse(
    request: HttpRequest, sso: OrganisationSSO, reason: str, ref: str = "", role: Role = Role.STAFF
) -> HttpResponse:
    """Audit a refused response and send the user back to the role's methods with a plain message."""
    audit(request, method=method_name(sso), role=role, outcome=SignInOutcome.REFUSED, detail=reason,
          transaction_ref=ref)  # fmt: skip
    logger.info("SSO sign-in refused", extra={"sso": str(sso.uuid), "reason": reason, "role": str(role)})
    messages.error(request, _("Inloggningen kunde inte slutföras. Börja om."))
    return redirect("accounts:login_role", role=role.value)


@require_POST
def start(request: HttpRequest, sso_uuid: Any) -> HttpResponse:
    """Send the browser to the organisation's IdP: a signed SAML AuthnRequest or an OIDC authorization request."""
    sso = enabled_sso(sso_uuid)
    role = Role.CHILD if request.GET.get("role") == Role.CHILD.value else Role.STAFF
    wait = rate_limited(request, method=method_name(sso))
    if wait:
        return rate_limited_response(request, wait)
    try:
        if sso.kind == SSOKind.SAML:
            request_id, location = sp.authn_request(request, sso)
            state = request_id
        else:
            redirect_uri = request.build_absolute_uri(reverse("accounts:sso_oidc_callback", args=[sso.uuid]))
            extra = {"acr_values": sso.required_loa} if sso.required_loa else {}
            response = oidc.client_for(sso).authorize_redirect(
                request, redirect_uri, nonce=secrets.token_urlsafe(24), prompt="login", **extra
            )
            location = response["Location"]
            state = parse_qs(urlparse(location).query).get("state", [""])[0]
    except Exception:  # metadata unreachable or broken, key pair missing: the IdP cannot be used now
        logger.warning("SSO could not start", extra={"sso": str(sso.uuid)}, exc_info=True)
        audit(request, method=method_name(sso), role=role, outcome=SignInOutcome.ERROR, detail="start")
        messages.error(request, _("Inloggningstjänsten svarar inte just nu. Försök igen om en stund."))
        return redirect("accounts:login_role", role=role.value)
    audit(request, method=method_name(sso), role=role, outcome=SignInOutcome.STARTED, transaction_ref=state)
    response = redirect(location)
    remember_pending(request, response, sso, state, role)
    return response


@require_GET
def oidc_callback(request: HttpRequest, sso_uuid: Any) -> HttpResponse:
    """Finish the OIDC code flow: state, PKCE, ID token pinned to the organisation's issuer; bind the staff member."""
    sso = enabled_sso(sso_uuid, SSOKind.OIDC)
    pending = pending_for(request, sso)
    state = request.GET.get("state", "")
    if pending is None or not secrets.compare_digest(str(pending.get("id", "")), state):
        # Refused whatever it says; a pupil's own stale request only sends them back to the pupil page.
        return refuse(request, sso, "state", role=pending_role(pending) if pending else Role.STAFF)
    role = pending_role(pending)
    if request.GET.get("error"):
        outcome = SignInOutcome.CANCELLED if request.GET["error"] == "access_denied" else SignInOutcome.FAILED
        audit(request, method=method_name(sso), role=role, outcome=outcome, detail=request.GET["error"][:64],
              transaction_ref=state)  # fmt: skip
        messages.error(request, _("Inloggningen avbröts. Försök igen."))
        return redirect("accounts:login_role", role=role.value)
    claims_options: dict[str, Any] = {"iss": {"essential": True, "values": [sso.issuer]}}
    if sso.required_loa:
        claims_options["acr"] = {"essential": True, "values": [sso.required_loa]}
    client = oidc.client_for(sso)
    try:
        token = client.authorize_access_token(
            request, claims_options=claims_options, leeway=settings.FOLJA_SSO_CLOCK_SKEW_SECONDS
        )
    except (OAuthError, JoseError) as exc:
        detail = str(getattr(exc, "error", "") or type(exc).__name__)
        if getattr(exc, "claim", ""):
            detail = f"{detail}:{exc.claim}"
        return refuse(request, sso, detail[:64], state, role)
    claims = dict(token.get("userinfo") or {})
    if not claims:  # no verified ID token (issuer, audience, nonce): nothing else is trusted
        return refuse(request, sso, "id-token", state, role)
    mapping = sso.attribute_mapping or {}
    affiliation_claim = mapping.get("affiliation", "eduPersonAffiliation")
    value = str(claims.get(sso.match_attribute, "") or "")
    if not value or (role == Role.CHILD and affiliation_claim not in claims):
        # Many providers put only some claims in the ID token; the rest come from userinfo.
        with_userinfo = _with_userinfo(client, token, claims)
        if with_userinfo is None:
            return refuse(request, sso, "userinfo", state, role)
        claims = with_userinfo
        value = str(claims.get(sso.match_attribute, "") or "")
    if not value:
        return refuse(request, sso, "match-claim", state, role)
    identity = identity_from(
        sso,
        value,
        given=str(claims.get(mapping.get("given_name", "given_name"), "")),
        family=str(claims.get(mapping.get("family_name", "family_name"), "")),
        loa=str(claims.get("acr", "")),
        ref=str(claims.get("sid") or claims.get("jti") or state),
        affiliations=_claimed_affiliations(claims.get(affiliation_claim)),
    )
    if affiliation_refused(role, identity):
        return refuse(request, sso, "affiliation", state, role)
    return complete_sign_in(request, identity, role, organisation=sso.organisation)


def _with_userinfo(client: Any, token: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any] | None:
    """The ID token's claims completed from the userinfo endpoint (the ID token's values win).

    None when userinfo cannot be read or names another subject than the ID token (OIDC Core 5.3.2).
    """
    try:
        info = dict(client.userinfo(token=token) or {})
    except Exception:  # unreachable, or an error answer: the sign-in cannot be completed
        logger.warning("SSO userinfo could not be read", exc_info=True)
        return None
    if str(info.get("sub", "")) != str(claims.get("sub", "")):
        return None
    return info | claims


def _claimed_affiliations(value: object) -> tuple[str, ...]:
    """An affiliation claim as a list or one string, scoped values ("student@skola.se") by their first part."""
    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return tuple(sorted({str(v).split("@", 1)[0].strip().lower() for v in values if str(v).strip()}))
