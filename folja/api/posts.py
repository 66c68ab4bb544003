"""Children, timelines, posts, comments and media: thin endpoints over the same access functions,
list queries and actions as the learning log's pages (folja/pages/learninglog/views.py)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from folja.access import policy
from folja.access.audit import record_post_reads, record_reads
from folja.access.labels import child_labels
from folja.access.models import AuditAction
from folja.access.roles import Role
from folja.api import schemas
from folja.api.auth import viewer_of
from folja.api.problems import ApiProblem
from folja.learninglog import access as post_policy
from folja.learninglog.forms import CommentForm, filter_form
from folja.media.access import get_media_for
from folja.media.serving import record_media_read, send_file
from folja.notifications import api as notices_api
from folja.oauth.ninja import scope_required
from folja.pages import listing
from folja.pages.learninglog.views import _page
from folja.pages.notices import marks

router = Router(tags=["learning log"])
ANY = (Role.GUARDIAN, Role.STAFF, Role.CHILD)
PROTECTED_NAME = "(skyddad person)"


def media_link(media_uuid: uuid.UUID) -> str:
    return reverse("api:media_download", args=[media_uuid])


def summary(post: listing.PostListing) -> dict:
    """Shape one row of the list query (`listing.post_page`) as the API's post."""
    author = post.author
    return {
        "uuid": post.uuid,
        "title": post.title,
        "body_html": post.body_html,
        "kind": post.kind,
        "status": post.status,
        "activity_date": post.activity_date,
        "unit": post.school_unit["display_name"],
        "group": post.group["display_name"] if post.group else None,
        "author": author.full_name if author else None,
        "goals": post.goals,
        "media": [
            {
                "uuid": m["uuid"],
                "kind": m["kind"],
                "alt_text": m["alt_text"] or "",
                "name": m["original_name"] or "",
                "download": media_link(m["uuid"]),
            }
            for m in post.media
        ],
        "named_children": [{"uuid": n.child.uuid, "name": n.child.full_name} for n in post.visible_named],
        "comment_count": post.visible_comment_count,
    }


@router.get("/me", response=schemas.Me, url_name="me", summary="Who is signed in, and as what")
@scope_required("children:read")
def me(request: HttpRequest) -> dict:
    viewer = viewer_of(request)
    return {"uuid": viewer.person.uuid, "name": viewer.person.full_name, "role": viewer.role}


@router.get("/children", response=list[schemas.Child], url_name="children", summary="The children I may see")
@scope_required("children:read")
def children(request: HttpRequest) -> list[dict]:
    """A guardian's children (R1, R5, R6, R9); a staff member's connected children; a child's own self."""
    viewer = viewer_of(request, *ANY)
    found = list(policy.visible_children(viewer).order_by("given_name", "family_name", "pk")[:1000])
    labels = child_labels(viewer, found)
    return [{"uuid": c.uuid, "name": labels.get(c.pk, c.full_name)} for c in found]


class TimelineQuery(Schema):
    after: uuid.UUID | None = Field(default=None, description="The cursor of the page before (`next`).")
    goal: str | None = Field(default=None, max_length=100, description="Only posts linked to this goal (key).")
    date_from: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


def _filter_query(filters: TimelineQuery) -> QueryDict:
    query = QueryDict(mutable=True)
    for key in ("goal", "date_from", "date_to"):
        value = getattr(filters, key)
        if value:
            query[key] = value
    return query


@router.get("/children/{child_uuid}/timeline", response=schemas.Page, url_name="timeline", summary="A child's timeline")
@scope_required("timeline:read")
def timeline(request: HttpRequest, child_uuid: uuid.UUID, filters: Query[TimelineQuery]) -> dict:
    """Individual posts and group posts naming the child, newest first, 20 a page (keyset on
    date and id), filtered by goal and period: the page's own query (`pages.learninglog.views._page`)."""
    viewer = viewer_of(request, *ANY)
    child = policy.get_child_for(viewer, child_uuid)
    form = filter_form(_filter_query(filters))
    if form.is_bound and not form.is_valid():
        raise ApiProblem(
            422, "invalid", _invalid_filter(), errors=[{"loc": ["query", k], "type": "invalid"} for k in form.errors]
        )
    page, cursor = _page(request, form, post_policy.timeline_posts(viewer, child))
    marks.mark_new_posts(request, page)
    record_reads(viewer, AuditAction.READ_TIMELINE, [child.pk], object_type="child", object_uuid=child.uuid)
    return {"items": [summary(post) for post in page], "next": cursor}


def _invalid_filter() -> str:
    from django.utils.translation import gettext as _

    return _("Filtret kunde inte användas. Välj ett mål som finns och datum som ÅÅÅÅ-MM-DD.")


