"""Apps registered by an administrator, what a person allowed them, and the tokens they hold.

An `AppAuthorisation` is one app on one device of one person, acting in one role: the consent
given on the authorisation page, the refresh-token family, and the row "Appar och enheter" lists
and "Ta bort" revokes. Codes and tokens are stored only as SHA-256 digests: a copy of the
database gives nobody a usable token. Nothing here says which children a token may reach: that
is asked of the access module on every request (docs/api-auth.md).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from folja.access.roles import Role
from folja.directory.models import Organisation, Person


def digest(value: str) -> str:
    """Return the SHA-256 hex digest a code, token or device id is stored and looked up by."""
    return hashlib.sha256(value.encode()).hexdigest()


class ClientType(models.TextChoices):
    # A native or browser app: it cannot keep a secret, PKCE alone binds the code to it.
    PUBLIC = "public", _("Publik (app i telefon eller webbläsare)")
    # A web app with a server: it also authenticates with its secret at the token endpoint.
    CONFIDENTIAL = "confidential", _("Konfidentiell (webbtjänst med server)")


class App(models.Model):
    """An OAuth client, registered by an administrator (admin or `manage.py oauth_app`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("namn"), max_length=100, help_text=_("Visas för den som loggar in."))
    client_id = models.CharField(max_length=64, unique=True, editable=False)
    client_type = models.CharField(_("typ"), max_length=16, choices=ClientType.choices)
    # A confidential client's secret is shown once and stored as its SHA-256 digest: 256 random
    # bits need no slow password hash, and the digest gives nothing to whoever reads the table.
    client_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    redirect_uris = models.TextField(
        _("adresser för återhopp"), help_text=_("En per rad. Måste stämma exakt, tecken för tecken.")
    )
    allowed_scopes = models.TextField(_("tillåtna behörigheter"), help_text=_("Åtskilda med mellanslag."))
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("app")
        verbose_name_plural = _("appar")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.client_type == ClientType.PUBLIC

    def redirect_uri_list(self) -> list[str]:
        return [line.strip() for line in self.redirect_uris.splitlines() if line.strip()]

    def scope_list(self) -> list[str]:
        return self.allowed_scopes.split()

    def check_secret(self, secret: str) -> bool:
        return bool(self.client_secret_hash) and hmac.compare_digest(digest(secret or ""), self.client_secret_hash)

    # Authlib's ClientMixin: what the authorization server asks of a client.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # None: every authorisation request names its redirect_uri, matched exactly.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope_list())
        return " ".join(name for name in (scope or "").split() if name in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact match, character for character (OAuth 2.1): no prefixes, no wildcards.
        return redirect_uri in self.redirect_uri_list()

    def check_client_secret(self, client_secret: str) -> bool:
        return self.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"  # no implicit flow

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")  # no password, no client credentials


class AppAuthorisation(models.Model):
    """One app on one device of one person in one role: the consent and the refresh-token family."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="authorisations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="app_authorisations")
    role = models.CharField(max_length=16, choices=Role.choices)
    # A staff authorisation belongs to the organisation the sign-in vouched for, as a session does.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # How the person signed in when they allowed it (access/assurance.py reads the level).
    method = models.CharField(max_length=32)
    loa = models.CharField(max_length=64, blank=True)
    scopes = models.TextField()
    device_name = models.CharField(max_length=100, blank=True)
    device_id_hash = models.CharField(max_length=64)
    consented_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # "person" (Ta bort), "reuse" (a refresh token or code used twice), "device" (another device's refresh)
    revoked_reason = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-consented_at"]
        verbose_name = _("app-behörighet")
        verbose_name_plural = _("app-behörigheter")
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def scope_list(self) -> list[str]:
        return self.scopes.split()


class AuthorizationCode(models.Model):
    """A code handed to the app's redirect address, exchanged once for tokens within a minute."""

    code_hash = models.CharField(max_length=64, unique=True)
    authorisation = models.ForeignKey(AppAuthorisation, on_delete=models.CASCADE, related_name="codes")
    redirect_uri = models.TextField()
    scope = models.TextField()
    code_challenge = models.CharField(max_length=128)
    code_challenge_method = models.CharField(max_length=8)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    # Authlib's AuthorizationCodeMixin, by hand (the mixin's names are what the grant calls).
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> None:
        return None


class Token(models.Model):
    """An access token and its refresh token; a refresh rotates it into a new row of the family."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authorisation = models.ForeignKey(AppAuthorisation, on_delete=models.CASCADE, related_name="tokens")
    access_token_hash = models.CharField(max_length=64, unique=True)
    refresh_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    scope = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when its refresh token was exchanged: the access token stops too, and a second exchange
    # of the same refresh token revokes the whole family (reuse detection).
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Authlib's TokenMixin, by hand.
    def check_client(self, client: App) -> bool:
        return self.authorisation.app_id == client.pk

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.access_expires_at - self.issued_at).total_seconds()))

    def is_expired(self) -> bool:
        return self.access_expires_at <= timezone.now()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.rotated_at is not None
