"""An organisation's SSO session holds only while the person has a duty in that organisation."""

from __future__ import annotations

import datetime as dt
import time

from django.test import Client, TestCase
from django.urls import reverse

from folja.access.roles import Role
from folja.accounts.models import User
from folja.accounts.session import LAST_SEEN_KEY, LOA_KEY, METHOD_KEY, ORGANISATION_KEY, ROLE_KEY, STARTED_KEY
from folja.core.dates import today
from folja.directory.models import Duty
from folja.testing.cast import build_cast


class SsoSessionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        # Lena works at Lärkan (organisation B) and also at Solrosen (organisation A).
        cls.duty_a = Duty.objects.create(
            organisation=cls.cast.org_a,
            person=cls.cast.teacher_larkan,
            school_unit=cls.cast.solrosen,
            duty_role="Barnskötare",
            start_date=today() - dt.timedelta(days=30),
        )

    def client_signed_in_through(self, organisation_id: int) -> Client:
        client = Client()
        person = self.cast.teacher_larkan
        user, _ = User.objects.get_or_create(person=person, defaults={"username": f"p-{person.uuid}"})
        client.force_login(user)
        session = client.session
        now = int(time.time())
        session.update(
            {
                ROLE_KEY: str(Role.STAFF),
                METHOD_KEY: "saml",
                LOA_KEY: "loa3",
                LAST_SEEN_KEY: now,
                STARTED_KEY: now,
                ORGANISATION_KEY: organisation_id,
            }
        )
        session.save()
        return client

    def test_session_holds_while_the_duty_in_that_organisation_holds(self) -> None:
        client = self.client_signed_in_through(self.cast.org_a.pk)
        assert client.get(reverse("learninglog:feed")).status_code == 200

    def test_session_ends_when_the_duty_in_that_organisation_ends_despite_a_duty_elsewhere(self) -> None:
        client = self.client_signed_in_through(self.cast.org_a.pk)
        Duty.objects.filter(pk=self.duty_a.pk).update(end_date=today() - dt.timedelta(days=1))
        response = client.get(reverse("learninglog:feed"))
        assert response.status_code == 302 and "/login" in response["Location"]
        assert ROLE_KEY not in client.session
