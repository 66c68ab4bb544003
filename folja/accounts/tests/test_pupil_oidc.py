"""Pupils through their school's OIDC provider (issue 29, docs/childs-voice.md), against a real OP.

The provider is tools/oidc_op.mjs (npm oidc-provider). Its `extraClaims` give the signed-in
account the affiliation as real IdPs send it: one string, an array, or scoped ("student@…").
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from folja.accounts.models import OrganisationSSO, SignInAttempt, SignInOutcome, SSOKind, StaffMatch
from folja.accounts.session import METHOD_KEY, ORGANISATION_KEY, ROLE_KEY
from folja.accounts.sso import oidc
from folja.accounts.tests.test_staff_oidc import authenticate_at_op, finish, launch_op
from folja.core.dates import today
from folja.core.tests.test_translations import english_catalogue  # noqa: F401 (a fixture)
from folja.directory.actions import person_seal
from folja.directory.models import Email, EmailType, Organisation, OrganisationType, Placement

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
SSO_UUID = uuid.UUID("7a1d2e3f-4b5c-4d6e-8f70-1a2b3c4d5e29")
CALLBACK = f"http://testserver/login/sso/{SSO_UUID}/oidc/callback/"
CLIENT_ID = "folja-pupils"
SECRET_ENV = "FOLJA_TEST_PUPIL_SSO_SECRET"
SECRET = "pupil-sso-test-secret"
CIVIC_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
PUPIL_EPPN = "alva.ek@elev.exempelby.se"
STAFF_EPPN = "stina.lind@exempelby.se"

# What the provider says about the account (form field `claims` at the OP picks one).
EXTRA_CLAIMS = {
    "student": {"eduPersonAffiliation": "student"},
    "student-list": {"eduPersonAffiliation": ["member", "student"]},
    "student-scoped": {"eduPersonAffiliation": "student@school.example"},
    "student-scoped-list": {"eduPersonAffiliation": ["member@school.example", "Student@school.example"]},
    "staff": {"eduPersonAffiliation": "staff"},
    "employee-list": {"eduPersonAffiliation": ["employee", "member"]},
    "empty-list": {"eduPersonAffiliation": []},
    "entra-roles": {"roles": ["Student"]},
}


def start_op(match_claim: str, userinfo_only: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Start tools/oidc_op.mjs; the signed-in account's identifier goes in `match_claim` of the ID token."""
    config = {
        "redirectUri": CALLBACK,
        "clientId": CLIENT_ID,
        "clientSecret": SECRET,
        "civicClaim": match_claim,
        "extraClaims": EXTRA_CLAIMS,
        "userinfoOnlyClaims": list(userinfo_only),
    }
    return launch_op(config)


@pytest.fixture(scope="module")
def providers():
    """School IdPs naming the pupil by eppn (Skolfederation style) or by civic number, and one that
    releases the affiliation by its userinfo endpoint only (not in the ID token)."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: run `npm ci` in the repository root")
    started = {
        "eppn": start_op("eppn"),
        "civic": start_op(CIVIC_CLAIM),
        "userinfo": start_op("eppn", userinfo_only=("eduPersonAffiliation",)),
    }
    try:
        yield {name: issuer for name, (_process, issuer) in started.items()}
    finally:
        for process, _issuer in started.values():
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def school_sso(providers, world, monkeypatch) -> OrganisationSSO:
    """The child's organisation signs pupils in with its own OIDC provider, eppn matched to "Skola elev"."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test providers speak plain HTTP on 127.0.0.1
    monkeypatch.setenv(SECRET_ENV, SECRET)
    Email.objects.create(person=world.child, value=PUPIL_EPPN, type=EmailType.SCHOOL_PUPIL)
    Email.objects.create(person=world.staff, value=STAFF_EPPN, type=EmailType.SCHOOL_STAFF)
    oidc.clear_clients()
    yield OrganisationSSO.objects.create(
        uuid=SSO_UUID,
        organisation=world.unit.organisation,
        kind=SSOKind.OIDC,
        label="Exempelby skolor",
        match=StaffMatch.SCHOOL_EMAIL,
        match_attribute="eppn",
        issuer=providers["eppn"],
        client_id=CLIENT_ID,
        client_secret_env=SECRET_ENV,
        scope="openid profile",
    )
    oidc.clear_clients()


def reconfigure(sso: OrganisationSSO, **fields) -> None:
    for name, value in fields.items():
        setattr(sso, name, value)
    sso.save()
    oidc.clear_clients()


