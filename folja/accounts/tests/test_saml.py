"""Staff SSO over SAML 2 per organisation, against a pysaml2 IdP the tests start on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse

from folja.accounts.models import FederationProfile, OrganisationSSO, SignInAttempt, SignInOutcome, SSOKind, StaffMatch
from folja.accounts.saml import sp
from folja.accounts.saml.testidp import TestIdP, generate_keypair
from folja.accounts.session import METHOD_KEY, ROLE_KEY
from folja.accounts.sso.views import SAML_COOKIE
from folja.core.dates import today
from folja.directory.models import Duty, DutyRole, Email, EmailType, Organisation, OrganisationType

pytestmark = pytest.mark.django_db

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
STAFF_EMAIL = "stina.lind@exempelby.se"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Generate the SP's and the IdP's RSA key pairs once per module; skip without xmlsec1."""
    if shutil.which("xmlsec1") is None:
        pytest.skip("xmlsec1 is not installed: apt-get install xmlsec1")
    directory = Path(tmp_path_factory.mktemp("saml-keys"))
    return {"sp": generate_keypair(directory, "sp"), "idp": generate_keypair(directory, "idp")}


@pytest.fixture(scope="module")
def idp(keys):
    """Run the test IdP over HTTP for the module."""
    server = TestIdP(keys["idp"]).start()
    yield server
    server.stop()


def make_sso(client, idp, organisation, **fields) -> OrganisationSSO:
    """Create a SAML configuration for the organisation and register its SP metadata at the IdP."""
    values = {
        "kind": SSOKind.SAML,
        "profile": FederationProfile.SWEDEN_CONNECT,
        "match": StaffMatch.CIVIC_NUMBER,
        "match_attribute": sp.PERSONAL_IDENTITY_NUMBER,
        "idp_entity_id": idp.entity_id,
        "idp_metadata_xml": idp.metadata(),
    } | fields
    sso = OrganisationSSO.objects.create(organisation=organisation, **values)
    metadata = client.get(reverse("accounts:saml_metadata", args=[sso.uuid]))
    assert metadata.status_code == 200
    idp.trust_sp(metadata.content.decode())
    return sso


@pytest.fixture
def sp_keys(keys, settings):
    settings.FOLJA_SAML_SP_CERT = str(keys["sp"].cert)
    settings.FOLJA_SAML_SP_KEY = str(keys["sp"].key)


@pytest.fixture
def sweden_connect(client, world, idp, sp_keys) -> OrganisationSSO:
    """The staff member's organisation signs in through Sweden Connect."""
    return make_sso(client, idp, world.unit.organisation)


@pytest.fixture
def skolfederation(client, world, idp, sp_keys) -> OrganisationSSO:
    """The organisation signs in through Skolfederation; the SIS gives the staff member a school e-mail."""
    Email.objects.create(person=world.staff, value=STAFF_EMAIL, type=EmailType.SCHOOL_STAFF)
    return make_sso(
        client,
        idp,
        world.unit.organisation,
        profile=FederationProfile.SKOLFEDERATION,
        match=StaffMatch.SCHOOL_EMAIL,
        match_attribute=sp.EDU_PERSON_PRINCIPAL_NAME,
    )


def start(client, sso) -> str:
    """Press "Logga in via …" and return the IdP's HTTP-Redirect URL."""
    response = client.post(reverse("accounts:sso_start", args=[sso.uuid]))
    assert response.status_code == 302
    return response["Location"]


