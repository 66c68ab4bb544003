"""Users: a sign-in account linked to one person. The role a session acts as lives in the session."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
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
