"""Guardians without Swedish e-ID: sign-in by SMS code (through a fake gateway server) and by a
printed enrolment code, at the lower level of assurance, and what such a session is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from folja.access import assurance
from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.accounts.models import EnrolmentCode, SignInAttempt, SignInOutcome, SmsCode
from folja.accounts.session import LOA_KEY, METHOD_KEY
from folja.directory import civic
from folja.directory.models import Guardianship, Person, Phone, RelationType
from folja.testing.sessions import signed_in
from folja.testing.sms_gateway import FakeSmsGateway

pytestmark = pytest.mark.django_db

MOBILE = "+46701234567"


@pytest.fixture(scope="module")
def gateway_server():
    server = FakeSmsGateway(token="sms-test-token").start()
    yield server
    server.stop()


@pytest.fixture
def sms(settings, gateway_server, world, monkeypatch):
    """SMS sign-in on: the HTTP gateway pointed at the fake server; the guardian has a temporary
    number (no e-ID) and the mobile number the SIS lists; the child's organisation enabled SMS."""
    monkeypatch.setenv("FOLJA_TEST_SMS_TOKEN", "sms-test-token")
    settings.FOLJA_SMS_BACKEND = "folja.accounts.lower.gateways.HttpGateway"
    settings.FOLJA_SMS_HTTP_URL = gateway_server.url
    settings.FOLJA_SMS_HTTP_TOKEN_ENV = "FOLJA_TEST_SMS_TOKEN"
    gateway_server.inbox.clear()
    world.guardian.civic_number_kind = civic.TEMPORARY
    world.guardian.save()
    Phone.objects.create(person=world.guardian, value="070-123 45 67", type="Hem", mobile=True)
    organisation = world.unit.organisation
    organisation.guardian_sms_sign_in = True
    organisation.save()
    return gateway_server


def _ask_code(client: Client, number: str = "070 123 45 67"):
    return client.post(reverse("accounts:sms_start"), {"mobile": number})


def _answer(client: Client, code: str):
    return client.post(reverse("accounts:sms_code"), {"code": code})


def test_sms_code_signs_the_guardian_in_at_the_lower_level(client, sms, world):
    response = _ask_code(client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sms_code")
    assert len(sms.messages_to(MOBILE)) == 1
    code = sms.last_code(MOBILE)
    stored = SmsCode.objects.get()
    assert code not in stored.code_hash and "0701234567" not in stored.number_hash  # hashed only

    response = _answer(client, code)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.session[LOA_KEY] == assurance.LOWER and client.session[METHOD_KEY] == assurance.SMS
    success = SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS)
    assert success.loa == assurance.LOWER and success.person == world.guardian
    # The child is there, as for any guardian.
    page = client.get(reverse("learninglog:timeline", args=[world.child.uuid]))
    assert page.status_code == 200 and "Alva" in page.content.decode()
    # The code is used up.
    assert SmsCode.objects.get().used_at is not None


def test_the_method_is_offered_to_guardians_only_where_enabled(client, sms, world, settings):
    def methods(role: str) -> str:
        return client.get(reverse("accounts:login_role", args=[role])).content.decode()

    assert reverse("accounts:sms_start") in methods("guardian")
    assert reverse("accounts:sms_start") not in methods("staff")
    organisation = world.unit.organisation
    organisation.guardian_sms_sign_in = False
    organisation.save()
    assert reverse("accounts:sms_start") not in methods("guardian")
    assert client.get(reverse("accounts:sms_start")).status_code == 404


def test_a_wrong_code_is_refused_and_five_wrong_codes_kill_it(client, sms):
    _ask_code(client)
    code = sms.last_code(MOBILE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = _answer(client, wrong)
    assert response.status_code == 200 and "Koden stämmer inte" in response.content.decode()
    assert "_auth_user_id" not in client.session
    for _ in range(4):
        _answer(client, wrong)
    assert SmsCode.objects.get().attempts == 5
    response = _answer(client, code)  # the right code, too late
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_expired_code_is_refused(client, sms):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _ask_code(client)
    code = sms.last_code(MOBILE)
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False):
        response = _answer(client, code)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sms_start")
    assert "_auth_user_id" not in client.session


