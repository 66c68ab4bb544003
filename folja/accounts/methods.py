"""Which sign-in methods step 2 offers for each role, from what this deployment has configured."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from folja.access.roles import Role


@dataclass(frozen=True)
class Method:
    """One way to sign in. `kind` picks the form in the template: bankid (POST start), oidc (POST), link."""

    key: str
    kind: str
    label: str | Promise
    help: str | Promise = ""
    mode: str = ""
    url: str = ""  # where the form posts (kind "sso": the organisation's SSO start)


def bankid_configured() -> bool:
    """Return whether a BankID RP service (real, test or simulator) is configured."""
    return bool(settings.FOLJA_BANKID_URL and settings.FOLJA_BANKID_CERT and settings.FOLJA_BANKID_KEY)


def oidc_methods() -> dict[str, str]:
    """Return the e-IDs offered through the OIDC broker, as method key → acr value."""
    if not (settings.FOLJA_OIDC_ISSUER and settings.FOLJA_OIDC_CLIENT_ID):
        return {}
    pairs: dict[str, str] = {}
    for item in settings.FOLJA_OIDC_METHODS:
        key, _sep, acr = item.partition("=")
        if key.strip() and acr.strip():
            pairs[key.strip()] = acr.strip()
    return pairs


OIDC_LABELS = {"freja": _("Freja eID")}


def methods_for(role: Role) -> list[Method]:
    """Return the methods offered for the role, in the order they are shown."""
    methods: list[Method] = []
    bankid = bankid_configured() and (role != Role.STAFF or settings.FOLJA_BANKID_FOR_STAFF)
    if bankid:
        methods.append(
            Method("bankid_autostart", "bankid", _("BankID på den här enheten"), _("Öppnar BankID-appen."), "autostart")
        )
        methods.append(
            Method("bankid_qr", "bankid", _("BankID på annan enhet"), _("Skanna en QR-kod med BankID-appen."), "qr")
        )
    if role == Role.GUARDIAN:
        for key in oidc_methods():
            methods.append(Method(key, "oidc", OIDC_LABELS.get(key, key)))
    if role == Role.GUARDIAN:
        methods.extend(lower_assurance_methods())
    if role == Role.STAFF:
        methods.extend(staff_sso_methods())
    if role == Role.CHILD:
        # Issue 29: pupils through their school's IdP (a student affiliation is required).
        methods.extend(staff_sso_methods(for_pupils=True))
    if settings.FOLJA_TEST_EID_ENABLED:
        methods.append(
            Method("test_eid", "link", _("Test-legitimation"), _("Endast för test: ange en demopersons personnummer."))
        )
    return methods


def staff_sso_methods(*, for_pupils: bool = False) -> list[Method]:
    """Return one "Logga in via <organisation>" per enabled SSO (SAML only when the SP key pair is set);
    for the pupil role the start carries `?role=child`."""
    from django.urls import reverse

    from folja.accounts.models import OrganisationSSO, SSOKind
    from folja.accounts.saml.sp import sp_configured

    found = OrganisationSSO.objects.filter(enabled=True).select_related("organisation")
    if not sp_configured():
        found = found.exclude(kind=SSOKind.SAML)
    entries = sorted(found, key=lambda sso: sso.display_label.lower())
    return [
        Method(
            f"sso:{sso.uuid}",
            "sso",
            _("Logga in via %(organisation)s") % {"organisation": sso.display_label},
            url=reverse("accounts:sso_start", args=[sso.uuid]) + ("?role=child" if for_pupils else ""),
        )
        for sso in entries
    ]


def lower_assurance_methods() -> list[Method]:
    """For guardians without Swedish e-ID, where some organisation enabled them (docs/sign-in.md)."""
    from django.urls import reverse

    from folja.accounts.lower.views import enrolment_offered, sms_offered

    methods = []
    if sms_offered():
        methods.append(
            Method(
                "sms",
                "link",
                _("Kod med sms (utan svensk e-legitimation)"),
                _("Vi skickar en kod till det mobilnummer som förskolan eller skolan har till dig."),
                url=reverse("accounts:sms_start"),
            )
        )
    if enrolment_offered():
        methods.append(
            Method(
                "enrolment_code",
                "link",
                _("Inloggningskod på papper"),
                _("Koden du fick av förskolan eller skolan."),
                url=reverse("accounts:enrolment_sign_in"),
            )
        )
    return methods
