"""The JSON API, version 1: `/api/v1/`, its OpenAPI 3.1 document and its reference page (docs/api.md)."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import BaseRenderer

from folja.api import family, posts, problems, staff, talks, uploads
from folja.api.auth import PerPersonThrottle, SessionViewer
from folja.oauth import ninja as oauth_ninja

ROUTERS = (posts.router, staff.router, uploads.router, talks.router, family.router)

DESCRIPTION = """Följa's JSON API: the same rules as the pages, through every door.

Two ways in. An app: an access token from the OAuth 2.1 authorization code flow with PKCE
(`/oauth/authorize/`, `/oauth/token/`), sent as `Authorization: Bearer <token>`; each operation
names the one scope it needs. The site's own scripts: the session cookie, with the `csrftoken`
cookie's value as `X-CSRFToken` on POST, PUT, PATCH and DELETE. Errors are RFC 9457 problem
details (`application/problem+json`); missing and forbidden are both 404. See docs/api.md for
versioning and deprecation, docs/api-auth.md for apps."""


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data)


BEARER, SESSION = "OAuthBearer", "SessionViewer"  # the security schemes' names: ninja's, the classes'


class FoljaAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict:
        """The generated document, with the problem details every operation may answer (RFC 9457)."""
        document = super().get_openapi_schema(*args, **kwargs)
        document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
            problems.Problem.model_json_schema()
        )
        problem = {
            "description": "A problem (RFC 9457): 401 sign-in required, 403 refused (CSRF, terms, assurance), "
            "404 missing or forbidden, 409 refused by a rule, 422 invalid, 429 too many requests (Retry-After); "
            "a file in parts also 400, 409 (Upload-Offset), 411, 412, 413 and 415 (docs/api.md).",
            "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("default", problem)
        self._declare_security(document)
        return document

    def _declare_security(self, document: dict) -> None:
        """Name the bearer scheme what it is (OAuth 2.1, authorization code with PKCE) and give each
        operation the scope its view requires (`scope_required`), beside the session cookie."""
        schemes = document["components"].setdefault("securitySchemes", {})
        schemes[BEARER] = oauth_ninja.security_scheme()
        schemes.get(SESSION, {})["description"] = "The site's own session; CSRF token as X-CSRFToken on writes."
        scopes = {
            self.get_openapi_operation_id(operation): oauth_ninja.operation_scope(operation.view_func)
            for router in ROUTERS
            for path_view in router.path_operations.values()
            for operation in path_view.operations
        }
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("security"):
                    scope = scopes.get(operation.get("operationId"))
                    operation["security"] = [{BEARER: [scope] if scope else []}, {SESSION: []}]


api = FoljaAPI(
    title="Följa",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,  # the reference page is ours, server-rendered (CSP: no script from elsewhere)
    auth=[oauth_ninja.OAuthBearer(), SessionViewer()],  # a bearer token first; without one, the session
    throttle=PerPersonThrottle(),
    renderer=ORJSONRenderer(),
)
problems.install(api)
oauth_ninja.install(api)  # a refused token 401, a missing scope 403: problems with WWW-Authenticate
for _router in ROUTERS:
    api.add_router("", _router)
