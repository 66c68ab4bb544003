"""The whole flow, as an app lives it: authorise with the e-ID sign-in, exchange the code with
PKCE, call a protected endpoint, refresh, and be removed from the settings page."""

from __future__ import annotations

import datetime as dt
import logging

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from folja.access.policy import visible_children
from folja.access.roles import Role, Viewer
from folja.directory.actions import person_seal
from folja.directory.models import Guardianship, RelationType
from folja.oauth.actions import app_register
from folja.oauth.models import AppAuthorisation, Token
from folja.oauth.scopes import SCOPES
from folja.oauth.tests.helpers import (
    ALL_SCOPES,
    DEVICE_ID,
    REDIRECT_URI,
    HttpsClient,
    allow,
    authorize_url,
    call,
    exchange,
    pkce,
    query_of,
    refresh,
)
from folja.testing.cast import build_cast


@override_settings(ROOT_URLCONF="folja.oauth.tests.urls", FOLJA_TEST_EID_ENABLED=True)
class FlowTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.app = app_register(
            name="Familjeappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=list(SCOPES)
        ).app

    def tokens_for(self, person_key: str = "anna", role: Role = Role.GUARDIAN, **overrides: str) -> dict:
        code, verifier, _browser = allow(self.cast.persons[person_key], role, self.app.client_id, **overrides)
        response = exchange(self.app.client_id, code, verifier)
        assert response.status_code == 200, response.content
        return response.json()

    def test_guardian_signs_in_with_e_id_allows_the_app_and_the_app_reads_her_children(self) -> None:
        anna = self.cast.anna
        expected = sorted(visible_children(Viewer(anna, Role.GUARDIAN)).values_list("given_name", flat=True))
        assert "Alva" in expected
        verifier, challenge = pkce()
        browser = HttpsClient()
        url = authorize_url(self.app.client_id, challenge)

        # Not signed in: to the same two-step sign-in as the site's, with the way back.
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
        assert browser.get(response["Location"]).status_code == 200  # step 1: the role
        assert browser.get(reverse("accounts:login_role", args=["guardian"])).status_code == 200  # step 2
        response = browser.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": anna.civic_number})
        assert response.status_code == 302
        assert response["Location"] == url  # back to the authorisation page

        # The consent page: the app's name and the scopes in plain Swedish, for a guardian only.
        page = browser.get(url)
        assert page.status_code == 200
        assert "Familjeappen" in page.content.decode()
        assert "Läsa lärloggen: inlägg, bilder och filmer" in page.content.decode()
        assert "Svara på frågor om samtycke" in page.content.decode()
        assert "Skriva, publicera och ändra inlägg" not in page.content.decode()  # a staff scope

        response = browser.post(url, {"answer": "allow"})
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith(REDIRECT_URI + "?")
        params = query_of(location)
        assert params["state"] == "st4te"
        assert anna.civic_number not in location

        # The consent is recorded: app, person, role, device, scopes.
        authorisation = AppAuthorisation.objects.get(app=self.app, person=anna)
        assert authorisation.role == Role.GUARDIAN
        assert authorisation.device_name == "Annas telefon"
        assert "consent:write" in authorisation.scope_list()
        assert "posts:write" not in authorisation.scope_list()

        response = exchange(self.app.client_id, params["code"], verifier)
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        tokens = response.json()
        assert tokens["token_type"].lower() == "bearer"
        assert tokens["expires_in"] == 600
        assert tokens["refresh_token"]
        assert anna.civic_number not in response.content.decode()

        answer = call(tokens["access_token"])
        assert answer.status_code == 200
        assert answer.json() == {"role": "guardian", "children": expected}
        # The same through the django-ninja adapter.
        answer = call(tokens["access_token"], "/test-ninja/children")
        assert answer.status_code == 200
        assert answer.json() == {"role": "guardian", "children": expected}

        # Refresh: a new pair; the old refresh token is spent.
        response = refresh(self.app.client_id, tokens["refresh_token"])
        assert response.status_code == 200, response.content
        renewed = response.json()
        assert renewed["refresh_token"] != tokens["refresh_token"]
        assert renewed["access_token"] != tokens["access_token"]
        assert call(renewed["access_token"]).status_code == 200

        # "Appar och enheter" lists it with its device; "Ta bort" revokes it at once.
        settings_page = browser.get(reverse("oauth:apps"))
        assert settings_page.status_code == 200
        assert "Familjeappen" in settings_page.content.decode()
        assert "Annas telefon" in settings_page.content.decode()
        assert "senast använd" in settings_page.content.decode()
        response = browser.post(reverse("oauth:app_remove", args=[authorisation.uuid]))
        assert response.status_code == 302
        refused = call(renewed["access_token"])
        assert refused.status_code == 401
        assert refused["Content-Type"] == "application/problem+json"
        assert 'error="invalid_token"' in refused["WWW-Authenticate"]
        assert refresh(self.app.client_id, renewed["refresh_token"]).status_code == 400
        assert "Familjeappen" not in browser.get(reverse("oauth:apps")).content.decode()

    def test_staff_token_carries_role_and_organisation(self) -> None:
        tokens = self.tokens_for("teacher_blue", Role.STAFF)
        authorisation = AppAuthorisation.objects.get(person=self.cast.teacher_blue)
        assert authorisation.organisation_id == self.cast.org_a.pk
        assert "posts:write" in authorisation.scope_list()
        assert "consent:write" not in authorisation.scope_list()
        answer = call(tokens["access_token"])
        expected = sorted(
            visible_children(Viewer(self.cast.teacher_blue, Role.STAFF, self.cast.org_a.pk)).values_list(
                "given_name", flat=True
            )
        )
        assert answer.json() == {"role": "staff", "children": expected}
        assert "Alva" in expected

    def test_a_child_session_cannot_allow_an_app(self) -> None:
        from folja.testing.sessions import sign_in

        _verifier, challenge = pkce()
        browser = sign_in(HttpsClient(), self.cast.alva, Role.CHILD)
        response = browser.post(authorize_url(self.app.client_id, challenge), {"answer": "allow"})
        assert response.status_code == 403
        assert not AppAuthorisation.objects.exists()

    def test_declining_sends_access_denied_and_records_nothing(self) -> None:
        from folja.testing.sessions import sign_in

        _verifier, challenge = pkce()
        browser = sign_in(HttpsClient(), self.cast.anna, Role.GUARDIAN)
        response = browser.post(authorize_url(self.app.client_id, challenge), {"answer": "deny"})
        assert response.status_code == 302
        assert query_of(response["Location"]) == {"error": "access_denied", "state": "st4te"}
        assert not AppAuthorisation.objects.exists()

    def test_a_token_answers_with_the_access_module_after_one_custody_ends(self) -> None:
        # Anna is also Bertil's guardian; her custody of Alva ends (the SIS removes it).
        Guardianship.objects.create(
            organisation=self.cast.org_a,
            child=self.cast.bertil,
            responsible=self.cast.anna,
            relation_type=RelationType.GUARDIAN,
        )
        tokens = self.tokens_for()
        before = call(tokens["access_token"]).json()["children"]
        assert "Alva" in before and "Bertil" in before
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        answer = call(tokens["access_token"])
        assert answer.status_code == 200  # still her token
        assert "Alva" not in answer.json()["children"]  # but Alva is gone, on the very next request
        assert "Bertil" in answer.json()["children"]

    def test_a_guardian_whose_last_custody_ended_gets_401(self) -> None:
        tokens = self.tokens_for()
        Guardianship.objects.filter(responsible=self.cast.anna).delete()
        assert call(tokens["access_token"]).status_code == 401
        assert refresh(self.app.client_id, tokens["refresh_token"]).status_code == 400

    def test_a_sealed_person_gets_401(self) -> None:
        tokens = self.tokens_for()
        person_seal(person=self.cast.anna, reason="test", source="test")
        response = call(tokens["access_token"])
        assert response.status_code == 401
        assert "Anna" not in response.content.decode()
        assert refresh(self.app.client_id, tokens["refresh_token"]).status_code == 400

    def test_staff_whose_duty_ended_gets_401(self) -> None:
        tokens = self.tokens_for("teacher_blue", Role.STAFF)
        from folja.directory.models import Duty

        Duty.objects.filter(person=self.cast.teacher_blue).update(end_date=timezone.localdate() - dt.timedelta(days=1))
        assert call(tokens["access_token"]).status_code == 401

    def test_an_expired_access_token_gets_401_and_the_refresh_token_still_works(self) -> None:
        tokens = self.tokens_for()
        Token.objects.update(access_expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = call(tokens["access_token"])
        assert response.status_code == 401
        assert response.json()["type"] == "/api/v1/problems/invalid-token"
        renewed = refresh(self.app.client_id, tokens["refresh_token"])
        assert renewed.status_code == 200
        assert call(renewed.json()["access_token"]).status_code == 200

    def test_an_expired_refresh_token_is_refused(self) -> None:
        tokens = self.tokens_for()
        Token.objects.update(refresh_expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = refresh(self.app.client_id, tokens["refresh_token"])
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_an_unknown_or_malformed_token_gets_401(self) -> None:
        assert call("not-a-token").status_code == 401
        assert HttpsClient().get("/test-api/children/", HTTP_AUTHORIZATION="Bearer ").status_code == 401
        assert HttpsClient().get("/test-api/children/").status_code == 401  # no token: the view's own answer

    def test_a_token_without_the_scope_gets_403(self) -> None:
        tokens = self.tokens_for(scope="timeline:read")
        for path in ("/test-api/children/", "/test-ninja/children"):
            response = call(tokens["access_token"], path)
            assert response.status_code == 403
            assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
            assert 'scope="children:read"' in response["WWW-Authenticate"]

    def test_the_ninja_adapter_lists_endpoints_without_a_scope(self) -> None:
        from folja.oauth.ninja import unscoped_operations
        from folja.oauth.tests.urls import router

        assert unscoped_operations([router]) == ["GET /unscoped"]

    def test_refresh_token_reuse_revokes_the_family(self) -> None:
        tokens = self.tokens_for()
        renewed = refresh(self.app.client_id, tokens["refresh_token"]).json()
        assert call(renewed["access_token"]).status_code == 200
        # The first refresh token again (stolen and replayed, or a confused app): everything goes.
        replay = refresh(self.app.client_id, tokens["refresh_token"])
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        assert call(renewed["access_token"]).status_code == 401
        assert refresh(self.app.client_id, renewed["refresh_token"]).status_code == 400
        assert AppAuthorisation.objects.get().revoked_reason == "reuse"

    def test_refresh_from_another_device_revokes_the_family(self) -> None:
        tokens = self.tokens_for()
        response = refresh(self.app.client_id, tokens["refresh_token"], device_id="en-annan-enhet-0123456789")
        assert response.status_code == 400
        assert call(tokens["access_token"]).status_code == 401
        assert AppAuthorisation.objects.get().revoked_reason == "device"
        assert refresh(self.app.client_id, tokens["refresh_token"], device_id="").status_code == 400

    def test_the_app_revokes_its_own_token(self) -> None:
        tokens = self.tokens_for()
        response = HttpsClient().post(
            reverse("oauth:revoke"),
            {"token": tokens["refresh_token"], "token_type_hint": "refresh_token", "client_id": self.app.client_id},
        )
        assert response.status_code == 200
        assert call(tokens["access_token"]).status_code == 401
        assert not AppAuthorisation.objects.filter(revoked_at__isnull=True).exists()

    def test_authentication_takes_a_fixed_number_of_queries(self) -> None:
        tokens = self.tokens_for()
        call(tokens["access_token"])  # records the use: the next calls within a minute write nothing
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert call(tokens["access_token"]).status_code == 200
        # The token with its authorisation, app and person (1); the guardian's children, asked by
        # the relationship check and memoised for the request, so the view's filter reuses them (1);
        # the view's own list (1).
        assert len(queries) == 3, [q["sql"][:90] for q in queries]

    def test_civic_numbers_never_reach_the_logs(self) -> None:
        anna = self.cast.anna
        with self.assertLogs("folja", level=logging.INFO) as logs:
            tokens = self.tokens_for()
            refresh(self.app.client_id, tokens["refresh_token"])
            refresh(self.app.client_id, tokens["refresh_token"])  # reuse: a warning
            person_seal(person=anna, reason="test", source="test")
            call(tokens["access_token"])
        text = "\n".join(logs.output) + "".join(str(getattr(r, "__dict__", "")) for r in logs.records)
        assert anna.civic_number not in text
        assert anna.civic_number[2:] not in text


@override_settings(ROOT_URLCONF="folja.oauth.tests.urls")
class ProfileTests(TestCase):
    """The OAuth 2.1 profile: what is refused, and how."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.app = app_register(
            name="Familjeappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=list(SCOPES)
        ).app
        cls.web = app_register(
            name="Kommunens webbtjänst",
            client_type="confidential",
            redirect_uris=[REDIRECT_URI],
            allowed_scopes=["children:read"],
        )

    def browser(self) -> HttpsClient:
        from folja.testing.sessions import sign_in

        return sign_in(HttpsClient(), self.cast.anna, Role.GUARDIAN)

    def test_the_token_endpoint_is_rate_limited_per_address_with_retry_after(self) -> None:
        from django.core.cache import cache

        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        cache.clear()
        with override_settings(FOLJA_SIGNIN_ADDRESS_RATE_LIMIT=2):
            answers = [exchange(self.app.client_id, "no-such-code", verifier) for _ in range(2)]
            refused = exchange(self.app.client_id, code, verifier)
        assert [a.status_code for a in answers] == [400, 400]
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) >= 1 and refused["Cache-Control"] == "no-store"
        assert refused.json()["error"] == "too_many_requests"
        cache.clear()
        # The refused request did not spend the code: once the window is over it still works.
        assert exchange(self.app.client_id, code, verifier).status_code == 200

    def test_a_wrong_verifier_is_refused(self) -> None:
        code, _verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        other_verifier, _challenge = pkce()
        response = exchange(self.app.client_id, code, other_verifier)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
        assert not Token.objects.exists()

    def test_a_missing_verifier_is_refused(self) -> None:
        code, _verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        response = exchange(self.app.client_id, code, None)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert not Token.objects.exists()

    def test_an_authorisation_request_without_pkce_or_with_plain_is_refused(self) -> None:
        for overrides in ({"code_challenge": None, "code_challenge_method": None}, {"code_challenge_method": "plain"}):
            _verifier, challenge = pkce()
            response = self.browser().get(authorize_url(self.app.client_id, challenge, **overrides))
            assert response.status_code == 302, overrides
            assert query_of(response["Location"])["error"] == "invalid_request"

    def test_a_wrong_redirect_uri_gets_a_page_and_never_a_redirect(self) -> None:
        _verifier, challenge = pkce()
        for uri in ("se.exempel.familjeappen:/inloggad/", "https://angripare.example/inloggad", REDIRECT_URI + "?x=1"):
            response = self.browser().get(authorize_url(self.app.client_id, challenge, redirect_uri=uri))
            assert response.status_code == 400, uri
            assert "Location" not in response
        response = self.browser().get(authorize_url(self.app.client_id, challenge, redirect_uri=None))
        assert response.status_code == 400  # no redirect_uri at all

    def test_an_unknown_app_gets_a_page(self) -> None:
        _verifier, challenge = pkce()
        response = self.browser().get(authorize_url("no-such-app", challenge))
        assert response.status_code == 400
        assert "Appen kunde inte kopplas" in response.content.decode()

    def test_the_redirect_uri_of_the_token_request_must_match(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        response = exchange(self.app.client_id, code, verifier, redirect_uri="se.exempel.familjeappen:/annan")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_a_reused_code_is_refused_and_revokes_what_the_first_use_got(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        first = exchange(self.app.client_id, code, verifier)
        assert first.status_code == 200
        second = exchange(self.app.client_id, code, verifier)
        assert second.status_code == 400
        assert second.json()["error"] == "invalid_grant"
        assert call(first.json()["access_token"]).status_code == 401

    def test_an_expired_code_is_refused(self) -> None:
        from folja.oauth.models import AuthorizationCode

        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        AuthorizationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert exchange(self.app.client_id, code, verifier).status_code == 400

    def test_implicit_and_password_grants_do_not_exist(self) -> None:
        _verifier, challenge = pkce()
        response = self.browser().get(authorize_url(self.app.client_id, challenge, response_type="token"))
        assert response.status_code == 302
        assert query_of(response["Location"])["error"] == "unsupported_response_type"
        assert "access_token" not in response["Location"]
        for grant_type in ("password", "client_credentials", "implicit"):
            response = HttpsClient().post(
                reverse("oauth:token"),
                {"grant_type": grant_type, "client_id": self.app.client_id, "username": "anna", "password": "x"},
            )
            assert response.status_code == 400, grant_type
            assert response.json()["error"] == "unsupported_grant_type"

    def test_a_confidential_app_must_send_its_secret(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.web.app.client_id, scope="children:read")
        without = exchange(self.web.app.client_id, code, verifier)
        assert without.status_code == 401
        assert without.json()["error"] == "invalid_client"
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.web.app.client_id, scope="children:read")
        wrong = exchange(self.web.app.client_id, code, verifier, client_secret="fel")
        assert wrong.status_code == 401
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.web.app.client_id, scope="children:read")
        right = exchange(self.web.app.client_id, code, verifier, client_secret=self.web.client_secret)
        assert right.status_code == 200, right.content
        assert right.json()["scope"] == "children:read"

    def test_a_code_given_to_one_app_cannot_be_exchanged_by_another(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        response = exchange(self.web.app.client_id, code, verifier, client_secret=self.web.client_secret)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_scopes_the_app_may_not_ask_for_are_dropped_and_none_left_is_refused(self) -> None:
        _verifier, challenge = pkce()
        response = self.browser().get(authorize_url(self.web.app.client_id, challenge, scope="posts:write"))
        assert response.status_code == 302
        assert query_of(response["Location"])["error"] == "invalid_scope"

    def test_a_missing_or_odd_device_id_is_refused(self) -> None:
        for device_id in (None, "kort", "med mellanslag och mer än sexton tecken"):
            _verifier, challenge = pkce()
            response = self.browser().get(authorize_url(self.app.client_id, challenge, device_id=device_id))
            assert response.status_code == 302, device_id
            assert query_of(response["Location"])["error"] == "invalid_request"

    def test_an_inactive_app_cannot_sign_anyone_in_and_its_tokens_stop(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        tokens = exchange(self.app.client_id, code, verifier).json()
        type(self.app).objects.filter(pk=self.app.pk).update(active=False)
        assert call(tokens["access_token"]).status_code == 401
        _verifier, challenge = pkce()
        assert self.browser().get(authorize_url(self.app.client_id, challenge)).status_code == 400

    def test_tokens_are_stored_only_as_digests(self) -> None:
        code, verifier, _browser = allow(self.cast.anna, Role.GUARDIAN, self.app.client_id)
        tokens = exchange(self.app.client_id, code, verifier).json()
        stored = Token.objects.values_list("access_token_hash", "refresh_token_hash").get()
        assert tokens["access_token"] not in stored and tokens["refresh_token"] not in stored

    def test_the_all_scopes_constant_covers_every_scope(self) -> None:
        assert set(ALL_SCOPES.split()) == set(SCOPES)
        assert DEVICE_ID


@override_settings(ROOT_URLCONF="folja.oauth.tests.urls")
class SettingsPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.app = app_register(
            name="Familjeappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=list(SCOPES)
        ).app

    def add(self, person_key: str, count: int) -> None:
        from folja.oauth.models import digest

        for n in range(count):
            AppAuthorisation.objects.create(
                app=self.app,
                person=self.cast.persons[person_key],
                role=Role.GUARDIAN,
                method="test",
                scopes="children:read timeline:read",
                device_name=f"Telefon {n}",
                device_id_hash=digest(f"{DEVICE_ID}-{n}"),
            )

    def queries_for_page(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from folja.testing.sessions import sign_in

        browser = sign_in(HttpsClient(), self.cast.anna, Role.GUARDIAN)
        browser.get(reverse("oauth:apps"))
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(reverse("oauth:apps"))
        assert response.status_code == 200
        return len(queries)

    def test_the_page_takes_as_many_queries_for_2_apps_as_for_20(self) -> None:
        self.add("anna", 2)
        two = self.queries_for_page()
        self.add("anna", 18)
        assert self.queries_for_page() == two

    def test_the_page_shows_only_the_persons_own_apps_and_removing_another_persons_is_404(self) -> None:
        from folja.testing.sessions import sign_in

        self.add("cecilia", 1)
        other = AppAuthorisation.objects.get(person=self.cast.cecilia)
        browser = sign_in(HttpsClient(), self.cast.anna, Role.GUARDIAN)
        assert "Telefon 0" not in browser.get(reverse("oauth:apps")).content.decode()
        assert browser.post(reverse("oauth:app_remove", args=[other.uuid])).status_code == 404
        other.refresh_from_db()
        assert other.revoked_at is None

    def test_a_person_removes_their_staff_app_from_their_guardian_session(self) -> None:
        from folja.testing.sessions import sign_in

        johan = self.cast.johan  # Alva's guardian who also teaches at Granen
        AppAuthorisation.objects.create(
            app=self.app,
            person=johan,
            role=Role.STAFF,
            organisation=self.cast.org_a,
            method="test",
            scopes="posts:write",
            device_name="Skolans surfplatta",
            device_id_hash="x" * 64,
        )
        browser = sign_in(HttpsClient(), johan, Role.GUARDIAN)
        page = browser.get(reverse("oauth:apps")).content.decode()
        assert "Skolans surfplatta" in page
        authorisation = AppAuthorisation.objects.get(person=johan)
        assert browser.post(reverse("oauth:app_remove", args=[authorisation.uuid])).status_code == 302
        authorisation.refresh_from_db()
        assert authorisation.revoked_reason == "person"
