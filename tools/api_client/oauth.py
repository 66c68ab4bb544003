"""An app's side of OAuth 2.1 (authorization code with PKCE), from the OpenAPI document alone.

The document's `oauth2` security scheme names the authorization and token endpoints and the
scopes; each operation's `security` names the scope it needs. The app builds the authorization
request (PKCE S256, a state, its device id), hands the address to the browser, and exchanges the
code that comes back to its redirect URI for tokens (RFC 6749, RFC 7636). Only httpx and the
standard library: it knows nothing of Följa's code or pages.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx


class FlowRefused(AssertionError):
    """The authorization server said no, or answered otherwise than the flow says."""


def flow_of(document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the name and the authorizationCode flow of the document's oauth2 security scheme."""
    for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "oauth2" and "authorizationCode" in scheme.get("flows", {}):
            return name, scheme["flows"]["authorizationCode"]
    raise FlowRefused("the document declares no OAuth 2 authorization code flow")


def scopes_for(document: dict[str, Any], operations: list[tuple[str, str]]) -> list[str]:
    """Return the scopes the operations (method, path template) need, as their `security` says."""
    name, flow = flow_of(document)
    needed: list[str] = []
    for method, path in operations:
        operation = document["paths"][path][method.lower()]
        for requirement in operation.get("security", []):
            for scope in requirement.get(name, []):
                assert scope in flow["scopes"], f"{method} {path}: scope {scope} is not declared"
                if scope not in needed:
                    needed.append(scope)
    return needed


class OAuthApp:
    """A registered public app (client id, redirect URI) on one device."""

    def __init__(self, base_url: str, document: dict[str, Any], *, client_id: str, redirect_uri: str) -> None:
        self.base_url = base_url
        self.scheme_name, self.flow = flow_of(document)
        self.client_id, self.redirect_uri = client_id, redirect_uri
        self.device_id = "device-" + secrets.token_urlsafe(16)  # random, kept by the app; nothing personal
        self._pending: dict[str, str] = {}  # state → code verifier

    def authorization_url(self, scopes: list[str], *, device_name: str = "") -> str:
        """Return the address to open in the browser: the authorization request with PKCE (S256)."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(16)
        self._pending[state] = verifier
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "device_id": self.device_id,
            "device_name": device_name,
        }
        return urljoin(self.base_url, self.flow["authorizationUrl"]) + "?" + urlencode(params)

    def exchange(self, redirected_to: str) -> dict[str, Any]:
        """Take the address the browser was sent back to, check it, and exchange its code for tokens."""
        if not redirected_to.startswith(self.redirect_uri):
            raise FlowRefused(f"sent back to another address: {redirected_to[:80]}")
        params = {key: values[0] for key, values in parse_qs(urlsplit(redirected_to).query).items()}
        if "error" in params:
            raise FlowRefused(f"authorization refused: {params['error']}")
        verifier = self._pending.pop(params.get("state", ""), None)
        if verifier is None:
            raise FlowRefused("unknown state: not an answer to our request")
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "code_verifier": verifier,
            }
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """Exchange the refresh token (from this device) for new tokens."""
        url = self.flow.get("refreshUrl") or self.flow["tokenUrl"]
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
            "device_id": self.device_id,
        }
        return self._token(data, url)

    def _token(self, data: dict[str, str], url: str | None = None) -> dict[str, Any]:
        response = httpx.post(urljoin(self.base_url, url or self.flow["tokenUrl"]), data=data)
        if response.status_code != 200:
            raise FlowRefused(f"token endpoint: {response.status_code} {response.text[:200]}")
        tokens = response.json()
        if tokens.get("token_type", "").lower() != "bearer" or not tokens.get("access_token"):
            raise FlowRefused("the token answer has no bearer access token")
        if "no-store" not in response.headers.get("cache-control", ""):
            raise FlowRefused("a token answer must not be stored (Cache-Control: no-store)")
        return tokens
