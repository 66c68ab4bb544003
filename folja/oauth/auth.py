"""Authenticating an API request by its bearer token: `authenticate(request) -> Grant | None`.

The token says who (person), as what (role, a staff token's organisation, the level of assurance)
and for what (scopes), nothing more. Whether the person still holds the role is asked again on
every request, as `ViewerMiddleware` asks for a session, and what they may see is asked of the
access module by the endpoint with `grant.viewer`, as a page asks with `request.viewer`.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from folja.access.roles import Role, Viewer
from folja.directory.models import Person
from folja.oauth import actions
from folja.oauth.models import Token, digest

logger = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "/api/v1/problems/"  # the API's problem types (RFC 9457)


@dataclass(frozen=True)
class Grant:
    """What an access token vouches for on this request."""

    person: Person
    role: Role
    scopes: frozenset[str]
    token_id: uuid.UUID
    authorisation_id: uuid.UUID
    organisation_id: int | None = None
    loa: str = ""

    @property
    def viewer(self) -> Viewer:
        """Return the viewer to ask the access module with: the same as a session's."""
        return Viewer(person=self.person, role=self.role, organisation_id=self.organisation_id, loa=self.loa)


class OAuthProblem(Exception):
    """A refused token (401) or a missing scope (403), answered as a problem (RFC 9457)."""

    status = 401
    kind = "invalid-token"
    error = "invalid_token"

    def __init__(self, reason: str = "", scope: str = "") -> None:
        super().__init__(reason or self.kind)
        self.reason, self.scope = reason, scope

    def title(self) -> str:
        return _("Appens inloggning gäller inte längre. Logga in igen i appen.")

    def response(self) -> HttpResponse:
        """Return the problem, with WWW-Authenticate as RFC 6750 asks."""
        body = {"type": PROBLEM_TYPE_BASE + self.kind, "title": str(self.title()), "status": self.status}
        response = HttpResponse(json.dumps(body), status=self.status, content_type="application/problem+json")
        challenge = f'Bearer realm="folja", error="{self.error}"'
        if self.scope:
            challenge += f', scope="{self.scope}"'
        response["WWW-Authenticate"] = challenge
        return response


class InvalidToken(OAuthProblem):
    pass


class InsufficientScope(OAuthProblem):
    status = 403
    kind = "insufficient-scope"
    error = "insufficient_scope"

    def title(self) -> str:
        return _("Appen har inte fått lov att göra det här. Ge appen fler behörigheter och försök igen.")


def bearer_token(request: HttpRequest) -> str | None:
    """Return the bearer token of the Authorization header, or None when there is none."""
    value = request.headers.get("Authorization", "")
    scheme, _sep, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def authenticate(request: HttpRequest) -> Grant | None:
    """Return the grant of the request's bearer token; None without one (the session may answer).

    Raise `InvalidToken` for an unknown, expired or revoked token, and for one whose person no
    longer holds the role (a relationship ended, a sealed person: R5). The grant is also left on
    `request.oauth_grant` for `require_scope`.
    """
    raw = bearer_token(request)
    if raw is None:
        return None
    token = (
        Token.objects.select_related("authorisation__app", "authorisation__person")
        .filter(access_token_hash=digest(raw))
        .first()
        if raw
        else None
    )
    if token is None:
        raise InvalidToken("unknown")
    authorisation = token.authorisation
    if token.revoked_at is not None or authorisation.revoked_at is not None or not authorisation.app.active:
        raise InvalidToken("revoked")
    if token.access_expires_at <= timezone.now():
        raise InvalidToken("expired")
    if not actions.still_holds(authorisation):
        # Like a session that ends on its next request: the relationship that allowed it is gone.
        logger.info("oauth: token refused, role no longer held", extra={"authorisation": str(authorisation.uuid)})
        raise InvalidToken("role")
    actions.touch(authorisation)
    grant = Grant(
        person=authorisation.person,
        role=Role(authorisation.role),
        scopes=frozenset(token.scope.split()),
        token_id=token.uuid,
        authorisation_id=authorisation.uuid,
        organisation_id=authorisation.organisation_id,
        loa=authorisation.loa,
    )
    request.oauth_grant = grant
    return grant


def require_scope(grant: Grant | None, scope: str) -> None:
    """Raise `InsufficientScope` unless the token was given `scope`. A request without a grant is
    the site's own session (its scripts act as the person on the page) and needs none."""
    if grant is not None and scope not in grant.scopes:
        raise InsufficientScope(scope=scope)
