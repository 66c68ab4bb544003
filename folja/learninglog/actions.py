"""All writes to the learning log: posts, their children and goals, history, comments, photo consent.

Each action takes an explicit actor (a Viewer), checks the actor's right through the access
policy, runs in a transaction and writes an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from folja.access import assurance, policy
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Role, Viewer
from folja.curriculum.models import Goal
from folja.directory.models import Group, Organisation, Person
from folja.learninglog import access as post_policy
from folja.learninglog import notices
from folja.learninglog.models import (
    Autosave,
    Comment,
    CommentAuthorRole,
    PhotoConsent,
    Post,
    PostChild,
    PostGoal,
    PostKind,
    PostStatus,
    PostVersion,
)
from folja.learninglog.text import text_to_html

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a", "strong", "em", "b", "i", "h3", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


def sanitise_html(html: str) -> str:
    """Return the text with only safe formatting kept (paragraphs, lists, links); plain text becomes paragraphs.

    The compose form sends plain text, turned into HTML by `text.text_to_html` first; what that
    writes passes through here unchanged (`learninglog/tests/test_text.py`).
    """
    text = html.strip()
    if text and "<" not in text:
        # Plain text: keep the writer's paragraphs and line breaks.
        return text_to_html(text)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


class PhotoConsentMissing(ValidationError):
    """Raised when publishing a photo post that names children without photo consent, unconfirmed."""

    def __init__(self, children: Sequence[Person]) -> None:
        self.children = list(children)
        super().__init__(
            _("Några barn i inlägget har inte samtycke till att synas på bild i andras inlägg."),
            code="photo_consent",
        )


def _audit_post(actor: Viewer, action: AuditAction, post: Post) -> None:
    record_action(
        actor,
        action,
        post.post_children.values_list("child_id", flat=True),
        object_type="post",
        object_uuid=post.uuid,
        school_unit=post.school_unit,
    )


def _require_staff(actor: Viewer) -> None:
    if actor.role != Role.STAFF:
        raise PermissionDenied


def _check_children(
    *, actor: Viewer, school_unit: Organisation, kind: str, group: Group | None, children: Sequence[Person], on: dt.date
) -> None:
    if not children:
        raise ValidationError(_("Välj minst ett barn."), code="no_children")
    if kind == PostKind.INDIVIDUAL and len(children) != 1:
        raise ValidationError(_("Ett individuellt inlägg handlar om ett barn. Välj ett barn."), code="one_child")
    if group is not None and group.school_unit_id != school_unit.pk:
        raise PermissionDenied
    connected = set(
        policy.connected_placements(actor, on).filter(school_unit=school_unit).values_list("child_id", flat=True)
    )
    if not {c.pk for c in children} <= connected:
        # Staff can only document children they are connected to at this unit (R1).
        raise PermissionDenied


def _goals(goal_ids: Iterable[int]) -> list[Goal]:
    return list(Goal.objects.filter(pk__in=list(goal_ids)))


def children_for_post(actor: Viewer, *, group: Group | None, child_uuids: Iterable[str], on: dt.date) -> list[Person]:
    """Return the chosen children, only among those the actor is connected to (unknown uuids are dropped)."""
    chosen = policy.connected_children(actor, on).filter(uuid__in=list(child_uuids))
    if group is not None:
        chosen = chosen.filter(group_memberships__group=group).distinct()
    return list(chosen.order_by("given_name", "family_name"))


@transaction.atomic
def post_create(
    *,
    actor: Viewer,
    school_unit: Organisation,
    kind: str,
    group: Group | None,
    children: Sequence[Person],
    title: str,
    body_html: str,
    activity_date: dt.date,
    goal_ids: Iterable[int] = (),
) -> Post:
    """Create a draft post about one child or a group's named children."""
    _require_staff(actor)
    if kind == PostKind.GROUP and group is None:
        raise ValidationError(_("Välj en grupp för gruppinlägget."), code="no_group")
    _check_children(
        actor=actor, school_unit=school_unit, kind=kind, group=group, children=children, on=timezone.localdate()
    )
    post = Post.objects.create(
        organisation=school_unit.huvudman,
        school_unit=school_unit,
        group=group,
        kind=kind,
        status=PostStatus.DRAFT,
        author=actor.person,
        title=title.strip(),
        body_html=sanitise_html(body_html),
        activity_date=activity_date,
    )
    PostChild.objects.bulk_create([PostChild(post=post, child=c, activity_date=activity_date) for c in children])
    PostGoal.objects.bulk_create([PostGoal(post=post, goal=g) for g in _goals(goal_ids)])
    return post


