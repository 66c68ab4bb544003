"""Whether an organisation's posts and comments may be sent to a translation service, and to which.

The one rule (issue 32, B3; the organisation decides as it decides its terms, R9): nothing is sent
unless the organisation (the huvudman of the post's unit) has enabled a service the platform
offers, and the terms of use in force for it name that service. Asked on every use, never kept
between requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from folja.transitions.models import TermsOfUse
from folja.translation.backends import TranslationBackend, backend_named
from folja.translation.models import TranslationService


@dataclass(frozen=True)
class Offered:
    service: TranslationService
    backend: TranslationBackend


def _terms_in_force() -> Coalesce:
    """The text of the terms in force for the row's organisation: its own newest published
    version, else the platform's default (the same choice as `access.transitions.terms_that_apply`)."""
    now = timezone.now()

    def newest(**where: object) -> Subquery:
        published = TermsOfUse.objects.filter(published_at__lte=now, **where).order_by("-published_at", "-version")
        return Subquery(published.values("body")[:1])

    return Coalesce(newest(organisation=OuterRef("organisation")), newest(organisation__isnull=True))


def named_in_terms(service_name: str, terms_body: str | None) -> bool:
    """Return whether the terms' text names the service (its name as written, any letter case)."""
    name = service_name.strip().casefold()
    return bool(name) and name in (terms_body or "").casefold()


def service_for(organisation_id: int | None) -> Offered | None:
    """Return the organisation's enabled translation service with its backend, or None. One query."""
    if organisation_id is None:
        return None
    service = (
        TranslationService.objects.filter(organisation_id=organisation_id, enabled=True)
        .annotate(terms_body=_terms_in_force())
        .first()
    )
    if service is None or not named_in_terms(service.service_name, service.terms_body):
        return None
    backend = backend_named(service.backend)
    return Offered(service, backend) if backend is not None else None


def terms_in_force_name(organisation_id: int, service_name: str) -> bool:
    """Return whether the terms now in force for the organisation name the service (the admin's check)."""
    published = TermsOfUse.objects.filter(published_at__lte=timezone.now()).order_by("-published_at", "-version")
    body = published.filter(organisation_id=organisation_id).values_list("body", flat=True).first()
    if body is None:
        body = published.filter(organisation__isnull=True).values_list("body", flat=True).first()
    return named_in_terms(service_name, body)
