"""The Content-Security-Policy of Följa's pages, built from the settings (docs/operations.md).

Every page may load scripts, styles, fonts and images from its own origin only, and runs no inline
script or style. Photos and films may also come from object storage: with `FOLJA_MEDIA_STORAGE=s3`
a media URL answers with a redirect to a signed URL there, and the browser checks the redirected
URL against img-src and media-src. Forms post to Följa itself, and to the e-ID broker's origin,
because signing out of a broker session redirects there.

`django-csp`'s middleware writes the header (docs/decisions/0002-csp.md); it leaves an answer that
already has one alone, so media files keep their stricter policy (folja/media/serving.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

SELF = "'self'"
NONE = "'none'"


def origin(url: str, name: str) -> str:
    """Return the origin (scheme://host[:port]) of an http(s) URL; a malformed one stops start-up naming `name`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an http(s) URL such as https://cdn.example.se; got {url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def origins(values: Iterable[str], name: str) -> list[str]:
    """Return the origins of a list of URLs (a setting's comma-separated value)."""
    return [origin(value, name) for value in values]


def s3_origins(*, bucket: str, endpoint_url: str, region: str) -> list[str]:
    """Return where signed media URLs point: the configured endpoint, or AWS's own for the bucket."""
    if endpoint_url:
        return [origin(endpoint_url, "FOLJA_S3_ENDPOINT_URL")]
    if "." in bucket:  # not a valid host label: boto3 signs path-style URLs
        return ["https://s3.amazonaws.com", f"https://s3.{region}.amazonaws.com"]
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


def page_policy(*, media_origins: Iterable[str] = (), form_origins: Iterable[str] = ()) -> dict[str, object]:
    """Return django-csp's CONTENT_SECURITY_POLICY setting for every page."""
    media = list(dict.fromkeys(media_origins))
    forms = list(dict.fromkeys(form_origins))
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, *media],
            "media-src": [SELF, *media],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "form-action": [SELF, *forms],
            "frame-ancestors": [NONE],
        }
    }
