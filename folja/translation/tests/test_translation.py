"""Translation of posts and comments (issue 32, B3) against a fake LibreTranslate on 127.0.0.1."""

from __future__ import annotations

import socket

from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from folja.access.roles import Role
from folja.directory.actions import person_language_set
from folja.learninglog.models import Post
from folja.pages.transitions.actions import terms_decide, terms_publish
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in
from folja.translation.backends import BackendError, LibreTranslate
from folja.translation.models import MachineTranslation, TranslationService
from folja.translation.tests.fake_libretranslate import FakeLibreTranslate

SERVICE = "LibreTranslate hos Exempelby kommun"
# Anna reads in Arabic: the page's own words come from the Arabic catalogue.
with translation.override("ar"):
    FAILED = translation.gettext("Översättningen misslyckades. Försök igen om en stund.")
    MACHINE_TRANSLATED = translation.gettext("Maskinöversatt")


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TranslationTests(TestCase):
    fake: FakeLibreTranslate

    @classmethod
    def setUpClass(cls) -> None:
        cls.fake = FakeLibreTranslate().__enter__()
        cls.enterClassContext(override_settings(FOLJA_LIBRETRANSLATE_URL=cls.fake.url))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.fake.__exit__(None, None, None)

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.terms = terms_publish(
            organisation=cls.cast.org_a,
            title="Användarvillkor",
            body=f"Inlägg och kommentarer kan översättas av {SERVICE}, som kommunen själv driver.",
        )
        for key in ("anna", "cecilia", "david", "johan"):
            terms_decide(actor=cls.cast.viewer(key, Role.GUARDIAN), terms=cls.terms, accepted=True)
        cls.service = TranslationService.objects.create(
            organisation=cls.cast.org_a, backend="libretranslate", service_name=SERVICE, enabled=True
        )
        person_language_set(person=cls.cast.anna, language="ar")
        person_language_set(person=cls.cast.cecilia, language="uk")

    def setUp(self) -> None:
        self.fake.mode = "ok"
        self.fake.requests.clear()

    def client_for(self, key: str, role: Role = Role.GUARDIAN) -> Client:
        return sign_in(Client(), self.cast.persons[key], role)

    def post_url(self, key: str) -> str:
        return reverse("translation:post", args=[self.cast.posts[key].uuid])

    def comment_url(self, key: str) -> str:
        return reverse("translation:comment", args=[self.cast.comments[key].uuid])

    # --- the happy path -------------------------------------------------------------------------

    def test_a_guardian_gets_the_post_in_her_language_under_the_original(self) -> None:
        response = self.client_for("anna").post(self.post_url("alva_individual"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<p>Text alva_individual</p>" in html  # the original stays
        assert "[ar] Inlägg alva_individual" in html
        assert MACHINE_TRANSLATED in html
        assert html.index("<p>Text alva_individual</p>") < html.index("[ar] Inlägg alva_individual")
        (sent,) = self.fake.requests
        assert sent["source"] == "sv" and sent["target"] == "ar" and sent["format"] == "html"
        assert sent["q"] == ["Inlägg alva_individual", "<p>Text alva_individual</p>"]

    def test_the_translation_is_kept_per_post_version_and_language(self) -> None:
        client = self.client_for("anna")
        client.post(self.post_url("alva_individual"))
        client.post(self.post_url("alva_individual"))
        assert len(self.fake.requests) == 1
        post = self.cast.posts["alva_individual"]
        Post.objects.filter(pk=post.pk).update(version=2, body_html="<p>Ny text</p>")
        client.post(self.post_url("alva_individual"))
        assert len(self.fake.requests) == 2
        assert list(MachineTranslation.objects.filter(post=post).values_list("version", "language")) == [(2, "ar")]
        self.client_for("cecilia").post(self.post_url("blue_group"))
        assert self.fake.requests[-1]["target"] == "uk"

    def test_with_javascript_only_the_translation_comes_back(self) -> None:
        response = self.client_for("anna").post(self.post_url("alva_individual"), headers={"X-Folja-Fragment": "1"})
        html = response.content.decode()
        assert "<html" not in html and "[ar] Inlägg alva_individual" in html

    def test_a_comment_is_translated_from_whatever_language_it_is_in(self) -> None:
        response = self.client_for("anna").post(self.comment_url("staff_to_all"))
        assert response.status_code == 200
        assert "[ar] Kommentar staff_to_all" in response.content.decode()
        assert self.fake.requests[0]["source"] == "auto" and self.fake.requests[0]["format"] == "text"

    def test_a_service_answering_markup_is_not_trusted(self) -> None:
        self.fake.mode = "script"
        html = self.client_for("anna").post(self.post_url("alva_individual")).content.decode()
        assert "<script>alert" not in html
        assert "<script>" not in MachineTranslation.objects.get().text

    def test_the_post_page_offers_the_button_and_its_script(self) -> None:
        html = self.client_for("anna").get(reverse("learninglog:post", args=[self.cast.posts["blue_group"].uuid]))
        html = html.content.decode()
        assert f'action="{self.post_url("blue_group")}"' in html
        assert f'action="{self.comment_url("anna_on_group")}"' in html
        assert "folja/translate" in html
        assert not self.fake.requests  # showing the button sends nothing

    def test_a_swedish_reader_gets_no_button_for_a_swedish_post_but_one_for_comments(self) -> None:
        html = self.client_for("teacher_blue", Role.STAFF).get(
            reverse("learninglog:post", args=[self.cast.posts["blue_group"].uuid])
        )
        html = html.content.decode()
        assert f'action="{self.post_url("blue_group")}"' not in html
        assert f'action="{self.comment_url("anna_on_group")}"' in html
        # Asked all the same, the post page answers that there is nothing to translate, and sends nothing.
        response = self.client_for("teacher_blue", Role.STAFF).post(self.post_url("blue_group"))
        assert response.status_code == 200 and "redan skrivet" in response.content.decode()
        assert not self.fake.requests

    # --- a slow or absent service -------------------------------------------------------------

    def assert_failed_but_readable(self, response) -> None:  # noqa: ANN001
        assert response.status_code == 200
        html = response.content.decode()
        assert FAILED in html
        assert "<p>Text alva_individual</p>" in html
        assert not MachineTranslation.objects.exists()

    @override_settings(FOLJA_TRANSLATION_TIMEOUT_MS=200)
    def test_a_slow_service_fails_the_translation_not_the_post(self) -> None:
        self.fake.mode, self.fake.delay = "slow", 1.5
        with self.assertLogs("folja.translation.actions", "WARNING") as logs:
            response = self.client_for("anna").post(self.post_url("alva_individual"))
        self.assert_failed_but_readable(response)
        (record,) = logs.records
        assert record.getMessage() == "machine translation failed: timeout"
        assert record.object_uuid == str(self.cast.posts["alva_individual"].uuid)
        assert record.language == "ar" and record.backend == "libretranslate"
        assert "Text alva_individual" not in record.getMessage()

    def test_a_service_that_is_down_fails_the_translation_not_the_post(self) -> None:
        with override_settings(FOLJA_LIBRETRANSLATE_URL=_closed_port_url()), self.assertLogs("folja.translation"):
            response = self.client_for("anna").post(self.post_url("alva_individual"))
        self.assert_failed_but_readable(response)

    def test_an_error_or_an_unreadable_answer_fails_the_translation(self) -> None:
        for mode in ("error", "garbage"):
            self.fake.mode = mode
            with self.assertLogs("folja.translation"):
                response = self.client_for("anna").post(self.post_url("alva_individual"))
            self.assert_failed_but_readable(response)

    def test_a_failed_fragment_says_so_for_the_script(self) -> None:
        self.fake.mode = "error"
        with self.assertLogs("folja.translation"):
            response = self.client_for("anna").post(self.post_url("alva_individual"), headers={"X-Folja-Fragment": "1"})
        assert "machine-translation__failed" in response.content.decode()

    def test_the_backend_reports_each_failure_as_a_backend_error(self) -> None:
        backend = LibreTranslate(_closed_port_url(), timeout=0.5)
        with self.assertRaises(BackendError):
            backend.translate(["Hej"], source="sv", target="ar", html=False)

    # --- who may translate what ---------------------------------------------------------------

    def test_a_guardian_cannot_translate_a_post_she_may_not_see(self) -> None:
        for key in ("cecilia", "david"):
            assert self.client_for(key).post(self.post_url("alva_individual")).status_code == 404
        assert self.client_for("anna").post(self.post_url("olle_individual")).status_code == 404
        assert not self.fake.requests

    def test_a_guardian_cannot_translate_another_familys_comment(self) -> None:
        assert self.client_for("anna").post(self.comment_url("cecilia_on_group")).status_code == 404
        assert self.client_for("cecilia").post(self.comment_url("anna_on_group")).status_code == 404
        assert not self.fake.requests

    def test_missing_and_forbidden_answer_alike(self) -> None:
        missing = self.client_for("cecilia").post(
            reverse("translation:post", args=["00000000-0000-0000-0000-000000000000"])
        )
        forbidden = self.client_for("cecilia").post(self.post_url("alva_individual"))
        assert missing.status_code == forbidden.status_code == 404

    def test_a_get_does_not_translate(self) -> None:
        assert self.client_for("anna").get(self.post_url("alva_individual")).status_code == 405
        assert not self.fake.requests

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = Client().post(self.post_url("alva_individual"))
        assert response.status_code == 302 and "/login/" in response["Location"]

    # --- the organisation decides ---------------------------------------------------------------

    def test_nothing_is_sent_while_the_service_is_off(self) -> None:
        TranslationService.objects.update(enabled=False)
        assert self.client_for("anna").post(self.post_url("alva_individual")).status_code == 404
        html = self.client_for("anna").get(reverse("learninglog:post", args=[self.cast.posts["alva_individual"].uuid]))
        assert "translation-post" not in html.content.decode()
        assert not self.fake.requests

    def test_nothing_is_sent_when_the_terms_in_force_do_not_name_the_service(self) -> None:
        newer = terms_publish(organisation=self.cast.org_a, title="Villkor", body="Inga tjänster nämns här.")
        terms_decide(actor=self.cast.viewer("anna", Role.GUARDIAN), terms=newer, accepted=True)
        assert self.client_for("anna").post(self.post_url("alva_individual")).status_code == 404
        assert not self.fake.requests

    def test_another_organisations_posts_are_not_sent(self) -> None:
        # Olle's post is Lärkan's (organisation B), which enabled nothing.
        pia = self.client_for("pia")
        assert pia.post(self.post_url("olle_individual")).status_code in (302, 404)
        assert not self.fake.requests

    # --- query counts ---------------------------------------------------------------------------

    def test_a_kept_translation_costs_the_same_queries_for_a_short_and_a_long_post(self) -> None:
        client = self.client_for("anna")
        client.post(self.post_url("alva_individual"))
        with CaptureQueriesContext(connection) as first:
            client.post(self.post_url("alva_individual"))
        Post.objects.filter(pk=self.cast.posts["alva_individual"].pk).update(body_html="<p>lång</p>" * 200)
        MachineTranslation.objects.update(text="<p>lång</p>" * 200)
        with CaptureQueriesContext(connection) as second:
            client.post(self.post_url("alva_individual"))
        assert len(first) == len(second)
        assert len(first) <= 14, [q["sql"] for q in first.captured_queries]
