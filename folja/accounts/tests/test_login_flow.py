"""Step 1 and 2 of sign-in, the test e-ID, binding on our side, audit, rate limits, logout, session limits."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.session import LAST_SEEN_KEY, METHOD_KEY, ROLE_KEY, STARTED_KEY
from folja.accounts.signin import civic_number_hash

pytestmark = pytest.mark.django_db


def test_step_one_offers_the_three_roles(client):
    page = client.get(reverse("accounts:login")).content.decode()
    for role in ("guardian", "staff", "child"):
        assert reverse("accounts:login_role", args=[role]) in page
    assert "Vårdnadshavare" in page and "Personal" in page and "Elev" in page


def test_step_two_lists_test_eid_only_when_it_is_enabled(client, settings):
    url = reverse("accounts:login_role", args=["guardian"])
    assert "Test-legitimation" not in client.get(url).content.decode()
    settings.FOLJA_TEST_EID_ENABLED = True
    assert "Test-legitimation" in client.get(url).content.decode()


def test_unknown_role_in_step_two_is_404(client):
    assert client.get("/login/admin/").status_code == 404


def test_test_eid_is_404_when_disabled(client, world):
    response = client.post(
        reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number}
    )
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_guardian_signs_in_with_test_eid_and_the_site_shows_test_mode(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    before = client.session.session_key
    response = client.post(
        reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number}
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    session = client.session
    assert session[ROLE_KEY] == "guardian" and session[METHOD_KEY] == "test_eid"
    assert session.session_key != before  # login() rotated the key
    home = client.get(reverse("core:home"))
    assert "Testläge" in home.content.decode()
    assert home["Cache-Control"] == "private, no-store"
    attempt = SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS)
    assert attempt.method == "test_eid" and attempt.role == "guardian" and attempt.person == world.guardian
    assert attempt.civic_number_hash == civic_number_hash(world.guardian.civic_number)
    assert world.guardian.civic_number not in attempt.civic_number_hash
    assert attempt.ip_address == "127.0.0.1"


def test_unknown_person_gets_the_contact_page_and_no_session(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    response = client.post(
        reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.stranger_civic}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "inte som vårdnadshavare" in page and "förskola" in page
    assert world.stranger_civic not in page and world.stranger_civic[:8] + "-" not in page
    assert "_auth_user_id" not in client.session
    attempt = SignInAttempt.objects.get(outcome=SignInOutcome.NOT_FOUND)
    assert attempt.person is None and attempt.civic_number_hash == civic_number_hash(world.stranger_civic)


def test_staff_member_who_signs_in_as_guardian_without_a_child_is_refused(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    response = client.post(
        reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.staff.civic_number}, follow=True
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_guardian_who_signs_in_as_staff_is_refused(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    response = client.post(
        reverse("accounts:test_eid", args=["staff"]), {"civic_number": world.guardian.civic_number}, follow=True
    )
    assert response.status_code == 403 and "inte som personal" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_signs_in_as_staff(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    client.post(reverse("accounts:test_eid", args=["staff"]), {"civic_number": world.staff.civic_number})
    assert client.session[ROLE_KEY] == "staff"


def test_malformed_civic_number_is_refused_without_echoing_it(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    response = client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": "19990101-0001"})
    page = response.content.decode()
    assert response.status_code == 200 and "inte ett giltigt personnummer" in page
    assert "19990101-0001" not in page
    assert "_auth_user_id" not in client.session


def test_starting_sign_ins_is_rate_limited_per_ip(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 3
    url = reverse("accounts:test_eid", args=["guardian"])
    numbers = [world.stranger_civic, world.guardian.civic_number, world.staff.civic_number, world.child.civic_number]
    codes = [Client().post(url, {"civic_number": number}).status_code for number in numbers]
    assert codes[:3] == [302, 302, 302] and codes[3] == 429
    assert SignInAttempt.objects.filter(outcome=SignInOutcome.RATE_LIMITED).count() == 1
    other_ip = client.post(url, {"civic_number": world.stranger_civic}, REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 302


def test_rate_limit_uses_the_address_our_proxy_saw_not_the_spoofable_left_part(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 1
    settings.FOLJA_PROXY_COUNT = 1
    url = reverse("accounts:test_eid", args=["guardian"])
    first = client.post(url, {"civic_number": world.stranger_civic}, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    second = client.post(url, {"civic_number": world.staff.civic_number}, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.9")
    assert (first.status_code, second.status_code) == (302, 429)
    assert SignInAttempt.objects.filter(ip_address="203.0.113.9").exists()


def test_logout_ends_the_session(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number})
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session and ROLE_KEY not in client.session


def test_logout_refuses_get(client):
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_session_ends_after_idle_timeout(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number})
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.FOLJA_SESSION_IDLE_SECONDS - 5
    session.save()
    page = client.get(reverse("core:home"))
    assert "Testläge" in page.content.decode()  # still renders, as a signed-out visitor
    assert "_auth_user_id" not in client.session


def test_session_ends_after_absolute_lifetime_even_when_active(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number})
    session = client.session
    session[STARTED_KEY] = int(time.time()) - settings.SESSION_COOKIE_AGE - 5
    session[LAST_SEEN_KEY] = int(time.time())
    session.save()
    client.get(reverse("core:home"))
    assert "_auth_user_id" not in client.session


def test_session_ends_when_the_guardianship_ends(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": world.guardian.civic_number})
    world.guardian.responsible_for.all().delete()
    client.get(reverse("core:home"))
    assert "_auth_user_id" not in client.session


def test_staff_session_never_carries_guardian_rights(client, world, settings):
    """A person who is both staff and guardian gets only the role chosen at sign-in."""
    from folja.directory.models import Guardianship

    settings.FOLJA_TEST_EID_ENABLED = True
    Guardianship.objects.create(
        organisation=world.unit.organisation, child=world.child, responsible=world.staff, relation_type="Vårdnadshavare"
    )
    client.post(reverse("accounts:test_eid", args=["staff"]), {"civic_number": world.staff.civic_number})
    response = client.get(reverse("core:home"))
    assert response.wsgi_request.viewer.role == "staff"
    assert not response.wsgi_request.viewer.is_guardian


def test_audit_rows_cannot_be_changed_or_deleted(world):
    attempt = SignInAttempt.objects.create(method="test_eid", outcome=SignInOutcome.STARTED)
    attempt.outcome = SignInOutcome.SUCCESS
    with pytest.raises(ValueError):
        attempt.save()
    with pytest.raises(ValueError):
        attempt.delete()


def test_check_deploy_warns_while_test_eid_is_on(settings):
    from folja.accounts.checks import check_test_eid_off

    settings.FOLJA_TEST_EID_ENABLED = True
    assert [m.id for m in check_test_eid_off()] == ["accounts.W001"]
    with pytest.raises(SystemCheckError, match=r"accounts\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    settings.FOLJA_TEST_EID_ENABLED = False
    assert check_test_eid_off() == []
