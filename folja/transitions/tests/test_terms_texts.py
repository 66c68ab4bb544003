"""The terms pages tell guardians that declining still leaves the documentation for the development talk."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from folja.access.roles import Role
from folja.pages.transitions import actions
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

TALK = "Förskolan eller skolan kan visa den för dig vid utvecklingssamtalet."


class TermsTextTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        self.terms = actions.terms_publish(organisation=None, title="Villkor", body="Text")

    def test_the_terms_say_what_declining_means_and_where_the_data_comes_from(self) -> None:
        page = signed_in(self.cast.cecilia, Role.GUARDIAN).get(reverse("transitions:terms")).content.decode()

        assert "Om du inte godkänner villkoren finns dokumentationen om ditt barn ändå kvar." in page
        assert TALK in page
        assert "folkbokföringen hos Skatteverket" in page

    def test_after_declining_the_documentation_is_still_there_for_the_talk(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)

        response = client.post(
            reverse("transitions:terms_decide", args=[self.terms.uuid]), {"decision": "decline"}, follow=True
        )

        page = response.content.decode()
        assert "Dokumentationen om ditt barn finns kvar." in page and TALK in page
