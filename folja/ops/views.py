"""Liveness, readiness and metrics: no sign-in, no child data, no sessions touched.

The health answers are JSON with fixed words and numbers. `/metrics` answers only the addresses
in FOLJA_METRICS_ALLOWED_ADDRESSES (the client address as `client_ip` sees it behind the
configured proxies) or a request carrying `Authorization: Bearer <FOLJA_METRICS_TOKEN>`; anyone
else gets the same 404 as an unknown page. nginx also refuses it from outside (deploy/nginx).
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from folja.accounts.signin import client_ip
from folja.ops import health
from folja.ops.metrics import exposition


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers. Touches nothing else: a database outage must not restart app servers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Whether this app server can serve now: 503 when the database, the cache or the storage fails;
    200 with "degraded" when only the task queue lags (every app server would, alike)."""
    status, checks = health.readiness()
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "fail" else 200)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.FOLJA_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    address = ipaddress.ip_address(client_ip(request))
    return any(address in network for network in settings.FOLJA_METRICS_ALLOWED_NETWORKS)
