"""Learning log pages: thin views over the access policy (reads) and actions (writes)."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access import assurance, connections, policy
from folja.access.assurance import Act
from folja.access.audit import record_post_reads, record_reads
from folja.access.labels import child_labels
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.accounts.decorators import full_assurance_required, guardian_required, staff_required, viewer_required
from folja.core.dates import today
from folja.directory.models import RelationType
from folja.learninglog import access as post_policy
from folja.learninglog import actions
from folja.learninglog.forms import CommentForm, FilterForm, PhotoConsentForm, filter_form
from folja.learninglog.models import Post
from folja.media import access as media_policy
from folja.notifications import api as notices_api
from folja.pages import listing
from folja.pages.learninglog.reads import who_read
from folja.pages.notices import marks
from folja.translation.actions import POST_SOURCE_LANGUAGE
from folja.translation.services import service_for

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


# ---------------------------------------------------------------------------------------------
# Lists: newest first, keyset pagination on (activity_date, id), filters by goal and period
# ---------------------------------------------------------------------------------------------


def _filters(form: FilterForm) -> tuple[str | None, dt.date | None, dt.date | None]:
    """Return the filter box's (goal key, from, to); nothing when the box is empty or invalid."""
    if not form.is_valid():
        return None, None, None
    data = form.cleaned_data
    return data.get("goal") or None, data.get("date_from") or None, data.get("date_to") or None


def _page(request: HttpRequest, form: FilterForm, posts: QuerySet) -> tuple[list[listing.PostListing], str | None]:
    """Return one page of `posts` (access-filtered) as list rows and the cursor for the next page
    (the last post's uuid)."""
    filters = _filters(form)
    anchor = None
    cursor = request.GET.get("after")
    if cursor and is_uuid(cursor):
        # The cursor is looked up in the same access-filtered, filtered posts, so it reveals nothing.
        found = listing.filtered(posts, *filters).filter(uuid=cursor).values("activity_date", "id").first()
        if found is not None:
            anchor = (found["activity_date"], found["id"])
    page = listing.post_page(request.viewer, posts, filters=filters, anchor=anchor, limit=PAGE_SIZE + 1)
    next_cursor = str(page[PAGE_SIZE - 1].uuid) if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], next_cursor


def is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["after"] = cursor
    return f"{request.path}?{params.urlencode()}"


def _record_list_reads(request: HttpRequest, posts: list, action: AuditAction, **kwargs: object) -> None:
    """Record a staff member's read of every child named on the listed posts (R11), in one INSERT."""
    child_ids = {child_id for post in posts for child_id in post.visible_named_ids}
    record_reads(request.viewer, action, child_ids, **kwargs)


@staff_required
def feed(request: HttpRequest) -> HttpResponse:
    """Render the staff feed: posts (and own drafts) about the children of the viewer's groups."""
    viewer = request.viewer
    form = filter_form(request.GET)
    page, cursor = _page(request, form, post_policy.visible_posts(viewer, include_drafts=True))
    _record_list_reads(request, page, AuditAction.READ_FEED)
    marks.mark_new_posts(request, page)
    listing.render_fragments(page)
    return render(
        request,
        "learninglog/feed.html",
        {"posts": page, "next_url": _next_url(request, cursor), "filter_form": form},
    )


