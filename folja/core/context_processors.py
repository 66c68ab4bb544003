from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def folja(request: HttpRequest) -> dict[str, object]:
    """Expose the viewer and site-wide flags to every template."""
    return {
        "viewer": getattr(request, "viewer", None),
        "demo_login_enabled": settings.FOLJA_DEMO_LOGIN,
        "test_mode": getattr(settings, "FOLJA_TEST_EID_ENABLED", False) or settings.FOLJA_DEMO_LOGIN,
    }