def start_as_pupil(client) -> str:
    response = client.post(reverse("accounts:sso_start", args=[SSO_UUID]) + "?role=child")
    assert response.status_code == 302
    return response["Location"]


def start_as_staff(client) -> str:
    response = client.post(reverse("accounts:sso_start", args=[SSO_UUID]))
    assert response.status_code == 302
    return response["Location"]


def pupil_signs_in(client, who: str = PUPIL_EPPN, claims: str = "student", **extra):
    """Start on the pupil page, sign in at the OP as `who` with the named extra claims, come back."""
    form = {"civic": who} | ({"claims": claims} if claims else {})
    return finish(client, authenticate_at_op(start_as_pupil(client), **form), **extra)


def signed_in_person(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).person if user_id else None


def assert_signed_in_as_the_pupil(client, world, response) -> None:
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "child"
    assert client.session[METHOD_KEY] == f"oidc:{SSO_UUID.hex[:12]}"
    assert ORGANISATION_KEY not in client.session
    assert signed_in_person(client) == world.child
    success = SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS)
    assert success.person == world.child and success.role == "child"


def assert_nobody_signed_in(client) -> None:
    assert "_auth_user_id" not in client.session
    assert ROLE_KEY not in client.session
    assert not SignInAttempt.objects.filter(outcome=SignInOutcome.SUCCESS).exists()


def assert_not_found_as_pupil(client, response) -> None:
    assert response["Location"] == reverse("accounts:not_found")
    assert_nobody_signed_in(client)
    assert SignInAttempt.objects.get(outcome=SignInOutcome.NOT_FOUND).role == "child"
    assert "inte som elev" in client.get(response["Location"]).content.decode()


def refusal() -> SignInAttempt:
    return SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED)


# The way in.


def test_the_pupil_page_offers_the_schools_provider_and_the_staff_page_without_the_pupil_role(client, school_sso):
    pupil_page = client.get(reverse("accounts:login_role", args=["child"])).content.decode()
    assert "Logga in via Exempelby skolor" in pupil_page
    assert f"/login/sso/{SSO_UUID}/start/?role=child" in pupil_page
    staff_page = client.get(reverse("accounts:login_role", args=["staff"])).content.decode()
    assert f"/login/sso/{SSO_UUID}/start/" in staff_page and "role=child" not in staff_page


def test_the_pupils_authorization_request_is_the_same_code_flow_as_for_staff(client, school_sso, providers):
    location = start_as_pupil(client)
    assert location.startswith(providers["eppn"])
    query = parse_qs(urlparse(location).query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0] and query["nonce"][0]
    started = SignInAttempt.objects.get(outcome=SignInOutcome.STARTED)
    assert started.role == "child" and started.transaction_ref == query["state"][0]


# A student signs in: the affiliation as real IdPs send it.


@pytest.mark.parametrize("claims", ["student", "student-list", "student-scoped", "student-scoped-list"])
def test_a_student_signs_in_as_the_pupil_matched_by_eppn(client, world, school_sso, claims):
    response = pupil_signs_in(client, PUPIL_EPPN.upper(), claims)
    assert_signed_in_as_the_pupil(client, world, response)


def test_a_student_signs_in_as_the_pupil_matched_by_civic_number(client, world, school_sso, providers):
    reconfigure(school_sso, issuer=providers["civic"], match=StaffMatch.CIVIC_NUMBER, match_attribute=CIVIC_CLAIM)
    response = pupil_signs_in(client, world.child.civic_number)
    assert_signed_in_as_the_pupil(client, world, response)


def test_the_affiliation_claim_can_be_named_by_the_attribute_mapping(client, world, school_sso):
    # Entra ID has no eduPersonAffiliation: the school maps an app role claim instead.
    reconfigure(school_sso, attribute_mapping={"affiliation": "roles"})
    assert_signed_in_as_the_pupil(client, world, pupil_signs_in(client, claims="entra-roles"))


@pytest.mark.parametrize("claims", ["student", "student-list"])
def test_an_affiliation_released_by_userinfo_only_is_read_from_there(client, world, school_sso, providers, claims):
    reconfigure(school_sso, issuer=providers["userinfo"])
    assert_signed_in_as_the_pupil(client, world, pupil_signs_in(client, claims=claims))


def test_a_staff_affiliation_released_by_userinfo_only_is_refused(client, world, school_sso, providers):
    reconfigure(school_sso, issuer=providers["userinfo"])
    response = pupil_signs_in(client, claims="staff")
    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert_nobody_signed_in(client)
    assert refusal().detail == "affiliation"


