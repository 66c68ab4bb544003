"""The thin adapter for the django-ninja API (folja/api, decision 0005): bearer tokens beside the session.

    from folja.oauth.ninja import OAuthBearer, install, scope_required

    api = FoljaAPI(..., auth=[OAuthBearer(), SessionViewer()])
    install(api)                       # 401/403 problems for refused tokens and missing scopes

    @router.get("/children", ...)
    @scope_required("children:read")
    def children(request): viewer = viewer_of(request) ...

A request with a bearer token is answered as the token's person in the token's role: the adapter
sets `request.viewer` (what `viewer_of` and every access function read), so an endpoint needs no
other change. Without a bearer token ninja asks the next auth class (the session, with CSRF).
`unscoped_operations([posts.router, ...])` lists the endpoints without `scope_required`, for a test
that fails on one (deny by default: a token must never reach an endpoint no scope names).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer

from folja.access.roles import Viewer
from folja.oauth.auth import OAuthProblem, authenticate, require_scope

SCOPE_ATTRIBUTE = "folja_oauth_scope"


class OAuthBearer(HttpBearer):
    """`Authorization: Bearer <access token>`: the token's viewer, asked again on every request.

    In the OpenAPI document ninja names it a plain bearer scheme; `security_scheme()` is what the
    API's document puts there instead: the OAuth 2.1 authorization code flow with every scope.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Viewer | None:
        grant = authenticate(request)
        if grant is None:
            return None
        request.viewer = grant.viewer
        return request.viewer


def security_scheme() -> dict[str, Any]:
    """Return the OpenAPI security scheme of bearer tokens: the authorization code flow (PKCE, S256)
    at this site's endpoints, with every scope and its description in the reader's language."""
    from django.urls import reverse

    from folja.oauth.scopes import SCOPES

    return {
        "type": "oauth2",
        "description": "OAuth 2.1: authorization code with PKCE (S256) and a `device_id`; "
        "send `Authorization: Bearer <access token>`. See docs/api-auth.md.",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": reverse("oauth:authorize"),
                "tokenUrl": reverse("oauth:token"),
                "refreshUrl": reverse("oauth:token"),
                "scopes": {name: str(scope.description) for name, scope in SCOPES.items()},
            }
        },
    }


def scope_required(scope: str) -> Callable:
    """Refuse a bearer request whose token lacks `scope` (403); a session request passes."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require_scope(getattr(request, "oauth_grant", None), scope)
            return view(request, *args, **kwargs)

        setattr(wrapper, SCOPE_ATTRIBUTE, scope)
        # ninja reads the view's parameters from its signature and resolves string annotations
        # (`from __future__ import annotations`) in the globals of the function it is given, this
        # module's: give it the view's signature, resolved in the view's own module. An annotation
        # naming something defined later in that module is left as it is (ninja's own behaviour).
        with contextlib.suppress(NameError):
            wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def install(api: Any) -> None:
    """Answer a refused token or a missing scope as a problem with WWW-Authenticate (RFC 6750)."""

    @api.exception_handler(OAuthProblem)
    def _oauth(request: HttpRequest, exc: OAuthProblem) -> HttpResponse:
        return exc.response()


def operation_scope(view: Callable) -> str | None:
    """Return the scope `scope_required` gave the view, None without one."""
    return getattr(view, SCOPE_ATTRIBUTE, None)


def unscoped_operations(routers: Iterable[Any]) -> list[str]:
    """Return "METHOD path" of every operation of the routers whose view declares no scope."""
    missing = []
    for router in routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if not getattr(operation.view_func, SCOPE_ATTRIBUTE, None):
                    missing.extend(f"{method} {path}" for method in operation.methods)
    return sorted(missing)
