"""A guardian's day and a teacher's day through `client.py` (the OpenAPI document alone), against
a server the test starts on 127.0.0.1 (Följa's WSGI app in a thread).

Only this harness knows Följa: it builds the test cast and signs the two persons in, as a
completed e-ID sign-in leaves a browser (a session cookie and a CSRF cookie). The client gets
nothing else.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.test import Client
from PIL import Image

from folja.access.roles import Role
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in
from tools.api_client.client import ApiClient

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


def test_a_guardians_day_read_the_timeline_comment_and_book_a_talk(server: str) -> None:
    cast = build_cast()
    build_talk_world(cast)
    session, csrf = _cookies(cast.persons["cecilia"], Role.GUARDIAN)
    api = ApiClient(server, session=session, csrf=csrf)

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
    other = api.call("get", "/api/v1/children/{child_uuid}/timeline", child_uuid=str(cast.persons["alva"].uuid))
    assert other.status_code == 404 and other.headers["content-type"] == "application/problem+json"


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
            "uploads": [u["uuid"] for u in uploads],
            "publish": True,
            "confirm_photo_consent": True,
        },
        expect=201,
    ).json()
    assert post["status"] == "published" and len(post["media"]) == 2
    photo = api.http.get(post["media"][0]["download"])
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"