def photo_consent_missing(post: Post) -> list[Person]:
    """Return the named children without photo consent, when the post shows photos to several families."""
    if post.kind != PostKind.GROUP or not post.media.filter(kind="image").exists():
        return []
    named = Person.objects.filter(post_links__post=post)
    if named.count() < 2:
        return []
    return list(named.exclude(photo_consent__allowed=True).order_by("given_name"))


@transaction.atomic
def post_publish(*, actor: Viewer, post: Post, photo_consent_confirmed: bool = False) -> Post:
    """Publish a draft; photos of children without photo consent must be confirmed first (R10)."""
    _require_staff(actor)
    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied
    if post.status == PostStatus.PUBLISHED:
        return post
    missing = photo_consent_missing(post)
    if missing and not photo_consent_confirmed:
        raise PhotoConsentMissing(missing)
    post.status = PostStatus.PUBLISHED
    post.published_at = timezone.now()
    post.save(update_fields=["status", "published_at", "updated_at"])
    _audit_post(actor, AuditAction.PUBLISH_POST, post)
    notices.post_published(post)
    return post


@transaction.atomic
def post_update(
    *,
    actor: Viewer,
    post: Post,
    title: str,
    body_html: str,
    activity_date: dt.date,
    goal_ids: Iterable[int],
    children: Sequence[Person] | None = None,
) -> Post:
    """Save an edit; the text before it goes to the history, and a published post is marked as changed."""
    _require_staff(actor)
    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied
    post = Post.objects.select_for_update().get(pk=post.pk)
    if children is not None:
        _check_children(
            actor=actor,
            school_unit=post.school_unit,
            kind=post.kind,
            group=post.group,
            children=children,
            on=timezone.localdate(),
        )
    fields = ["title", "body_html", "activity_date", "updated_at"]
    if post.status == PostStatus.PUBLISHED:
        # Only an edit of what families could already read is history ("ändrad"); drafts change freely.
        PostVersion.objects.create(
            post=post,
            version=post.version,
            title=post.title,
            body_html=post.body_html,
            activity_date=post.activity_date,
            saved_by=actor.person,
            saved_at=timezone.now(),
        )
        post.version += 1
        post.edited_at = timezone.now()
        fields += ["version", "edited_at"]
    post.title = title.strip()
    post.body_html = sanitise_html(body_html)
    post.activity_date = activity_date
    post.save(update_fields=fields)
    if children is not None:
        post.post_children.exclude(child__in=children).delete()
        existing = set(post.post_children.values_list("child_id", flat=True))
        PostChild.objects.bulk_create(
            [PostChild(post=post, child=c, activity_date=activity_date) for c in children if c.pk not in existing]
        )
    post.post_children.update(activity_date=activity_date)
    wanted = {g.pk for g in _goals(goal_ids)}
    post.post_goals.exclude(goal_id__in=wanted).delete()
    have = set(post.post_goals.values_list("goal_id", flat=True))
    PostGoal.objects.bulk_create([PostGoal(post=post, goal_id=g) for g in wanted - have])
    _audit_post(actor, AuditAction.EDIT_POST, post)
    if post.status == PostStatus.PUBLISHED:
        notices.post_changed(post)
    return post


