"""Apps sign in: OAuth 2.1 authorization code with PKCE (docs/api-auth.md).

The API imports `authenticate`, `require_scope`, `Grant` and `scopes.SCOPES` from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from folja.oauth.auth import Grant


def authenticate(request: HttpRequest) -> Grant | None:
    """Return the request's bearer grant, None without a bearer token; raise `InvalidToken` (401)."""
    from folja.oauth.auth import authenticate as _authenticate

    return _authenticate(request)


def require_scope(grant: Grant | None, scope: str) -> None:
    """Raise `InsufficientScope` (403) unless the grant carries `scope` (a session needs none)."""
    from folja.oauth.auth import require_scope as _require_scope

    _require_scope(grant, scope)


def __getattr__(name: str) -> object:
    # `from folja.oauth import Grant, InvalidToken, InsufficientScope` without loading models at import.
    if name in ("Grant", "InvalidToken", "InsufficientScope", "OAuthProblem"):
        from folja.oauth import auth

        return getattr(auth, name)
    raise AttributeError(name)
