"""Learning log pages: thin views over the access policy (reads) and actions (writes)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access import policy
from folja.access.audit import record_post_reads, record_reads
from folja.access.labels import child_labels
from folja.access.models import AuditAction
from folja.accounts.decorators import guardian_required, staff_required, viewer_required
from folja.core.dates import today
from folja.curriculum.loader import fold
from folja.curriculum.models import Goal
from folja.directory.models import RelationType
from folja.learninglog import access as post_policy
from folja.learninglog import actions
from folja.learninglog.forms import CommentForm, FilterForm, PhotoConsentForm, PostForm, filter_form
from folja.learninglog.models import PostKind, PostStatus
from folja.learninglog.text import html_to_text, text_to_html
from folja.media.access import own_uploads
from folja.media.actions import MediaRejected, media_attach, upload_attach, upload_stage
from folja.pages import listing
from folja.pages.learninglog.reads import who_read

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
    if cursor and _is_uuid(cursor):
        # The cursor is looked up in the same access-filtered, filtered posts, so it reveals nothing.
        found = listing.filtered(posts, *filters).filter(uuid=cursor).values("activity_date", "id").first()
        if found is not None:
            anchor = (found["activity_date"], found["id"])
    page = listing.post_page(request.viewer, posts, filters=filters, anchor=anchor, limit=PAGE_SIZE + 1)
    next_cursor = str(page[PAGE_SIZE - 1].uuid) if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], next_cursor


def _is_uuid(value: str) -> bool:
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
    listing.render_fragments(page)
    record_reads(viewer, AuditAction.READ_TIMELINE, [child.pk], object_type="child", object_uuid=child.uuid)
    return render(
        request,
        "learninglog/timeline.html",
        {"child": child, "posts": page, "next_url": _next_url(request, cursor), "filter_form": form},
    )


@viewer_required
def group_log(request: HttpRequest, group_uuid: str) -> HttpResponse:
    """Render a group's log: the group posts the viewer may read."""
    viewer = request.viewer
    group = policy.get_group_for(viewer, group_uuid)
    form = filter_form(request.GET)
    page, cursor = _page(request, form, post_policy.group_posts(viewer, group))
    _record_list_reads(request, page, AuditAction.READ_GROUP_LOG, school_unit=group.school_unit)
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
    comments = post_policy.visible_comments(viewer, post)
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
    context = {
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


# ---------------------------------------------------------------------------------------------
# Composing and editing (staff)
# ---------------------------------------------------------------------------------------------


def _goal_choices(request: HttpRequest) -> tuple[list[Goal], list[Goal]]:
    """Return (recently used goals, all current goals), filtered by the search box when given."""
    goals = Goal.objects.current().select_related("area", "curriculum").order_by("curriculum__code", "area__seq", "seq")
    query = fold(request.GET.get("q", "").strip())
    if query:
        goals = goals.filter(search_text__contains=query)
    recent = list(Goal.objects.recently_used_by(request.viewer.person)) if not query else []
    return recent, list(goals)


def _compose_context(
    request: HttpRequest, form: PostForm, *, uploads: Sequence[object] = (), **extra: object
) -> dict[str, object]:
    recent, goals = _goal_choices(request)
    recent_ids = {g.pk for g in recent}
    return {
        "form": form,
        "groups": form.groups,
        "group": form.group,
        "members": form.members,
        "recent_goals": recent,
        "goals": [g for g in goals if g.pk not in recent_ids],
        "selected_goal_ids": form.selected_goal_ids(),
        "selected_child_uuids": form.selected_child_uuids(),
        "selected_kind": form["kind"].value() or PostKind.GROUP,
        "uploads": uploads,
        "max_upload_bytes": settings.FOLJA_MEDIA_MAX_BYTES,
        **extra,
    }


def _autosave_initial(autosave: object) -> dict[str, object]:
    """Return the compose form's initial values from an autosave (the form offers only its own choices)."""
    data = autosave.data
    initial: dict[str, object] = {key: data.get(key, "") for key in actions.AUTOSAVE_FIELDS}
    initial["children"] = list(data.get("children") or [])
    initial["goals"] = [int(v) for v in data.get("goals") or [] if str(v).isdigit()]
    if not initial["activity_date"]:
        initial["activity_date"] = today()
    return initial


def _chosen_uploads(request: HttpRequest, uuids: Sequence[str]) -> list[object]:
    """Return the viewer's own unattached uploads among `uuids`, in that order."""
    wanted = [u for u in uuids if _is_uuid(str(u))]
    found = {str(u.uuid): u for u in own_uploads(request.viewer).filter(uuid__in=wanted)}
    return [found[str(u)] for u in wanted if str(u) in found]


def _stage_files(request: HttpRequest) -> list[object]:
    """Keep the files sent with a form that could not be saved (no JavaScript), so none is lost."""
    staged = []
    for upload in request.FILES.getlist("files"):
        try:
            staged.append(upload_stage(actor=request.viewer.person, upload=upload))
        except MediaRejected as exc:
            messages.error(request, _("%(name)s: %(reason)s") % {"name": upload.name, "reason": " ".join(exc.messages)})
    return staged


def _uploads_after_error(request: HttpRequest) -> list[object]:
    return _chosen_uploads(request, request.POST.getlist("uploads")) + _stage_files(request)


def _group_of_child(groups: QuerySet, child: object) -> object | None:
    """Return the first of the viewer's groups the child belongs to (for "Nytt inlägg" on a timeline)."""
    return groups.filter(memberships__person=child).distinct().first()


def _members(viewer: object, group: object | None) -> list[object]:
    members = (
        policy.group_members_for(viewer, group).filter(pk__in=policy.connected_children(viewer).values("pk"))
        if group is not None
        else policy.connected_children(viewer).none()
    )
    return list(members.order_by("given_name", "family_name"))


@staff_required
def compose(request: HttpRequest) -> HttpResponse:
    """Render and handle the one-page compose form: children, text, date, goals, photos, publish.

    From a child's timeline (`?child=`) the form starts as an individual post about that child in
    the child's group. What the writer types is saved while she writes (`autosave`) and offered
    again here; files are uploaded when chosen (`media:upload`) and attached on save.
    """
    viewer = request.viewer
    groups = policy.staff_groups(viewer).select_related("school_unit").order_by("display_name")
    group = None
    child = None
    group_uuid = request.POST.get("group") or request.GET.get("group")
    child_uuid = request.GET.get("child") if request.method != "POST" else None
    if child_uuid:
        child = policy.get_child_for(viewer, child_uuid)
    if group_uuid:
        try:
            group = groups.get(uuid=group_uuid)
        except (ValueError, ValidationError, groups.model.DoesNotExist):
            raise Http404 from None
    elif child is not None:
        group = _group_of_child(groups, child)
    elif len(groups) == 1:
        group = groups[0]
    members = _members(viewer, group)
    key = f"group:{group.uuid}" if group is not None else ""
    if request.method != "POST":
        initial: dict[str, object] = {"activity_date": today()}
        autosave = post_policy.own_autosave(viewer, key) if group is not None else None
        uploads: list[object] = []
        if autosave is not None:
            initial = _autosave_initial(autosave)
            uploads = _chosen_uploads(request, autosave.data.get("uploads") or [])
        elif child is not None and any(m.pk == child.pk for m in members):
            initial.update(kind=PostKind.INDIVIDUAL, children=[str(child.uuid)])
        form = PostForm(groups=groups, group=group, members=members, initial=initial)
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, uploads=uploads, autosave=autosave, autosave_key=key),
        )
    form = PostForm(request.POST, request.FILES, groups=groups, group=group, members=members)
    if not form.is_valid() or group is None:
        if group is None:
            form.add_error(None, _("Välj en grupp."))
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, uploads=_uploads_after_error(request), autosave_key=key),
            status=400,
        )
    data = form.cleaned_data
    children = actions.children_for_post(viewer, group=group, child_uuids=data["children"], on=today())
    try:
        post = actions.post_create(
            actor=viewer,
            school_unit=group.school_unit,
            kind=data["kind"],
            group=group if data["kind"] == PostKind.GROUP else None,
            children=children,
            title=data["title"],
            body_html=text_to_html(data["body"]),
            activity_date=data["activity_date"],
            goal_ids=data["goals"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, uploads=_uploads_after_error(request), autosave_key=key),
            status=400,
        )
    actions.autosave_discard(actor=viewer, key=key)
    rejected = _attach_files(request, post)
    if rejected or "publish" not in request.POST:
        if not rejected:
            messages.success(request, _("Utkastet är sparat."))
        return redirect("learninglog:post_edit", post_uuid=post.uuid)
    return _publish_or_warn(request, post, confirmed=data.get("confirm_photo_consent", False))