def _detail(request: HttpRequest, post_uuid: uuid.UUID) -> dict:
    viewer = viewer_of(request, *ANY)
    post = listing.with_listing_data(
        viewer, post_policy.visible_posts(viewer, include_drafts=True).filter(uuid=post_uuid)
    ).first()
    if post is None:
        raise Http404
    comments = list(post_policy.visible_comments(viewer, post).select_related("author", "family_child"))
    notices_api.mark_read(viewer, about=[post.uuid, *(c.uuid for c in comments)])
    named = [pc.child for pc in post.visible_named]
    record_post_reads(
        viewer,
        AuditAction.READ_POST,
        [c.pk for c in named],
        post_unit_id=post.school_unit_id,
        object_type="post",
        object_uuid=post.uuid,
    )
    # Staff tell children with the same name apart; families see plain full names (access/labels.py).
    labels = child_labels(viewer, named)
    named_by_id = {c.pk: c for c in named}
    may_edit = viewer.is_staff and post_policy.may_edit_post(viewer, post)
    author = None if post.author.sealed_at else post.author.full_name
    return {
        "uuid": post.uuid,
        "title": post.title,
        "body_html": post.body_html,
        "kind": post.kind,
        "status": post.status,
        "activity_date": post.activity_date,
        "unit": post.school_unit.display_name,
        "group": post.group.display_name if post.group else None,
        "author": author,
        "goals": [{"code": g.area.code, "text": g.text} for g in post.goals.all()],
        "media": [
            {
                "uuid": m.uuid,
                "kind": m.kind,
                "alt_text": m.alt_text,
                "name": m.original_name,
                "download": media_link(m.uuid),
            }
            for m in post.media.all()
        ],
        "named_children": [{"uuid": c.uuid, "name": labels.get(c.pk, c.full_name)} for c in named],
        "comment_count": post.visible_comment_count or 0,
        "comments": [_comment(c, labels, named_by_id) for c in comments],
        "may_comment": post.is_published and (may_edit or not viewer.is_staff),
        "may_edit": may_edit,
    }


def _comment(comment: object, labels: dict[int, str], named: dict[int, object]) -> dict:
    family = None
    if comment.family_child_id is not None and comment.family_child_id in named:
        child = named[comment.family_child_id]
        family = {"uuid": child.uuid, "name": labels.get(child.pk, child.full_name)}
    return {
        "uuid": comment.uuid,
        "author": PROTECTED_NAME if comment.author.sealed_at else comment.author.full_name,
        "author_role": comment.author_role,
        "body": comment.body,
        "created_at": comment.created_at,
        "hidden": comment.hidden_at is not None,
        "family": family,
    }


@router.get("/posts/{post_uuid}", response=schemas.PostDetail, url_name="post", summary="One post with its comments")
@scope_required("timeline:read")
def post(request: HttpRequest, post_uuid: uuid.UUID) -> dict:
    """The post with its goals, media links and the comments I may see (R2, R8 per child)."""
    return _detail(request, post_uuid)


@router.post(
    "/posts/{post_uuid}/comments",
    response={201: schemas.Comment},
    url_name="comment_create",
    summary="Comment on a post",
)
@scope_required("comments:write")
def comment_create(request: HttpRequest, post_uuid: uuid.UUID, payload: schemas.CommentIn) -> dict:
    """Through the page's own form and action (`learninglog.actions.comment_create`)."""
    from folja.learninglog import actions

    viewer = viewer_of(request, *ANY)
    post = post_policy.get_post_for(viewer, post_uuid, include_drafts=False)
    families = list(post_policy.comment_families_for(viewer, post)) if not viewer.is_staff else []
    named = list(post_policy.named_children_visible_on_post(viewer, post)) if viewer.is_staff else []
    labels = child_labels(viewer, named)
    data = {"body": payload.body, "family": str(payload.family) if payload.family else ""}
    form = CommentForm(data, families=families, named=named, labels=labels)
    if not form.is_valid():
        raise ApiProblem(
            422, "invalid", _invalid_comment(), errors=[{"loc": ["body", k], "type": "invalid"} for k in form.errors]
        )
    comment = actions.comment_create(
        actor=viewer, post=post, body=form.cleaned_data["body"], family_child=form.cleaned_data["family"]
    )
    return _comment(comment, labels | child_labels(viewer, families), {c.pk: c for c in [*families, *named]})


def _invalid_comment() -> str:
    from django.utils.translation import gettext as _

    return _("Kommentaren kunde inte sparas. Skriv en text och välj vilket barn den gäller.")


@router.get(
    "/media/{media_uuid}/download",
    url_name="media_download",
    summary="Download a photo, film or file",
    response={200: None},
    openapi_extra={"responses": {"200": {"description": "The file", "content": {"application/octet-stream": {}}}}},
)
@scope_required("timeline:read")
def media_download(request: HttpRequest, media_uuid: uuid.UUID) -> HttpResponse:
    """The original, checked against its post's rules on every request (R10) and recorded (R11).
    Pictures and films may not be spread or used elsewhere."""
    viewer = viewer_of(request, *ANY)
    media = get_media_for(viewer, media_uuid)
    record_media_read(viewer, media)
    return send_file(
        request,
        name=media.file.name,
        content_type=media.content_type,
        download_name=media.original_name,
        as_attachment=True,
    )
