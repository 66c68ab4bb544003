"""Staff create a printed one-time enrolment code for a named guardian of a child they are connected to."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from folja.access import assurance, policy
from folja.accounts.decorators import staff_required
from folja.accounts.lower import codes


@never_cache
@staff_required
def enrolment_codes(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """GET: the child's guardians a code may be made for. POST (guardian): create one and show it
    once, on a page made for printing. 404 unless `assurance.enrolment_guardians` names someone."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    guardians = list(assurance.enrolment_guardians(viewer, child).order_by("given_name", "family_name", "pk"))
    if not guardians:
        raise Http404
    if request.method == "POST":
        chosen = next((g for g in guardians if str(g.uuid) == request.POST.get("guardian", "")), None)
        if chosen is not None:
            row, code = codes.create_enrolment_code(actor=viewer, child=child, guardian=chosen)
            return render(
                request,
                "accounts/enrolment_print.html",
                {
                    "child": child,
                    "guardian": chosen,
                    "code": code,
                    "expires_at": row.expires_at,
                    "site": settings.FOLJA_BASE_URL,
                },
            )
    context = {"child": child, "guardians": guardians, "days": settings.FOLJA_ENROLMENT_CODE_DAYS}
    return render(request, "accounts/enrolment_codes.html", context)
