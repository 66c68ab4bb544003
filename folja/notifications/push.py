"""Web Push through VAPID (RFC 8292) with payloads encrypted per RFC 8291 (`pywebpush`).

Keys: `FOLJA_VAPID_PRIVATE_KEY` (a PEM file's path, or the key's base64url text) and the
public key derived from it for the browsers' `applicationServerKey`. In development a key is
made once in `FOLJA_VAR_DIR/vapid_private.pem`; without a key in production push is off.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid

from folja.notifications.models import PushSubscription

logger = logging.getLogger(__name__)


@functools.cache
def _vapid() -> Vapid | None:
    configured = getattr(settings, "FOLJA_VAPID_PRIVATE_KEY", "")
    if not configured:
        if not settings.DEBUG:
            return None
        path = Path(settings.VAR_DIR) / "vapid_private.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            path.write_bytes(pem)
            path.chmod(0o600)
        configured = str(path)
    if Path(configured).is_file():
        return Vapid.from_file(configured)
    return Vapid.from_string(configured)


def forget_keys() -> None:
    _vapid.cache_clear()


def public_key() -> str:
    """Return the VAPID public key as base64url (uncompressed point), or "" when push is off."""
    vapid = _vapid()
    if vapid is None:
        return ""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def enabled() -> bool:
    return _vapid() is not None


def send(subscription: PushSubscription, payload: dict[str, str]) -> str:
    """Send one encrypted message; return "sent", "gone" (the subscription was removed) or "error: …"."""
    from pywebpush import WebPushException, webpush

    vapid = _vapid()
    if vapid is None:
        return "push off"
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    try:
        webpush(
            info,
            data=json.dumps(payload),
            vapid_private_key=vapid,
            vapid_claims={"sub": settings.FOLJA_VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=10,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            # The browser dropped the subscription: prune it (the push service will never take it again).
            subscription.delete()
            return "gone"
        logger.info("push failed", extra={"status": status})
        return f"error: {status or 'no answer'}"
    except Exception as exc:  # a network error: logged without the endpoint (it identifies a device)
        logger.info("push failed", extra={"error": type(exc).__name__})
        return f"error: {type(exc).__name__}"
    return "sent"
