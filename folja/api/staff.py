"""Staff: groups and members, uploads, composing, publishing and editing posts, coverage as data.

The same policy and actions as the compose and coverage pages
(folja/pages/learninglog/compose_views.py, folja/pages/curriculum/views.py), the same form
(`learninglog.forms.PostForm`) for what a post may name.
"""

from __future__ import annotations

import logging
import uuid

from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from folja.access import policy
from folja.access.labels import child_labels
from folja.access.roles import Role
from folja.api import schemas
from folja.api.auth import viewer_of
from folja.api.posts import ANY, _detail
from folja.api.posts import router as posts_router
from folja.api.problems import ApiProblem
from folja.core.dates import today
from folja.curriculum.models import Goal
from folja.learninglog import access as post_policy
from folja.learninglog import actions, coverage
from folja.learninglog.forms import PostForm
from folja.learninglog.models import PostKind
from folja.learninglog.text import text_to_html
from folja.media.access import own_uploads
from folja.media.actions import MediaRejected, upload_attach, upload_stage
from folja.media.models import MediaKind
from folja.oauth.ninja import scope_required
from folja.pages.curriculum import heatmap
from folja.pages.curriculum.forms import PeriodForm
from folja.pages.learninglog.compose_views import _members

logger = logging.getLogger(__name__)
router = Router(tags=["staff"])


@router.get("/groups", response=list[schemas.Group], url_name="groups", summary="The groups I may see")
@scope_required("groups:read")
def groups(request: HttpRequest) -> list[dict]:
    """Staff: the groups of their duties; families: their children's groups (the group pages' answer)."""
    viewer = viewer_of(request, *ANY)
    found = policy.visible_groups(viewer).select_related("school_unit").order_by("display_name", "pk")[:500]
    return [
        {"uuid": g.uuid, "name": g.display_name, "unit": g.school_unit.display_name, "hidden_members": g.hidden_members}
        for g in found
    ]


@router.get(
    "/groups/{group_uuid}/members", response=list[schemas.Child], url_name="group_members", summary="A group's members"
)
@scope_required("groups:read")
def group_members(request: HttpRequest, group_uuid: uuid.UUID) -> list[dict]:
    """The member list as the reader may see it: in a hidden-member group a family sees its own child only (R3)."""
    viewer = viewer_of(request, *ANY)
    group = policy.get_group_for(viewer, group_uuid)
    members = list(policy.group_members_for(viewer, group).order_by("given_name", "family_name", "pk"))
    labels = child_labels(viewer, members)
    return [{"uuid": m.uuid, "name": labels.get(m.pk, m.full_name)} for m in members]


@router.post("/uploads", response={201: schemas.Upload}, url_name="upload_create", summary="Upload a file for a post")
@scope_required("posts:write")
def upload_create(request: HttpRequest, file: File[UploadedFile]) -> dict:
    """Checked, cleaned (EXIF removed) and kept for its uploader alone until a post attaches it (R10)."""
    viewer = viewer_of(request, Role.STAFF)
    try:
        staged = upload_stage(actor=viewer.person, upload=file)
    except MediaRejected as exc:
        raise ApiProblem(422, "file-rejected", _("Filen kunde inte tas emot."), " ".join(exc.messages)) from None
    return {"uuid": staged.uuid, "name": staged.name, "kind": MediaKind(staged.kind).value}


def _goal_ids(keys: list[str]) -> list[str]:
    return [str(pk) for pk in Goal.objects.current().filter(key__in=keys).values_list("pk", flat=True)]


def _form_data(payload: schemas.PostIn, **extra: object) -> QueryDict:
    data = QueryDict(mutable=True)
    data["title"] = payload.title
    data["body"] = payload.body
    data["activity_date"] = payload.activity_date.isoformat()
    data.setlist("goals", _goal_ids(payload.goals))
    for key, value in extra.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = str(value)
    return data


def _invalid(form: PostForm) -> ApiProblem:
    return ApiProblem(
        422,
        "invalid",
        _("Inlägget kunde inte sparas. Rätta det som är markerat och försök igen."),
        " ".join(str(m) for messages in form.errors.values() for m in messages),
        errors=[{"loc": ["body", k], "type": "invalid"} for k in form.errors],
    )


def _publish(viewer: object, post: object, confirmed: bool) -> None:
    try:
        actions.post_publish(actor=viewer, post=post, photo_consent_confirmed=confirmed)
    except actions.PhotoConsentMissing as exc:
        labels = child_labels(viewer, exc.children)
        raise ApiProblem(
            409,
            "photo-consent-missing",
            _("Inlägget är sparat som utkast. Några barn saknar samtycke till bild i andras inlägg."),
            ", ".join(labels.get(c.pk, c.full_name) for c in exc.children),
        ) from None


