"""A guardian's day and a teacher's day through `client.py` (the OpenAPI document alone), against
a server the test starts on 127.0.0.1 (Följa's WSGI app in a thread).

Only this harness knows Följa: it builds the test cast and signs the two persons in, as a
completed e-ID sign-in leaves a browser (a session cookie and a CSRF cookie). The client gets
nothing else. Once more, the guardian's day runs as an app: the app (`oauth.py`, from the
document alone) asks for the scopes its operations name, the harness plays the person in the
browser (the two-step sign-in with the test e-ID, then "Tillåt"), and the app exchanges the code
with its PKCE verifier and calls the API with the bearer token, no cookie.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from django.test import Client
from PIL import Image

from folja.access.roles import Role
from folja.media.tests.samples import film_with_location
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in
from tools.api_client.client import ApiClient
from tools.api_client.oauth import OAuthApp, scopes_for

pytestmark = pytest.mark.django_db(transaction=True)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(transactional_db) -> Iterator[str]:  # noqa: ANN001
    """Serve Följa's WSGI app on a free port of 127.0.0.1 in a thread; return its base URL."""
    from django.db import connections

    from config.wsgi import application

    httpd = make_server("127.0.0.1", 0, application, handler_class=_Quiet)

    def serve() -> None:
        try:
            httpd.serve_forever()
        finally:
            connections.close_all()  # the server thread's own connections, so the test database can go

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def _cookies(person, role: Role) -> tuple[str, str]:  # noqa: ANN001
    client = sign_in(Client(), person, role)
    client.get("/api/v1/docs")  # the site sets the CSRF cookie on any page
    return client.cookies["sessionid"].value, client.cookies["csrftoken"].value


def _photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return buffer.getvalue()


GUARDIANS_DAY = [
    ("get", "/api/v1/children"),
    ("get", "/api/v1/children/{child_uuid}/timeline"),
    ("get", "/api/v1/posts/{post_uuid}"),
    ("post", "/api/v1/posts/{post_uuid}/comments"),
    ("get", "/api/v1/children/{child_uuid}/talks"),
    ("get", "/api/v1/talks/{talk_uuid}/slots"),
    ("put", "/api/v1/talks/{talk_uuid}/booking"),
]


def _guardians_day(api: ApiClient, other_child: str) -> None:
    """Cecilia reads Bertil's timeline, comments on a group post and books a talk."""
    children = api.call("get", "/api/v1/children", expect=200).json()
    assert [c["name"] for c in children] == ["Bertil Ek"]
    child = children[0]["uuid"]
    timeline = api.call("get", "/api/v1/children/{child_uuid}/timeline", expect=200, child_uuid=child).json()
    group_post = next(p for p in timeline["items"] if p["kind"] == "group")
    assert [n["name"] for n in group_post["named_children"]] == ["Bertil Ek"]  # R2: no other child
    post = api.call("get", "/api/v1/posts/{post_uuid}", expect=200, post_uuid=group_post["uuid"]).json()
    comment = api.call(
        "post", "/api/v1/posts/{post_uuid}/comments", json={"body": "Tack!"}, expect=201, post_uuid=post["uuid"]
    ).json()
    assert comment["body"] == "Tack!"

    talks = api.call("get", "/api/v1/children/{child_uuid}/talks", expect=200, child_uuid=child).json()
    talk = talks[0]["uuid"]
    slots = api.call("get", "/api/v1/talks/{talk_uuid}/slots", expect=200, talk_uuid=talk).json()
    booked = api.call(
        "put", "/api/v1/talks/{talk_uuid}/booking", json={"slot": slots[0]["uuid"]}, expect=200, talk_uuid=talk
    ).json()
    assert booked["booking"]["uuid"] == slots[0]["uuid"]
    # Another family's child is a 404 problem, as the document says.
    other = api.call("get", "/api/v1/children/{child_uuid}/timeline", child_uuid=other_child)
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"


def test_a_guardians_day_read_the_timeline_comment_and_book_a_talk(server: str) -> None:
    cast = build_cast()
    build_talk_world(cast)
    session, csrf = _cookies(cast.persons["cecilia"], Role.GUARDIAN)
    _guardians_day(ApiClient(server, session=session, csrf=csrf), str(cast.persons["alva"].uuid))


