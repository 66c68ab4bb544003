"""Users: a sign-in account linked to one person. The role a session acts as lives in the session."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """An account; children, guardians and staff reach it through e-ID or SSO bound to their person."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="user"
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")


class SignInOutcome(models.TextChoices):
    STARTED = "started", _("påbörjad")
    SUCCESS = "success", _("inloggad")
    NOT_FOUND = "not_found", _("finns inte i rollen")
    CANCELLED = "cancelled", _("avbruten")
    FAILED = "failed", _("misslyckad")
    REFUSED = "refused", _("nekad")
    RATE_LIMITED = "rate_limited", _("för många försök")
    ERROR = "error", _("tekniskt fel")


class SignInAttempt(models.Model):
    """One event of a sign-in: its start and its end. Append-only; the civic number only as a keyed hash."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(_("metod"), max_length=40)
    role = models.CharField(_("roll"), max_length=16, blank=True)
    outcome = models.CharField(_("utfall"), max_length=16, choices=SignInOutcome.choices)
    # BankID orderRef, OIDC sid/jti, SAML assertion id, …: lets support follow one attempt at the e-ID provider.
    transaction_ref = models.CharField(_("transaktionsreferens"), max_length=128, blank=True)
    detail = models.CharField(_("detalj"), max_length=64, blank=True)  # hintCode, errorCode, reason
    ip_address = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)
    # HMAC-SHA256 of the civic number under a key derived from SECRET_KEY: matches attempts without revealing it.
    civic_number_hash = models.CharField(_("personnummer (hash)"), max_length=64, blank=True, db_index=True)
    person = models.ForeignKey("directory.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The level of assurance of a successful sign-in ("low": SMS or enrolment code, access/assurance.py).
    loa = models.CharField(_("tillitsnivå"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inloggningsförsök")
        verbose_name_plural = _("inloggningsförsök")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.method} {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Insert only: an audit row is never changed by the application."""
        if self.pk is not None:
            raise ValueError("sign-in attempts are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        """Refuse: audit rows are not deleted by the application."""
        raise ValueError("sign-in attempts are append-only")


class SSOKind(models.TextChoices):
    SAML = "saml", _("SAML 2")
    OIDC = "oidc", _("OpenID Connect")


class FederationProfile(models.TextChoices):
    """Which rules a SAML identity provider is held to (docs/sign-in.md, "Staff SSO")."""

    SWEDEN_CONNECT = "swedenconnect", _("Sweden Connect (personnummer, LoA3)")
    SKOLFEDERATION = "skolfederation", _("Skolfederation (eduPersonPrincipalName)")


class StaffMatch(models.TextChoices):
    """How the identity from the organisation's IdP is matched to a staff person from the SIS."""

    CIVIC_NUMBER = "civic_number", _("Personnummer")
    # The value (eduPersonPrincipalName, upn, email) equals an e-mail of type "Skola personal" from the SIS.
    SCHOOL_EMAIL = "school_email", _("E-post (Skola personal)")


class OrganisationSSO(models.Model):
    """An organisation's own identity provider for staff: a SAML 2 IdP or an OIDC issuer.

    It signs in only staff with an active duty in `organisation` (the huvudman). Secrets are never
    stored: `client_secret_env` names the environment variable that holds the OIDC client secret.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"organisation__isnull": True},
        verbose_name=_("huvudman"),
    )
    kind = models.CharField(_("typ"), max_length=8, choices=SSOKind.choices)
    label = models.CharField(_("namn på knappen"), max_length=100, blank=True, help_text=_("Tomt: huvudmannens namn."))
    enabled = models.BooleanField(_("aktiv"), default=True)
    match = models.CharField(_("matcha personal på"), max_length=16, choices=StaffMatch.choices)
    # The SAML attribute name (URI) or OIDC claim holding the value matched on.
    match_attribute = models.CharField(_("attribut eller claim att matcha"), max_length=200)
    # Extra attribute/claim names, e.g. {"given_name": "urn:oid:2.5.4.42", "family_name": "urn:oid:2.5.4.4"}.
    attribute_mapping = models.JSONField(_("övriga attribut"), default=dict, blank=True)
    # SAML
    profile = models.CharField(_("federationsprofil"), max_length=16, choices=FederationProfile.choices, blank=True)
    idp_entity_id = models.CharField(_("IdP:ns entity id"), max_length=300, blank=True)
    idp_metadata_url = models.URLField(_("IdP-metadata (URL)"), max_length=500, blank=True)
    idp_metadata_xml = models.TextField(_("IdP-metadata (XML)"), blank=True)
    # Required level of assurance: SAML AuthnContextClassRef, OIDC acr; empty = none asked for.
    required_loa = models.CharField(_("krävd tillitsnivå"), max_length=200, blank=True)
    # OIDC
    issuer = models.URLField(_("issuer"), max_length=300, blank=True)
    client_id = models.CharField(_("klient-id"), max_length=200, blank=True)
    client_secret_env = models.CharField(
        _("miljövariabel med klienthemlighet"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z][A-Z0-9_]*$", _("Namnet på en miljövariabel, t.ex. FOLJA_SSO_KOMMUN_SECRET."))
        ],
    )
    scope = models.CharField(_("scope"), max_length=200, default="openid profile email", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("inloggning för personal (SSO)")
        verbose_name_plural = _("inloggningar för personal (SSO)")

    def __str__(self) -> str:
        return f"{self.display_label} ({self.get_kind_display()})"

    @property
    def display_label(self) -> str:
        """Return the name shown on the button: the label, or the organisation's name."""
        return self.label or self.organisation.display_name

    def clean(self) -> None:
        """Refuse a configuration that could not sign anyone in safely."""
        errors: dict[str, str] = {}
        if self.kind == SSOKind.SAML:
            if not self.profile:
                errors["profile"] = _("Välj en federationsprofil.")
            if not self.idp_entity_id:
                errors["idp_entity_id"] = _("Ange IdP:ns entity id.")
            if not (self.idp_metadata_url or self.idp_metadata_xml):
                errors["idp_metadata_xml"] = _("Ange metadata som URL eller XML.")
        elif self.kind == SSOKind.OIDC:
            for field in ("issuer", "client_id", "client_secret_env"):
                if not getattr(self, field):
                    errors[field] = _("Krävs för OpenID Connect.")
        if errors:
            raise ValidationError(errors)


class SmsCode(models.Model):
    """A one-time sign-in code sent by SMS to a guardian's mobile number (docs/sign-in.md).

    The number and the code are stored only as keyed hashes; the code dies when used, after
    FOLJA_SMS_CODE_ATTEMPTS wrong answers, or when it expires.
    """

    person = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    number_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sms-kod")
        verbose_name_plural = _("sms-koder")


class EnrolmentCode(models.Model):
    """A printed one-time sign-in code for a named guardian, created by staff connected to the child.

    Stored as a keyed hash only; shown once, for printing. Single use; valid FOLJA_ENROLMENT_CODE_DAYS.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code_hash = models.CharField(max_length=64, unique=True)
    guardian = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("directory.Person", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inloggningskod")
        verbose_name_plural = _("inloggningskoder")


class PupilCode(models.Model):
    """A QR code a teacher connected to the child prints or shows, to sign one pupil in on one
    device for one session (issue 29, docs/childs-voice.md): the youngest have no e-ID and no
    school account yet.

    The token in the QR code's URL (128 random bits) is stored only as a keyed hash. Single use,
    valid FOLJA_PUPIL_CODE_MINUTES; the session it starts lasts at most FOLJA_PUPIL_SESSION_MINUTES
    and ends at the next request once the code is revoked. Creating and revoking are audited.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    child = models.ForeignKey("directory.Person", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("directory.Person", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("directory.Person", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("inloggningskod för elev")
        verbose_name_plural = _("inloggningskoder för elever")
