"""The pupil's own pages of a development talk: "Mitt utvecklingssamtal" and the pupil's part.

Thin views over `talks/pupil.py` (which talks, the rules) and `actions.answers_save` (the write).
Only a pupil session (`Role.CHILD`) reaches them; any other talk answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from folja.accounts.decorators import child_required
from folja.talks import access as talk_policy
from folja.talks import actions, pupil
from folja.talks.forms import AnswersForm
from folja.talks.models import Part

HAND_IN = "hand_in"


@child_required
def pupil_talks(request: HttpRequest) -> HttpResponse:
    """List the pupil's own talks ahead that have a part for the pupil to prepare."""
    return render(request, "talks/pupil_talks.html", {"talks": pupil.talks_to_prepare(request.viewer)})


@child_required
def pupil_preparation(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Answer the pupil's own part of the talk: save a draft, or hand it in to the teacher."""
    viewer = request.viewer
    talk = pupil.get_talk_to_prepare(viewer, talk_uuid)  # Http404: not this pupil's, or no pupil part
    talk_url = reverse("talks:talk", args=[talk.uuid])
    if talk.is_held:
        messages.info(request, _("Samtalet har redan varit. Du kan inte ändra dina svar längre."))
        return redirect(talk_url)
    current = talk_policy.visible_answer_sets(viewer, talk).filter(part=Part.PUPIL).first()
    initial = {f"q_{key}": value for key, value in (current.answers if current else {}).items()}
    form = AnswersForm(request.POST or None, version=talk.template_version, part=Part.PUPIL, initial=initial)
    if request.method == "POST" and form.is_valid():
        hand_in = request.POST.get("action") == HAND_IN
        try:
            actions.answers_save(actor=viewer, talk=talk, part=Part.PUPIL, answers=form.answers(), hand_in=hand_in)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if hand_in:
                messages.success(request, _("Bra jobbat! Din lärare kan nu läsa dina svar."))
            else:
                messages.success(request, _("Dina svar är sparade."))
            return redirect(talk_url)
    context = {
        "talk": talk,
        "form": form,
        "handed_in": current is not None and current.handed_in_at is not None,
        "booking": talk_policy.active_booking(viewer, talk),
    }
    return render(request, "talks/pupil_preparation.html", context, status=400 if form.errors else 200)
