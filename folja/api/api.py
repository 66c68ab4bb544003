"""The JSON API, version 1: `/api/v1/`, its OpenAPI 3.1 document and its reference page (docs/api.md)."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import BaseRenderer

from folja.api import family, posts, problems, staff, talks
from folja.api.auth import PerPersonThrottle, SessionViewer

DESCRIPTION = """Följa's JSON API: the same rules as the pages, through every door.

Sign in as on the site (the session cookie); send the `csrftoken` cookie's value as `X-CSRFToken`
on POST, PUT, PATCH and DELETE. Errors are RFC 9457 problem details (`application/problem+json`);
missing and forbidden are both 404. See docs/api.md for versioning and deprecation."""


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data)


class FoljaAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict:
        """The generated document, with the problem details every operation may answer (RFC 9457)."""
        document = super().get_openapi_schema(*args, **kwargs)
        document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
            problems.Problem.model_json_schema()
        )
        problem = {
            "description": "A problem (RFC 9457): 401 sign-in required, 403 refused (CSRF, terms, assurance), "
            "404 missing or forbidden, 409 refused by a rule, 422 invalid, 429 too many requests (Retry-After).",
            "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("default", problem)
        return document


api = FoljaAPI(
    title="Följa",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,  # the reference page is ours, server-rendered (CSP: no script from elsewhere)
    auth=SessionViewer(),
    throttle=PerPersonThrottle(),
    renderer=ORJSONRenderer(),
)
problems.install(api)
api.add_router("", posts.router)
api.add_router("", staff.router)
api.add_router("", talks.router)
api.add_router("", family.router)
