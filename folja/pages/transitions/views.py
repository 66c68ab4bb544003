"""Transition consent and preview (guardians), terms of use (guardians), terms status (staff)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from folja.access import connections, policy
from folja.access import transitions as access_transitions
from folja.access.assurance import Act
from folja.access.audit import record_reads
from folja.access.models import AuditAction
from folja.accounts.decorators import (
    full_assurance_required,
    guardian_required,
    guardian_terms_required,
    staff_required,
)
from folja.accounts.language import interface_languages
from folja.core.dates import today
from folja.directory.actions import person_language_set
from folja.learninglog import access as post_policy
from folja.pages import listing
from folja.pages.transitions import actions
from folja.talks import access as talk_policy


class ConsentForm(forms.Form):
    # R7: no default answer; the guardian actively chooses.
    allowed = forms.ChoiceField(
        label=gettext_lazy("Får lärlogg och utvecklingssamtal visas för skolan?"),
        choices=[("yes", gettext_lazy("Ja")), ("no", gettext_lazy("Nej"))],
        widget=forms.RadioSelect,
    )


@guardian_required
@full_assurance_required(Act.ANSWER_CONSENT)
def consent(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render and save the guardian's answer on sharing the record at a transition (R7): custody only."""
    viewer = request.viewer
    child = connections.get_child_in_custody_for(viewer, child_uuid)
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            actions.consent_set(actor=viewer, child=child, allowed=form.cleaned_data["allowed"] == "yes")
            messages.success(request, _("Ditt svar är sparat. Det gäller från och med nu."))
            return redirect("transitions:consent", child_uuid=child.uuid)
    else:
        form = ConsentForm()
    history = child.transition_consents.select_related("guardian").order_by("-answered_at", "-id")
    mine = next((c for c in history if c.guardian_id == viewer.person.pk and c.is_current), None)
    placements = policy.family_children_with_placements(viewer).get(pk=child.pk)
    organisation = (placements.active_placements or placements.upcoming_placements or [None])[0]
    organisation = organisation.organisation if organisation else None
    return render(
        request,
        "transitions/consent.html",
        {
            "child": child,
            "form": form,
            "history": history,
            "mine": mine,
            "organisation": organisation,
            "effective": access_transitions.child_consent_given(child, organisation) if organisation else False,
        },
    )


@guardian_required
def preview(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render exactly what the receiving unit would see with consent (R8), before and after answering:
    the posts and talks from other units in the 12 months before the planned start (or today).
    Custody only, as the answer it prepares (issue 28)."""
    viewer = request.viewer
    child = connections.get_child_in_custody_for(viewer, child_uuid)
    day = today()
    unit, start = access_transitions.preview_window(child, day)
    posts = listing.post_listing(
        viewer,
        post_policy.transition_preview_posts(viewer, child, day).order_by("-activity_date", "-id"),
        limit=200,
    )
    listing.render_fragments(posts)
    talks = list(
        talk_policy.with_listing_data(talk_policy.transition_preview_talks(viewer, child, day)).order_by(
            "-activity_date", "-id"
        )
    )
    return render(
        request,
        "transitions/preview.html",
        {
            "child": child,
            "unit": unit,
            "start": start,
            "moved": unit is not None and start <= day,
            "window_start": access_transitions.twelve_months_before(start),
            "window_end": start - dt.timedelta(days=1),
            "posts": posts,
            "talks": talks,
        },
    )


@guardian_terms_required
def terms(request: HttpRequest) -> HttpResponse:
    """Render the current terms the guardian has not accepted yet, with accept and decline (R9)."""
    viewer = request.viewer
    pending = policy.terms_pending_for(viewer.person)
    if not pending:
        return redirect("core:home")
    shown = [(t, *actions.terms_as_shown(t)) for t in pending]
    return render(request, "transitions/terms.html", {"pending": shown})


@guardian_terms_required
@require_POST
def terms_decide(request: HttpRequest, terms_uuid: str) -> HttpResponse:
    viewer = request.viewer
    pending = policy.terms_pending_for(viewer.person)
    chosen = next((t for t in pending if str(t.uuid) == terms_uuid), None)
    if chosen is None:
        raise Http404
    accepted = request.POST.get("decision") == "accept"
    actions.terms_decide(actor=viewer, terms=chosen, accepted=accepted)
    if not viewer.person.language and translation.get_language() in interface_languages():
        # The language the terms were read in is the person's until they choose another
        # (docs/languages.md): their notices and mails come in it.
        person_language_set(person=viewer.person, language=translation.get_language())
    if not accepted:
        return redirect("transitions:terms_declined")
    messages.success(request, _("Tack! Du har godkänt villkoren."))
    return redirect("transitions:terms")


@guardian_terms_required
def terms_declined(request: HttpRequest) -> HttpResponse:
    """Tell a guardian who declined how to get the information from the preschool instead (R9)."""
    units = policy.units_of_guardians_children(request.viewer.person)
    return render(request, "transitions/terms_declined.html", {"units": units})


@staff_required
def terms_status(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """List the guardians of the group's children who have not accepted the current terms (R9)."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    members = policy.group_members_for(viewer, group)
    rows = policy.guardians_without_accepted_terms(members)
    record_reads(viewer, AuditAction.READ_TERMS_STATUS, {child.pk for child, _g in rows}, school_unit=group.school_unit)
    return render(request, "transitions/terms_status.html", {"group": group, "rows": rows})