def _attach_files(request: HttpRequest, post: object, *, first_seq: int = 0) -> bool:
    """Attach the chosen uploads and the files sent with the form; return True when one was
    rejected (a draft then stays a draft, and the rest are attached)."""
    rejected = False
    seq = first_seq
    for staged in _chosen_uploads(request, request.POST.getlist("uploads")):
        upload_attach(actor=request.viewer.person, post=post, staged=staged, seq=seq)
        seq += 1
    for upload in request.FILES.getlist("files"):
        try:
            media_attach(actor=request.viewer.person, post=post, upload=upload, seq=seq)
        except MediaRejected as exc:
            rejected = True
            messages.error(request, _("%(name)s: %(reason)s") % {"name": upload.name, "reason": " ".join(exc.messages)})
            logger.info("upload rejected", extra={"post": str(post.uuid), "reason": exc.code})
        else:
            seq += 1
    if rejected and post.status == PostStatus.DRAFT:
        messages.warning(request, _("Inlägget är sparat som utkast. Övriga filer är bifogade."))
    return rejected


def _publish_or_warn(request: HttpRequest, post: object, *, confirmed: bool) -> HttpResponse:
    try:
        actions.post_publish(actor=request.viewer, post=post, photo_consent_confirmed=confirmed)
    except actions.PhotoConsentMissing as exc:
        names = ", ".join(c.full_name for c in exc.children)
        messages.warning(
            request,
            _(
                "Inlägget är sparat som utkast. Barn utan samtycke till bild i andras inlägg: %(names)s. "
                "Ta bort bilderna, avmarkera barnen eller bekräfta att du vill publicera ändå."
            )
            % {"names": names},
        )
        return redirect("learninglog:post_edit", post_uuid=post.uuid)
    messages.success(request, _("Inlägget är publicerat."))
    return redirect("learninglog:post", post_uuid=post.uuid)


