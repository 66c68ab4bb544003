"""Each person's language: chosen once, kept with the person, used for pages and for what is sent."""

from __future__ import annotations

from django.test import Client, TestCase
from django.urls import reverse

from folja.access.roles import Role
from folja.directory.actions import person_language_set
from folja.directory.models import Person
from folja.notifications.api import language_for
from folja.notifications.models import Preference
from folja.pages.transitions.actions import terms_publish_default
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in


class PersonLanguageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def guardian(self) -> Client:
        return sign_in(Client(), self.cast.anna, Role.GUARDIAN)

    def test_choosing_a_language_signed_in_keeps_it_with_the_person(self) -> None:
        client = self.guardian()
        response = client.post(reverse("set_language"), {"language": "ar", "next": "/"})
        assert response.status_code == 302
        assert Person.objects.get(pk=self.cast.anna.pk).language == "ar"

    def test_the_persons_language_wins_over_the_browsers(self) -> None:
        person_language_set(person=self.cast.anna, language="uk")
        html = self.guardian().get("/", headers={"accept-language": "en"}).content.decode()
        assert '<html lang="uk" dir="ltr">' in html

    def test_arabic_and_persian_pages_are_right_to_left(self) -> None:
        for code in ("ar", "fa"):
            person_language_set(person=self.cast.anna, language=code)
            html = self.guardian().get("/").content.decode()
            assert f'<html lang="{code}" dir="rtl">' in html

    def test_somali_is_a_language_of_its_own(self) -> None:
        person_language_set(person=self.cast.anna, language="so")
        response = self.guardian().get("/")
        assert '<html lang="so" dir="ltr">' in response.content.decode()
        assert response.headers["Content-Language"] == "so"

    def test_a_language_outside_the_list_is_not_stored(self) -> None:
        client = self.guardian()
        client.post(reverse("set_language"), {"language": "xx", "next": "/"})
        client.post(reverse("set_language"), {"language": "de", "next": "/"})
        assert Person.objects.get(pk=self.cast.anna.pk).language == ""

    def test_signed_out_the_choice_is_the_browsers_only(self) -> None:
        client = Client()
        client.post(reverse("set_language"), {"language": "fi", "next": "/"})
        assert '<html lang="fi" dir="ltr">' in client.get("/").content.decode()
        assert not Person.objects.exclude(language="").exists()

    def test_every_language_is_offered_in_the_header_named_in_itself(self) -> None:
        html = Client().get("/").content.decode()
        for code, name in (
            ("ar", "العربية"),
            ("fa", "فارسی"),
            ("so", "Soomaali"),
            ("uk", "Українська"),
            ("fi", "Suomi"),
        ):
            assert f'<option value="{code}" lang="{code}">{name}</option>' in html

    def test_the_start_page_asks_for_a_language_until_one_is_chosen(self) -> None:
        client = self.guardian()
        assert 'id="language-choice-title"' in client.get("/").content.decode()
        client.post(reverse("set_language"), {"language": "sv", "next": "/"})
        assert 'id="language-choice-title"' not in client.get("/").content.decode()

    def test_the_terms_page_offers_the_choice_and_accepting_keeps_the_language_read_in(self) -> None:
        terms = terms_publish_default()
        client = self.guardian()
        html = client.get(reverse("transitions:terms"), headers={"accept-language": "fi"}).content.decode()
        assert 'id="language-choice-title"' in html
        assert 'lang="ar" dir="rtl"' in html  # each button in its own script and direction
        client.post(
            reverse("transitions:terms_decide", args=[terms.uuid]),
            {"decision": "accept"},
            headers={"accept-language": "fi"},
        )
        assert Person.objects.get(pk=self.cast.anna.pk).language == "fi"

    def test_notices_and_mails_follow_the_persons_language(self) -> None:
        anna = self.cast.anna
        assert language_for(anna) == "sv"
        person_language_set(person=anna, language="ar")
        assert language_for(anna) == "ar"
        # A language chosen for e-mail only still wins for e-mail.
        Preference.objects.create(person=anna, language="en")
        assert language_for(anna) == "en"