REDIRECT_URI = "se.exempel.familjeappen:/inloggad"
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _person_allows_in_the_browser(server: str, address: str, civic_number: str) -> str:
    """The person in the system browser: opens the app's address, is sent to the two-step sign-in,
    chooses the guardian role and signs in with the test e-ID, comes back and presses "Tillåt".
    Return where the browser is sent: the app's redirect URI with the code."""
    with httpx.Client(base_url=server) as browser:
        to_sign_in = browser.get(address)
        assert to_sign_in.status_code == 302 and "/login/" in to_sign_in.headers["location"]
        assert browser.get(to_sign_in.headers["location"]).status_code == 200  # step 1 remembers `next`
        step_two = browser.get("/login/guardian/test-e-id/")
        token = _CSRF_FIELD.search(step_two.text).group(1)
        signed_in = browser.post(
            "/login/guardian/test-e-id/", data={"civic_number": civic_number, "csrfmiddlewaretoken": token}
        )
        assert signed_in.status_code == 302, signed_in.status_code
        consent = browser.get(signed_in.headers["location"])
        assert consent.status_code == 200 and "Tillåt" in consent.text
        answered = browser.post(
            signed_in.headers["location"],
            data={"answer": "allow", "csrfmiddlewaretoken": _CSRF_FIELD.search(consent.text).group(1)},
        )
        assert answered.status_code == 302, answered.status_code
        return answered.headers["location"]


def test_a_guardians_day_as_an_app_with_a_token_from_the_oauth_flow(server: str, settings) -> None:  # noqa: ANN001
    from folja.oauth.actions import app_register
    from folja.oauth.scopes import SCOPES

    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_BASE_URL = server  # the address OAuth requests are checked against (loopback: allowed)
    cast = build_cast()
    build_talk_world(cast)
    client_id = app_register(
        name="Familjeappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=list(SCOPES)
    ).app.client_id

    api = ApiClient(server)  # no session: the document only
    app = OAuthApp(server, api.document, client_id=client_id, redirect_uri=REDIRECT_URI)
    scopes = scopes_for(api.document, GUARDIANS_DAY)
    assert scopes == ["children:read", "timeline:read", "comments:write", "talks:read", "talks:write"]
    address = app.authorization_url(scopes, device_name="Cecilias telefon")
    tokens = app.exchange(_person_allows_in_the_browser(server, address, cast.persons["cecilia"].civic_number))
    assert set(tokens["scope"].split()) == set(scopes)
    api.use_token(tokens["access_token"])
    assert not api.http.cookies  # an app: the token alone
    _guardians_day(api, str(cast.persons["alva"].uuid))
    # A scope the app did not ask for is refused as the document says (403, a problem).
    refused = api.call("get", "/api/v1/notices")
    assert refused.status_code == 403 and 'scope="notices:read"' in refused.headers["www-authenticate"]
    # The refresh token, from this device, gives new tokens that work.
    renewed = app.refresh(tokens["refresh_token"])
    api.use_token(renewed["access_token"])
    assert api.call("get", "/api/v1/children", expect=200).json()[0]["name"] == "Bertil Ek"


def test_a_teachers_day_compose_a_group_post_with_two_photos(server: str) -> None:
    cast = build_cast()
    session, csrf = _cookies(cast.persons["teacher_blue"], Role.STAFF)
    api = ApiClient(server, session=session, csrf=csrf)

    groups = api.call("get", "/api/v1/groups", expect=200).json()
    group = next(g for g in groups if g["name"] == "Blåbären")
    members = api.call("get", "/api/v1/groups/{group_uuid}/members", expect=200, group_uuid=group["uuid"]).json()
    uploads = [
        api.call(
            "post",
            "/api/v1/uploads",
            files={"file": (f"lek{i}.jpg", _photo((i * 90, 120, 40)), "image/jpeg")},
            expect=201,
        ).json()
        for i in range(2)
    ]
    # A film sent in parts (tus), small parts as on a poor network; it is checked as a file sent at once.
    film = api.upload_in_parts(film_with_location(seconds=1.0), "VID_0001.MOV", part_size=1000)
    post = api.call(
        "post",
        "/api/v1/posts",
        json={
            "group": group["uuid"],
            "kind": "group",
            "children": [m["uuid"] for m in members],
            "title": "Vattenlek",
            "body": "Vi byggde dammar i sandlådan.",
            "activity_date": cast.day.isoformat(),
            "uploads": [u["uuid"] for u in uploads] + [film],
            "publish": True,
            "confirm_photo_consent": True,
        },
        expect=201,
    ).json()
    assert post["status"] == "published" and len(post["media"]) == 3
    assert [m["kind"] for m in post["media"]] == ["image", "image", "video"]
    photo = api.http.get(post["media"][0]["download"])
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"
