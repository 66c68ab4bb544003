"""Who is asking: the session's viewer, the same as the pages', with CSRF on every write.

`ViewerMiddleware` (folja/accounts/middleware.py) sets `request.viewer` for the API as for the
pages: the role chosen at sign-in, the session's organisation and level of assurance, and every
relationship asked again on this request (nothing held between requests). An API key that could
outlive a person's relationship does not exist.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie
from ninja.throttling import BaseThrottle

from folja.access.policy import guardian_has_pending_terms
from folja.access.roles import Role, Viewer
from folja.accounts.signin import client_ip, counted_over
from folja.api.problems import ApiProblem


class SessionViewer(APIKeyCookie):
    """The signed-in session (cookie `sessionid`), CSRF-checked on POST, PUT, PATCH and DELETE."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Viewer | None:
        return getattr(request, "viewer", None)


def viewer_of(request: HttpRequest, *roles: Role) -> Viewer:
    """Return the request's viewer when it acts in one of `roles`; a guardian with terms to accept
    first is told so (R9). A wrong role is answered as a missing resource (404)."""
    viewer: Viewer | None = getattr(request, "viewer", None)
    if viewer is None or (roles and viewer.role not in roles):
        raise ApiProblem(404, "not-found", _not_found_title())
    if viewer.role == Role.GUARDIAN and guardian_has_pending_terms(viewer.person):
        from django.utils.translation import gettext as _

        raise ApiProblem(
            403,
            "terms-not-accepted",
            _("Du behöver ta ställning till användarvillkoren innan du kan se dokumentationen."),
            _("Villkoren finns på sidan /terms/."),
        )
    return viewer


def _not_found_title() -> str:
    from django.utils.translation import gettext as _

    return _("Det finns inget här, eller så har du inte behörighet att se det.")


class PerPersonThrottle(BaseThrottle):
    """A fixed window per signed-in person (per address before sign-in), in the same cache counter
    as the sign-in limits (`accounts.signin.counted_over`); 429 with Retry-After over the limit."""

    def allow_request(self, request: HttpRequest) -> bool:
        viewer = getattr(request, "viewer", None)
        who = f"person:{viewer.person_id}" if viewer is not None else f"address:{client_ip(request)}"
        _waits.seconds = counted_over(
            f"folja:api-rate:{who}", settings.FOLJA_API_RATE_LIMIT, window=settings.FOLJA_API_RATE_WINDOW_SECONDS
        )
        return _waits.seconds == 0

    def wait(self) -> float | None:
        # One throttle serves every thread: this thread's own answer, kept for the 429.
        return float(getattr(_waits, "seconds", 1) or 1)


_waits = threading.local()
