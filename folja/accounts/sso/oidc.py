"""OIDC staff SSO per organisation (Entra ID style), on the same Authlib client as the guardians' broker.

The issuer is pinned per organisation: the ID token's `iss` must equal `OrganisationSSO.issuer`,
whatever the discovery document says (a multi-tenant "common" metadata URL names a template
issuer, and every tenant's tokens verify against the same keys). Code flow with PKCE S256,
`state` and `nonce` in the session, `aud` = client id, `exp` with a small leeway.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from authlib.integrations.django_client import OAuth
from django.core.exceptions import ImproperlyConfigured

from folja.accounts.models import OrganisationSSO


def metadata_url(sso: OrganisationSSO) -> str:
    """Return where the provider's discovery document is read: the metadata URL, or the issuer's well-known."""
    return sso.idp_metadata_url or sso.issuer.rstrip("/") + "/.well-known/openid-configuration"


def client_secret(sso: OrganisationSSO) -> str:
    """Return the client secret from the environment variable the organisation's configuration names."""
    secret = os.environ.get(sso.client_secret_env, "") if sso.client_secret_env else ""
    if not secret:
        raise ImproperlyConfigured(f"environment variable {sso.client_secret_env or '(none)'} is empty")
    return secret


@functools.lru_cache(maxsize=64)
def _client(name: str, client_id: str, secret: str, metadata: str, scope: str, _version: float) -> Any:
    return OAuth().register(
        name=name,
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=metadata,
        client_kwargs={"scope": scope or "openid", "code_challenge_method": "S256", "timeout": 10},
    )


def client_for(sso: OrganisationSSO) -> Any:
    """Return the Authlib client of the organisation (metadata and keys cached per process and version)."""
    return _client(
        f"sso_{sso.uuid.hex}",
        sso.client_id,
        client_secret(sso),
        metadata_url(sso),
        sso.scope,
        sso.updated_at.timestamp() if sso.updated_at else 0.0,
    )


def clear_clients() -> None:
    """Forget cached clients (tests, or after a configuration change in another process)."""
    _client.cache_clear()