@staff_required
def post_edit(request: HttpRequest, post_uuid: str) -> HttpResponse:
    """Edit a post (draft or published); publishing a draft happens here too."""
    viewer = request.viewer
    post = post_policy.get_post_for(viewer, post_uuid)
    if not post_policy.may_edit_post(viewer, post):
        raise Http404
    group = post.group
    if group is not None:
        members = _members(viewer, group)
    else:
        members = list(post_policy.named_children_visible_on_post(viewer, post))
    groups = policy.staff_groups(viewer).filter(pk=group.pk) if group else policy.staff_groups(viewer).none()
    current_children = [str(u) for u in post.post_children.values_list("child__uuid", flat=True)]
    key = f"post:{post.uuid}"
    if request.method != "POST":
        autosave = post_policy.own_autosave(viewer, key)
        uploads: list[object] = []
        if autosave is not None:
            initial = _autosave_initial(autosave)
            uploads = _chosen_uploads(request, autosave.data.get("uploads") or [])
        else:
            initial = {
                "kind": post.kind,
                "title": post.title,
                "body": html_to_text(post.body_html),
                "activity_date": post.activity_date,
                "children": current_children,
                "goals": list(post.post_goals.values_list("goal_id", flat=True)),
            }
        form = PostForm(groups=groups, group=group, members=members, editing=True, initial=initial)
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(
                request,
                form,
                post=post,
                uploads=uploads,
                autosave=autosave,
                autosave_key=key,
                photo_consent_missing=actions.photo_consent_missing(post),
            ),
        )
    form = PostForm(request.POST, request.FILES, groups=groups, group=group, members=members, editing=True)
    if not form.is_valid():
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, post=post, uploads=_uploads_after_error(request), autosave_key=key),
            status=400,
        )
    data = form.cleaned_data
    children = actions.children_for_post(viewer, group=group, child_uuids=data["children"], on=today())
    try:
        actions.post_update(
            actor=viewer,
            post=post,
            title=data["title"],
            body_html=text_to_html(data["body"]),
            activity_date=data["activity_date"],
            goal_ids=data["goals"],
            children=children,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, post=post, uploads=_uploads_after_error(request), autosave_key=key),
            status=400,
        )
    actions.autosave_discard(actor=viewer, key=key)
    rejected = _attach_files(request, post, first_seq=post.media.count())
    if "publish" in request.POST and post.status == PostStatus.DRAFT and not rejected:
        return _publish_or_warn(request, post, confirmed=data.get("confirm_photo_consent", False))
    messages.success(request, _("Ändringarna är sparade."))
    return redirect("learninglog:post", post_uuid=post.uuid)


def _autosave_key(request: HttpRequest) -> tuple[str, str]:
    """Return the autosave key of the form the request names and the URL of that form (404 when
    the viewer may not write it)."""
    viewer = request.viewer
    post_uuid = request.GET.get("post", "")
    group_uuid = request.GET.get("group", "")
    if post_uuid and _is_uuid(post_uuid):
        post = post_policy.get_post_for(viewer, post_uuid)
        if not post_policy.may_edit_post(viewer, post):
            raise Http404
        return f"post:{post.uuid}", reverse("learninglog:post_edit", args=[post.uuid])
    if group_uuid and _is_uuid(group_uuid):
        group = policy.staff_groups(viewer).filter(uuid=group_uuid).first()
        if group is not None:
            return f"group:{group.uuid}", reverse("learninglog:compose") + f"?group={group.uuid}"
    raise Http404


@staff_required
@require_POST
def compose_autosave(request: HttpRequest) -> HttpResponse:
    """Keep what the writer has typed so far (sent by the compose page while she writes), or forget
    it (`discard`, the "Börja om" button: back to an empty form)."""
    viewer = request.viewer
    key, form_url = _autosave_key(request)
    if "discard" in request.POST:
        actions.autosave_discard(actor=viewer, key=key)
        messages.success(request, _("Den automatiskt sparade texten är borttagen."))
        return redirect(form_url)
    data = {name: request.POST.get(name, "") for name in actions.AUTOSAVE_FIELDS}
    data.update({name: request.POST.getlist(name) for name in actions.AUTOSAVE_LISTS})
    saved = actions.autosave_store(actor=viewer, key=key, data=data)
    return JsonResponse({"saved_at": saved.saved_at.isoformat()})


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
def child_settings(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render the guardian's page for a child: photo consent and who has read the documentation."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
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
        {"child": child, "form": form, "consent": consent, "reads_page": reads_page, "read_days": read_days},
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
    return render(request, "learninglog/child_contact.html", {"child": child, "people": people})