def at_idp(idp, location: str, **form) -> dict:
    """Follow the redirect to the IdP, sign in there as the form says, and return the IdP's answer."""
    received = httpx.get(location, timeout=10)
    assert received.status_code == 200, received.text
    answer = httpx.post(f"{idp.base_url}/sso/{received.json()['uid']}", json=form, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def post_to_acs(client, answer: dict):
    return client.post(urlparse(answer["acs"]).path, {"SAMLResponse": answer["SAMLResponse"]})


def civic_attributes(world) -> dict:
    return {sp.PERSONAL_IDENTITY_NUMBER: world.staff.civic_number, sp.GIVEN_NAME: "Stina", sp.SURNAME: "Lind"}


def refusal() -> str:
    return SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail


def test_sp_metadata_names_the_acs_and_a_signing_and_an_encryption_key(client, sweden_connect):
    root = ElementTree.fromstring(client.get(reverse("accounts:saml_metadata", args=[sweden_connect.uuid])).content)
    assert root.get("entityID") == f"http://testserver/login/sso/{sweden_connect.uuid}/saml/metadata/"
    acs = root.find(f"{MD}SPSSODescriptor/{MD}AssertionConsumerService")
    assert acs.get("Location") == f"http://testserver/login/sso/{sweden_connect.uuid}/saml/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    uses = {key.get("use") for key in root.iter(f"{MD}KeyDescriptor")}
    assert uses == {"signing", "encryption"}
    assert sp.EC_LOA3_PNR in client.get(reverse("accounts:saml_metadata", args=[sweden_connect.uuid])).content.decode()


def test_authn_request_goes_by_redirect_signed_and_asks_for_loa3(client, idp, sweden_connect):
    location = start(client, sweden_connect)
    query = parse_qs(urlparse(location).query)
    assert location.startswith(f"{idp.base_url}/sso?")
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"][0]
    assert httpx.get(location, timeout=10).status_code == 200  # the IdP verified the signature
    request = idp.requests_seen[-1]
    assert [ref.text for ref in request.requested_authn_context.authn_context_class_ref] == [sp.LOA3]
    assert request.requested_authn_context.comparison == "exact"
    assert SignInAttempt.objects.get(outcome=SignInOutcome.STARTED).transaction_ref == request.id


def test_staff_member_signs_in_through_sweden_connect(client, world, idp, sweden_connect):
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world))
    response = post_to_acs(client, answer)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "staff"
    assert client.session[METHOD_KEY] == f"saml:{sweden_connect.uuid.hex[:12]}"
    attempt = SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS)
    assert attempt.person == world.staff and attempt.transaction_ref.startswith("id")
    assert world.staff.civic_number not in attempt.transaction_ref + attempt.detail


def test_staff_member_signs_in_through_skolfederation_by_eppn_matched_to_the_school_email(
    client, world, idp, skolfederation
):
    answer = at_idp(
        idp,
        start(client, skolfederation),
        attributes={sp.EDU_PERSON_PRINCIPAL_NAME: STAFF_EMAIL.upper()},
        encrypt_assertion=False,
        loa="urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    )
    assert post_to_acs(client, answer)["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "staff"
    assert SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS).person == world.staff


def test_eppn_without_a_matching_school_email_is_not_found(client, world, idp, skolfederation):
    answer = at_idp(idp, start(client, skolfederation), attributes={sp.EDU_PERSON_PRINCIPAL_NAME: "someone@else.se"})
    assert post_to_acs(client, answer)["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_replayed_response_is_refused(client, world, idp, sweden_connect):
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world))
    pending_cookie = client.cookies[SAML_COOKIE].value
    assert post_to_acs(client, answer)["Location"] == reverse("core:home")
    # The same browser posts it again: its pending request was answered, so nothing is outstanding.
    other = Client()
    assert post_to_acs(other, answer)["Location"] == reverse("accounts:login_role", args=["staff"])
    assert "_auth_user_id" not in other.session
    # Even with the pending-request cookie copied along, the assertion id was already used.
    thief = Client()
    thief.cookies[SAML_COOKIE] = pending_cookie
    thief.cookies[SAML_COOKIE]["path"] = "/login/sso/"
    post_to_acs(thief, answer)
    assert "_auth_user_id" not in thief.session
    details = set(SignInAttempt.objects.filter(outcome=SignInOutcome.REFUSED).values_list("detail", flat=True))
    assert details == {"unsolicited", "replay"}


def test_response_to_another_request_is_refused(client, world, idp, sweden_connect):
    answer = at_idp(
        idp, start(client, sweden_connect), attributes=civic_attributes(world), in_response_to="_another-request"
    )
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "in-response-to"


