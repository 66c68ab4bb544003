"""A staff session belongs to one organisation: the one whose sign-in vouched for it
(access-rules.md, "The session's organisation")."""

from __future__ import annotations

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from folja.access import policy
from folja.access.roles import Role, Viewer
from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.session import ORGANISATION_KEY, ROLE_KEY
from folja.accounts.signin import PENDING_STAFF_KEY
from folja.testing.cast import build_cast, build_two_organisations
from folja.testing.sessions import signed_in


class SessionOrganisationTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.tora = build_two_organisations(cls.cast)

    def setUp(self) -> None:
        from django.conf import settings

        self._eid = settings.FOLJA_TEST_EID_ENABLED
        settings.FOLJA_TEST_EID_ENABLED = True

    def tearDown(self) -> None:
        from django.conf import settings

        settings.FOLJA_TEST_EID_ENABLED = self._eid

    def sign_in_with_test_eid(self, client: Client, person) -> object:  # noqa: ANN001
        return client.post(reverse("accounts:test_eid", args=["staff"]), {"civic_number": person.civic_number})

    def test_staff_of_one_organisation_get_a_session_in_it(self) -> None:
        client = Client()
        response = self.sign_in_with_test_eid(client, self.cast.teacher_blue)
        assert response.status_code == 302 and response["Location"] == reverse("core:home")
        assert client.session[ROLE_KEY] == "staff" and client.session[ORGANISATION_KEY] == self.cast.org_a.pk

    def test_staff_of_two_organisations_choose_one_and_see_only_its_children(self) -> None:
        client = Client()
        response = self.sign_in_with_test_eid(client, self.tora)
        assert response["Location"] == reverse("accounts:choose_organisation")
        assert "_auth_user_id" not in client.session  # not signed in until chosen
        page = client.get(reverse("accounts:choose_organisation"))
        body = page.content.decode()
        assert page.status_code == 200 and "Exempelby kommun" in body and "Lärkans friskola AB" in body
        chosen = client.post(reverse("accounts:choose_organisation"), {"organisation": str(self.cast.org_b.uuid)})
        assert chosen["Location"] == reverse("core:home")
        assert client.session[ORGANISATION_KEY] == self.cast.org_b.pk and PENDING_STAFF_KEY not in client.session
        feed = client.get(reverse("learninglog:feed")).content.decode()
        assert "Inlägg olle_individual" in feed and "Inlägg alva_individual" not in feed
        assert client.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid])).status_code == 404
        attempt = SignInAttempt.objects.filter(outcome=SignInOutcome.SUCCESS).latest("pk")
        assert attempt.person == self.tora and attempt.role == "staff"

    def test_an_organisation_without_a_duty_cannot_be_chosen(self) -> None:
        client = Client()
        self.sign_in_with_test_eid(client, self.tora)
        from folja.directory.models import Organisation

        other = Organisation.objects.create(organisation_type="Huvudman", display_name="Annan huvudman")
        response = client.post(reverse("accounts:choose_organisation"), {"organisation": str(other.uuid)})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        response = client.post(reverse("accounts:choose_organisation"), {"organisation": "not-a-uuid"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session

    def test_a_choice_left_waiting_expires(self) -> None:
        client = Client()
        self.sign_in_with_test_eid(client, self.tora)
        session = client.session
        session[PENDING_STAFF_KEY] = {**session[PENDING_STAFF_KEY], "at": 0}
        session.save()
        response = client.post(reverse("accounts:choose_organisation"), {"organisation": str(self.cast.org_a.uuid)})
        assert response["Location"] == reverse("accounts:login") and "_auth_user_id" not in client.session
        assert client.get(reverse("accounts:choose_organisation"))["Location"] == reverse("accounts:login")

    def test_a_staff_session_without_an_organisation_is_ended(self) -> None:
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        session = client.session
        del session[ORGANISATION_KEY]
        session.save()
        response = client.get(reverse("learninglog:feed"))
        assert response.status_code == 302 and "/login" in response["Location"]

    def test_a_session_in_one_organisation_ends_when_the_duty_there_ends(self) -> None:
        client = signed_in(self.tora, Role.STAFF, self.cast.org_b)
        assert client.get(reverse("learninglog:feed")).status_code == 200
        self.tora.duties.filter(organisation=self.cast.org_b).delete()
        response = client.get(reverse("learninglog:feed"))
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_the_policy_counts_connections_only_inside_the_sessions_organisation() -> None:
    cast = build_cast()
    tora = build_two_organisations(cast)
    in_a = Viewer(tora, Role.STAFF, cast.org_a.pk)
    in_b = Viewer(tora, Role.STAFF, cast.org_b.pk)
    anywhere = Viewer(tora, Role.STAFF)  # outside a session: every organisation of the person
    assert set(policy.connected_children(in_a)) == {cast.alva, cast.bertil}
    assert set(policy.connected_children(in_b)) == {cast.olle}
    assert set(policy.connected_children(anywhere)) == {cast.alva, cast.bertil, cast.olle}
    assert set(policy.staff_groups(in_a)) == {cast.blue} and set(policy.staff_groups(in_b)) == {cast.humlan}
    assert set(policy.staff_organisations(tora)) == {cast.org_a, cast.org_b}
    assert not policy.may_sign_in_as(cast.teacher_blue, Role.STAFF, organisation_id=cast.org_b.pk)