@transaction.atomic
def post_delete(*, actor: Viewer, post: Post) -> None:
    """Delete a post softly: it disappears for everyone, stays in the database, and is audited."""
    _require_staff(actor)
    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied
    post.deleted_at = timezone.now()
    post.deleted_by = actor.person
    post.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    _audit_post(actor, AuditAction.DELETE_POST, post)


@transaction.atomic
def comment_create(*, actor: Viewer, post: Post, body: str, family_child: Person | None = None) -> Comment:
    """Add a comment; a family's comment belongs to that child's family thread (R2)."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Skriv en kommentar."), code="empty")
    if len(body) > 4000:
        raise ValidationError(_("Kommentaren är för lång (högst 4000 tecken)."), code="too_long")
    # The post must be readable by the actor (raises Http404 otherwise), and published.
    post = post_policy.get_post_for(actor, post.uuid, include_drafts=False)
    if actor.role == Role.STAFF:
        if not post_policy.may_edit_post(actor, post):
            raise PermissionDenied  # R8: what a receiving unit reads is read-only there
        named = post_policy.named_children_visible_on_post(actor, post)
        if family_child is not None and not named.filter(pk=family_child.pk).exists():
            raise PermissionDenied
        role = CommentAuthorRole.STAFF
    else:
        families = post_policy.comment_families_for(actor, post)
        if family_child is None:
            family_child = families.first()
        if family_child is None or not families.filter(pk=family_child.pk).exists():
            raise PermissionDenied
        role = CommentAuthorRole.GUARDIAN if actor.role == Role.GUARDIAN else CommentAuthorRole.CHILD
    comment = Comment.objects.create(
        post=post, author=actor.person, author_role=role, family_child=family_child, body=body
    )
    notices.comment_added(comment)
    return comment


@transaction.atomic
def comment_hide(*, actor: Viewer, comment: Comment) -> Comment:
    """Hide a comment from families (staff only); hiding is audited."""
    _require_staff(actor)
    post = post_policy.get_post_for(actor, comment.post.uuid)
    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied  # R8: only staff of the post's own unit moderate it
    if comment.hidden_at is None:
        comment.hidden_at = timezone.now()
        comment.hidden_by = actor.person
        comment.save(update_fields=["hidden_at", "hidden_by"])
        record_action(
            actor,
            AuditAction.HIDE_COMMENT,
            [comment.family_child_id] if comment.family_child_id else [],
            object_type="comment",
            object_uuid=comment.uuid,
            school_unit=comment.post.school_unit,
        )
    return comment


@transaction.atomic
def photo_consent_set(*, actor: Viewer, child: Person, allowed: bool) -> PhotoConsent:
    """Record a guardian's answer whether the child may appear in photos on other children's posts."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    assurance.require(actor, assurance.Act.ANSWER_CONSENT)
    child = policy.get_child_for(actor, child.uuid)
    consent, _created = PhotoConsent.objects.update_or_create(
        child=child, defaults={"allowed": allowed, "set_by": actor.person, "set_at": timezone.now()}
    )
    return consent


AUTOSAVE_FIELDS = ("title", "body", "activity_date", "kind")
AUTOSAVE_LISTS = ("children", "goals", "uploads")


def autosave_store(*, actor: Viewer, key: str, data: dict[str, object]) -> Autosave:
    """Keep what the actor is writing on the compose page (only the form's own fields, capped)."""
    _require_staff(actor)
    kept: dict[str, object] = {}
    for name in AUTOSAVE_FIELDS:
        kept[name] = str(data.get(name) or "")[:20000]
    for name in AUTOSAVE_LISTS:
        values = data.get(name) or []
        kept[name] = [str(v)[:64] for v in values][:1000] if isinstance(values, list | tuple) else []
    autosave, _created = Autosave.objects.update_or_create(
        person=actor.person, key=key[:64], defaults={"data": kept, "saved_at": timezone.now()}
    )
    return autosave


