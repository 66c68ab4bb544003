"""A small HTTP client for Skolverket's open syllabus API (`/v1/curriculums`, `/v1/subjects`).

The base URL comes from `FOLJA_SYLLABUS_API_URL` (a setting or environment variable), so tests
and air-gapped installations point it at a local server or mirror.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

DEFAULT_BASE_URL = "https://api.skolverket.se/syllabus"
TIMEOUT_SECONDS = 30


class SyllabusClientError(Exception):
    """Raised when the syllabus API cannot be reached or answers with something other than JSON."""


def base_url() -> str:
    """Return the configured base URL of the syllabus API, without a trailing slash."""
    configured = getattr(settings, "FOLJA_SYLLABUS_API_URL", "") or os.environ.get("FOLJA_SYLLABUS_API_URL", "")
    return (configured or DEFAULT_BASE_URL).rstrip("/")


class SyllabusClient:
    """Fetch documents from the syllabus API as parsed JSON."""

    def __init__(self, base: str | None = None, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base = (base or base_url()).rstrip("/")
        self.timeout = timeout

    def get_json(self, path_or_url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """Return the JSON object at a path below the base URL (or at a full http(s) URL)."""
        url = path_or_url if "://" in path_or_url else f"{self.base}/{path_or_url.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise SyllabusClientError(f"Only http and https URLs can be fetched, not {url!r}")
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Folja"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked above
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise SyllabusClientError(f"The syllabus API answered {exc.code} for {url}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SyllabusClientError(f"The syllabus API could not be reached at {url}: {exc}") from exc
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SyllabusClientError(f"The syllabus API did not answer with JSON at {url}: {exc}") from exc
        if not isinstance(data, dict):
            raise SyllabusClientError(f"The syllabus API answered with a JSON {type(data).__name__}, not an object")
        return data

    def curriculums(self, **params: str) -> dict[str, Any]:
        """Return the list of curricula (`/v1/curriculums`)."""
        return self.get_json("/v1/curriculums", params or None)

    def curriculum(self, code: str, version: int | None = None) -> dict[str, Any]:
        """Return one curriculum with its sections (`/v1/curriculums/{code}`)."""
        code = urllib.parse.quote(code, safe="")
        return self.get_json(f"/v1/curriculums/{code}" + (f"/versions/{int(version)}" if version else ""))

    def subjects(self, **params: str) -> dict[str, Any]:
        """Return the list of subjects (`/v1/subjects`)."""
        return self.get_json("/v1/subjects", params or None)

    def subject(self, code: str, version: int | None = None) -> dict[str, Any]:
        """Return one subject syllabus with purpose and central content (`/v1/subjects/{code}`)."""
        code = urllib.parse.quote(code, safe="")
        return self.get_json(f"/v1/subjects/{code}" + (f"/versions/{int(version)}" if version else ""))
