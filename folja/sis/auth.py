"""Pluggable authentication for SS 12000 servers: OAuth2 client credentials, API key, mTLS.

Secrets are passed in resolved; `resolve_secret` reads them from a reference (``env:NAME`` or
``file:/path``) so that nothing secret is stored in the database or printed.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Generator
from pathlib import Path

import httpx


class SisAuthError(Exception):
    """Raised when credentials are missing or the token endpoint refuses them (no secret in the message)."""


def resolve_secret(ref: str) -> str:
    """Return the secret a reference points at: ``env:NAME``, ``file:/path`` or a bare env var name."""
    if not ref:
        raise SisAuthError("no secret reference configured")
    kind, _, where = ref.partition(":")
    if kind == "file" and where:
        try:
            return Path(where).read_text().strip()
        except OSError:
            raise SisAuthError("secret file cannot be read") from None
    name = where if kind == "env" and where else ref
    value = os.environ.get(name)
    if not value:
        raise SisAuthError(f"environment variable {name} is not set")
    return value


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer auth with a token from an OAuth2 client-credentials grant, cached until shortly before expiry."""

    requires_response_body = True

    def __init__(
        self, *, token_url: str, client_id: str, client_secret: str, scope: str = "", http: httpx.Client | None = None
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self._http = http
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def _fetch_token(self) -> str:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        http = self._http or httpx.Client(timeout=30)
        try:
            response = http.post(self.token_url, data=data, auth=(self.client_id, self.client_secret))
        except httpx.HTTPError as exc:
            raise SisAuthError(f"token endpoint unreachable: {type(exc).__name__}") from None
        finally:
            if self._http is None:
                http.close()
        if response.status_code != 200:
            raise SisAuthError(f"token endpoint answered HTTP {response.status_code}")
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SisAuthError("token endpoint gave no access_token") from None
        expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int | float) else 300
        # Renew 30 s early so that a token never expires in the middle of a page request.
        self._expires_at = time.monotonic() + max(float(expires_in) - 30, 1)
        self.tokens_fetched += 1
        return str(token)

    def token(self, *, force: bool = False) -> str:
        """Return a valid access token, fetching a new one when the cached one is missing or old."""
        with self._lock:
            if force or self._token is None or time.monotonic() >= self._expires_at:
                self._token = self._fetch_token()
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            # The server may have revoked the token early: renew once and retry.
            request.headers["Authorization"] = f"Bearer {self.token(force=True)}"
            yield request


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
        raise SisAuthError("client certificate or key cannot be loaded") from None
    return context