@viewer_required
def timeline(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render a child's timeline: individual posts and group posts naming the child."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    form = filter_form(request.GET)
    page, cursor = _page(request, form, post_policy.timeline_posts(viewer, child))
    if viewer.is_staff:
        # R8: mark what reaches a receiving unit from the child's earlier units, with consent.
        own_units = policy.connected_units_of(viewer, child)
        for post in page:
            post.shared_by_transition = post.school_unit_id not in own_units
    marks.mark_new_posts(request, page)
    listing.render_fragments(page)
    record_reads(viewer, AuditAction.READ_TIMELINE, [child.pk], object_type="child", object_uuid=child.uuid)
    return render(
        request,
        "learninglog/timeline.html",
        {
            "child": child,
            "posts": page,
            "next_url": _next_url(request, cursor),
            "filter_form": form,
            # The custody-only settings page is linked for children in custody (not a contact person's).
            "in_custody": child.pk in connections.custody_children_ref(viewer),
        },
    )


@viewer_required
def group_log(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """Render a group's log: the group posts the viewer may read."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    form = filter_form(request.GET)
    page, cursor = _page(request, form, post_policy.group_posts(viewer, group))
    _record_list_reads(request, page, AuditAction.READ_GROUP_LOG, school_unit=group.school_unit)
    marks.mark_new_posts(request, page)
    listing.render_fragments(page)
    return render(
        request,
        "learninglog/group_log.html",
        {"group": group, "posts": page, "next_url": _next_url(request, cursor), "filter_form": form},
    )


@viewer_required
def group_members(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """Render the member list of a group as the viewer may see it (R3)."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    members = policy.group_members_for(viewer, group).order_by("given_name", "family_name")
    return render(request, "learninglog/group_members.html", {"group": group, "members": members})


# ---------------------------------------------------------------------------------------------
# One post
# ---------------------------------------------------------------------------------------------


@viewer_required
def post_detail(request: HttpRequest, post_uuid: str) -> HttpResponse:
    """Render one post with its comments and the comment form."""
    viewer = request.viewer
    post = listing.with_listing_data(
        viewer, post_policy.visible_posts(viewer, include_drafts=True).filter(uuid=post_uuid)
    ).first()
    if post is None:
        raise Http404
    comments = list(post_policy.visible_comments(viewer, post))
    # Opening the post reads its notices and those of the comments shown with it.
    notices_api.mark_read(viewer, about=[post.uuid, *(c.uuid for c in comments)])
    families = list(post_policy.comment_families_for(viewer, post)) if not viewer.is_staff else []
    named_ids = [pc.child_id for pc in post.visible_named]
    record_post_reads(
        viewer,
        AuditAction.READ_POST,
        named_ids,
        post_unit_id=post.school_unit_id,
        object_type="post",
        object_uuid=post.uuid,
    )
    may_edit = viewer.is_staff and post_policy.may_edit_post(viewer, post)
    named = [pc.child for pc in post.visible_named] if viewer.is_staff else []
    # "Översätt" only where the post's organisation offers a service named in its terms (issue 32).
    offered = service_for(post.school_unit.organisation_id) is not None
    context = {
        "translate_post": offered and post.is_published and get_language() != POST_SOURCE_LANGUAGE,
        "translate_comments": offered,
        **_consent_markers(viewer, post),
        **_childs_voice(viewer, post),
        "post": post,
        "comments": comments,
        # What R8 shares with a receiving unit is read-only there: no comment form, no hiding.
        "may_comment": may_edit or not viewer.is_staff,
        "comment_form": CommentForm(families=families, named=named, labels=child_labels(viewer, named)),
        "may_edit": may_edit,
        "photo_consent_missing": actions.photo_consent_missing(post)
        if viewer.is_staff and not post.is_published
        else [],
    }
    return render(request, "learninglog/post_detail.html", context)


def _childs_voice(viewer: Viewer, post: Post) -> dict[str, object]:
    """Issue 29 on a post page: the post a reflection answers and the reflections on this post that
    the viewer may read (both through `visible_posts`), and whether they may approve it."""
    readable = post_policy.visible_posts(viewer)
    reflected = readable.filter(pk=post.reflects_on_id).first() if post.reflects_on_id else None
    return {
        "reflected": reflected,
        "reflections": list(readable.filter(reflects_on=post).order_by("created_at")),
        "may_decide": post_policy.may_decide_post(viewer, post),
        "may_reflect": viewer.is_child and post.status == "published" and post.author_id != viewer.person_id,
    }


def _consent_markers(viewer: Viewer, post: Post) -> dict[str, object]:
    """The B5 markers on the post's files that this viewer sees, and for whom they may mark a photo
    or film "don't show": two queries whatever the number of files."""
    media = list(post.media.all())
    markers: dict[int, list] = {}
    for marker in media_policy.visible_markers(viewer, [m.pk for m in media]):
        markers.setdefault(marker.media_id, []).append(marker)
    acting = list(media_policy.children_acting_on_post(viewer, post.pk)) if media else []
    for item in media:
        item.child_markers = markers.get(item.pk, [])
        marked = {m.child_id for m in item.child_markers if m.decision == "pending"}
        item.markable = [c for c in acting if c.pk not in marked] if item.kind in media_policy.MARKABLE_KINDS else []
    return {"acting_children": acting}


@viewer_required
@require_POST
def comment_create(request: HttpRequest, post_uuid: str) -> HttpResponse:
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid, include_drafts=False)
    families = list(post_policy.comment_families_for(viewer, post)) if not viewer.is_staff else []
    named = list(post_policy.named_children_visible_on_post(viewer, post)) if viewer.is_staff else []
    form = CommentForm(request.POST, families=families, named=named, labels=child_labels(viewer, named))
    if form.is_valid():
        try:
            actions.comment_create(
                actor=viewer, post=post, body=form.cleaned_data["body"], family_child=form.cleaned_data["family"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Din kommentar är sparad."))
            return redirect(reverse("learninglog:post", args=[post.uuid]) + "#comments")
    else:
        messages.error(request, _("Kommentaren kunde inte sparas. Skriv en text och försök igen."))
    return redirect(reverse("learninglog:post", args=[post.uuid]) + "#comment-form")


@staff_required
@require_POST
def comment_hide(request: HttpRequest, comment_uuid: str) -> HttpResponse:
    comment = post_policy.get_comment_for(request.viewer, comment_uuid)
    actions.comment_hide(actor=request.viewer, comment=comment)
    messages.success(request, _("Kommentaren är dold för vårdnadshavare."))
    return redirect(reverse("learninglog:post", args=[comment.post.uuid]) + "#comments")


@staff_required
def post_delete(request: HttpRequest, post_uuid: str) -> HttpResponse:
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid)
    if not post_policy.may_edit_post(viewer, post):
        raise Http404
    if request.method == "POST":
        actions.post_delete(actor=viewer, post=post)
        messages.success(request, _("Inlägget är borttaget."))
        return redirect("learninglog:feed")
    return render(request, "learninglog/post_delete.html", {"post": post})


@staff_required
def post_history(request: HttpRequest, post_uuid: str) -> HttpResponse:
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid)
    if not post_policy.may_edit_post(viewer, post):
        raise Http404  # the edit history is the editors': not what R8 shares with a receiving unit
    versions = post.versions.select_related("saved_by")
    return render(request, "learninglog/post_history.html", {"post": post, "versions": versions})


# ---------------------------------------------------------------------------------------------
# A child's settings (guardians), contact details (R4)
# ---------------------------------------------------------------------------------------------


@guardian_required
@full_assurance_required(Act.ANSWER_CONSENT, methods=("POST",))
def child_settings(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render the guardian's page for a child: photo consent, who has read the documentation and
    the child's other contact persons. Custody only: a contact person acts for no child (issue 28)."""
    viewer = request.viewer
    child = connections.get_child_in_custody_for(viewer, child_uuid)
    try:
        consent = child.photo_consent
    except ObjectDoesNotExist:
        consent = None
    if request.method == "POST":
        form = PhotoConsentForm(request.POST)
        if form.is_valid():
            actions.photo_consent_set(actor=viewer, child=child, allowed=form.cleaned_data["allowed"] == "yes")
            messages.success(request, _("Ditt val är sparat."))
            return redirect("learninglog:child_settings", child_uuid=child.uuid)
    else:
        initial = {} if consent is None else {"allowed": "yes" if consent.allowed else "no"}
        form = PhotoConsentForm(initial=initial)
    reads_page, read_days = who_read(viewer, child, request.GET.get("page"))
    return render(
        request,
        "learninglog/child_settings.html",
        {
            "child": child,
            "form": form,
            "consent": consent,
            "reads_page": reads_page,
            "read_days": read_days,
            "contacts": connections.connections_for_guardians(child, today()),
        },
    )


@viewer_required
def child_contact(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render the contact details of a child and its guardians (R4)."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    people = list(
        policy.contact_persons(viewer)
        .filter(Q(pk=child.pk) | Q(responsible_for__child=child, responsible_for__relation_type=RelationType.GUARDIAN))
        .distinct()
        .prefetch_related("emails", "phones", "addresses")
        .order_by("-birth_date", "given_name")
    )
    record_reads(viewer, AuditAction.READ_CONTACT, [child.pk], object_type="contact", object_uuid=child.uuid)
    # Staff who may print a sign-in code for a guardian without e-ID get a link to it (issue 28).
    enrolment = viewer.is_staff and assurance.enrolment_guardians(viewer, child).exists()
    return render(request, "learninglog/child_contact.html", {"child": child, "people": people, "enrolment": enrolment})
