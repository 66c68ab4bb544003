"""A SAML 2 service provider per organisation, on pysaml2 directly (docs/sign-in.md, "Staff SSO").

Each `OrganisationSSO` of kind SAML is its own SP: entity id = its metadata URL, one ACS (HTTP-POST),
AuthnRequests signed and sent with HTTP-Redirect. All SPs share the deployment's key pair
(FOLJA_SAML_SP_CERT / FOLJA_SAML_SP_KEY) for signing requests and decrypting assertions.

pysaml2 verifies signatures, decrypts, checks InResponseTo against the outstanding request, the
time conditions and — when present — audience and destination. On top of that this module
requires what pysaml2 leaves optional: a Destination equal to our ACS, an AudienceRestriction naming
us, the issuer pinned to the configured IdP, one-time use of each assertion (cache until it
expires), and per profile: Sweden Connect needs an encrypted and signed assertion at LoA3 with
a personalIdentityNumber; Skolfederation a signed assertion with eduPersonPrincipalName.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from typing import Any

import httpx
from defusedxml import ElementTree
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, time_util
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext

from folja.accounts.models import FederationProfile, OrganisationSSO, StaffMatch

logger = logging.getLogger(__name__)
# pysaml2 logs whole decrypted assertions (civic numbers included) at DEBUG and even at ERROR ("Failed to
# verify signature on '<assertion>'"): keep all of it out, whatever FOLJA_LOG_LEVEL says. Refusals are
# logged and audited here instead, by reason code.
logging.getLogger("saml2").setLevel(logging.CRITICAL)

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA4 = "http://id.elegnamnden.se/loa/1.0/loa4"
PERSONAL_IDENTITY_NUMBER = "urn:oid:1.2.752.29.4.13"
EDU_PERSON_PRINCIPAL_NAME = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
EDU_PERSON_AFFILIATION = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"
EDU_PERSON_SCOPED_AFFILIATION = "urn:oid:1.3.6.1.4.1.5923.1.1.1.9"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
# Sweden Connect service entity category "LoA3 with civic number" (tells the IdP what we need).
EC_LOA3_PNR = "http://id.elegnamnden.se/ec/1.0/loa3-pnr"

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA_SECONDS = 3600
# pysaml2 exception types → the audit's reason codes.
PYSAML2_REASONS = {"UnsolicitedResponse": "in-response-to", "SignatureError": "signature"}

# Defaults per profile, filled in by the admin when a field is left empty.
PROFILE_DEFAULTS: dict[str, dict[str, str]] = {
    FederationProfile.SWEDEN_CONNECT: {
        "match": StaffMatch.CIVIC_NUMBER,
        "match_attribute": PERSONAL_IDENTITY_NUMBER,
        "required_loa": LOA3,
    },
    FederationProfile.SKOLFEDERATION: {
        "match": StaffMatch.SCHOOL_EMAIL,
        "match_attribute": EDU_PERSON_PRINCIPAL_NAME,
        "required_loa": "",
    },
}


class SAMLRefused(Exception):
    """A SAML response we do not accept; `reason` is a short code for the audit row, never a value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SAMLIdentity:
    """What an accepted assertion says: the matched value, names, LoA and the assertion id."""

    match_value: str
    given_name: str
    family_name: str
    loa: str
    assertion_id: str
    affiliations: tuple[str, ...] = ()


def sp_configured() -> bool:
    """Return whether the deployment has the SP key pair that every SAML organisation needs."""
    return bool(settings.FOLJA_SAML_SP_CERT and settings.FOLJA_SAML_SP_KEY)


def entity_id(request: HttpRequest, sso: OrganisationSSO) -> str:
    """Return the SP entity id of the organisation: the absolute URL of its metadata."""
    return request.build_absolute_uri(reverse("accounts:saml_metadata", args=[sso.uuid]))


def acs_url(request: HttpRequest, sso: OrganisationSSO) -> str:
    """Return the organisation's assertion consumer service URL."""
    return request.build_absolute_uri(reverse("accounts:saml_acs", args=[sso.uuid]))