def test_response_to_another_browsers_request_is_refused(client, world, idp, sweden_connect):
    victim = Client()
    victim_answer = at_idp(idp, start(victim, sweden_connect), attributes=civic_attributes(world))
    start(client, sweden_connect)
    post_to_acs(client, victim_answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "in-response-to"


def test_unsigned_assertion_is_refused_under_sweden_connect(client, world, idp, sweden_connect):
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world), sign_assertion=False)
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "signature"  # pysaml2 finds no signature where one is required


def test_signed_response_around_an_unsigned_assertion_is_refused_under_sweden_connect(
    client, world, idp, sweden_connect
):
    answer = at_idp(
        idp,
        start(client, sweden_connect),
        attributes=civic_attributes(world),
        sign_assertion=False,
        sign_response=True,
    )
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "signature"


def test_unencrypted_assertion_is_refused_under_sweden_connect(client, world, idp, sweden_connect):
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world), encrypt_assertion=False)
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "not-encrypted"


def test_wrong_audience_is_refused(client, world, idp, sweden_connect):
    answer = at_idp(
        idp, start(client, sweden_connect), attributes=civic_attributes(world), audience="https://other-sp.example/"
    )
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "audience"


def test_wrong_destination_is_refused(client, world, idp, sweden_connect):
    answer = at_idp(
        idp,
        start(client, sweden_connect),
        attributes=civic_attributes(world),
        destination="https://other-sp.example/acs",
    )
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "destination"


def test_weaker_level_of_assurance_is_refused_under_sweden_connect(client, world, idp, sweden_connect):
    answer = at_idp(
        idp,
        start(client, sweden_connect),
        attributes=civic_attributes(world),
        loa="http://id.elegnamnden.se/loa/1.0/loa2",
    )
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert refusal() == "loa"


