"""R9 at the door: a guardian with terms to accept is sent to them before any page with documentation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from folja.access.policy import guardian_has_pending_terms
from folja.access.roles import Role


def terms_redirect(request: HttpRequest) -> HttpResponse | None:
    """Return a redirect to the terms page when the signed-in guardian has current terms to accept."""
    viewer = getattr(request, "viewer", None)
    if viewer is None or viewer.role != Role.GUARDIAN:
        return None
    if guardian_has_pending_terms(viewer.person):
        return redirect("transitions:terms")
    return None
