"""System checks for sign-in settings that must never reach production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_test_eid_off(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Warn under `check --deploy` while the test e-ID is on: anyone could sign in as anyone.

    Production settings (FOLJA_DEBUG and FOLJA_TESTING off) refuse to start with it on
    (config/settings.py); this catches a deployment checked while in debug or test mode.
    """
    if getattr(settings, "FOLJA_TEST_EID_ENABLED", False):
        return [
            Warning(
                "FOLJA_TEST_EID_ENABLED is on: anyone can sign in as any person by typing a civic number.",
                hint="Set FOLJA_TEST_EID_ENABLED=0 in production; it is meant for demos and tests only.",
                id="accounts.W001",
            )
        ]
    return []