def test_an_expired_code_is_refused_even_inside_the_pending_window(client, sms, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _ask_code(client)
    code = sms.last_code(MOBILE)
    SmsCode.objects.update(expires_at=start - dt.timedelta(seconds=1))
    response = _answer(client, code)
    assert response.status_code == 200 and "Koden stämmer inte" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_new_code_kills_the_old_one(client, sms):
    _ask_code(client)
    first = sms.last_code(MOBILE)
    _ask_code(client)
    second = sms.last_code(MOBILE)
    if first != second:
        assert _answer(client, first).status_code == 200
    assert _answer(client, second).status_code == 302


def test_unknown_and_non_guardian_numbers_get_the_same_answer_and_no_sms(client, sms, world):
    known = _ask_code(client)
    # A number nobody has, and the staff member's own mobile (not a guardian).
    Phone.objects.create(person=world.staff, value="0709998877", type="Hem", mobile=True)
    unknown = _ask_code(Client(), "070-555 44 33")
    staff = _ask_code(Client(), "0709998877")
    for response in (unknown, staff):
        assert (response.status_code, response["Location"]) == (known.status_code, known["Location"])
    assert [item["to"] for item in sms.inbox] == [MOBILE]
    # Whatever is typed on the code page for them, no session.
    client_unknown = Client()
    _ask_code(client_unknown, "070-555 44 33")
    assert _answer(client_unknown, sms.last_code(MOBILE)).status_code == 200
    assert "_auth_user_id" not in client_unknown.session


def test_other_responsible_is_not_a_guardian_for_sms(client, sms, world):
    other = Person.objects.create(given_name="Olof", family_name="Annan")
    Guardianship.objects.create(
        organisation=world.unit.organisation,
        child=world.child,
        responsible=other,
        relation_type=RelationType.OTHER_RESPONSIBLE,
    )
    Phone.objects.create(person=other, value="0702223344", type="Hem", mobile=True)
    _ask_code(client, "0702223344")
    assert sms.inbox == []


def test_an_organisation_that_did_not_enable_sms_sends_nothing(client, sms, world):
    # Another organisation enables it (so the page exists), the child's does not.
    from folja.directory.models import Organisation, OrganisationType

    Organisation.objects.create(
        organisation_type=OrganisationType.HUVUDMAN, display_name="Annan kommun", guardian_sms_sign_in=True
    )
    organisation = world.unit.organisation
    organisation.guardian_sms_sign_in = False
    organisation.save()
    response = _ask_code(client)
    assert response.status_code == 302
    assert sms.inbox == []


def test_codes_per_number_are_rate_limited_whoever_asks(client, sms, settings):
    settings.FOLJA_SMS_PER_NUMBER_LIMIT = 2
    for _ in range(2):
        assert _ask_code(Client()).status_code == 302
    response = _ask_code(Client())
    assert response.status_code == 429
    assert len(sms.messages_to(MOBILE)) == 2
    # An unknown number is limited the same way (no enumeration through the 429).
    for _ in range(2):
        _ask_code(Client(), "070-555 44 33")
    assert _ask_code(Client(), "070-555 44 33").status_code == 429


def test_codes_per_address_are_rate_limited(client, sms, settings):
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 3
    for index in range(3):
        assert _ask_code(client, f"070-555 44 3{index}").status_code == 302
    assert _ask_code(client, "070-555 44 39").status_code == 429


def test_an_invalid_number_gets_a_clear_message(client, sms):
    response = _ask_code(client, "abc")
    assert response.status_code == 200 and "Det är inte ett mobilnummer" in response.content.decode()


def test_a_session_without_e_id_ends_when_the_organisation_turns_sms_off(client, sms, world):
    _ask_code(client)
    _answer(client, sms.last_code(MOBILE))
    assert client.get(reverse("learninglog:timeline", args=[world.child.uuid])).status_code == 200
    organisation = world.unit.organisation
    organisation.guardian_sms_sign_in = False
    organisation.save()
    response = client.get(reverse("learninglog:timeline", args=[world.child.uuid]))
    assert response.status_code == 302 and "/login" in response["Location"]


# ---------------------------------------------------------------------------------------------
# What a lower-assurance session may do
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def lower(world, settings):
    organisation = world.unit.organisation
    organisation.guardian_sms_sign_in = True
    organisation.save()
    return signed_in(world.guardian, Role.GUARDIAN, method=assurance.SMS, loa=assurance.LOWER)


def test_the_rule_refuses_export_consent_and_notification_address_only(world):
    full = assurance.Viewer(world.guardian, Role.GUARDIAN)
    low = assurance.Viewer(world.guardian, Role.GUARDIAN, loa=assurance.LOWER)
    for act in (assurance.Act.EXPORT, assurance.Act.ANSWER_CONSENT, assurance.Act.CHANGE_NOTIFICATION_EMAIL):
        assert assurance.may_act(full, act) and not assurance.may_act(low, act)
    assert assurance.may_act(low, "comment")


def test_lower_assurance_is_refused_the_export_page_with_an_explanation(lower, world):
    for method in ("get", "post"):
        response = getattr(lower, method)(reverse("export:child", args=[world.child.uuid]))
        page = response.content.decode()
        assert response.status_code == 403
        assert "Kräver e-legitimation" in page and "Så får du full tillgång" in page


def test_lower_assurance_is_refused_consent_pages(lower, world):
    response = lower.get(reverse("transitions:consent", args=[world.child.uuid]))
    assert response.status_code == 403 and "samtycke" in response.content.decode()
    response = lower.post(reverse("transitions:consent", args=[world.child.uuid]), {"allowed": "yes"})
    assert response.status_code == 403
    # Photo consent: the page is readable ("Vem har läst"), the answer is refused.
    assert lower.get(reverse("learninglog:child_settings", args=[world.child.uuid])).status_code == 200
    response = lower.post(reverse("learninglog:child_settings", args=[world.child.uuid]), {"allowed": "yes"})
    assert response.status_code == 403
    from folja.learninglog.models import PhotoConsent
    from folja.transitions.models import TransitionConsent

    assert not PhotoConsent.objects.exists() and not TransitionConsent.objects.exists()


def test_the_actions_refuse_too(world):
    from folja.export.actions import export_request
    from folja.learninglog.actions import photo_consent_set
    from folja.pages.transitions.actions import consent_set

    low = assurance.Viewer(world.guardian, Role.GUARDIAN, loa=assurance.LOWER)
    with pytest.raises(assurance.LowerAssuranceRefused):
        export_request(actor=low, child=world.child, language="sv")
    with pytest.raises(assurance.LowerAssuranceRefused):
        consent_set(actor=low, child=world.child, allowed=True)
    with pytest.raises(assurance.LowerAssuranceRefused):
        photo_consent_set(actor=low, child=world.child, allowed=True)


def test_lower_assurance_may_read_and_comment(lower, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = lower.get(reverse("learninglog:timeline", args=[world.child.uuid]))
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# Printed enrolment codes
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def enrolment(world):
    organisation = world.unit.organisation
    organisation.guardian_enrolment_codes = True
    organisation.save()
    world.unit.all_staff_see_all_children = True  # the staff member is connected to the child (R1)
    world.unit.save()
    world.guardian.civic_number_kind = civic.TEMPORARY
    world.guardian.save()
    return signed_in(world.staff, Role.STAFF)


def _create_code(staff: Client, world) -> str:
    response = staff.post(reverse("enrolment:codes", args=[world.child.uuid]), {"guardian": str(world.guardian.uuid)})
    assert response.status_code == 200
    return response.context["code"]


def test_connected_staff_find_the_page_from_the_contact_details(enrolment, world, settings):
    link = reverse("enrolment:codes", args=[world.child.uuid])
    assert link in enrolment.get(reverse("learninglog:child_contact", args=[world.child.uuid])).content.decode()
    organisation = world.unit.organisation
    organisation.guardian_enrolment_codes = False
    organisation.save()
    assert link not in enrolment.get(reverse("learninglog:child_contact", args=[world.child.uuid])).content.decode()


def test_connected_staff_create_a_code_shown_once_and_audited(enrolment, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = enrolment.get(reverse("enrolment:codes", args=[world.child.uuid]))
    assert page.status_code == 200 and "Anna Ek" in page.content.decode()
    code = _create_code(enrolment, world)
    row = EnrolmentCode.objects.get()
    assert row.guardian == world.guardian and row.created_by == world.staff
    assert code.replace("-", "") not in row.code_hash
    assert AuditRecord.objects.filter(action=AuditAction.CREATE_ENROLMENT_CODE, child=world.child).count() == 1
    # Not shown again.
    assert code not in enrolment.get(reverse("enrolment:codes", args=[world.child.uuid])).content.decode()


def test_an_enrolment_code_signs_in_once(enrolment, world):
    code = _create_code(enrolment, world)
    guardian = Client()
    response = guardian.post(reverse("accounts:enrolment_sign_in"), {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert guardian.session[LOA_KEY] == assurance.LOWER
    assert guardian.session[METHOD_KEY] == assurance.ENROLMENT_CODE
    assert SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS).loa == assurance.LOWER
    again = Client().post(reverse("accounts:enrolment_sign_in"), {"code": code})
    assert again.status_code == 200 and "redan använd" in again.content.decode()


def test_an_enrolment_code_expires(enrolment, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = _create_code(enrolment, world)
    with time_machine.travel(start + dt.timedelta(days=14, minutes=1), tick=False):
        response = Client().post(reverse("accounts:enrolment_sign_in"), {"code": code})
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


def test_an_enrolment_code_of_a_guardian_no_longer_guardian_signs_no_one_in(enrolment, world):
    code = _create_code(enrolment, world)
    Guardianship.objects.filter(responsible=world.guardian).delete()
    response = Client().post(reverse("accounts:enrolment_sign_in"), {"code": code})
    assert response.status_code == 200


def test_staff_not_connected_or_where_codes_are_off_get_404(enrolment, world):
    from folja.directory.models import Duty, DutyRole, OrganisationType

    url = reverse("enrolment:codes", args=[world.child.uuid])
    # A staff member at another unit.
    other_unit = world.unit.__class__.objects.create(
        organisation=world.unit.organisation,
        parent=world.unit.organisation,
        organisation_type=OrganisationType.SKOLENHET,
        display_name="Annan förskola",
    )
    stranger = Person.objects.create(given_name="Sara", family_name="Berg")
    Duty.objects.create(
        organisation=world.unit.organisation,
        person=stranger,
        school_unit=other_unit,
        duty_role=DutyRole.PRESCHOOL_TEACHER,
        start_date=timezone.localdate() - dt.timedelta(days=10),
    )
    assert signed_in(stranger, Role.STAFF).post(url, {"guardian": str(world.guardian.uuid)}).status_code == 404
    # A guardian cannot make one.
    assert signed_in(world.guardian, Role.GUARDIAN).get(url).status_code == 403
    organisation = world.unit.organisation
    organisation.guardian_enrolment_codes = False
    organisation.save()
    assert enrolment.get(url).status_code == 404
    assert not EnrolmentCode.objects.exists()


def test_asking_for_a_code_and_answering_it_cost_a_bounded_number_of_queries(
    client, sms, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        _ask_code(client)
    # Signing in: the code, the rules, the account (created the first time) and the session rotated.
    with django_assert_max_num_queries(22):
        response = _answer(client, sms.last_code(MOBILE))
    assert response.status_code == 302


def test_a_gateway_that_is_down_gets_the_same_answer(client, sms):
    sms.fail = True
    try:
        response = _ask_code(client)
    finally:
        sms.fail = False
    assert response.status_code == 302 and response["Location"] == reverse("accounts:sms_code")
    assert sms.inbox == []
