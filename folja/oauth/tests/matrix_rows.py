"""Rows of the authorization matrix for apps (see folja/access/tests/test_matrix.py).

The authorisation page is for guardians and staff (a child's session gets 403); "Appar och
enheter" shows each person only their own apps: the principal's tablet to the principal alone,
and only the principal may remove it. The token and revocation endpoints answer apps, not
sessions (no cookie is read): they are in PUBLIC_URL_NAMES and tested in test_flow.py.
"""

from __future__ import annotations

from urllib.parse import quote

from folja.access.roles import Role
from folja.access.tests.test_matrix import ROLES, Cell
from folja.oauth.models import AppAuthorisation, digest
from folja.oauth.tests.helpers import DEVICE_ID, REDIRECT_URI, pkce

SIGNED_IN = frozenset(key for key, (person, role) in ROLES.items() if role is not None)
GUARDIANS_AND_STAFF = frozenset(key for key, (person, role) in ROLES.items() if role in (Role.GUARDIAN, Role.STAFF))
DEVICE_NAME = "Rektorns surfplatta"


def build(cast) -> dict[str, str]:  # noqa: ANN001
    from folja.oauth.actions import app_register

    app = app_register(
        name="Matrisappen", client_type="public", redirect_uris=[REDIRECT_URI], allowed_scopes=["children:read"]
    ).app
    authorisation = AppAuthorisation.objects.create(
        app=app,
        person=cast.principal,
        role=Role.STAFF,
        organisation=cast.org_a,
        method="test",
        scopes="children:read",
        device_name=DEVICE_NAME,
        device_id_hash=digest(DEVICE_ID),
    )
    _verifier, challenge = pkce()
    # The cell's query is "client_id=<this>": the rest of the authorisation request follows it.
    rest = (
        f"&response_type=code&redirect_uri={quote(REDIRECT_URI, safe='')}&scope=children%3Aread"
        f"&code_challenge={challenge}&code_challenge_method=S256&device_id={DEVICE_ID}&state=s"
    )
    return {"oauth:authorize": app.client_id + rest, "oauth_authorisation:principal": str(authorisation.uuid)}


def cells() -> list[Cell]:
    return [
        Cell(
            "app authorisation page/read",
            "oauth:authorize",
            "GET",
            GUARDIANS_AND_STAFF,
            query="client_id=oauth:authorize",
            shows=(("*", "Matrisappen"),),
        ),
        Cell(
            "apps and devices/read",
            "oauth:apps",
            "GET",
            SIGNED_IN,
            hides=tuple((key, DEVICE_NAME) for key in ROLES if key != "principal"),
        ),
        Cell(
            "app authorisation/delete",
            "oauth:app_remove",
            "POST",
            frozenset({"principal"}),
            ("oauth_authorisation:principal",),
        ),
    ]
