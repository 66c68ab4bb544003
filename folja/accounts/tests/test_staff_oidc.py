"""Staff SSO over OIDC per organisation (Entra ID style), against real OpenID Providers (npm oidc-provider)."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from folja.accounts.models import OrganisationSSO, SignInAttempt, SignInOutcome, SSOKind, StaffMatch
from folja.accounts.session import METHOD_KEY, ROLE_KEY
from folja.accounts.sso import oidc
from folja.directory.models import Email, EmailType, Organisation, OrganisationType

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
SSO_UUID = uuid.UUID("5f0c6f4e-3b5a-4c43-9a55-0d6a3f1b2c01")
CALLBACK = f"http://testserver/login/sso/{SSO_UUID}/oidc/callback/"
SECRET_ENV = "FOLJA_TEST_STAFF_SSO_SECRET"
SECRET = "staff-sso-test-secret"
STAFF_UPN = "stina.lind@exempelby.se"


def start_op() -> tuple[subprocess.Popen, str]:
    """Start tools/oidc_op.mjs as the organisation's provider: the signed-in user's `upn` is in the ID token."""
    return launch_op({"redirectUri": CALLBACK, "clientId": "folja-staff", "clientSecret": SECRET, "civicClaim": "upn"})


def launch_op(config: dict) -> tuple[subprocess.Popen, str]:
    """Start tools/oidc_op.mjs with this configuration on 127.0.0.1; return the process and its issuer."""
    process = subprocess.Popen(
        ["node", str(ROOT / "tools" / "oidc_op.mjs"), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return process, json.loads(process.stdout.readline())["issuer"]


@pytest.fixture(scope="module")
def providers():
    """Start two providers: the organisation's own, and another issuer (another tenant) with the same client."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: run `npm ci` in the repository root")
    started = [start_op(), start_op()]
    try:
        yield {"own": started[0][1], "other": started[1][1]}
    finally:
        for process, _issuer in started:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def staff_sso(providers, world, monkeypatch) -> OrganisationSSO:
    """The staff member's organisation signs in with its own OIDC provider; `upn` matches the SIS school e-mail."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test providers speak plain HTTP on 127.0.0.1
    monkeypatch.setenv(SECRET_ENV, SECRET)
    Email.objects.create(person=world.staff, value=STAFF_UPN, type=EmailType.SCHOOL_STAFF)
    oidc.clear_clients()
    yield OrganisationSSO.objects.create(
        uuid=SSO_UUID,
        organisation=world.unit.organisation,
        kind=SSOKind.OIDC,
        label="Exempelby kommun (Entra ID)",
        match=StaffMatch.SCHOOL_EMAIL,
        match_attribute="upn",
        issuer=providers["own"],
        client_id="folja-staff",
        client_secret_env=SECRET_ENV,
        scope="openid profile",
    )
    oidc.clear_clients()


def start(client) -> str:
    response = client.post(reverse("accounts:sso_start", args=[SSO_UUID]))
    assert response.status_code == 302
    return response["Location"]


def authenticate_at_op(authorize_url: str, **form: str) -> str:
    """Play the user at the provider: submit its interaction and return our callback URL."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorize_url)
        url = urljoin(authorize_url, response.headers["location"])
        response = browser.post(url, data=form)
        for _ in range(10):
            url = urljoin(url, response.headers["location"])
            if url.startswith("http://testserver/"):
                return url
            response = browser.get(url)
    raise AssertionError("the provider never redirected back")


def finish(client, callback_url: str, **extra):
    parsed = urlparse(callback_url)
    return client.get(parsed.path, {k: v[0] for k, v in parse_qs(parsed.query).items()} | extra)


def test_authorization_request_uses_pkce_state_nonce_and_a_fresh_login(client, staff_sso, providers):
    location = start(client)
    assert location.startswith(providers["own"])
    query = parse_qs(urlparse(location).query)
    assert query["client_id"] == ["folja-staff"] and query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["prompt"] == ["login"]


def test_staff_member_signs_in_through_the_organisations_provider(client, world, staff_sso):
    response = finish(client, authenticate_at_op(start(client), civic=STAFF_UPN))
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "staff"
    assert client.session[METHOD_KEY] == f"oidc:{SSO_UUID.hex[:12]}"
    assert SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS).person == world.staff


def test_staff_sso_is_offered_on_the_staff_page(client, staff_sso):
    page = client.get(reverse("accounts:login_role", args=["staff"])).content.decode()
    assert "Logga in via Exempelby kommun (Entra ID)" in page


def test_token_from_another_issuer_is_refused(client, world, staff_sso, providers):
    # A multi-tenant ("common") metadata URL hands out other tenants' tokens; the pinned issuer refuses them.
    OrganisationSSO.objects.filter(pk=staff_sso.pk).update(
        idp_metadata_url=providers["other"] + "/.well-known/openid-configuration"
    )
    location = start(client)
    assert location.startswith(providers["other"])
    finish(client, authenticate_at_op(location, civic=STAFF_UPN))
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "invalid_claim:iss"


def test_tampered_state_is_refused(client, world, staff_sso):
    callback = authenticate_at_op(start(client), civic=STAFF_UPN)
    finish(client, callback, state="forged")
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "state"


def test_callback_in_another_browser_is_refused(client, world, staff_sso):
    from django.test import Client

    callback = authenticate_at_op(start(client), civic=STAFF_UPN)
    other = Client()
    finish(other, callback)
    assert "_auth_user_id" not in other.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "state"


def test_unknown_upn_gets_the_not_found_page(client, world, staff_sso):
    response = finish(client, authenticate_at_op(start(client), civic="nobody@exempelby.se"))
    assert response["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_staff_of_another_organisation_are_not_signed_in(client, world, staff_sso):
    other = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Grannby kommun")
    OrganisationSSO.objects.filter(pk=staff_sso.pk).update(organisation=other)
    response = finish(client, authenticate_at_op(start(client), civic=STAFF_UPN))
    assert response["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session
    assert "inte som personal" in client.get(response["Location"]).content.decode()


def test_cancel_at_the_provider_signs_nobody_in(client, staff_sso):
    finish(client, authenticate_at_op(start(client), deny="1"))
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.CANCELLED).detail == "access_denied"


def test_missing_client_secret_is_an_error_not_a_crash(client, staff_sso, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    oidc.clear_clients()
    response = client.post(reverse("accounts:sso_start", args=[SSO_UUID]))
    assert response["Location"] == reverse("accounts:login_role", args=["staff"])
    assert SignInAttempt.objects.get(outcome=SignInOutcome.ERROR).detail == "start"
