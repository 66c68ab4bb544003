"""Which redirect URIs an app may register (RFC 8252 for native apps, OAuth 2.1 for all)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _


def redirect_uri_problem(uri: str) -> str:
    """Return why `uri` cannot be registered, "" when it can: https, a loopback http address, or a
    native app's private-use scheme in reverse domain form (com.example.app:/callback); never a
    fragment or a wildcard."""
    parts = urlsplit(uri)
    if parts.fragment or "*" in uri:
        return _("Adressen får inte innehålla # eller *.")
    if parts.scheme == "https" and parts.netloc:
        return ""
    if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}:
        return ""
    if "." in parts.scheme and parts.scheme not in ("http", "https") and parts.scheme.islower():
        return ""
    return _(
        "Adressen måste börja med https://, vara en adress på den egna datorn (http://127.0.0.1) "
        "eller en apps eget schema (t.ex. se.kommun.app:/inloggad)."
    )
