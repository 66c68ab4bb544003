"""The authorization server: Authlib's OAuth 2.1 pieces, configured strictly (docs/api-auth.md).

Authorization code only, PKCE with S256 for every client, exact redirect URIs, short-lived access
tokens, refresh tokens rotated on every use and bound to the device named at authorisation. A
code or refresh token used twice revokes the whole authorisation (its family of tokens).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import urlsplit

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.integrations.django_oauth2.requests import DjangoOAuth2Payload, DjangoOAuth2Request
from authlib.oauth2.rfc6749 import OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from django.conf import settings
from django.utils import timezone

from folja.oauth import actions
from folja.oauth.models import App, AppAuthorisation, AuthorizationCode, Token, digest

logger = logging.getLogger(__name__)

CODE_SECONDS = 60
# An app's own id for this installation: 16 to 128 unreserved characters (RFC 3986), never personal.
DEVICE_ID = re.compile(r"^[A-Za-z0-9._~-]{16,128}$")
# Public clients send no secret; confidential clients use the secret (basic or in the form).
CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]


class S256Required(CodeChallenge):
    """PKCE for every client, with S256 only ("plain" would give nothing against a stolen code)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def save_authorization_code(self, code: str, request) -> AuthorizationCode:  # noqa: ANN001
        authorisation: AppAuthorisation = request.user
        data = request.payload.data
        return AuthorizationCode.objects.create(
            code_hash=digest(code),
            authorisation=authorisation,
            redirect_uri=request.payload.redirect_uri,
            scope=authorisation.scopes,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            expires_at=timezone.now() + dt.timedelta(seconds=CODE_SECONDS),
        )

    def query_authorization_code(self, code: str, client: App) -> AuthorizationCode | None:
        found = (
            AuthorizationCode.objects.select_related("authorisation")
            .filter(code_hash=digest(code), authorisation__app=client)
            .first()
        )
        if found is None or found.authorisation.revoked_at is not None:
            return None
        # Claimed here, once: a second exchange finds it used and revokes what the first one got.
        claimed = AuthorizationCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=timezone.now())
        if not claimed:
            logger.warning(
                "oauth: authorization code used twice", extra={"authorisation": str(found.authorisation.uuid)}
            )
            actions.authorisation_revoke(found.authorisation, reason="reuse")
            return None
        if found.expires_at <= timezone.now():
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        pass  # kept, marked used, so that a second use is recognised

    def authenticate_user(self, authorization_code: AuthorizationCode) -> AppAuthorisation | None:
        authorisation = authorization_code.authorisation
        return authorisation if actions.still_holds(authorisation) else None


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotated on every use

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = (
            Token.objects.select_related("authorisation__app", "authorisation__person")
            .filter(refresh_token_hash=digest(refresh_token))
            .first()
        )
        if token is None:
            return None
        authorisation = token.authorisation
        if authorisation.revoked_at is not None or token.revoked_at is not None:
            return None
        if token.rotated_at is not None:
            logger.warning("oauth: refresh token used twice", extra={"authorisation": str(authorisation.uuid)})
            actions.authorisation_revoke(authorisation, reason="reuse")
            return None
        if token.refresh_expires_at is None or token.refresh_expires_at <= timezone.now():
            return None
        device_id = self.request.form.get("device_id") or ""
        if digest(device_id) != authorisation.device_id_hash:
            # Bound to the device it was given to: from anywhere else it was stolen.
            logger.warning("oauth: refresh token from another device", extra={"authorisation": str(authorisation.uuid)})
            actions.authorisation_revoke(authorisation, reason="device")
            return None
        return token

    def authenticate_user(self, refresh_token: Token) -> AppAuthorisation | None:
        authorisation = refresh_token.authorisation
        return authorisation if actions.still_holds(authorisation) else None

    def revoke_old_credential(self, refresh_token: Token) -> None:
        claimed = Token.objects.filter(pk=refresh_token.pk, rotated_at__isnull=True).update(rotated_at=timezone.now())
        if not claimed:  # two refreshes with one token at once: the family goes
            logger.warning(
                "oauth: refresh token used twice", extra={"authorisation": str(refresh_token.authorisation.uuid)}
            )
            actions.authorisation_revoke(refresh_token.authorisation, reason="reuse")


class Revocation(RevocationEndpoint):
    """RFC 7009: an app signing out revokes its authorisation on this device."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        tokens = Token.objects.select_related("authorisation")
        found = None
        if token_type_hint != "refresh_token":  # noqa: S105 - a hint's name, not a secret
            found = tokens.filter(access_token_hash=digest(token_string)).first()
        if found is None and token_type_hint != "access_token":  # noqa: S105
            found = tokens.filter(refresh_token_hash=digest(token_string)).first()
        return found

    def revoke_token(self, token: Token, request) -> None:  # noqa: ANN001
        actions.authorisation_revoke(token.authorisation, reason="app")


class SiteRequest(DjangoOAuth2Request):
    """The request as the site's public address names it (FOLJA_BASE_URL), so that Authlib's HTTPS
    check asks about the address people and apps use, not the hop behind the TLS proxy: an http
    address other than a loopback one (development) is refused (insecure_transport)."""

    def __init__(self, request) -> None:  # noqa: ANN001
        site = urlsplit(settings.FOLJA_BASE_URL)
        OAuth2Request.__init__(
            self,
            method=request.method,
            uri=f"{site.scheme}://{site.netloc}{request.get_full_path()}",
            headers=request.headers,
        )
        self.payload = DjangoOAuth2Payload(request)
        self._request = request


class Server(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(App, Token)

    def load_config(self, config: dict) -> None:
        access = settings.FOLJA_OAUTH_ACCESS_TOKEN_SECONDS
        super().load_config(
            {
                "refresh_token_generator": True,
                "token_expires_in": {"authorization_code": access, "refresh_token": access},
            }
        )

    def create_oauth2_request(self, request) -> SiteRequest:  # noqa: ANN001
        return request if isinstance(request, OAuth2Request) else SiteRequest(request)

    def query_client(self, client_id: str) -> App | None:
        return App.objects.filter(client_id=client_id, active=True).first()

    def save_token(self, token: dict, request) -> Token:  # noqa: ANN001
        authorisation: AppAuthorisation = request.user
        now = timezone.now()
        return Token.objects.create(
            authorisation=authorisation,
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope") or authorisation.scopes,
            issued_at=now,
            access_expires_at=now + dt.timedelta(seconds=int(token["expires_in"])),
            refresh_expires_at=now + dt.timedelta(seconds=settings.FOLJA_OAUTH_REFRESH_TOKEN_SECONDS),
        )

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        pass  # nobody listens


def build_server() -> Server:
    server = Server()
    server.register_grant(CodeGrant, [S256Required(required=True)])
    server.register_grant(RefreshGrant)
    server.register_endpoint(Revocation)
    return server


server = build_server()
