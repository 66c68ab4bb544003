"""The SMS gateway, pluggable (FOLJA_SMS_BACKEND names a class): a console gateway for the demo and
an HTTP gateway that posts to a configured URL. The tests start a fake HTTP gateway server
(folja/testing/sms_gateway.py) that speaks the HttpGateway's protocol and keeps an inbox.

The HTTP protocol: POST FOLJA_SMS_HTTP_URL with a JSON body {"to": "+46701234567", "from":
FOLJA_SMS_SENDER, "message": "..."} and `Authorization: Bearer <token>` when
FOLJA_SMS_HTTP_TOKEN_ENV names an environment variable that holds one; any 2xx answer is success.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """The gateway did not take the message."""


class SmsGateway:
    """One way of sending a text message to a mobile number (E.164, "+46701234567")."""

    def send(self, to: str, message: str) -> None:
        raise NotImplementedError


class ConsoleGateway(SmsGateway):
    """Print the message on the server's console (the demo; never in production)."""

    def send(self, to: str, message: str) -> None:
        masked = f"{to[:-4]}****" if len(to) > 4 else "****"
        sys.stdout.write(f"\n[SMS to {masked}] {message}\n\n")
        sys.stdout.flush()


class HttpGateway(SmsGateway):
    """POST the message as JSON to FOLJA_SMS_HTTP_URL (10 s timeout)."""

    def send(self, to: str, message: str) -> None:
        url = settings.FOLJA_SMS_HTTP_URL
        if not url:
            raise GatewayError("FOLJA_SMS_HTTP_URL is not set")
        body = json.dumps({"to": to, "from": settings.FOLJA_SMS_SENDER, "message": message}).encode()
        headers = {"Content-Type": "application/json"}
        token = os.environ.get(settings.FOLJA_SMS_HTTP_TOKEN_ENV, "") if settings.FOLJA_SMS_HTTP_TOKEN_ENV else ""
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (configured URL)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise GatewayError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayError(type(exc).__name__) from None


def sms_configured() -> bool:
    """Return whether an SMS gateway is configured (without one no SMS sign-in is offered)."""
    return bool(settings.FOLJA_SMS_BACKEND)


def gateway() -> SmsGateway:
    """Return the configured gateway."""
    return import_string(settings.FOLJA_SMS_BACKEND)()
