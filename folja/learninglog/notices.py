"""Notices about the learning log: who is told of a post or a comment, and who may still see the notice.

Who is told (when it happens): the Vårdnadshavare of each named child who is on the platform
and not sealed (R1, R2: each family of its own child, so a family in a hidden-member group is
told only of its own child, R3, R5, R6); for a family's comment, the post's author; for a staff
comment, the family of its thread (or of every named child when it is to everyone). One notice
per recipient and child: the notice names that child alone.

Who may see it (every time it is shown, mailed, pushed or put in a digest; `rules.register`):
the post must be one the recipient may read now (`visible_posts`), the child one they may see now
(`visible_children`) and still named on the post; a comment notice also needs the comment to be
one they may read (`comment_filter`). Custody or a placement that ended, a sealed child (R5),
terms not accepted (R9), a deleted post or a hidden comment: the notice is gone.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from folja.access import policy
from folja.access.pairs import ChildPairs
from folja.access.roles import Role, Viewer
from folja.directory.models import Guardianship, Person, RelationType
from folja.learninglog import access as post_policy
from folja.learninglog.models import Comment, CommentAuthorRole, Post, PostChild
from folja.notifications import notify, rules
from folja.notifications.api import settle, store
from folja.notifications.models import Notice

POST_KINDS = ("post_published", "post_changed")
COMMENT_KINDS = ("comment_new",)
# To staff: a child's own post or reflection waits for their approval (issue 29).
PENDING_KIND = "child_post_pending"


def _guardians_of_named(post: Post, children: list[int] | None = None) -> list[tuple[int, int]]:
    """Return (guardian id, child id) for the named children's Vårdnadshavare: one query."""
    named = PostChild.objects.filter(post=post)
    if children is not None:
        named = named.filter(child_id__in=children)
    on_platform = Person.objects.filter(pk=OuterRef("child_id")).filter(policy.has_placement_on_platform())
    rows = (
        Guardianship.objects.filter(
            child_id__in=named.values("child_id"),
            relation_type=RelationType.GUARDIAN,
            child__sealed_at__isnull=True,  # R5
            responsible__sealed_at__isnull=True,  # R5
        )
        .filter(Exists(on_platform))  # R6
        .values_list("responsible_id", "child_id")
        .distinct()
    )
    return sorted(set(rows))


def _post_context(post: Post, child_names: dict[int, str], child_id: int) -> dict[str, str]:
    return {
        "path": reverse("learninglog:post", args=[post.uuid]),
        "child_given_name": child_names.get(child_id, ""),
        "unit": post.school_unit.display_name,
    }


def post_published(post: Post) -> list[Notice]:
    """Tell the named children's guardians that a post about their child is published."""
    return _tell_families(post, "post_published")


def post_changed(post: Post) -> list[Notice]:
    """Tell the named children's guardians that a published post about their child was changed ("ändrad")."""
    return _tell_families(post, "post_changed")


def _tell_families(post: Post, kind: str) -> list[Notice]:
    pairs = _guardians_of_named(post)
    names = dict(Person.objects.filter(pk__in={c for _g, c in pairs}).values_list("pk", "given_name"))
    return store(
        [
            Notice(
                recipient_id=guardian,
                role=Role.GUARDIAN,
                kind=kind,
                about_uuid=post.uuid,
                child_id=child,
                context=_post_context(post, names, child),
            )
            for guardian, child in pairs
        ]
    )


def child_post_pending(post: Post) -> list[Notice]:
    """Tell the staff who decide on it that a child's post or reflection waits for approval
    (`post_policy.post_deciders`); settled for all of them once one decides (`post_decided`)."""
    child = post.post_children.select_related("child").first()
    if child is None:
        return []
    context = _post_context(post, {child.child_id: child.child.given_name}, child.child_id)
    context["reflection"] = post.reflects_on_id is not None
    return notify(
        recipients=post_policy.post_deciders(post),
        kind=PENDING_KIND,
        context=context,
        role=Role.STAFF,
        about=post.uuid,
        child=child.child,
    )


def post_decided(post: Post) -> int:
    """A colleague approved or declined the post: nobody is still asked to."""
    return settle(kind=PENDING_KIND, about=post.uuid)


