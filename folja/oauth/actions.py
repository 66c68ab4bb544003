"""Every write about apps: registering one, a person allowing one, and revoking it."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from folja.access import assurance
from folja.access.policy import may_sign_in_as
from folja.access.roles import Role, Viewer
from folja.oauth import scopes
from folja.oauth.models import App, AppAuthorisation, ClientType, Token, digest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered:
    app: App
    client_secret: str  # shown once; "" for a public client


def app_register(*, name: str, client_type: str, redirect_uris: list[str], allowed_scopes: list[str]) -> Registered:
    """Register an app (an administrator's act). The secret of a confidential app is returned once."""
    unknown = [name for name in allowed_scopes if name not in scopes.SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {' '.join(unknown)}")
    if not redirect_uris:
        raise ValueError("an app needs at least one redirect URI")
    secret = secrets.token_urlsafe(32) if client_type == ClientType.CONFIDENTIAL else ""
    app = App.objects.create(
        name=name,
        client_id=secrets.token_urlsafe(24),
        client_type=client_type,
        client_secret_hash=digest(secret) if secret else "",
        redirect_uris="\n".join(redirect_uris),
        allowed_scopes=" ".join(scopes.parse(" ".join(allowed_scopes))),
    )
    return Registered(app, secret)


def authorisation_create(
    *, actor: Viewer, app: App, granted_scopes: list[str], device_id: str, device_name: str, method: str
) -> AppAuthorisation:
    """Record a person's consent: this app, on this device, acting as the session does."""
    authorisation = AppAuthorisation.objects.create(
        app=app,
        person=actor.person,
        role=str(actor.role),
        organisation_id=actor.organisation_id if actor.role == Role.STAFF else None,
        method=method,
        loa=actor.loa,
        scopes=" ".join(granted_scopes),
        device_name=device_name[:100],
        device_id_hash=digest(device_id),
    )
    logger.info("oauth: app allowed", extra={"authorisation": str(authorisation.uuid), "app": str(app.uuid)})
    return authorisation


@transaction.atomic
def authorisation_revoke(authorisation: AppAuthorisation, *, reason: str) -> None:
    """Revoke the authorisation and every token of its family at once."""
    now = timezone.now()
    AppAuthorisation.objects.filter(pk=authorisation.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    Token.objects.filter(authorisation=authorisation, revoked_at__isnull=True).update(revoked_at=now)
    authorisation.revoked_at = authorisation.revoked_at or now
    logger.info("oauth: authorisation revoked", extra={"authorisation": str(authorisation.uuid), "reason": reason})


def still_holds(authorisation: AppAuthorisation) -> bool:
    """Return whether the person may still act in the authorisation's role, as a session must on
    every request (`ViewerMiddleware`): the relationship holds (R5 sealing first), a staff
    authorisation's organisation still has a duty, a lower-assurance one's method is still enabled."""
    role = Role(authorisation.role)
    if role not in (Role.GUARDIAN, Role.STAFF):
        return False
    if role == Role.STAFF and authorisation.organisation_id is None:
        return False
    if not may_sign_in_as(authorisation.person, role, organisation_id=authorisation.organisation_id):
        return False
    if authorisation.loa == assurance.LOWER:
        return role == Role.GUARDIAN and assurance.may_hold_lower_session(authorisation.person, authorisation.method)
    return True


def touch(authorisation: AppAuthorisation) -> None:
    """Record a use for "Appar och enheter" (at most once a minute: no write on every call)."""
    now = timezone.now()
    if authorisation.last_used_at is None or (now - authorisation.last_used_at).total_seconds() > 60:
        AppAuthorisation.objects.filter(pk=authorisation.pk).update(last_used_at=now)


def tokens_cull(*, older_than_days: int = 7) -> tuple[int, int]:
    """Delete codes and tokens that can no longer be used (expired, spent or revoked) for longer
    than `older_than_days`: a spent refresh token is kept that long so that its reuse is still
    recognised. Return (codes, tokens) deleted. Authorisations stay: they are the consent record."""
    from django.db.models import Q

    from folja.oauth.models import AuthorizationCode

    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    codes, _ = AuthorizationCode.objects.filter(expires_at__lt=cutoff).delete()
    tokens, _ = Token.objects.filter(
        Q(refresh_expires_at__lt=cutoff)
        | Q(refresh_expires_at__isnull=True, access_expires_at__lt=cutoff)
        | Q(revoked_at__lt=cutoff)
        | Q(rotated_at__lt=cutoff, access_expires_at__lt=cutoff)
    ).delete()
    return codes, tokens
