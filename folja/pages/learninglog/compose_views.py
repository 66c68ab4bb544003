"""Composing and editing posts (staff): the one-page form, files uploaded before the post is
saved and attached on save, and the autosave of what the writer has typed.

Thin views over the access policy (which groups, children and posts the writer may write about)
and the actions (every write); docs/architecture.md, "Composing a post".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access import policy
from folja.accounts.decorators import staff_required
from folja.core.dates import today
from folja.curriculum import offer
from folja.curriculum.loader import fold
from folja.curriculum.models import Goal
from folja.learninglog import access as post_policy
from folja.learninglog import actions
from folja.learninglog.forms import PostForm
from folja.learninglog.models import PostKind, PostStatus
from folja.learninglog.text import html_to_text, text_to_html
from folja.media.access import own_uploads
from folja.media.actions import MediaRejected, media_attach, upload_attach, upload_stage
from folja.pages.learninglog.views import is_uuid

logger = logging.getLogger(__name__)


def _school_types(groups: Sequence[object], group: object | None, post: object | None = None) -> list[str]:
    """Return the school types whose curriculum the form offers: the group's (or the edited
    post's unit's); with no group chosen yet, those of every group the writer works in."""
    if group is not None:
        return offer.school_types_of(group.school_unit, group)
    if post is not None:
        return offer.school_types_of(post.school_unit)
    return sorted({t for g in groups for t in offer.school_types_of(g.school_unit, g)})


def _goal_choices(request: HttpRequest, school_types: list[str]) -> tuple[list[Goal], list[Goal]]:
    """Return (recently used goals, the goals offered to the school types), filtered by the
    search box when given (curriculum.offer: the unit's school type decides the curriculum)."""
    goals = offer.offered(
        Goal.objects.current().select_related("area", "curriculum").order_by("curriculum__code", "area__seq", "seq"),
        school_types,
    )
    query = fold(request.GET.get("q", "").strip())
    if query:
        goals = [g for g in goals if query in g.search_text]
    offered_ids = {g.pk for g in goals}
    recent = [] if query else [g for g in Goal.objects.recently_used_by(request.viewer.person) if g.pk in offered_ids]
    return recent, goals


def _compose_context(
    request: HttpRequest, form: PostForm, *, uploads: Sequence[object] = (), **extra: object
) -> dict[str, object]:
    recent, goals = _goal_choices(request, form.goal_school_types)
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


def _restored(request: HttpRequest, autosave: object) -> tuple[dict[str, object], list[object]]:
    """Return the form's initial values and the uploads kept in an autosave."""
    return _autosave_initial(autosave), _chosen_uploads(request, autosave.data.get("uploads") or [])


def _form_again(request: HttpRequest, form: PostForm, key: str, **extra: object) -> HttpResponse:
    """Render the compose page again with the form's errors, keeping every file already sent."""
    context = _compose_context(request, form, uploads=_uploads_after_error(request), autosave_key=key, **extra)
    return render(request, "learninglog/compose.html", context, status=400)


def _chosen_uploads(request: HttpRequest, uuids: Sequence[str]) -> list[object]:
    """Return the viewer's own unattached uploads among `uuids`, in that order."""
    wanted = [u for u in uuids if is_uuid(str(u))]
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
    types = _school_types(groups, group)
    key = f"group:{group.uuid}" if group is not None else ""
    if request.method != "POST":
        initial: dict[str, object] = {"activity_date": today()}
        autosave = post_policy.own_autosave(viewer, key) if group is not None else None
        uploads: list[object] = []
        if autosave is not None:
            initial, uploads = _restored(request, autosave)
        elif child is not None and any(m.pk == child.pk for m in members):
            initial.update(kind=PostKind.INDIVIDUAL, children=[str(child.uuid)])
        form = PostForm(groups=groups, group=group, members=members, initial=initial, goal_school_types=types)
        return render(
            request,
            "learninglog/compose.html",
            _compose_context(request, form, uploads=uploads, autosave=autosave, autosave_key=key),
        )
    form = PostForm(request.POST, request.FILES, groups=groups, group=group, members=members, goal_school_types=types)
    if not form.is_valid() or group is None:
        if group is None:
            form.add_error(None, _("Välj en grupp."))
        return _form_again(request, form, key)
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
        return _form_again(request, form, key)
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
    if group is not None and not groups:
        # A group post is edited with its group's members to choose from; a staff member connected
        # to a named child without working in the group (issue 28: named-child access) reads it only.
        raise Http404
    types = _school_types(groups, group, post)
    current_children = [str(u) for u in post.post_children.values_list("child__uuid", flat=True)]
    key = f"post:{post.uuid}"
    if request.method != "POST":
        autosave = post_policy.own_autosave(viewer, key)
        uploads: list[object] = []
        if autosave is not None:
            initial, uploads = _restored(request, autosave)
        else:
            initial = {
                "kind": post.kind,
                "title": post.title,
                "body": html_to_text(post.body_html),
                "activity_date": post.activity_date,
                "children": current_children,
                "goals": list(post.post_goals.values_list("goal_id", flat=True)),
            }
        form = PostForm(
            groups=groups, group=group, members=members, editing=True, initial=initial, goal_school_types=types
        )
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
    form = PostForm(
        request.POST, request.FILES, groups=groups, group=group, members=members, editing=True, goal_school_types=types
    )
    if not form.is_valid():
        return _form_again(request, form, key, post=post)
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
        return _form_again(request, form, key, post=post)
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
    if post_uuid and is_uuid(post_uuid):
        post = post_policy.get_post_for(viewer, post_uuid)
        if not post_policy.may_edit_post(viewer, post):
            raise Http404
        return f"post:{post.uuid}", reverse("learninglog:post_edit", args=[post.uuid])
    if group_uuid and is_uuid(group_uuid):
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
