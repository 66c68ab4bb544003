"""The staff's page of what their units will lose to culling within the notice period (counts only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from folja.accounts.decorators import staff_required
from folja.retention import access as retention_policy
from folja.retention import actions
from folja.retention.admin import WHAT_LABELS


@staff_required
def outlook(request: HttpRequest) -> HttpResponse:
    """Show, per unit the staff member works at, what culling will remove in the coming days."""
    units = []
    for unit in retention_policy.staff_units(request.viewer).order_by("display_name"):
        rows = []
        for rule, counts in actions.unit_outlook(unit):
            rows.extend(
                {"rule": rule, "what": WHAT_LABELS.get(what, what), "count": n} for what, n in sorted(counts.items())
            )
        units.append({"unit": unit, "rows": rows})
    return render(request, "retention/outlook.html", {"units": units, "days": actions.notice_days()})