@router.post("/posts", response={201: schemas.PostDetail}, url_name="post_create", summary="Compose a post")
@scope_required("posts:write")
def post_create(request: HttpRequest, payload: schemas.PostIn) -> dict:
    """A draft, or published at once (`publish`), with own uploads attached in order. A group post
    names the group's children the writer is connected to; untick who was absent."""
    viewer = viewer_of(request, Role.STAFF)
    group = policy.staff_groups(viewer).select_related("school_unit").filter(uuid=payload.group).first()
    if group is None:
        raise Http404
    members = _members(viewer, group)
    data = _form_data(
        payload,
        kind=payload.kind,
        children=[str(c) for c in payload.children],
        confirm_photo_consent="on" if payload.confirm_photo_consent else "",
    )
    form = PostForm(data, groups=[group], group=group, members=members)
    if not form.is_valid():
        raise _invalid(form)
    cleaned = form.cleaned_data
    wanted = [str(u) for u in payload.uploads]
    found = {str(u.uuid): u for u in own_uploads(viewer).filter(uuid__in=wanted)}
    if len(found) != len(set(wanted)):
        raise ApiProblem(422, "invalid", _("En uppladdad fil finns inte längre. Ladda upp den igen."))
    children = actions.children_for_post(viewer, group=group, child_uuids=cleaned["children"], on=today())
    post = actions.post_create(
        actor=viewer,
        school_unit=group.school_unit,
        kind=cleaned["kind"],
        group=group if cleaned["kind"] == PostKind.GROUP else None,
        children=children,
        title=cleaned["title"],
        body_html=text_to_html(cleaned["body"]),
        activity_date=cleaned["activity_date"],
        goal_ids=cleaned["goals"],
    )
    for seq, key in enumerate(wanted):
        upload_attach(actor=viewer.person, post=post, staged=found[key], seq=seq)
    if payload.publish:
        _publish(viewer, post, payload.confirm_photo_consent)
    return _detail(request, post.uuid)


def _editable(request: HttpRequest, post_uuid: uuid.UUID) -> tuple[object, object]:
    viewer = viewer_of(request, Role.STAFF)
    post = post_policy.get_post_for(viewer, post_uuid, include_drafts=True)
    if not post_policy.may_edit_post(viewer, post):
        raise Http404  # what R8 shares with a receiving unit is read-only there
    return viewer, post


@posts_router.patch("/posts/{post_uuid}", response=schemas.PostDetail, url_name="post_edit", summary="Edit a post")
@scope_required("posts:write")
def post_edit(request: HttpRequest, post_uuid: uuid.UUID, payload: schemas.PostEdit) -> dict:
    """The text, date and goals; the text before goes to the history (`actions.post_update`)."""
    viewer, post = _editable(request, post_uuid)
    actions.post_update(
        actor=viewer,
        post=post,
        title=payload.title,
        body_html=text_to_html(payload.body),
        activity_date=payload.activity_date,
        goal_ids=[int(pk) for pk in _goal_ids(payload.goals)],
    )
    return _detail(request, post.uuid)


@router.post(
    "/posts/{post_uuid}/publish", response=schemas.PostDetail, url_name="post_publish", summary="Publish a draft"
)
@scope_required("posts:write")
def post_publish(request: HttpRequest, post_uuid: uuid.UUID, payload: schemas.PublishIn) -> dict:
    viewer, post = _editable(request, post_uuid)
    _publish(viewer, post, payload.confirm_photo_consent)
    return _detail(request, post.uuid)


class PeriodQuery(Schema):
    start: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    end: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


@router.get(
    "/groups/{group_uuid}/coverage", response=schemas.Coverage, url_name="group_coverage", summary="A group's coverage"
)
@scope_required("coverage:read")
def group_coverage(request: HttpRequest, group_uuid: uuid.UUID, period: Query[PeriodQuery]) -> dict:
    """Posts per goal and month over the posts the teacher may see (this term by default): the
    coverage page's numbers, without children's names."""
    viewer = viewer_of(request, Role.STAFF)
    group = policy.get_group_for(viewer, group_uuid)
    unit = group.school_unit
    query = QueryDict(mutable=True)
    for key in ("start", "end"):
        if getattr(period, key):
            query[key] = getattr(period, key)
    form = PeriodForm(query or None)
    chosen = form.period()
    counts = coverage.coverage(coverage.group_posts_scope(viewer, group), chosen)
    data = heatmap.build(counts, chosen, heatmap.curricula_for([group.school_type, *unit.school_types]))
    return {
        "months": data.months,
        "goals": [
            {"code": row.area_code, "text": row.text, "counts": row.counts, "total": row.total}
            for area in data.areas
            for row in area.goals
        ],
        "posts": data.total_posts,
    }
