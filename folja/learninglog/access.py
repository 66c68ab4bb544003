"""Who may see which posts, comments and named children (R1, R2, R3, R8, R10's posts).

The rules for the learning log's own objects, on the shared base in `folja.access.policy` (the
viewer, relationships at a point in time, consent and terms). Lists are querysets filtered in SQL;
getters raise Http404 for "missing" and "forbidden" alike. Each rule is one condition with a
comment naming it.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404

from folja.access import transitions
from folja.access.pairs import ChildPairs
from folja.access.policy import (
    StaffConnections,
    connected_here,
    staff_connections,
    visible_children,
    visible_children_ref,
)
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import Duty, DutyAssignment, Group, GroupMembership, Person
from folja.learninglog.models import Autosave, Comment, Post, PostChild, PostStatus

# ---------------------------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------------------------


Children = "list[int] | QuerySet[Person] | ChildPairs"


def _child_in(field: str, children: Children) -> Q:
    """The row's child is one of the viewer's children; with `ChildPairs` (many guardians read at
    once, the digest), one of the children the row's own recipient may see."""
    if isinstance(children, ChildPairs):
        return children.q(field)
    return Q(**{f"{field}__in": children})


def _posts_naming(children: Children) -> Q:
    pairs_below = children.outer() if isinstance(children, ChildPairs) else children
    return Q(Exists(PostChild.objects.filter(post=OuterRef("pk")).filter(_child_in("child", pairs_below))))


def _family_posts(children: Children) -> Q:
    """R1 for families: live, published posts naming one of the children."""
    return Q(deleted_at__isnull=True, status=PostStatus.PUBLISHED) & _posts_naming(children)


def family_posts_for_pairs(pairs: ChildPairs) -> QuerySet[Post]:
    """The posts each of many guardians may read (R1, R9: `visible_posts` of a guardian, the same
    rule), for a subquery under rows that name their guardian (`pairs.person`): the digest's chunk."""
    return Post.objects.filter(_family_posts(pairs))


def _staff_posts(connections: StaffConnections, author: int | None) -> Q:
    """R1 and R8 for staff, with drafts and deletion (_staff_rules), narrowed to the posts of
    the connected children."""
    # Not a rule of its own: R1 and R8 both need a named child the staff member is connected to
    # now, so this only repeats what they imply. It lets PostgreSQL start from those children's
    # posts instead of testing the rules on every post of the platform (bench/README.md).
    connected_child_posts = PostChild.objects.filter(child__in=connections.child_ids).values("post")
    return Q(pk__in=connected_child_posts) & _staff_rules(connections, author)


def _staff_post_state(author: int | None) -> Q:
    """Staff read live posts: published ones, and (with drafts) their own drafts."""
    published_or_own_draft = Q(status=PostStatus.PUBLISHED)
    if author is not None:
        published_or_own_draft |= Q(status=PostStatus.DRAFT, author=author)
    return Q(deleted_at__isnull=True) & published_or_own_draft


def _staff_r1_named(connections: StaffConnections) -> Q:
    """R1 at its grain, a filter on PostChild: the (post, child) pairs where the staff member is
    connected to the child *at the post's unit* now."""
    return connected_here(connections, child="child", unit="post__school_unit")


def _staff_r8_named(connections: StaffConnections) -> Q:
    """R8 at its grain, a filter on PostChild: the (post, child) pairs a receiving unit sees.

    Per child, never per post: the child itself must be connected to the staff member at a unit
    other than the post's, with consent (R7) for *this* child under the rule of the post's
    organisation, and the post's date in the 12 months before the child's first placement at
    that unit. Another child on the same post who consented changes nothing for this one.
    Sealed children are connected to no one (R5), so they have no window.
    """
    return transitions.shared_with_receiving_unit(
        connections.receiving,
        child="child",
        unit="post__school_unit",
        day="activity_date",
        rule="post__organisation__transition_consent_rule",
    )


def staff_r1_named_filter(viewer: Viewer, on: dt.date | None = None) -> Q:
    """R1 at its grain for one staff viewer, a filter on PostChild (the children a staff member
    may act for on a post: the consent marker, approval of a child's own post)."""
    return _staff_r1_named(staff_connections(viewer, on))


