"""The child's own voice (issue 29, docs/childs-voice.md): a signed-in child writes a post or a
reflection on a post about them (text, a photo or a voice recording), staff approve or decline
it before guardians see it, and staff write down what a child said "med barnets egna ord"."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from folja.accounts.decorators import child_required, staff_required
from folja.learninglog import access as post_policy
from folja.learninglog import actions
from folja.learninglog.models import PostStatus
from folja.media.actions import MediaRejected, media_attach
from folja.pages import listing

logger = logging.getLogger(__name__)


class ChildPostForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Rubrik"), max_length=200, required=False)
    body = forms.CharField(label=gettext_lazy("Vad vill du berätta?"), widget=forms.Textarea, max_length=4000)
    file = forms.FileField(
        label=gettext_lazy("En bild eller en inspelning (om du vill)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,audio/*", "capture": "environment"}),
    )


class _Rejected(Exception):
    pass


@child_required
def child_post_new(request: HttpRequest) -> HttpResponse:
    """GET: the form; with `?reflect=<post uuid>` a reflection on that post (one the child may read).
    POST: save it waiting for approval, with the file if one was chosen; a refused file keeps the text."""
    viewer = request.viewer
    reflects_on = None
    reflect = request.GET.get("reflect") or request.POST.get("reflect")
    if reflect:
        reflects_on = post_policy.get_post_for(viewer, reflect, include_drafts=False)
    form = ChildPostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                post = actions.child_post_create(
                    actor=viewer, title=data["title"], body=data["body"], reflects_on=reflects_on
                )
                if data["file"] is not None:
                    try:
                        media_attach(actor=viewer.person, post=post, upload=data["file"])
                    except MediaRejected as exc:
                        form.add_error("file", exc)
                        raise _Rejected from exc
        except _Rejected:
            pass
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Tack! Din lärare läser det först. Sedan kan dina vårdnadshavare se det."))
            return redirect("learninglog:post", post.uuid)
    return render(request, "learninglog/child_post_new.html", {"form": form, "reflects_on": reflects_on})


@staff_required
@require_POST
def post_decide(request: HttpRequest, post_uuid: str) -> HttpResponse:
    """Approve or decline a child's post waiting for approval (staff connected to the child at the post's unit)."""
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "decline"):
        return HttpResponseBadRequest(_("Välj godkänn eller avböj."))
    try:
        actions.post_decide(actor=viewer, post=post, approve=decision == "approve")
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("Inlägget är godkänt och syns för vårdnadshavarna.") if decision == "approve" else _("Inlägget är avböjt."),
    )
    return redirect("learninglog:post", post.uuid)


@staff_required
@require_POST
def childs_words(request: HttpRequest, post_uuid: str) -> HttpResponse:
    """Save what the child said, in the child's own words, on a post the staff member may edit."""
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid)
    try:
        actions.post_childs_words_set(actor=viewer, post=post, text=request.POST.get("childs_words", ""))
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Barnets egna ord är sparade."))
    return redirect("learninglog:post", post.uuid)


@staff_required
def pending(request: HttpRequest) -> HttpResponse:
    """The children's posts and reflections waiting for this staff member's approval (R1), newest first."""
    viewer = request.viewer
    posts = listing.post_listing(
        viewer,
        listing.after(post_policy.visible_posts(viewer).filter(status=PostStatus.PENDING), None),
        limit=100,
    )
    listing.render_fragments(posts)
    return render(request, "learninglog/pending.html", {"posts": posts})