def unsolicited_answer(idp, sso, world) -> dict:
    form = {
        "sp": f"http://testserver/login/sso/{sso.uuid}/saml/metadata/",
        "acs": f"http://testserver/login/sso/{sso.uuid}/saml/acs/",
        "attributes": civic_attributes(world),
    }
    answer = httpx.post(f"{idp.base_url}/idp-initiated", json=form, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_unsolicited_response_is_refused(client, world, idp, sweden_connect):
    post_to_acs(client, unsolicited_answer(idp, sweden_connect, world))
    assert "_auth_user_id" not in client.session
    assert refusal() == "unsolicited"


def test_unsolicited_response_is_refused_even_while_a_request_is_pending(client, world, idp, sweden_connect):
    start(client, sweden_connect)
    post_to_acs(client, unsolicited_answer(idp, sweden_connect, world))
    assert "_auth_user_id" not in client.session
    assert refusal() == "unsolicited"


def test_staff_without_an_active_duty_in_that_organisation_get_the_not_found_page(client, world, idp, sp_keys):
    other_org = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Grannby kommun")
    other_sso = make_sso(client, idp, other_org)
    answer = at_idp(idp, start(client, other_sso), attributes=civic_attributes(world))
    response = post_to_acs(client, answer)
    assert response["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "inte som personal" in page.content.decode()
    assert SignInAttempt.objects.get(outcome=SignInOutcome.NOT_FOUND).civic_number_hash


def test_staff_whose_duty_ended_are_not_signed_in(client, world, idp, sweden_connect):
    Duty.objects.filter(person=world.staff).update(end_date=today() - dt.timedelta(days=1))
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world))
    assert post_to_acs(client, answer)["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_guardian_is_not_signed_in_as_staff_through_sso(client, world, idp, sweden_connect):
    attributes = {sp.PERSONAL_IDENTITY_NUMBER: world.guardian.civic_number}
    answer = at_idp(idp, start(client, sweden_connect), attributes=attributes)
    assert post_to_acs(client, answer)["Location"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_civic_number_stays_out_of_logs_when_refused(client, world, idp, sweden_connect, caplog):
    Duty.objects.filter(person=world.staff).delete()
    Duty.objects.create(
        organisation=world.unit.organisation,
        person=world.guardian,
        school_unit=world.unit,
        duty_role=DutyRole.TEACHER,
        start_date=today(),
    )
    caplog.set_level(logging.DEBUG)
    answer = at_idp(idp, start(client, sweden_connect), attributes=civic_attributes(world))
    post_to_acs(client, answer)
    assert "_auth_user_id" not in client.session
    assert world.staff.civic_number not in caplog.text


def test_idp_metadata_can_come_from_a_url(client, world, idp, sp_keys):
    sso = make_sso(
        client, idp, world.unit.organisation, idp_metadata_xml="", idp_metadata_url=f"{idp.base_url}/metadata"
    )
    answer = at_idp(idp, start(client, sso), attributes=civic_attributes(world))
    assert post_to_acs(client, answer)["Location"] == reverse("core:home")


def test_staff_method_list_offers_the_organisations_sso_and_guardians_do_not_see_it(client, sweden_connect):
    staff_page = client.get(reverse("accounts:login_role", args=["staff"])).content.decode()
    assert "Logga in via Exempelby kommun" in staff_page
    assert reverse("accounts:sso_start", args=[sweden_connect.uuid]) in staff_page
    assert "Logga in via" not in client.get(reverse("accounts:login_role", args=["guardian"])).content.decode()


def test_saml_sso_is_hidden_without_the_sp_key_pair(client, sweden_connect, settings):
    settings.FOLJA_SAML_SP_CERT = ""
    assert "Logga in via" not in client.get(reverse("accounts:login_role", args=["staff"])).content.decode()


def test_disabled_sso_cannot_be_started(client, sweden_connect):
    OrganisationSSO.objects.filter(pk=sweden_connect.pk).update(enabled=False)
    assert client.post(reverse("accounts:sso_start", args=[sweden_connect.uuid])).status_code == 404
    assert client.get(reverse("accounts:saml_metadata", args=[sweden_connect.uuid])).status_code == 404


# Issue 29: pupils through their school's IdP (Skolfederation, eduPersonAffiliation = student).
PUPIL_EMAIL = "alva.elev@skola.exempelby.se"


def start_as_pupil(client, sso) -> str:
    response = client.post(reverse("accounts:sso_start", args=[sso.uuid]) + "?role=child")
    assert response.status_code == 302
    return response["Location"]


def pupil_answer(idp, location, email: str, affiliation: list[str]) -> dict:
    return at_idp(
        idp,
        location,
        attributes={sp.EDU_PERSON_PRINCIPAL_NAME: email, sp.EDU_PERSON_AFFILIATION: affiliation},
        encrypt_assertion=False,
        loa="urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    )


def test_a_pupil_signs_in_through_skolfederation_as_a_student_matched_to_the_pupils_school_email(
    client, world, idp, skolfederation
):
    Email.objects.create(person=world.child, value=PUPIL_EMAIL, type=EmailType.SCHOOL_PUPIL)
    assert "?role=child" in client.get(reverse("accounts:login_role", args=["child"])).content.decode()
    answer = pupil_answer(idp, start_as_pupil(client, skolfederation), PUPIL_EMAIL.upper(), ["student", "member"])

    assert post_to_acs(client, answer)["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "child"
    assert SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS).person == world.child


def test_a_pupil_sign_in_without_the_student_affiliation_is_refused(client, world, idp, skolfederation):
    Email.objects.create(person=world.child, value=PUPIL_EMAIL, type=EmailType.SCHOOL_PUPIL)
    answer = pupil_answer(idp, start_as_pupil(client, skolfederation), PUPIL_EMAIL, ["staff"])

    response = post_to_acs(client, answer)

    assert response["Location"] == reverse("accounts:login_role", args=["child"])
    assert refusal() == "affiliation"
    assert ROLE_KEY not in client.session


def test_a_student_affiliation_does_not_make_a_staff_member_a_pupil(client, world, idp, skolfederation):
    # The staff member's school e-mail is of type "Skola personal": no pupil is found.
    answer = pupil_answer(idp, start_as_pupil(client, skolfederation), STAFF_EMAIL, ["student"])

    response = post_to_acs(client, answer)

    assert response.status_code in (302, 403)
    assert ROLE_KEY not in client.session
    assert not SignInAttempt.objects.filter(outcome=SignInOutcome.SUCCESS).exists()


def test_a_staff_sign_in_still_needs_no_affiliation(client, world, idp, skolfederation):
    answer = pupil_answer(idp, start(client, skolfederation), STAFF_EMAIL, [])

    assert post_to_acs(client, answer)["Location"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "staff"
