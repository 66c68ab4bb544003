"""Pluggable authentication for SS 12000 servers: OAuth2 client credentials, API key, mTLS.

Secrets are passed in resolved; `resolve_secret` reads them from a reference (``env:NAME`` or
``file:/path``) so that nothing secret is stored in the database or printed.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from collections.abc import Generator
from pathlib import Path

import httpx

from folja.sis.client import SisError

logger = logging.getLogger(__name__)

# How long the token endpoint may take to connect or answer (seconds).
TOKEN_TIMEOUT = 30.0


class SisAuthError(SisError):
    """Raised when credentials are missing or the token endpoint refuses them (no secret in the message).

    A SisError: a run that meets one fails with its reason stored, like any other SIS failure.
    `code`: "secret_missing", "certificate", "auth_rejected" (wrong client id or secret),
    "token_unreachable", "token_timeout", "token_failed" (another HTTP status), "token_garbage".
    """

    def __init__(self, message: str, code: str = "auth") -> None:
        super().__init__(message)
        self.code = code


def resolve_secret(ref: str) -> str:
    """Return the secret a reference points at: ``env:NAME``, ``file:/path`` or a bare env var name."""
    if not ref:
        raise SisAuthError("no secret reference configured", "secret_missing")
    kind, _, where = ref.partition(":")
    if kind == "file" and where:
        try:
            return Path(where).read_text().strip()
        except OSError:
            raise SisAuthError("secret file cannot be read", "secret_missing") from None
    name = where if kind == "env" and where else ref
    value = os.environ.get(name)
    if not value:
        raise SisAuthError(f"environment variable {name} is not set", "secret_missing")
    return value


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer auth with a token from an OAuth2 client-credentials grant, cached until shortly before expiry."""

    requires_response_body = True

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
        http: httpx.Client | None = None,
        timeout: float = TOKEN_TIMEOUT,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.timeout = timeout
        self._http = http
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._failure: SisAuthError | None = None
        self.tokens_fetched = 0

    def _fetch_token(self) -> str:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        http = self._http or httpx.Client(timeout=self.timeout)
        try:
            response = http.post(self.token_url, data=data, auth=(self.client_id, self.client_secret))
        except httpx.TimeoutException as exc:
            raise SisAuthError(
                f"token endpoint did not answer in time: {type(exc).__name__}", "token_timeout"
            ) from None
        except httpx.HTTPError as exc:
            raise SisAuthError(f"token endpoint unreachable: {type(exc).__name__}", "token_unreachable") from None
        finally:
            if self._http is None:
                http.close()
        status = response.status_code
        if status in (400, 401, 403):  # RFC 6749 5.2: invalid_client is 401 (or 400)
            raise SisAuthError(f"token endpoint refused the client: HTTP {status}", "auth_rejected")
        if status != 200:
            raise SisAuthError(f"token endpoint answered HTTP {status}", "token_failed")
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SisAuthError("token endpoint gave no access_token", "token_garbage") from None
        if not isinstance(token, str) or not token:
            raise SisAuthError("token endpoint gave no access_token", "token_garbage")
        expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int | float) else 300
        # Renew 30 s early so that a token never expires in the middle of a page request.
        self._expires_at = time.monotonic() + max(float(expires_in) - 30, 1)
        self.tokens_fetched += 1
        return str(token)

    def token(self, *, force: bool = False) -> str:
        """Return a valid access token, fetching a new one when the cached one is missing or old."""
        with self._lock:
            if self._failure is not None:
                # One failure per client (one run): the listings fetched at once do not each wait
                # for a token endpoint that has just failed.
                raise self._failure
            if force or self._token is None or time.monotonic() >= self._expires_at:
                try:
                    self._token = self._fetch_token()
                except SisAuthError as exc:
                    self._failure = exc
                    # Context for whoever runs the SIS connection: where and why, never the secret.
                    logger.error(
                        "SIS token request to %s for client id %r failed: %s",
                        _without_query(self.token_url),
                        self.client_id,
                        exc,
                    )
                    raise
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            # The server may have revoked the token early: renew once and retry.
            request.headers["Authorization"] = f"Bearer {self.token(force=True)}"
            yield request


def _without_query(url: str) -> str:
    """The URL without query or fragment (where a careless configuration could put a secret)."""
    return url.split("?", 1)[0].split("#", 1)[0]


class ApiKeyAuth(httpx.Auth):
    """Send a static API key in a named header."""

    def __init__(self, *, header: str, key: str) -> None:
        self.header = header
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.key
        yield request


def mtls_context(*, cert_path: str, key_path: str | None = None, ca_path: str | None = None) -> ssl.SSLContext:
    """Return an SSL context that presents the client certificate and verifies the server."""
    context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
    try:
        context.load_cert_chain(certfile=cert_path, keyfile=key_path or None)
    except (OSError, ssl.SSLError):
        raise SisAuthError("client certificate or key cannot be loaded", "certificate") from None
    return context
