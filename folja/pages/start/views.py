"""Start pages: a guardian sees their children, staff their units and groups."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from folja.access import connections, policy
from folja.pages.notices import marks
from folja.talks import pupil


def home(request: HttpRequest) -> HttpResponse:
    """Render the start page for the session's role, or the welcome page when signed out."""
    viewer = request.viewer
    if viewer is None:
        return render(request, "core/welcome.html")
    from folja.accounts.gate import terms_redirect

    gate = terms_redirect(request)
    if gate is not None:
        return gate
    if viewer.is_staff:
        groups = (
            policy.staff_groups(viewer)
            .select_related("school_unit")
            .order_by("school_unit__display_name", "display_name")
        )
        units: dict[int, dict[str, object]] = {}
        for group in groups:
            entry = units.setdefault(group.school_unit_id, {"unit": group.school_unit, "groups": []})
            entry["groups"].append(group)
        duties = policy.active_duties(viewer).select_related("school_unit").order_by("school_unit__display_name")
        return render(request, "core/home_staff.html", {"units": list(units.values()), "duties": duties})
    children = list(policy.family_children_with_placements(viewer).order_by("birth_date", "given_name"))
    unread = marks.unread_by_child(request)
    # A contact person sees the child's documentation but acts for no child (issue 28): the
    # custody-only pages (settings, consent) are linked only for children in custody.
    in_custody = set(connections.custody_children_ref(viewer))
    # A pupil with a talk ahead that has a part for them (school years) is offered to prepare it.
    to_prepare = bool(pupil.talks_to_prepare(viewer)) if viewer.is_child else False
    for child in children:
        child.unread_notices = unread.get(child.pk, 0)
        child.in_custody = child.pk in in_custody
        child.talk_to_prepare = to_prepare
    return render(request, "core/home_family.html", {"children": children})


def accessibility(request: HttpRequest) -> HttpResponse:
    """Render the accessibility statement (tillgänglighetsredogörelse, lag 2018:1937); public, no child data."""
    contact = getattr(settings, "FOLJA_ACCESSIBILITY_CONTACT", "")
    return render(request, "core/accessibility.html", {"contact_email": contact})
