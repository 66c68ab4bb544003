"""Schemathesis against the API's own OpenAPI document, every route, as a guardian and a teacher
(their sessions), and as the guardian again through an app's bearer token (OAuth, every scope).

Each operation gets up to MAX_EXAMPLES generated requests per persona, sent to the WSGI app in
this process, with the path's uuids drawn from the cast (children, posts, talks, groups the
persona may and may not see) as well as at random. Every answer must be no server error,
documented (status, content type, schema), and must name no child the persona may not see
(`policy.visible_children`, the access reference).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from folja.access import policy
from folja.access.roles import Role, Viewer
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in

MAX_EXAMPLES = 8
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# A part of a file sent in parts (tus, PATCH /uploads/resumable/{uuid}) is bytes as they are.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
PERSONAS = (("anna", Role.GUARDIAN), ("teacher_blue", Role.STAFF))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _pools(cast, talks) -> dict[str, list[str]]:  # noqa: ANN001
    children = [p for p in cast.persons.values() if p.talks.exists() or p.placements.exists()]
    return {
        "child_uuid": [str(c.uuid) for c in children],
        "post_uuid": [str(p.uuid) for p in cast.posts.values()],
        "talk_uuid": [str(talks[k].uuid) for k in ("alva", "bertil", "alva_previous", "maja_preschool")],
        "group_uuid": [str(g.uuid) for g in (cast.blue, cast.yellow, cast.myran, cast.fklass, cast.humlan)],
        "session_uuid": [str(_upload_session(cast).uuid)],  # Tove's file in parts: she may, Anna may not
    }


def _upload_session(cast):  # noqa: ANN001, ANN202
    from django.utils import timezone

    from folja.media.models import UploadSession

    expires = timezone.now() + dt.timedelta(days=1)
    return UploadSession.objects.create(uploaded_by=cast.teacher_blue, length=100, expires_at=expires)


@pytest.fixture
def world(db) -> Iterator[dict]:  # noqa: ANN001
    from django.utils import timezone

    from folja.api.tests.test_bearer import register_app, token_for
    from folja.oauth.models import Token

    cast = build_cast()
    talks = build_talk_world(cast)
    personas = []
    for key, role in PERSONAS:
        client = sign_in(Client(), cast.persons[key], role)
        client.get("/api/v1/docs")  # sets the csrftoken cookie
        viewer = Viewer(person=cast.persons[key], role=role)
        visible = set(policy.visible_children(viewer).values_list("pk", flat=True))
        hidden_names = {
            p.full_name
            for p in cast.persons.values()
            if p.placements.exists() and p.pk not in visible and p.full_name not in _names_of(cast, visible)
        }
        cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": client.cookies["csrftoken"].value}
        personas.append((key, cookies, {"X-CSRFToken": cookies["csrftoken"]}, hidden_names))
    # Anna's app: the same person and role through a token, no cookie; the same children hidden.
    token = token_for(register_app(), cast.persons["anna"], Role.GUARDIAN)
    Token.objects.update(access_expires_at=timezone.now() + dt.timedelta(days=1))  # outlives the run
    personas.append(("anna by token", {}, {"Authorization": f"Bearer {token}"}, personas[0][3]))
    # The leak check has something to find: children of other families and groups.
    assert {"Bertil Ek", "Olle Vik", "Cleo Berg"} <= personas[0][3]
    assert {"Olle Vik", "Cleo Berg"} <= personas[1][3] and "Bertil Ek" not in personas[1][3]
    # Keep the test's database connection open across the requests sent to the WSGI app in this
    # process, as Django's test client does (the handler closes connections when a request ends).
    # After the test client's requests above: it connects the closing again when it is done.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"personas": personas, "pools": _pools(cast, talks), "counter": itertools.count()}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _names_of(cast, ids: set[int]) -> set[str]:  # noqa: ANN001
    return {p.full_name for p in cast.persons.values() if p.pk in ids}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_route_as_a_guardian_and_a_teacher(case, world) -> None:  # noqa: ANN001
    turn = next(world["counter"])
    for name, pool in world["pools"].items():
        if case.path_parameters and name in case.path_parameters and turn % 3:
            case.path_parameters[name] = pool[turn % len(pool)]
    for key, cookies, headers, hidden_names in world["personas"]:
        response = case.call(cookies=cookies, headers=headers)
        case.validate_response(response, checks=CHECKS)
        text = response.text if "json" in response.headers.get("Content-Type", [""])[0] else ""
        leaked = sorted(n for n in hidden_names if n in text)
        assert leaked == [], f"{case.method} {case.formatted_path} as {key} names {leaked}"