def comment_added(comment: Comment) -> list[Notice]:
    """Tell those the comment is for: the post's author of a family's comment, the family of a staff comment."""
    post = comment.post
    if comment.author_role == CommentAuthorRole.STAFF:
        children = [comment.family_child_id] if comment.family_child_id else None
        pairs = [
            (guardian, child)
            for guardian, child in _guardians_of_named(post, children)
            if guardian != comment.author_id
        ]
        role = Role.GUARDIAN
    else:
        if post.author_id == comment.author_id:
            return []
        pairs = [(post.author_id, comment.family_child_id)]
        role = Role.STAFF
    names = dict(Person.objects.filter(pk__in={c for _g, c in pairs}).values_list("pk", "given_name"))
    return store(
        [
            Notice(
                recipient_id=recipient,
                role=role,
                kind="comment_new",
                about_uuid=comment.uuid,
                child_id=child,
                context=_post_context(post, names, child),
            )
            for recipient, child in pairs
        ]
    )


def _child_rule(viewer: Viewer) -> Q:
    return Q(child__isnull=True) | Q(child__in=policy.visible_children(viewer))


def _guardian_pairs(viewer: Viewer) -> ChildPairs:
    """One guardian's visible children as the pairs of the chunk form (the same lookup, memoised)."""
    return policy.guardian_child_pairs([viewer.person.pk], person="recipient_id")


def post_notice_rule(viewer: Viewer) -> Q:
    """A post notice: the post readable now, its child visible now and still named on it.

    A guardian's is the chunk form (`post_notice_rule_for_guardians`) for them alone."""
    if viewer.role == Role.GUARDIAN:
        return post_notice_rule_for_guardians(_guardian_pairs(viewer))
    # Correlated on the notice's own post (a unique uuid): a few index lookups per notice, where
    # "uuid IN (every post the viewer may read)" would read a municipality's posts per person.
    readable = post_policy.visible_posts(viewer).filter(uuid=OuterRef("about_uuid"))
    return Q(Exists(readable)) & _child_rule(viewer) & _still_named()


def _still_named() -> Q:
    still_named = PostChild.objects.filter(post__uuid=OuterRef("about_uuid"), child_id=OuterRef("child_id"))
    return Q(child__isnull=True) | Q(Exists(still_named))


def post_notice_rule_for_guardians(pairs: ChildPairs) -> Q:
    """The post rule for many guardians' notices at once (the digest's chunk; `pairs` name each
    notice's recipient): the post one its recipient may read now (`family_posts_for_pairs`, the
    family rule of `visible_posts`), its child one they may see now and still named on it."""
    readable = post_policy.family_posts_for_pairs(pairs.outer()).filter(uuid=OuterRef("about_uuid"))
    return Q(Exists(readable)) & (Q(child__isnull=True) | pairs.q("child")) & _still_named()


def comment_notice_rule(viewer: Viewer) -> Q:
    """A comment notice: the comment readable now (its post readable, its thread the viewer's, not hidden).

    A guardian's is the chunk form (`comment_notice_rule_for_guardians`) for them alone."""
    if viewer.role == Role.GUARDIAN:
        return comment_notice_rule_for_guardians(_guardian_pairs(viewer))
    post_readable = post_policy.visible_posts(viewer).filter(pk=OuterRef("post_id"))
    readable = (
        Comment.objects.filter(uuid=OuterRef("about_uuid"))
        .filter(post_policy.comment_filter(viewer))
        .filter(Exists(post_readable))
    )
    return Q(Exists(readable)) & _child_rule(viewer)


def comment_notice_rule_for_guardians(pairs: ChildPairs) -> Q:
    """The comment rule for many guardians' notices at once: the comment readable by its recipient
    (`comment_filter_for` with the family scope of the pairs, on a post they may read), the child
    one they may see."""
    on_comment = pairs.outer()
    post_readable = post_policy.family_posts_for_pairs(on_comment.outer()).filter(pk=OuterRef("post_id"))
    readable = (
        Comment.objects.filter(uuid=OuterRef("about_uuid"))
        .filter(post_policy.comment_filter_for(("family", on_comment)))
        .filter(Exists(post_readable))
    )
    return Q(Exists(readable)) & (Q(child__isnull=True) | pairs.q("child"))


def register() -> None:
    rules.register(POST_KINDS, post_notice_rule, for_guardians=post_notice_rule_for_guardians)
    # Staff's alone: shown while the post is one they may read (waiting, or decided) and names the child.
    rules.register([PENDING_KIND], post_notice_rule)
    rules.register(COMMENT_KINDS, comment_notice_rule, for_guardians=comment_notice_rule_for_guardians)


def about_uuids_for_post(post: Post) -> list[str]:
    """The objects whose notices are read when the post page is opened: the post and its comments."""
    return [str(post.uuid), *(str(u) for u in Comment.objects.filter(post=post).values_list("uuid", flat=True))]