def _staff_named(connections: StaffConnections) -> Q:
    """R1 and R8 for staff at their grain, a filter on PostChild: the named children through whom
    a staff member sees a post. The one definition behind the staff's posts, a child's timeline,
    the names shown on a post and the family threads they read."""
    return _staff_r1_named(connections) | _staff_r8_named(connections)


def _staff_rules(connections: StaffConnections, author: int | None) -> Q:
    """R1 and R8 for staff, with drafts and deletion: a post is readable when at least one of its
    named children lets the staff member see it (_staff_named). `author`: the staff member's id
    to include their own drafts, else None. A child's post waiting for approval: `_staff_pending`."""
    named = PostChild.objects.filter(post=OuterRef("pk")).filter(_staff_named(connections))
    return (_staff_post_state(author) & Q(Exists(named))) | _staff_pending(connections)


def _staff_pending(connections: StaffConnections, child_id: int | None = None) -> Q:
    """A child's own post or reflection waiting for approval (issue 29) is read by the staff who
    decide on it: connected to a named child *at the post's unit* (R1), never a receiving unit."""
    r1 = PostChild.objects.filter(post=OuterRef("pk")).filter(_staff_r1_named(connections))
    if child_id is not None:
        r1 = r1.filter(child=child_id)
    return Q(deleted_at__isnull=True, status=PostStatus.PENDING) & Q(Exists(r1))


def _child_own_pending(child: Viewer, children: Children) -> Q:
    """A child reads their own posts and reflections while staff have not approved them (or after
    they declined them): written by the child, naming the child (issue 29)."""
    waiting = Q(deleted_at__isnull=True, status__in=[PostStatus.PENDING, PostStatus.DECLINED], author=child.person)
    return waiting & _posts_naming(children)


def _own_drafts(staff: Viewer, include_drafts: bool) -> int | None:
    return staff.person.pk if include_drafts else None


def _staff_child_posts(connections: StaffConnections, child_id: int) -> Q:
    """A child's timeline for staff (R1, R8 per child): the posts the staff member sees *through
    this child*; a post shared with the receiving unit because another named child's family
    consented never reaches this child's timeline."""
    through_child = PostChild.objects.filter(post=OuterRef("pk"), child=child_id).filter(_staff_named(connections))
    return (_staff_post_state(None) & Q(Exists(through_child))) | _staff_pending(connections, child_id)


def visible_posts(viewer: Viewer, on: dt.date | None = None, *, include_drafts: bool = False) -> QuerySet[Post]:
    """Return the posts the viewer may read, filtered in SQL.

    Guardians and children see published posts naming the child; staff see published posts
    naming a child they are connected to at the post's unit, or that R8 shares through a child
    (and, with include_drafts, their own drafts under the same condition). A deleted post is
    visible to no one.
    """
    if viewer.role == Role.GUARDIAN:
        return Post.objects.filter(_family_posts(visible_children_ref(viewer, on)))  # R1, R9
    if viewer.role == Role.CHILD:
        children = visible_children_ref(viewer, on)
        return Post.objects.filter(_family_posts(children) | _child_own_pending(viewer, children))  # R1
    if viewer.role == Role.STAFF:
        connections = staff_connections(viewer, on)
        return Post.objects.filter(_staff_posts(connections, _own_drafts(viewer, include_drafts)))  # R1, R8
    return Post.objects.none()  # R12


