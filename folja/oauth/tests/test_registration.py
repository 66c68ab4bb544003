"""Registering apps, the sign-in's way back, HTTPS, and the admin."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from folja.oauth.models import App, ClientType
from folja.oauth.redirects import redirect_uri_problem
from folja.oauth.tests.helpers import HttpsClient, authorize_url, pkce


@pytest.mark.django_db
def test_the_command_registers_a_confidential_app_and_shows_the_secret_once():
    out = io.StringIO()
    call_command(
        "oauth_app", "Arkivet", "--type", "confidential", "--redirect-uri", "https://arkiv.example.se/in",
        "--scopes", "children:read timeline:read", stdout=out,
    )  # fmt: skip
    app = App.objects.get()
    secret = out.getvalue().split("client_secret (shown once, store it now): ")[1].strip()
    assert app.client_type == ClientType.CONFIDENTIAL
    assert app.client_id in out.getvalue()
    assert app.check_secret(secret)
    assert secret not in app.client_secret_hash
    assert not app.check_secret("fel")
    assert app.scope_list() == ["children:read", "timeline:read"]


@pytest.mark.django_db
def test_the_command_refuses_unknown_scopes_and_unsafe_addresses():
    with pytest.raises(CommandError):
        call_command("oauth_app", "X", "--redirect-uri", "https://a.example.se/in", "--scopes", "everything")
    for uri in ("http://app.example.se/in", "https://a.example.se/*", "https://a.example.se/in#x", "myapp:/in"):
        with pytest.raises(CommandError):
            call_command("oauth_app", "X", "--redirect-uri", uri)
    assert not App.objects.exists()


def test_allowed_redirect_uris():
    for uri in ("https://app.example.se/in", "http://127.0.0.1:8765/in", "se.kommun.app:/inloggad"):
        assert redirect_uri_problem(uri) == "", uri


@pytest.mark.django_db
def test_oauth_over_plain_http_is_refused_except_on_loopback(settings):
    from folja.oauth.actions import app_register
    from folja.oauth.tests.helpers import REDIRECT_URI

    app = app_register(
        name="A", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=["children:read"]
    ).app
    _verifier, challenge = pkce()
    settings.FOLJA_BASE_URL = "http://folja.example.se"
    assert HttpsClient().get(authorize_url(app.client_id, challenge)).status_code == 400
    response = Client().post(reverse("oauth:token"), {"grant_type": "refresh_token", "refresh_token": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "insecure_transport"
    settings.FOLJA_BASE_URL = "https://folja.example.se"
    assert Client().get(authorize_url(app.client_id, challenge)).status_code == 302  # to the sign-in


@pytest.mark.django_db
def test_the_sign_in_keeps_only_a_path_on_this_site_as_next(client):
    from folja.accounts.session import NEXT_KEY

    for unsafe in ("https://angripare.example/", "//angripare.example/", "/\\angripare.example"):
        client.get(reverse("accounts:login"), {"next": unsafe})
        assert NEXT_KEY not in client.session, unsafe
    client.get(reverse("accounts:login"), {"next": "/oauth/authorize/?client_id=x"})
    assert client.session[NEXT_KEY] == "/oauth/authorize/?client_id=x"


@pytest.mark.django_db
def test_the_admin_lists_and_edits_apps_but_cannot_add_them(client, django_user_model):
    from folja.oauth.actions import app_register

    app = app_register(
        name="Appen", client_type="public", redirect_uris=["https://a.example.se/in"], allowed_scopes=[]
    ).app
    client.force_login(django_user_model.objects.create_superuser("op", "op@example.se", "a-long-password-1"))
    assert client.get(reverse("admin:oauth_app_changelist")).status_code == 200
    assert client.get(reverse("admin:oauth_app_change", args=[app.pk])).status_code == 200
    assert client.get(reverse("admin:oauth_app_add")).status_code == 403
    response = client.post(
        reverse("admin:oauth_app_change", args=[app.pk]),
        {"name": "Appen", "redirect_uris": "http://a.example.se/in", "allowed_scopes": "children:read", "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    app.refresh_from_db()
    assert app.redirect_uris == "https://a.example.se/in"


@pytest.mark.django_db
def test_the_culling_deletes_only_what_can_no_longer_be_used_and_keeps_the_consent():
    import datetime as dt

    from django.utils import timezone

    from folja.directory.models import Person
    from folja.oauth.actions import app_register, tokens_cull
    from folja.oauth.models import AppAuthorisation, AuthorizationCode, Token, digest

    app = app_register(name="A", client_type="public", redirect_uris=["https://a.example.se/in"], allowed_scopes=[]).app
    person = Person.objects.create(given_name="Test", family_name="Person")
    authorisation = AppAuthorisation.objects.create(
        app=app, person=person, role="guardian", method="test", scopes="", device_id_hash=digest("d" * 16)
    )
    now = timezone.now()
    old, recent = now - dt.timedelta(days=8), now - dt.timedelta(days=1)

    def token(name: str, **fields: object) -> Token:
        values = {
            "access_expires_at": now + dt.timedelta(minutes=10),
            "refresh_expires_at": now + dt.timedelta(days=30),
        }
        values.update(fields)
        return Token.objects.create(
            authorisation=authorisation, access_token_hash=digest(name), refresh_token_hash=digest(name + "r"), **values
        )

    token("live")
    token("refresh-expired-long-ago", refresh_expires_at=old, access_expires_at=old)
    token("revoked-long-ago", revoked_at=old)
    token("revoked-yesterday", revoked_at=recent)
    token("spent-long-ago", rotated_at=old, access_expires_at=old)
    token("spent-yesterday", rotated_at=recent, access_expires_at=recent)
    AuthorizationCode.objects.create(
        code_hash=digest("c1"), authorisation=authorisation, redirect_uri="x", scope="", code_challenge="c",
        code_challenge_method="S256", expires_at=old,
    )  # fmt: skip
    assert tokens_cull() == (1, 3)
    left = set(Token.objects.values_list("access_token_hash", flat=True))
    assert left == {digest("live"), digest("revoked-yesterday"), digest("spent-yesterday")}
    assert AppAuthorisation.objects.filter(pk=authorisation.pk).exists()