def idp_metadata(sso: OrganisationSSO) -> str:
    """Return the IdP metadata XML: the stored XML, or the URL's content cached for an hour."""
    if sso.idp_metadata_xml.strip():
        return sso.idp_metadata_xml
    key = f"folja:saml-idp-metadata:{sso.uuid}:{sso.updated_at.timestamp() if sso.updated_at else 0}"
    xml = cache.get(key)
    if xml is None:
        response = httpx.get(sso.idp_metadata_url, timeout=10, follow_redirects=False)
        response.raise_for_status()
        xml = response.text
        cache.set(key, xml, timeout=METADATA_SECONDS)
    return str(xml)


def sp_config(request: HttpRequest, sso: OrganisationSSO) -> SPConfig:
    """Build the pysaml2 SP configuration of the organisation."""
    keypair = {"key_file": settings.FOLJA_SAML_SP_KEY, "cert_file": settings.FOLJA_SAML_SP_CERT}
    sweden_connect = sso.profile == FederationProfile.SWEDEN_CONNECT
    config: dict[str, Any] = {
        "entityid": entity_id(request, sso),
        "xmlsec_binary": shutil.which("xmlsec1"),
        **keypair,
        "encryption_keypairs": [keypair],
        "metadata": {"inline": [idp_metadata(sso)]},
        "accepted_time_diff": settings.FOLJA_SSO_CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "entity_category": [EC_LOA3_PNR] if sweden_connect else [],
        "service": {
            "sp": {
                "name": sso.display_label,
                "endpoints": {"assertion_consumer_service": [(acs_url(request, sso), BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "only_use_keys_in_metadata": True,
            }
        },
    }
    conf = SPConfig()
    conf.load(config)
    return conf


def metadata(request: HttpRequest, sso: OrganisationSSO) -> str:
    """Return the SP metadata XML the organisation registers at its IdP or federation."""
    return str(entity_descriptor(sp_config(request, sso)))


def authn_request(request: HttpRequest, sso: OrganisationSSO) -> tuple[str, str]:
    """Create a signed AuthnRequest for the IdP; return its id and the HTTP-Redirect URL."""
    client = Saml2Client(sp_config(request, sso))
    kwargs: dict[str, Any] = {}
    loa = required_loa(sso)
    if loa:
        kwargs["requested_authn_context"] = RequestedAuthnContext(
            authn_context_class_ref=[AuthnContextClassRef(text=loa)], comparison="exact"
        )
    request_id, info = client.prepare_for_authenticate(
        entityid=sso.idp_entity_id,
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        force_authn="true" if sso.profile == FederationProfile.SWEDEN_CONNECT else None,
        **kwargs,
    )
    location = dict(info["headers"])["Location"]
    return str(request_id), str(location)


def required_loa(sso: OrganisationSSO) -> str:
    """Return the AuthnContextClassRef the organisation's IdP must assert (LoA3 under Sweden Connect)."""
    if sso.profile == FederationProfile.SWEDEN_CONNECT:
        return sso.required_loa or LOA3
    return sso.required_loa


def _decode(saml_response: str) -> bytes:
    try:
        return base64.b64decode(saml_response, validate=True)
    except (binascii.Error, ValueError):
        raise SAMLRefused("malformed") from None


def _check_envelope(xml: bytes, sso: OrganisationSSO, acs: str) -> None:
    """Check what pysaml2 leaves optional on the outer Response: destination and assertion encryption."""
    try:
        root = ElementTree.fromstring(xml)
    except Exception:  # defusedxml refuses entities and DTDs; anything unparseable is refused
        raise SAMLRefused("malformed") from None
    if root.get("Destination") != acs:
        raise SAMLRefused("destination")
    if not root.get("InResponseTo"):
        raise SAMLRefused("unsolicited")
    plain = root.findall(f"{{{SAML_NS}}}Assertion")
    encrypted = root.findall(f"{{{SAML_NS}}}EncryptedAssertion")
    if len(plain) + len(encrypted) != 1:
        raise SAMLRefused("assertion-count")
    if sso.profile == FederationProfile.SWEDEN_CONNECT and not encrypted:
        raise SAMLRefused("not-encrypted")


def _attributes(assertion: Any) -> dict[str, list[str]]:
    """Return the assertion's attributes by Name (URI), independent of pysaml2's friendly-name maps."""
    values: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values.setdefault(attribute.name, []).extend(
                (value.text or "").strip() for value in attribute.attribute_value or []
            )
    return values


def _audience_is_us(assertion: Any, me: str) -> bool:
    conditions = assertion.conditions
    if conditions is None or not conditions.audience_restriction:
        return False
    return all(
        any((audience.text or "").strip() == me for audience in restriction.audience or [])
        for restriction in conditions.audience_restriction
    )


def _remember_assertion(issuer: str, assertion_id: str, not_on_or_after: int) -> bool:
    """Mark the assertion as used until it expires; return False when it was used before (a replay)."""
    digest = hashlib.sha256(f"{issuer}\n{assertion_id}".encode()).hexdigest()
    timeout = max(60, not_on_or_after - int(time.time()) + settings.FOLJA_SSO_CLOCK_SKEW_SECONDS)
    return bool(cache.add(f"folja:saml-assertion:{digest}", 1, timeout=timeout))


def parse_response(request: HttpRequest, sso: OrganisationSSO, saml_response: str, request_id: str) -> SAMLIdentity:
    """Validate the POSTed SAMLResponse against the outstanding request and the profile, or raise SAMLRefused."""
    acs = acs_url(request, sso)
    me = entity_id(request, sso)
    _check_envelope(_decode(saml_response), sso, acs)
    client = Saml2Client(sp_config(request, sso))
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: acs} if request_id else {}
        )
    except Exception as exc:  # pysaml2 raises many types; each one is a refusal
        reason = type(exc).__name__
        # Only the exception's type: its message may quote the response.
        logger.info("SAML response refused by pysaml2", extra={"reason": reason})
        if "AudienceRestrictions" in str(exc):
            raise SAMLRefused("audience") from None
        raise SAMLRefused(PYSAML2_REASONS.get(reason, f"saml:{reason}")[:64]) from None
    if response is None or response.assertion is None:
        raise SAMLRefused("no-assertion")
    if response.in_response_to != request_id:
        raise SAMLRefused("in-response-to")
    if response.issuer() != sso.idp_entity_id:
        raise SAMLRefused("issuer")
    assertion = response.assertion
    if not _audience_is_us(assertion, me):
        raise SAMLRefused("audience")
    if not response.response.signature and not assertion.signature:
        raise SAMLRefused("unsigned")  # pysaml2 already requires it; a second lock on the same door
    if sso.profile == FederationProfile.SWEDEN_CONNECT and not assertion.signature:
        raise SAMLRefused("unsigned")
    class_refs = [info[0] for info in response.authn_info()]
    loa = class_refs[0] if class_refs else ""
    wanted = required_loa(sso)
    if wanted and loa != wanted:
        raise SAMLRefused("loa")
    not_on_or_after = response.not_on_or_after or 0
    if not not_on_or_after and assertion.conditions is not None and assertion.conditions.not_on_or_after:
        not_on_or_after = calendar.timegm(time_util.str_to_time(assertion.conditions.not_on_or_after))
    if not _remember_assertion(sso.idp_entity_id, assertion.id, int(not_on_or_after)):
        raise SAMLRefused("replay")
    attributes = _attributes(assertion)
    mapping = sso.attribute_mapping or {}
    match_values = [v for v in attributes.get(sso.match_attribute, []) if v]
    if len(match_values) != 1:
        raise SAMLRefused("match-attribute")
    return SAMLIdentity(
        match_value=match_values[0],
        given_name=(attributes.get(mapping.get("given_name", GIVEN_NAME)) or [""])[0],
        family_name=(attributes.get(mapping.get("family_name", SURNAME)) or [""])[0],
        loa=loa,
        assertion_id=str(assertion.id),
        # "student", or "student@skola.se" scoped: the part before the scope.
        affiliations=tuple(
            sorted(
                {v.strip().lower() for v in attributes.get(EDU_PERSON_AFFILIATION, []) if v.strip()}
                | {v.split("@", 1)[0].strip().lower() for v in attributes.get(EDU_PERSON_SCOPED_AFFILIATION, []) if v}
            )
        ),
    )
