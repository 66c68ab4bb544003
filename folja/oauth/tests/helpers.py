"""What the OAuth tests share: a registered app, PKCE pairs and the steps of the flow."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client
from django.urls import reverse

from folja.access.roles import Role
from folja.directory.models import Organisation, Person
from folja.oauth.scopes import SCOPES
from folja.testing.sessions import sign_in

REDIRECT_URI = "se.exempel.familjeappen:/inloggad"
WEB_REDIRECT_URI = "https://app.exempel.se/inloggad"
DEVICE_ID = "telefon-" + "0123456789abcdef"
ALL_SCOPES = " ".join(SCOPES)


class HttpsClient(Client):
    """A test client on https: OAuth 2 refuses plain http (Authlib answers insecure_transport)."""

    def generic(self, *args: object, secure: bool = True, **kwargs: object):  # noqa: ANN201
        return super().generic(*args, secure=True, **kwargs)


def pkce() -> tuple[str, str]:
    """Return a code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id: str, challenge: str, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": ALL_SCOPES,
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "device_id": DEVICE_ID,
        "device_name": "Annas telefon",
    }
    params.update(overrides)
    return reverse("oauth:authorize") + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def allow(person: Person, role: Role, client_id: str, organisation: Organisation | None = None, **overrides: str):
    """Sign in as the person (as a completed e-ID sign-in leaves the session), allow the app, and
    return (code, verifier, browser client)."""
    verifier, challenge = pkce()
    browser = sign_in(HttpsClient(), person, role, organisation)
    url = authorize_url(client_id, challenge, **overrides)
    response = browser.post(url, {"answer": "allow"})
    assert response.status_code == 302, response.status_code
    params = query_of(response["Location"])
    assert "code" in params, response["Location"]
    return params["code"], verifier, browser


def exchange(client_id: str, code: str, verifier: str | None, **extra: str):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": client_id}
    if verifier is not None:
        data["code_verifier"] = verifier
    data.update(extra)
    return HttpsClient().post(reverse("oauth:token"), data)


def refresh(client_id: str, refresh_token: str, device_id: str = DEVICE_ID):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    if device_id:
        data["device_id"] = device_id
    return HttpsClient().post(reverse("oauth:token"), data)


def call(access_token: str, path: str = "/test-api/children/"):
    return HttpsClient().get(path, HTTP_AUTHORIZATION=f"Bearer {access_token}")
