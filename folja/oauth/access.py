"""Whose apps a session may see and revoke: the person's own, in every role (docs/api-auth.md).

An authorisation names no child; a person sees and removes their own apps and devices whichever
role they signed in as now, so a lost phone can be cut off from any session.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from folja.access.roles import Viewer
from folja.oauth.models import AppAuthorisation


def own_authorisations(viewer: Viewer) -> QuerySet[AppAuthorisation]:
    """Return the viewer's own authorisations that still hold, newest first."""
    return AppAuthorisation.objects.filter(person_id=viewer.person_id, revoked_at__isnull=True).select_related("app")


def get_own_authorisation(viewer: Viewer, authorisation_uuid: object) -> AppAuthorisation:
    """Return one of the viewer's own authorisations, or raise Http404 (missing or someone else's)."""
    found = own_authorisations(viewer).filter(uuid=authorisation_uuid).first()
    if found is None:
        raise Http404
    return found