def autosave_discard(*, actor: Viewer, key: str) -> None:
    """Forget the actor's autosaved form (the post is saved, or she chose to start over)."""
    Autosave.objects.filter(person=actor.person, key=key).delete()


def autosaves_discard_stale() -> int:
    """Delete autosaved compose forms older than FOLJA_COMPOSE_KEEP_DAYS: text about children that
    no post was saved with is not kept for ever. Returns how many; idempotent."""
    cutoff = timezone.now() - dt.timedelta(days=settings.FOLJA_COMPOSE_KEEP_DAYS)
    deleted, _by_model = Autosave.objects.filter(saved_at__lt=cutoff).delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# The child's own voice (issue 29): a child's post or reflection, approved by staff
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def child_post_create(*, actor: Viewer, title: str, body: str, reflects_on: Post | None = None) -> Post:
    """Create a child's own post, or a reflection on a post about them, waiting for staff's approval
    (PENDING: the child and the staff who decide read it, guardians not yet).

    A reflection is documented at the reflected post's unit; an own post at the unit of the child's
    current placement. Either names the child alone, so no other family ever sees it (R2)."""
    if actor.role != Role.CHILD:
        raise PermissionDenied
    child = actor.person
    today = timezone.localdate()
    if reflects_on is not None:
        # The child may read the post (R1); a reflection is not reflected on in turn.
        if not post_policy.visible_posts(actor).filter(pk=reflects_on.pk, status=PostStatus.PUBLISHED).exists():
            raise PermissionDenied
        unit, organisation = reflects_on.school_unit, reflects_on.organisation
    else:
        placement = (
            policy.placements_not_ended(today)
            .filter(child=child, start_date__lte=today)
            .select_related("school_unit", "organisation")
            .order_by("-start_date")
            .first()
        )
        if placement is None:
            raise PermissionDenied
        unit, organisation = placement.school_unit, placement.organisation
    if not (title or "").strip() and reflects_on is None:
        raise ValidationError(_("Skriv en rubrik."), code="no_title")
    post = Post.objects.create(
        organisation=organisation,
        school_unit=unit,
        kind=PostKind.INDIVIDUAL,
        status=PostStatus.PENDING,
        author=child,
        title=(title or "").strip() or _("Min reflektion"),
        body_html=text_to_html(body or ""),
        activity_date=today,
        reflects_on=reflects_on,
    )
    PostChild.objects.create(post=post, child=child, activity_date=today)
    notices.child_post_pending(post)
    return post


@transaction.atomic
def post_decide(*, actor: Viewer, post: Post, approve: bool) -> Post:
    """Approve a child's post or reflection (published: guardians see it and are told) or decline
    it (only the child and staff see it). Who and when are kept; audited."""
    if not post_policy.may_decide_post(actor, post):
        raise PermissionDenied
    now = timezone.now()
    post.decided_by = actor.person
    post.decided_at = now
    post.status = PostStatus.PUBLISHED if approve else PostStatus.DECLINED
    fields = ["status", "decided_by", "decided_at", "updated_at"]
    if approve:
        post.published_at = now
        fields.append("published_at")
    post.save(update_fields=fields)
    _audit_post(actor, AuditAction.APPROVE_POST if approve else AuditAction.DECLINE_POST, post)
    notices.post_decided(post)
    if approve:
        notices.post_published(post)
    return post


@transaction.atomic
def post_childs_words_set(*, actor: Viewer, post: Post, text: str) -> Post:
    """Set the text staff wrote down "med barnets egna ord" (in the child's words) on a post they may edit."""
    if not post_policy.may_edit_post(actor, post):
        raise PermissionDenied
    post.childs_words = (text or "").strip()[:4000]
    post.save(update_fields=["childs_words", "updated_at"])
    _audit_post(actor, AuditAction.EDIT_POST, post)
    return post
