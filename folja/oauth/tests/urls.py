"""For tests only: the site's URLs plus two protected endpoints that answer with the children the
access module gives the token's viewer, one a plain view and one through the django-ninja adapter."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from ninja import NinjaAPI, Router

from folja.access.policy import visible_children
from folja.oauth import authenticate, require_scope
from folja.oauth.auth import OAuthProblem
from folja.oauth.ninja import OAuthBearer, install, scope_required


def _names(viewer) -> list[str]:  # noqa: ANN001
    return sorted(visible_children(viewer).values_list("given_name", flat=True))


def children(request: HttpRequest) -> JsonResponse:
    try:
        grant = authenticate(request)
        if grant is None:
            return JsonResponse({"error": "no token"}, status=401)
        require_scope(grant, "children:read")
    except OAuthProblem as problem:
        return problem.response()
    return JsonResponse({"role": str(grant.role), "children": _names(grant.viewer)})


router = Router()


@router.get("/children")
@scope_required("children:read")
def ninja_children(request: HttpRequest) -> dict:
    return {"role": str(request.viewer.role), "children": _names(request.viewer)}


@router.get("/unscoped")
def ninja_unscoped(request: HttpRequest) -> dict:
    return {}


api = NinjaAPI(urls_namespace="oauth_test_api", auth=[OAuthBearer()])
install(api)
api.add_router("", router)

urlpatterns = [
    path("test-api/children/", children),
    path("test-ninja/", api.urls),
    path("", include("config.urls")),
]
