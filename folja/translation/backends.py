"""Machine translation backends: a small protocol, and LibreTranslate (self-hosted) as the first.

The platform's operators say which backends exist and where they answer (settings
`FOLJA_LIBRETRANSLATE_URL`, `FOLJA_LIBRETRANSLATE_API_KEY`, `FOLJA_TRANSLATION_TIMEOUT_MS`); an
organisation chooses one of them and names it in its terms (`models.TranslationService`). A
backend never sees who asked, only the text and the two languages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx
from django.conf import settings


class BackendError(Exception):
    """The service did not translate: down, slow, refused, or answered something unreadable."""


class TranslationBackend(Protocol):
    name: str

    def translate(self, texts: list[str], *, source: str, target: str, html: bool) -> list[str]:
        """Return the texts translated from `source` ("auto": detect) into `target`, in order."""
        ...


class LibreTranslate:
    """A LibreTranslate server: POST /translate with q, source, target, format and api_key."""

    name = "libretranslate"

    def __init__(
        self, url: str, *, api_key: str = "", timeout: float = 4.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        # Connecting, sending and each read wait at most this long: a slow server fails the
        # translation, never the page (the post is shown without waiting for this).
        self.timeout = httpx.Timeout(timeout)
        self.transport = transport

    def translate(self, texts: list[str], *, source: str, target: str, html: bool) -> list[str]:
        payload: dict[str, object] = {
            "q": texts,
            "source": source,
            "target": target,
            "format": "html" if html else "text",
        }
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.url, json=payload)
        except httpx.TimeoutException as exc:
            raise BackendError("timeout") from exc
        except httpx.HTTPError as exc:
            raise BackendError(f"unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise BackendError(f"status {response.status_code}")
        try:
            translated = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BackendError("unreadable answer") from exc
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise BackendError("answer does not match the question")
        if not all(isinstance(text, str) for text in translated):
            raise BackendError("unreadable answer")
        return translated


def _libretranslate() -> TranslationBackend | None:
    url = settings.FOLJA_LIBRETRANSLATE_URL
    if not url:
        return None
    return LibreTranslate(
        url, api_key=settings.FOLJA_LIBRETRANSLATE_API_KEY, timeout=settings.FOLJA_TRANSLATION_TIMEOUT_MS / 1000
    )


# The backends an organisation may choose from, by name: each built from settings, None when the
# platform has not configured it.
BACKENDS: dict[str, tuple[str, Callable[[], TranslationBackend | None]]] = {
    "libretranslate": ("LibreTranslate", _libretranslate),
}


def backend_choices() -> list[tuple[str, str]]:
    """Return (name, label) of every backend the platform knows."""
    return [(name, label) for name, (label, _factory) in BACKENDS.items()]


def backend_named(name: str) -> TranslationBackend | None:
    """Return the configured backend of that name, or None (unknown, or not configured here)."""
    entry = BACKENDS.get(name)
    return entry[1]() if entry else None
