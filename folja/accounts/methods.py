"""Which sign-in methods step 2 offers for each role, from what this deployment has configured."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from folja.accounts.roles import Role


@dataclass(frozen=True)
class Method:
    """One way to sign in. `kind` picks the form in the template: bankid (POST start), oidc (POST), link."""

    key: str
    kind: str
    label: str | Promise
    help: str | Promise = ""
    mode: str = ""


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
    if settings.FOLJA_TEST_EID_ENABLED:
        methods.append(
            Method("test_eid", "link", _("Test-legitimation"), _("Endast för test: ange en demopersons personnummer."))
        )
    return methods