def test_userinfo_about_another_subject_is_refused(client, world, school_sso, providers, monkeypatch):
    # OIDC Core 5.3.2: the userinfo response must be about the ID token's subject.
    reconfigure(school_sso, issuer=providers["userinfo"])
    real_userinfo = type(oidc.client_for(school_sso)).userinfo
    monkeypatch.setattr(
        type(oidc.client_for(school_sso)),
        "userinfo",
        lambda self, **kwargs: real_userinfo(self, **kwargs) | {"sub": "someone-else"},
    )
    pupil_signs_in(client, claims="student")
    assert_nobody_signed_in(client)
    assert refusal().detail == "userinfo"


def test_a_token_response_without_an_id_token_is_refused(client, world, school_sso, monkeypatch):
    # Without a verified ID token nothing pins the issuer: userinfo alone is not trusted.
    real_fetch = type(oidc.client_for(school_sso)).fetch_access_token

    def without_id_token(self, *args, **kwargs):
        token = real_fetch(self, *args, **kwargs)
        token.pop("id_token", None)
        return token

    monkeypatch.setattr(type(oidc.client_for(school_sso)), "fetch_access_token", without_id_token)
    pupil_signs_in(client, claims="student")
    assert_nobody_signed_in(client)
    assert refusal().detail == "id-token"


# Not a student: refused before anyone is looked up.


@pytest.mark.parametrize("claims", ["", "staff", "employee-list", "empty-list"])
def test_without_a_student_affiliation_the_pupil_sign_in_is_refused(client, world, school_sso, claims):
    response = pupil_signs_in(client, claims=claims)

    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert_nobody_signed_in(client)
    assert refusal().detail == "affiliation" and refusal().role == "child"
    assert not SignInAttempt.objects.filter(outcome=SignInOutcome.NOT_FOUND).exists()
    assert "Inloggningen kunde inte slutföras. Börja om." in client.get(response["Location"]).content.decode()


@pytest.mark.usefixtures("english_catalogue")
def test_the_refusal_is_shown_in_the_language_the_browser_chose(client, world, school_sso):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = pupil_signs_in(client, claims="staff")

    page = client.get(response["Location"]).content.decode()
    assert "Sign-in could not be completed. Please start again." in page
    assert "Inloggningen kunde inte slutföras" not in page
    assert refusal().detail == "affiliation"


def test_a_student_affiliation_in_another_claim_than_the_mapped_one_is_not_enough(client, world, school_sso):
    reconfigure(school_sso, attribute_mapping={"affiliation": "roles"})
    response = pupil_signs_in(client, claims="student")
    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert_nobody_signed_in(client)
    assert refusal().detail == "affiliation"


# A student, but not this organisation's pupil: not found.


def test_a_child_of_another_organisation_is_not_found(client, world, school_sso):
    other = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Grannby kommun")
    reconfigure(school_sso, organisation=other)
    assert_not_found_as_pupil(client, pupil_signs_in(client))


def test_a_child_of_another_organisation_is_not_found_by_civic_number_either(client, world, school_sso, providers):
    other = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Grannby kommun")
    reconfigure(
        school_sso,
        organisation=other,
        issuer=providers["civic"],
        match=StaffMatch.CIVIC_NUMBER,
        match_attribute=CIVIC_CLAIM,
    )
    assert_not_found_as_pupil(client, pupil_signs_in(client, world.child.civic_number))


def test_a_sealed_child_is_not_found(client, world, school_sso):
    person_seal(person=world.child, reason="sis_security_marking", source="test")
    assert_not_found_as_pupil(client, pupil_signs_in(client))


def test_a_sealed_child_is_not_found_by_civic_number(client, world, school_sso, providers):
    reconfigure(school_sso, issuer=providers["civic"], match=StaffMatch.CIVIC_NUMBER, match_attribute=CIVIC_CLAIM)
    person_seal(person=world.child, reason="sis_security_marking", source="test")
    assert_not_found_as_pupil(client, pupil_signs_in(client, world.child.civic_number))


def test_a_child_whose_placement_ended_is_not_found(client, world, school_sso):
    Placement.objects.filter(child=world.child).update(end_date=today() - dt.timedelta(days=1))
    assert_not_found_as_pupil(client, pupil_signs_in(client))


def test_a_staff_members_eppn_with_a_student_affiliation_finds_no_pupil(client, world, school_sso):
    # Their address is of type "Skola personal": a student affiliation does not make them a pupil.
    assert_not_found_as_pupil(client, pupil_signs_in(client, STAFF_EPPN))


