"""Read settings from the environment with helpers that fail loudly on bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Typed access to environment variables; every error names the variable."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str | None = None) -> str | None:
        """Return the raw value, or the default when unset."""
        return self.environ.get(name, default)

    def bool(self, name: str, default: bool = False) -> bool:
        """Return a boolean; only yes/no style words are accepted."""
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        """Return an integer, checked against an optional minimum."""
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
        return value

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        """Return a comma-separated list with blanks removed."""
        raw = self.environ.get(name)
        if raw is None:
            return list(default or [])
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """Return one of the allowed values."""
        raw = self.environ.get(name, default)
        if raw not in choices:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
        return raw


def base_url(raw: str | None, name: str) -> str:
    """Return an http(s) address without a trailing slash ("" when unset), or refuse it naming `name`.

    A path is allowed (Följa under https://example.se/folja); a query, a fragment or user
    credentials are not: every absolute link is this address followed by a path.
    """
    from urllib.parse import urlsplit

    value = (raw or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an http or https address such as https://folja.example.se; got {raw!r}"
        )
    if parts.username or parts.password:
        raise ImproperlyConfigured(f"{name} must not contain a user name or password")
    return value.rstrip("/")
