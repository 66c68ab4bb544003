from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from folja.api.api import api
from folja.api.problems import problem
from folja.api.reference import reference


def _problem_for_405(view):  # noqa: ANN001, ANN202
    """Answer a method the route does not have as a problem too (with its Allow header)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            answer = problem(405, "method-not-allowed", _("Det går inte att göra så här."))
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapper


# Not `app_name`/`namespace` at module level: include() would read them as this module's own.
_patterns, _app_name, _namespace = api.urls
urlpatterns = [
    path("api/v1/docs", reference, name="api_reference"),
    path(
        "api/v1/",
        (
            [URLPattern(p.pattern, _problem_for_405(p.callback), p.default_args, p.name) for p in _patterns],
            _app_name,
            _namespace,
        ),
    ),
]