def test_a_guardians_civic_number_with_a_student_affiliation_finds_no_pupil(client, world, school_sso, providers):
    reconfigure(school_sso, issuer=providers["civic"], match=StaffMatch.CIVIC_NUMBER, match_attribute=CIVIC_CLAIM)
    assert_not_found_as_pupil(client, pupil_signs_in(client, world.guardian.civic_number))


def test_an_eppn_shared_by_two_pupils_matches_nobody(client, world, school_sso):
    from folja.directory.models import Person

    twin = Person.objects.create(given_name="Ebba", family_name="Ek")
    Placement.objects.create(
        organisation=world.unit.organisation,
        child=twin,
        school_unit=world.unit,
        school_type="GR",
        start_date=today() - dt.timedelta(days=10),
    )
    Email.objects.create(person=twin, value=PUPIL_EPPN, type=EmailType.SCHOOL_PUPIL)
    assert_not_found_as_pupil(client, pupil_signs_in(client))


# The role is the one the sign-in started with, kept in the session.


def test_a_role_in_the_callback_does_not_change_the_pupils_role(client, world, school_sso):
    response = pupil_signs_in(client, role="staff")
    assert_signed_in_as_the_pupil(client, world, response)


def test_a_staff_sign_in_cannot_be_turned_into_a_pupil_sign_in(client, world, school_sso):
    # The pupil's own account, with a student affiliation, started on the staff page: matched as
    # staff only, so nobody is found, whatever the callback says.
    callback = authenticate_at_op(start_as_staff(client), civic=PUPIL_EPPN, claims="student")
    response = finish(client, callback, role="child")
    assert response["Location"] == reverse("accounts:not_found")
    assert_nobody_signed_in(client)
    assert SignInAttempt.objects.get(outcome=SignInOutcome.NOT_FOUND).role == "staff"


def test_a_staff_sign_in_still_needs_no_affiliation(client, world, school_sso):
    callback = authenticate_at_op(start_as_staff(client), civic=STAFF_EPPN)
    assert finish(client, callback)["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "staff"
    assert signed_in_person(client) == world.staff


def test_a_pupils_answer_under_a_later_staff_requests_state_is_refused(client, world, school_sso):
    # The pupil's code comes back with the state of a staff request started later in the same
    # browser: the state is this browser's, but the code was not issued for it (PKCE).
    pupil_callback = authenticate_at_op(start_as_pupil(client), civic=STAFF_EPPN, claims="student")
    staff_state = parse_qs(urlparse(start_as_staff(client)).query)["state"][0]
    finish(client, pupil_callback, state=staff_state)
    assert_nobody_signed_in(client)
    assert SignInAttempt.objects.filter(outcome=SignInOutcome.REFUSED).count() == 1


def test_a_pupils_answer_after_a_later_staff_request_is_refused(client, world, school_sso):
    pupil_callback = authenticate_at_op(start_as_pupil(client), civic=PUPIL_EPPN, claims="student")
    start_as_staff(client)  # replaces the pending request
    finish(client, pupil_callback)
    assert_nobody_signed_in(client)
    assert refusal().detail == "state"


def test_a_forged_state_is_refused(client, world, school_sso):
    callback = authenticate_at_op(start_as_pupil(client), civic=PUPIL_EPPN, claims="student")
    response = finish(client, callback, state="forged")
    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert_nobody_signed_in(client)
    assert refusal().detail == "state" and refusal().role == "child"


def test_a_pupils_answer_is_accepted_once(client, world, school_sso):
    callback = authenticate_at_op(start_as_pupil(client), civic=PUPIL_EPPN, claims="student")
    assert_signed_in_as_the_pupil(client, world, finish(client, callback))
    client.post(reverse("accounts:logout"))
    finish(client, callback)
    assert "_auth_user_id" not in client.session
    assert refusal().detail == "state"


def test_a_pupil_who_cancels_at_the_provider_goes_back_to_the_pupil_page(client, school_sso):
    response = finish(client, authenticate_at_op(start_as_pupil(client), deny="1"))
    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert "_auth_user_id" not in client.session
    cancelled = SignInAttempt.objects.get(outcome=SignInOutcome.CANCELLED)
    assert cancelled.role == "child" and cancelled.detail == "access_denied"


def test_a_provider_that_cannot_be_used_sends_the_pupil_back_to_the_pupil_page(client, school_sso, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    oidc.clear_clients()
    response = client.post(reverse("accounts:sso_start", args=[SSO_UUID]) + "?role=child")
    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    error = SignInAttempt.objects.get(outcome=SignInOutcome.ERROR)
    assert error.role == "child" and error.detail == "start"
