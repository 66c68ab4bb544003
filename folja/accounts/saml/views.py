"""SAML SP endpoints per organisation: metadata and the assertion consumer service (HTTP-POST)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from folja.accounts.models import SSOKind
from folja.accounts.saml import sp
from folja.accounts.signin import complete_sign_in
from folja.accounts.sso.views import (
    affiliation_refused,
    enabled_sso,
    forget_pending,
    identity_from,
    pending_for,
    pending_role,
    refuse,
)


@require_GET
def metadata(request: HttpRequest, sso_uuid: Any) -> HttpResponse:
    """Serve the organisation's SP metadata (entity id, ACS, signing and encryption certificate)."""
    sso = enabled_sso(sso_uuid, SSOKind.SAML)
    return HttpResponse(sp.metadata(request, sso), content_type="application/samlmetadata+xml")


# The IdP posts cross-site: no CSRF token, but InResponseTo must match the request this session sent.
@csrf_exempt
@require_POST
def acs(request: HttpRequest, sso_uuid: Any) -> HttpResponse:
    """Accept the IdP's response to this browser's pending AuthnRequest and bind the staff member."""
    sso = enabled_sso(sso_uuid, SSOKind.SAML)
    pending = pending_for(request, sso)
    if pending is None:
        return forget_pending(refuse(request, sso, "unsolicited"))
    request_id = str(pending.get("id", ""))
    try:
        found = sp.parse_response(request, sso, request.POST.get("SAMLResponse", ""), request_id)
    except sp.SAMLRefused as refused:
        return forget_pending(refuse(request, sso, refused.reason, request_id))
    role = pending_role(pending)
    identity = identity_from(
        sso,
        found.match_value,
        given=found.given_name,
        family=found.family_name,
        loa=found.loa,
        ref=found.assertion_id,
        affiliations=found.affiliations,
    )
    if affiliation_refused(role, identity):
        return forget_pending(refuse(request, sso, "affiliation", request_id, role))
    return forget_pending(complete_sign_in(request, identity, role, organisation=sso.organisation))
