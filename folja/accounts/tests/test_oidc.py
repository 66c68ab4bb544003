"""OIDC broker sign-in against a real OpenID Provider (npm oidc-provider) started on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.oidc import views as oidc_views
from folja.accounts.session import METHOD_KEY, ROLE_KEY

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
CALLBACK = "http://testserver/login/oidc/callback/"


@pytest.fixture(scope="module")
def op():
    """Start the OpenID Provider script with node; skip when node_modules is absent (run `npm ci`)."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: run `npm ci` in the repository root")
    config = {"redirectUri": CALLBACK, "postLogoutRedirectUri": "http://testserver/", "acrValues": [LOA3, LOA2]}
    process = subprocess.Popen(
        ["node", str(ROOT / "tools" / "oidc_op.mjs"), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        issuer = json.loads(process.stdout.readline())["issuer"]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def broker(op, settings, monkeypatch):
    """Configure the broker; the test OP speaks plain HTTP on 127.0.0.1, which Authlib refuses by default."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    settings.FOLJA_OIDC_ISSUER = op
    settings.FOLJA_OIDC_CLIENT_ID = "folja"
    settings.FOLJA_OIDC_CLIENT_SECRET = "folja-test-secret"
    settings.FOLJA_OIDC_METHODS = [f"freja={LOA3}"]
    oidc_views._broker.cache_clear()
    yield op
    oidc_views._broker.cache_clear()


def authenticate_at_op(authorize_url: str, **form: str) -> str:
    """Play the user at the OP: follow to the interaction, submit it, return our callback URL."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorize_url)
        url = urljoin(authorize_url, response.headers["location"])
        response = browser.post(url, data=form)
        for _ in range(10):
            url = urljoin(url, response.headers["location"])
            if url.startswith("http://testserver/"):
                return url
            response = browser.get(url)
    raise AssertionError("the OP never redirected back")


def start(client) -> str:
    response = client.post(reverse("accounts:oidc_start", args=["guardian", "freja"]))
    assert response.status_code == 302
    return response["Location"]


def finish(client, callback_url: str, **extra):
    parsed = urlparse(callback_url)
    return client.get(parsed.path, {k: v[0] for k, v in parse_qs(parsed.query).items()} | extra)


def test_authorization_request_asks_for_the_chosen_eid_with_pkce_and_a_fresh_login(client, broker):
    query = parse_qs(urlparse(start(client)).query)
    assert query["acr_values"] == [LOA3] and query["prompt"] == ["login"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]


def test_guardian_signs_in_through_the_broker(client, world, broker):
    callback = authenticate_at_op(start(client), civic=world.guardian.civic_number, given_name="Anna")
    response = finish(client, callback)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "guardian" and client.session[METHOD_KEY] == "oidc:freja"
    assert SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS).person == world.guardian


def test_wrong_acr_is_refused(client, world, broker):
    callback = authenticate_at_op(start(client), civic=world.guardian.civic_number, acr=LOA2)
    finish(client, callback)
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "invalid_claim:acr"


def test_tampered_state_is_refused(client, world, broker):
    callback = authenticate_at_op(start(client), civic=world.guardian.civic_number)
    response = finish(client, callback, state="forged")
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "state"


def test_tampered_nonce_is_refused(client, world, broker):
    callback = authenticate_at_op(start(client), civic=world.guardian.civic_number)
    session = client.session
    for key in list(session.keys()):
        if key.startswith("_state_broker_"):
            data = session[key]
            data["data"]["nonce"] = "another-nonce"
            session[key] = data
    session.save()
    finish(client, callback)
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "invalid_claim:nonce"


def test_callback_in_another_browser_is_refused(client, world, broker):
    from django.test import Client

    callback = authenticate_at_op(start(client), civic=world.guardian.civic_number)
    other = Client()
    finish(other, callback)
    assert "_auth_user_id" not in other.session


def test_unknown_person_through_the_broker_gets_the_contact_page(client, world, broker):
    callback = authenticate_at_op(start(client), civic=world.stranger_civic)
    assert finish(client, callback)["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_user_who_cancels_at_the_broker_is_not_signed_in(client, world, broker):
    callback = authenticate_at_op(start(client), deny="1")
    finish(client, callback)
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.CANCELLED).detail == "access_denied"


def test_logout_also_ends_the_broker_session(client, world, broker):
    finish(client, authenticate_at_op(start(client), civic=world.guardian.civic_number))
    response = client.post(reverse("accounts:logout"))
    target = urlparse(response["Location"])
    assert f"{target.scheme}://{target.netloc}" == broker
    assert "id_token_hint" in parse_qs(target.query)
    assert "_auth_user_id" not in client.session


def test_broker_methods_are_only_offered_to_guardians(client, broker):
    assert "Freja eID" in client.get(reverse("accounts:login_role", args=["guardian"])).content.decode()
    assert "Freja eID" not in client.get(reverse("accounts:login_role", args=["staff"])).content.decode()
    assert client.post(reverse("accounts:oidc_start", args=["staff", "freja"])).status_code == 404


def test_op_fixture_does_not_leak_authlib_insecure_transport():
    assert os.environ.get("AUTHLIB_INSECURE_TRANSPORT") is None