def get_post_for(
    viewer: Viewer, post_uuid: uuid_module.UUID | str, on: dt.date | None = None, *, include_drafts: bool = True
) -> Post:
    """Return the post if the viewer may read it, else raise Http404."""
    try:
        return visible_posts(viewer, on, include_drafts=include_drafts).get(uuid=post_uuid)
    except (Post.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def timeline_posts(viewer: Viewer, child: Person, on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts of a child's timeline the viewer may read: individual and group posts
    naming the child, for staff those they see through this child (R8 per child)."""
    if viewer.role == Role.STAFF:
        return Post.objects.filter(_staff_child_posts(staff_connections(viewer, on), child.pk))
    return visible_posts(viewer, on).filter(_posts_naming([child.pk]))


def group_posts(viewer: Viewer, group: Group, on: dt.date | None = None) -> QuerySet[Post]:
    """Return the group's log as the viewer may read it: group posts of the group that are visible."""
    return visible_posts(viewer, on).filter(group=group)


def transition_preview_posts(viewer: Viewer, child: Person, on: dt.date | None = None) -> QuerySet[Post]:
    """Return exactly the posts the receiving unit would see with consent (R8), for the guardians' preview.

    The window and the unit come from the same definitions as the staff filter (access/transitions.py).
    """
    unit, start = transitions.preview_window(child, on)
    posts = timeline_posts(viewer, child, on).filter(
        activity_date__gte=transitions.twelve_months_before(start), activity_date__lt=start
    )
    return posts.exclude(school_unit=unit) if unit is not None else posts


def named_child_ids_on_post(viewer: Viewer, post: Post, on: dt.date | None = None) -> QuerySet:
    """Return the ids of the named children of a post that the viewer sees named (for audit
    records of a read already allowed: a read names only the children it showed, R8 per child).

    Lazy: the audit evaluates it only for the reads it records (staff's)."""
    scope = naming_scope(viewer, on)
    return PostChild.objects.filter(post=post).filter(named_visible_filter(scope)).values_list("child_id", flat=True)


def named_children_visible_on_post(viewer: Viewer, post: Post, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the named children of a post that this viewer may see named.

    Staff see the named children they are connected to; guardians and children see only their
    own child, in hidden-member groups (R3) and ordinary groups alike, so a post never tells one
    family which other children were there.
    """
    # R5, R1/R8 (a receiving school sees only its own child on a preschool's group post), R2/R3.
    named = PostChild.objects.filter(post=post).filter(named_visible_filter(naming_scope(viewer, on)))
    return Person.objects.filter(pk__in=named.values("child"))


def may_decide_post(viewer: Viewer, post: Post, on: dt.date | None = None) -> bool:
    """Return whether the viewer may approve or decline a child's post waiting for approval: staff
    connected *at the post's unit* to a child it names (R1; issue 29)."""
    if viewer.role != Role.STAFF or post.status != PostStatus.PENDING:
        return False
    return Post.objects.filter(pk=post.pk).filter(_staff_pending(staff_connections(viewer, on))).exists()


def post_deciders(post: Post, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the staff to tell that a child's post waits for approval: those assigned to a group
    the child is a member of at the post's unit (their own children, as the weekly "Barn att
    uppmärksamma" counts them), each only while they may decide on it (`may_decide_post`, R1, R5).
    A unit-wide duty alone (a principal's) is not told: the pending page lists it for them.
    Recipients of notices are chosen here (R12: notifications go through the policy)."""
    day = on or today()
    children = PostChild.objects.filter(post=post).values("child")
    groups = GroupMembership.objects.active(day).filter(person__in=children, group__school_unit=post.school_unit_id)
    assigned = (
        DutyAssignment.objects.active(day)
        .filter(group__in=groups.values("group"), duty__in=Duty.objects.active(day))
        .values_list("duty__person", flat=True)
        .distinct()
    )
    candidates = Person.objects.unsealed().filter(pk__in=assigned).order_by("pk")  # R5
    return Person.objects.filter(
        pk__in=[
            person.pk
            for person in candidates
            if may_decide_post(Viewer(person, Role.STAFF, post.organisation_id), post, on)
        ]
    )


def may_edit_post(viewer: Viewer, post: Post, on: dt.date | None = None) -> bool:
    """Return whether the viewer may edit, delete, publish or moderate the post, and comment on it
    as staff: staff connected *at the post's own unit* to a child it names (R1), for a draft only
    its author. What R8 shares with a receiving unit is read-only there."""
    if viewer.role != Role.STAFF:
        return False
    connections = staff_connections(viewer, on)
    at_own_unit = PostChild.objects.filter(post=OuterRef("pk")).filter(_staff_r1_named(connections))  # R1, R8
    return Post.objects.filter(pk=post.pk).filter(_staff_post_state(viewer.person.pk), Exists(at_own_unit)).exists()


# ---------------------------------------------------------------------------------------------
# Comments (R2)
# ---------------------------------------------------------------------------------------------


# ("family", ChildPairs) is the family scope of many guardians at once (the digest's chunk).
Scope = tuple[str, "StaffConnections | list[int] | QuerySet[Person] | ChildPairs | tuple[()]"]


def naming_scope(viewer: Viewer, on: dt.date | None = None) -> Scope:
    """Return what decides which named children and family threads of a post the viewer sees:
    ("family", the viewer's visible children) or ("staff", the request's connections);
    ("none", ()) for roles that see nothing (R12)."""
    if viewer.role == Role.STAFF:
        return "staff", staff_connections(viewer, on)
    if viewer.role == Role.GUARDIAN:
        return "family", visible_children_ref(viewer, on)
    if viewer.role == Role.CHILD:
        return "family", visible_children(viewer, on)
    return "none", ()


def comment_filter(viewer: Viewer, on: dt.date | None = None) -> Q:
    """Return the filter on Comment for comments the viewer may read (on posts it may read)."""
    return comment_filter_for(naming_scope(viewer, on))


def comment_filter_for(scope: Scope) -> Q:
    """Return the comment filter for a viewer with this naming scope (see naming_scope).

    R2: a family's comments are visible to staff and to that child's own guardians only. Staff
    comments without a family are for everyone the post reaches. Hidden comments only for staff.
    R8 per child: on a post a receiving unit reads, it sees only the family threads of the
    children it sees named there, and no hidden comment (what that child's guardians see).
    """
    kind, values = scope
    if kind == "staff":
        on_post = PostChild.objects.filter(post=OuterRef("post"))
        # A named child through whom the staff member reads this comment: R1 (staff of the post's
        # unit read every thread, hidden comments too), or R8 (a receiving unit, never a hidden one).
        not_hidden = IsNull(OuterRef("hidden_at"), True)
        through = on_post.filter(_staff_r1_named(values) | (Q(not_hidden) & _staff_r8_named(values)))
        # Staff comments to everyone come through any such child, a family's only through its own.
        of_this_thread = Q(IsNull(OuterRef("family_child"), True)) | Q(child=OuterRef("family_child"))
        return Q(Exists(through.filter(of_this_thread)))
    if kind == "family":
        return Q(hidden_at__isnull=True) & (Q(family_child__isnull=True) | _child_in("family_child", values))  # R2
    return Q(pk__in=[])  # R12


def visible_comment_count(scope: Scope) -> Subquery:
    """Return, for the row's post, the number of comments a viewer with this naming scope may
    read (R2, R8): a column for post lists."""
    count_visible = (
        Comment.objects.filter(post=OuterRef("pk"))
        .filter(comment_filter_for(scope))
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(count_visible, output_field=IntegerField())


def named_visible_filter(scope: Scope) -> Q:
    """Return the filter on PostChild for the named children a viewer with this naming scope sees
    named: R5 (sealed first); staff the children through whom they see the post (R1 at the post's
    unit, R8 per child); R2/R3 families only their own."""
    kind, values = scope
    if kind == "staff":
        return Q(child__sealed_at__isnull=True) & _staff_named(values)  # R5, R1, R8
    if kind == "family":
        return Q(child__sealed_at__isnull=True, child__in=values)  # R5, R2, R3
    return Q(pk__in=[])  # R12


def visible_comments(viewer: Viewer, post: Post, on: dt.date | None = None) -> QuerySet[Comment]:
    """Return the comments on a post the viewer may read, oldest first."""
    return Comment.objects.filter(post=post).filter(comment_filter(viewer, on)).select_related("author")


def get_comment_for(viewer: Viewer, comment_uuid: uuid_module.UUID | str) -> Comment:
    """Return a comment on a post the viewer may read, if the viewer may read the comment; else Http404."""
    try:
        return (
            Comment.objects.filter(post__in=visible_posts(viewer, include_drafts=False))
            .filter(comment_filter(viewer))
            .select_related("post", "post__school_unit")
            .get(uuid=comment_uuid)
        )
    except (Comment.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def comment_families_for(viewer: Viewer, post: Post, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children on whose behalf the viewer may comment on the post (own named children)."""
    if viewer.role == Role.STAFF:
        return Person.objects.none()
    return named_children_visible_on_post(viewer, post, on)


# ---------------------------------------------------------------------------------------------
# What a writer is writing (the compose page's autosave): hers alone
# ---------------------------------------------------------------------------------------------


def own_autosave(viewer: Viewer, key: str) -> Autosave | None:
    """Return the viewer's autosaved compose form under `key`, if any (staff only).

    The children and goals in it are only values the form offered; the compose page offers them
    again from the policy, so an autosave never shows a child the writer may no longer choose.
    """
    if viewer.role != Role.STAFF:
        return None
    return Autosave.objects.filter(person=viewer.person, key=key).first()
