"""Error pages: 400, 403, 404, 405, 413, 500 and CSRF failures, styled, translated, with a way back.

The handlers are named in config/urls.py (handler400 …) and settings.CSRF_FAILURE_VIEW; a 405
from `require_POST` and friends gets its page from `ErrorPageMiddleware`. The 429 of the sign-in
rate limits is `accounts.signin.rate_limited_response`.

What they never do:

- tell whether a thing exists: a missing child and a child the viewer may not see are the same
  404 (the access getters raise Http404 for both), and no page shows the exception's message or
  the requested path;
- show a stack trace or a civic number: the pages hold fixed texts only;
- query the database on the 500 and 400 pages: the database may be what failed, so they are
  rendered without the context processors (no viewer, no messages), with what the request
  itself holds (its language and CSRF token) and settings.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


def _back_url(request: HttpRequest) -> str:
    """Return the page the person came from when it is a page of this site, else ""."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return ""
    try:
        allowed = {request.get_host()}
    except Exception:  # DisallowedHost: the 400 page of a request for another host
        return ""
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts=allowed, require_https=request.is_secure()):
        return ""
    if request.method in ("GET", "HEAD") and urlsplit(referer).path == request.path:
        return ""  # the same address again (after a language switch): no way back
    return referer


def _with_request(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    """Render with the context processors: the viewer's own header (no query: the middleware has
    the viewer already), the language switch and messages."""
    body = loader.render_to_string(template, {"back_url": _back_url(request), **context}, request)
    return HttpResponse(body, status=status)


def _without_database(request: HttpRequest, template: str, status: int) -> HttpResponse:
    """Render from the request and settings only: no context processor, hence no query."""
    with translation.override(translation.get_language_from_request(request)):
        body = loader.get_template(template).render(
            {
                "request": request,
                "csrf_token": get_token(request),
                "back_url": _back_url(request),
                "test_mode": settings.FOLJA_TEST_EID_ENABLED or settings.FOLJA_DEMO_LOGIN,
                "bare": True,
            }
        )
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, or 413 when the request was larger than Django accepts (RequestDataTooBig)."""
    if isinstance(exception, RequestDataTooBig):
        return _without_database(request, "413.html", 413)
    return _without_database(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the person's role may not use this page or do this (never which object it was)."""
    return _with_request(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the same page whether the thing is missing or the viewer may not see it."""
    return _with_request(request, "404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500: no query, no context processor; the database may be what failed."""
    return _without_database(request, "500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form whose CSRF token was missing or stale (settings.CSRF_FAILURE_VIEW).

    Django's own page styles itself inline, which the Content-Security-Policy blocks. The reason is
    not shown (Django's CSRF middleware logs it).
    """
    return _with_request(request, "403_csrf.html", 403)


class ErrorPageMiddleware:
    """Give a 405 with an empty body (require_POST, require_GET …) the error page, keeping Allow."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not getattr(response, "streaming", False) and not response.content:
            page = _with_request(request, "405.html", 405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
