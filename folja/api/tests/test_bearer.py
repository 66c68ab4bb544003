"""The API through an app's bearer token (OAuth 2.1, folja/oauth) instead of the session.

Tokens are made through the real flow (`folja/oauth/tests/helpers.py`): the person signs in,
allows the app on the authorisation page, and the app exchanges the code with its PKCE verifier.
A token is answered exactly as its person's session in the same role: the matrix below runs the
API's cells (folja/api/tests/matrix_rows.py) with a token instead of a cookie, twins included.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role
from folja.access.tests.test_matrix import (
    ROLES,
    SECRETS,
    SESSION_ASSURANCE,
    SESSION_ORGANISATION,
    Cell,
    _Matrix,
    _Rollback,
)
from folja.api.api import ROUTERS, api
from folja.api.tests import matrix_rows as api_rows
from folja.api.tests.test_api import _add_posts
from folja.directory.actions import person_seal
from folja.directory.models import Guardianship, Organisation, Person, RelationType
from folja.oauth.actions import app_register, authorisation_revoke
from folja.oauth.models import Token
from folja.oauth.ninja import operation_scope, unscoped_operations
from folja.oauth.scopes import SCOPES
from folja.oauth.tests.helpers import REDIRECT_URI, HttpsClient, authorize_url, exchange, pkce, query_of
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in

PROBLEM = "application/problem+json"
# The roles an app may act in (a child's session cannot allow apps) and the scopes each may hold.
APP_ROLES = (Role.GUARDIAN, Role.STAFF)


def register_app() -> str:
    """Register a public app that may ask for every scope; return its client id."""
    return app_register(
        name="Familjeappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=list(SCOPES)
    ).app.client_id


def token_for(
    client_id: str,
    person: Person,
    role: Role,
    organisation: Organisation | None = None,
    *,
    scope: str | None = None,
    **session: str,
) -> str:
    """The person signs in (`session`: e.g. the method and level of assurance), allows the app with
    `scope` (every scope the role may hold by default) and the app exchanges the code: the token."""
    verifier, challenge = pkce()
    browser = sign_in(HttpsClient(), person, role, organisation, **session)
    wanted = scope if scope is not None else " ".join(SCOPES)
    response = browser.post(authorize_url(client_id, challenge, scope=wanted), {"answer": "allow"})
    assert response.status_code == 302, response.status_code
    code = query_of(response["Location"])["code"]
    answer = exchange(client_id, code, verifier)
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


def bearer(token: str) -> Client:
    """A client that sends the token and never a cookie; CSRF enforced, as a browser would be."""
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


def route_scopes() -> dict[tuple[str, str], str]:
    """(URL name, method) → the scope its view requires, for every API operation."""
    return {
        (f"api:{operation.url_name}", method): operation_scope(operation.view_func)
        for router in ROUTERS
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        for method in operation.methods
    }


def test_every_api_route_requires_a_scope() -> None:
    # Deny by default: a token must never reach an endpoint that names no scope.
    assert unscoped_operations(ROUTERS) == []
    assert all(scope in SCOPES for scope in route_scopes().values())


def test_the_document_declares_the_oauth_flow_and_the_session_cookie() -> None:
    document = api.get_openapi_schema()
    schemes = document["components"]["securitySchemes"]
    flow = schemes["OAuthBearer"]["flows"]["authorizationCode"]
    assert schemes["OAuthBearer"]["type"] == "oauth2"
    assert flow["authorizationUrl"] == reverse("oauth:authorize") and flow["tokenUrl"] == reverse("oauth:token")
    assert set(flow["scopes"]) == set(SCOPES)
    session = schemes["SessionViewer"]
    assert (session["type"], session["in"], session["name"]) == ("apiKey", "cookie", "sessionid")
    timeline = document["paths"]["/api/v1/children/{child_uuid}/timeline"]["get"]
    assert timeline["security"] == [{"OAuthBearer": ["timeline:read"]}, {"SessionViewer": []}]
    booking = document["paths"]["/api/v1/talks/{talk_uuid}/booking"]["put"]
    assert booking["security"] == [{"OAuthBearer": ["talks:write"]}, {"SessionViewer": []}]


@override_settings(FOLJA_TEST_EID_ENABLED=True)
class BearerTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.talks = build_talk_world(cls.cast)
        cls.client_id = register_app()

    def token(self, key: str = "anna", role: Role = Role.GUARDIAN, **kwargs: str) -> str:
        return token_for(self.client_id, self.cast.persons[key], role, **kwargs)

    def timeline_url(self, key: str = "alva") -> str:
        return f"/api/v1/children/{self.cast.persons[key].uuid}/timeline"

    def test_a_guardians_token_reads_her_childs_timeline(self) -> None:
        client = bearer(self.token())
        children = client.get("/api/v1/children")
        assert children.status_code == 200
        assert [c["name"] for c in children.json()] == ["Alva Lind"]
        response = client.get(self.timeline_url())
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        assert items and all(n["name"] != "Bertil Ek" for p in items for n in p["named_children"])
        assert "sessionid" not in response.cookies  # a token starts no session
        me = client.get("/api/v1/me").json()
        assert me["role"] == "guardian" and me["uuid"] == str(self.cast.anna.uuid)

    def test_a_bearer_write_needs_no_csrf_token_and_a_session_write_still_does(self) -> None:
        post = self.cast.posts["blue_group"]
        url = f"/api/v1/posts/{post.uuid}/comments"
        response = bearer(self.token()).post(url, {"body": "Tack!"}, content_type="application/json")
        assert response.status_code == 201, response.content
        session = sign_in(Client(enforce_csrf_checks=True), self.cast.anna, Role.GUARDIAN)
        refused = session.post(url, {"body": "Tack!"}, content_type="application/json")
        assert refused.status_code == 403 and refused.json()["type"] == "/api/v1/problems/csrf"

    def test_a_token_without_the_scope_is_403_naming_the_scope(self) -> None:
        client = bearer(self.token(scope="children:read"))
        assert client.get("/api/v1/children").status_code == 200
        response = client.get(self.timeline_url())
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert response.json()["type"] == "/api/v1/problems/insufficient-scope"
        assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
        assert 'scope="timeline:read"' in response["WWW-Authenticate"]
        assert "Alva" not in response.content.decode()
        # A write needs its own scope, even where reading is allowed.
        reader = bearer(self.token(scope="timeline:read"))
        post = self.cast.posts["blue_group"]
        refused = reader.post(f"/api/v1/posts/{post.uuid}/comments", {"body": "x"}, content_type="application/json")
        assert refused.status_code == 403 and 'scope="comments:write"' in refused["WWW-Authenticate"]

    def test_an_expired_or_revoked_token_is_401_with_www_authenticate(self) -> None:
        expired = self.token()
        Token.objects.update(access_expires_at=timezone.now() - dt.timedelta(seconds=1))
        revoked = self.token()
        authorisation_revoke(Token.objects.order_by("-issued_at").first().authorisation, reason="person")
        for token in (expired, revoked, "not-a-token"):
            response = bearer(token).get(self.timeline_url())
            assert response.status_code == 401, token
            assert response["Content-Type"] == PROBLEM
            assert response.json()["type"] == "/api/v1/problems/invalid-token"
            assert response["WWW-Authenticate"] == 'Bearer realm="folja", error="invalid_token"'
            assert "Alva" not in response.content.decode()

    def test_a_bad_token_is_not_answered_by_the_session_beside_it(self) -> None:
        # A refused token is refused, even when the request also carries a valid session cookie.
        client = sign_in(Client(), self.cast.anna, Role.GUARDIAN)
        response = client.get(self.timeline_url(), HTTP_AUTHORIZATION="Bearer not-a-token")
        assert response.status_code == 401

    def test_custody_ended_the_child_is_gone_and_sealed_the_token_is_401(self) -> None:
        Guardianship.objects.create(
            organisation=self.cast.org_a,
            child=self.cast.bertil,
            responsible=self.cast.anna,
            relation_type=RelationType.GUARDIAN,
        )
        client = bearer(self.token())
        assert client.get(self.timeline_url()).status_code == 200
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        gone = client.get(self.timeline_url())
        assert gone.status_code == 404 and gone["Content-Type"] == PROBLEM
        assert client.get(self.timeline_url("bertil")).status_code == 200  # still her token
        person_seal(person=self.cast.anna, reason="test", source="test")
        sealed = client.get(self.timeline_url("bertil"))
        assert sealed.status_code == 401 and sealed.json()["type"] == "/api/v1/problems/invalid-token"

    def test_a_staff_token_cannot_reach_guardian_routes_nor_a_guardian_token_staff_routes(self) -> None:
        talk = self.talks["alva"]
        staff = bearer(self.token("teacher_blue", Role.STAFF))
        assert staff.get(self.timeline_url()).status_code == 200  # connected staff read the timeline
        assert staff.get(f"/api/v1/talks/{talk.uuid}/slots").status_code == 404
        assert staff.delete(f"/api/v1/talks/{talk.uuid}/booking").status_code == 404
        guardian = bearer(self.token())
        assert guardian.get("/api/v1/talks").status_code == 404
        coverage = guardian.get(f"/api/v1/groups/{self.cast.blue.uuid}/coverage")
        # A guardian can never hold "coverage:read" (scopes fit the role): refused before the rule.
        assert coverage.status_code == 403 and "Blåbären" not in coverage.content.decode()

    def test_the_rate_limit_counts_a_tokens_person(self) -> None:
        from django.core.cache import cache

        client = bearer(self.token())
        cache.clear()
        with override_settings(FOLJA_API_RATE_LIMIT=2):
            answers = [client.get("/api/v1/children") for _ in range(3)]
        cache.clear()
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2]["Retry-After"]) >= 1


# The token with its authorisation, app and person in one query takes the place of the session's
# row and its user: the same rules, asked with one query fewer than through the session.
BEARER_SAVES = 1


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm per-process tables (goals) and record the token's use (once a minute)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@override_settings(FOLJA_TEST_EID_ENABLED=True)
def test_a_bearer_timeline_asks_the_database_a_fixed_number_of_times() -> None:
    cast = build_cast()
    token = token_for(register_app(), cast.anna, Role.GUARDIAN)
    url = f"/api/v1/children/{cast.alva.uuid}/timeline"
    _add_posts(cast, 2)
    few = _queries(bearer(token), url)
    _add_posts(cast, 20)
    many = _queries(bearer(token), url)
    session = _queries(sign_in(Client(), cast.anna, Role.GUARDIAN), url)
    assert few == many
    assert many == session - BEARER_SAVES, (many, session)


class BearerMatrixTests(_Matrix, TestCase):
    """The API's matrix cells through a token: each guardian and staff role answered as its
    session is (twins included), except where the role can never hold the route's scope (403)."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.build_world()
        client_id = register_app()
        cls.bearer_tokens: dict[str, str] = {}
        with override_settings(FOLJA_TEST_EID_ENABLED=True):
            for key, (person_key, role) in ROLES.items():
                if role not in APP_ROLES:
                    continue
                organisation = getattr(cls.cast, SESSION_ORGANISATION[key]) if key in SESSION_ORGANISATION else None
                cls.bearer_tokens[key] = token_for(
                    client_id,
                    cls.cast.persons[person_key],
                    role,
                    organisation,
                    **SESSION_ASSURANCE.get(key, {}),
                )
        # The matrix takes longer than an access token lives (10 minutes): the same tokens, kept valid.
        Token.objects.update(access_expires_at=timezone.now() + dt.timedelta(days=1))
        cls.scopes = route_scopes()

    def client_for(self, role_key: str) -> Client:
        return bearer(self.bearer_tokens[role_key])

    def assert_scope_refused(self, cell: Cell, role_key: str) -> None:
        response = self.request(self.client_for(role_key), cell)
        label = f"{cell.name} as {role_key} by token"
        assert response.status_code == 403, f"{label}: expected 403, got {response.status_code}"
        if cell.method != "HEAD":  # a HEAD answer has no body: the status and the header say it
            assert response.json()["type"] == "/api/v1/problems/insufficient-scope", label
        assert 'error="insufficient_scope"' in response.get("WWW-Authenticate", ""), label
        for token in cell.args:
            secret = SECRETS.get(token)
            assert not secret or secret.encode() not in response.content, f"{label}: leaked {secret}"

    def test_every_api_cell_through_a_token(self) -> None:
        from django.db import transaction

        checked = 0
        for cell in api_rows.cells():
            scope = self.scopes[(cell.url_name, cell.method)]
            for role_key in self.bearer_tokens:
                role = ROLES[role_key][1]
                with self.subTest(cell=cell.name, role=role_key):
                    try:
                        with transaction.atomic():
                            if role in SCOPES[scope].roles:
                                self.assert_cell(cell, role_key)
                            else:
                                self.assert_scope_refused(cell, role_key)
                            checked += 1
                            raise _Rollback
                    except _Rollback:
                        pass
        assert checked == len(api_rows.cells()) * len(self.bearer_tokens)
