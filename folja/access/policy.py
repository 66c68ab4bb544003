"""Who may see what: the one gate to child data (../shared/design/access-rules.md).

Every function takes the viewer explicitly and a day `on` (today in Europe/Stockholm by default),
so tests can ask about any day and transitions need no special code path. Lists are querysets
filtered in SQL; getters raise Http404 for "missing" and "forbidden" alike. Each rule is one
condition with a comment naming it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import uuid as uuid_module
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from folja.access import memo, transitions
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import (
    UNIT_WIDE_DUTY_ROLES,
    Duty,
    DutyAssignment,
    EmailType,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
    RelationType,
)
from folja.learninglog.models import Comment, Post, PostChild, PostStatus
from folja.media.models import Media, Rendition
from folja.transitions.models import TransitionConsent

# ---------------------------------------------------------------------------------------------
# Relationships at a point in time
# ---------------------------------------------------------------------------------------------


def _day(on: dt.date | None) -> dt.date:
    return on or today()


def has_placement_on_platform(on: dt.date | None = None) -> Q:
    """Return a filter on Person: the child has a placement anywhere that has not ended (R6)."""
    day = _day(on)
    # R6: a child keeps the record while placed anywhere on the platform, in any organisation;
    # a placement that starts later counts, so a summer between preschool and school is no gap.
    return Q(
        Exists(Placement.objects.filter(child=OuterRef("pk")).filter(Q(end_date__isnull=True) | Q(end_date__gte=day)))
    )


def children_of_guardian(guardian: Person, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children the person is Vårdnadshavare of, who are on the platform and not sealed."""
    return Person.objects.filter(pk__in=[child.pk for child, _ok in _guardian_children(guardian, on)])


def unit_wide() -> Q:
    """Return the filter on Duty for a unit-wide duty: principal, special needs staff, or any duty
    at a unit whose setting "all staff see all children" is on (connected staff, access-rules.md)."""
    return Q(duty_role__in=UNIT_WIDE_DUTY_ROLES) | Q(school_unit__all_staff_see_all_children=True)


def active_duties(staff: Viewer, on: dt.date | None = None) -> QuerySet[Duty]:
    """Return the staff member's duties that hold on the day, inside the session's organisation:
    a staff session belongs to the organisation whose sign-in vouched for it, and connections
    count only there (access-rules.md). Every staff rule starts here."""
    duties = Duty.objects.active(_day(on)).filter(person=staff.person)
    if staff.organisation_id is not None:
        duties = duties.filter(organisation_id=staff.organisation_id)
    return duties


def connected_placements(staff: Viewer, on: dt.date | None = None) -> QuerySet[Placement]:
    """Return the active placements through which the staff member is connected to a child (R1).

    Connected staff (access-rules.md): S has an active duty at a unit where C has an active
    placement, and either S's duty there is unit-wide, or S is assigned to a group C is a member
    of at that unit. Sealed children are connected to no one (R5).
    """
    day = _day(on)
    duties = active_duties(staff, day)
    assigned_groups = DutyAssignment.objects.active(day).filter(duty__in=duties).values("group")
    member_of_an_assigned_group_here = GroupMembership.objects.active(day).filter(
        person=OuterRef("child"), group__in=assigned_groups, group__school_unit=OuterRef("school_unit")
    )
    return (
        Placement.objects.active(day)
        .filter(child__sealed_at__isnull=True)  # R5
        .filter(
            Q(school_unit__in=duties.filter(unit_wide()).values("school_unit"))
            | (Q(school_unit__in=duties.values("school_unit")) & Q(Exists(member_of_an_assigned_group_here)))
        )
    )


class StaffConnections:
    """A staff member's connected placements on one day, as the request's filters name them."""

    def __init__(self, placements: list[tuple[int, int, int, dt.date, bool]]) -> None:
        self.placement_ids = [p for p, _child, _unit, _first, _yes in placements]
        self.child_ids = sorted({child for _p, child, _unit, _first, _yes in placements})
        self.children_by_unit: dict[int, list[int]] = {}
        for _p, child, unit, _first, _yes in placements:
            self.children_by_unit.setdefault(unit, []).append(child)
        # What R8 can reach at all, as necessary conditions only (the rule itself is _staff_r8_named):
        # children with a current yes to sharing (every consent rule needs one, R7), and dates from
        # the earliest window start to the latest first start of such a placement at its unit.
        with_yes = [(p, child, first) for p, child, _unit, first, yes in placements if yes and first is not None]
        self.r8_placement_ids = [p for p, _child, _first in with_yes]
        self.r8_child_ids = sorted({child for _p, child, _first in with_yes})
        firsts = [first for _p, _child, first in with_yes]
        self.r8_dates = (transitions.twelve_months_before(min(firsts)), max(firsts)) if firsts else None


def staff_connections(staff: Viewer, on: dt.date | None = None) -> StaffConnections:
    """Return the staff member's connected placements (connected_placements), each with its
    child's first start at its unit (R8) and whether the child has a current yes (R7): one query,
    looked up once per request (access/memo.py) and never kept longer."""
    day = _day(on)

    def compute() -> StaffConnections:
        first_start = (
            Placement.objects.filter(child=OuterRef("child"), school_unit=OuterRef("school_unit"))
            .order_by("start_date")
            .values("start_date")[:1]
        )
        some_yes = TransitionConsent.objects.filter(child=OuterRef("child"), is_current=True, allowed=True)
        rows = (
            connected_placements(staff, day)
            .annotate(first_start=Subquery(first_start), some_yes=Exists(some_yes))
            .values_list("pk", "child_id", "school_unit_id", "first_start", "some_yes")
        )
        return StaffConnections(list(rows))

    return memo.memoised(("staff_connections", staff.person.pk, staff.organisation_id, day), compute)


def connected_children(staff: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children the staff member is connected to on the day."""
    return Person.objects.filter(pk__in=staff_connections(staff, on).child_ids)


def reading_units(viewer: Viewer, child_ids: Iterable[int], post_unit_id: int, on: dt.date | None = None) -> dict:
    """Return {unit id: child ids} for a staff member's read of a post naming these children: the
    post's own unit for a child they are connected to there (R1), else the unit where they are
    connected to the child (the receiving unit of R8). No query: the request's connections."""
    by_unit = staff_connections(viewer, on).children_by_unit
    units: dict[int | None, list[int]] = {}
    for child_id in child_ids:
        if child_id in by_unit.get(post_unit_id, ()):
            unit = post_unit_id
        else:
            unit = min((u for u, children in by_unit.items() if child_id in children), default=None)
        units.setdefault(unit, []).append(child_id)
    return units


def connected_units_of(staff: Viewer, child: Person, on: dt.date | None = None) -> set[int]:
    """Return the units where the staff member is connected to the child (R8 marks posts from elsewhere)."""
    return {unit for unit, children in staff_connections(staff, on).children_by_unit.items() if child.pk in children}


def units_of_guardians_children(guardian: Person, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the units where the guardian's children are placed (for contact details; not gated by R9)."""
    not_ended = Q(end_date__isnull=True) | Q(end_date__gte=_day(on))
    placements = Placement.objects.filter(not_ended, child__in=children_of_guardian(guardian, on))
    return Organisation.objects.filter(pk__in=placements.values("school_unit")).order_by("display_name")


def guardians_without_accepted_terms(children: QuerySet[Person]) -> list[tuple[Person, Person]]:
    """Return (child, guardian) pairs where the guardian has not accepted the terms the child's placement needs (R9).

    `children` must already be filtered by the access policy (e.g. group_members_for a staff viewer).
    Three queries whatever the number of children.
    """
    from folja.transitions.models import TermsDecision

    current = transitions.current_terms_by_organisation()
    if not current:
        return []
    links = list(
        Guardianship.objects.filter(
            child__in=children, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
        )
        .select_related("child", "responsible")
        .order_by("child__given_name", "responsible__given_name")
    )
    not_ended = Q(end_date__isnull=True) | Q(end_date__gte=today())
    needed: dict[int, set[int]] = {}
    for child_id, org_id in Placement.objects.filter(not_ended, child__in=children).values_list(
        "child_id", "organisation_id"
    ):
        terms_id = current.get(org_id, current.get(None))
        if terms_id is not None:
            needed.setdefault(child_id, set()).add(terms_id)
    latest: dict[tuple[int, int], bool] = {}
    for guardian_id, terms_id, accepted in (
        TermsDecision.objects.filter(guardian__in=[g.responsible_id for g in links], terms_id__in=current.values())
        .order_by("decided_at", "id")
        .values_list("guardian_id", "terms_id", "accepted")
    ):
        latest[(guardian_id, terms_id)] = accepted
    seen: set[tuple[int, int]] = set()
    rows = []
    for link in links:
        key = (link.child_id, link.responsible_id)
        if key in seen:
            continue
        seen.add(key)
        if any(not latest.get((link.responsible_id, t), False) for t in needed.get(link.child_id, ())):
            rows.append((link.child, link.responsible))
    return rows


def staff_units(staff: Viewer, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the school units where the staff member has an active duty."""
    return Organisation.objects.filter(pk__in=active_duties(staff, on).values("school_unit"))


def staff_groups(staff: Viewer, on: dt.date | None = None) -> QuerySet[Group]:
    """Return the active groups the staff member works with: at a unit where they have a duty,
    assigned to them, or all groups of a unit where their duty is unit-wide."""
    day = _day(on)
    duties = active_duties(staff, day)
    assigned = DutyAssignment.objects.active(day).filter(duty__in=duties).values("group")
    return (
        Group.objects.active(day)
        .filter(school_unit__in=duties.values("school_unit"))
        .filter(Q(pk__in=assigned) | Q(school_unit__in=duties.filter(unit_wide()).values("school_unit")))
    )


def staff_organisations(person: Person, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the organisations (huvudmän) in which the person has an active duty: those a staff
    session may belong to (access-rules.md, "The session's organisation")."""
    return Organisation.objects.filter(pk__in=active_duties(Viewer(person, Role.STAFF), on).values("organisation"))


def may_sign_in_as(
    person: Person, role: Role, on: dt.date | None = None, *, organisation_id: int | None = None
) -> bool:
    """Return whether the person may hold a session in the role (checked at sign-in and per
    request); a staff session only while the person has a duty in the session's organisation."""
    if person.sealed_at is not None:  # R5: a sealed person has no session
        return False
    if role == Role.GUARDIAN:
        return bool(_guardian_children(person, on))
    if role == Role.STAFF:
        staff = Viewer(person, role, organisation_id)
        # A connection needs an active duty (connected_placements), and the request looks its
        # connections up anyway: only a staff member connected to no child costs a query more.
        return bool(staff_connections(staff, on).placement_ids) or active_duties(staff, on).exists()
    if role == Role.CHILD:
        return Person.objects.filter(pk=person.pk).filter(has_placement_on_platform(on)).exists()
    return False


def person_for_sign_in(*, civic_number: str = "", person_uuid: str = "", person_pk: int | None = None) -> Person | None:
    """Return the unsealed person a verified identity (or a demo persona) binds to, or None.

    The caller still checks `may_sign_in_as` for the role; this only finds the person (R5 first).
    """
    persons = Person.objects.unsealed()
    try:
        if civic_number:
            return persons.filter(civic_number=civic_number).first()
        if person_uuid:
            return persons.filter(uuid=person_uuid).first()
        if person_pk is not None:
            return persons.filter(pk=person_pk).first()
    except (ValueError, ValidationError):
        return None
    return None


def staff_for_sso(organisation: Organisation, *, civic_number: str = "", school_email: str = "") -> Person | None:
    """Return the unsealed staff person with an active duty in the organisation that an SSO identity names.

    An organisation's own IdP vouches only for its own staff: the match is made among persons with
    an active duty reported by that organisation (the huvudman), by civic number or by an e-mail of
    type "Skola personal" from its SIS (eduPersonPrincipalName, upn). Ambiguous e-mails match nobody.
    """
    if not (civic_number or school_email):
        return None
    with_duty = Exists(Duty.objects.active(today()).filter(person=OuterRef("pk"), organisation=organisation))
    persons = Person.objects.unsealed().filter(with_duty)
    if civic_number:
        return persons.filter(civic_number=civic_number).first()
    matches = list(
        persons.filter(emails__type=EmailType.SCHOOL_STAFF, emails__value__iexact=school_email.strip()).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------


def _guardian_children(guardian: Person, on: dt.date | None = None) -> list[tuple[Person, bool]]:
    """Return the guardian's children on the platform (R1, R5, R6), each with whether R9 lets the
    guardian see it: one query per request (access/memo.py), shared by the session check, the
    child getter and every filter that names the guardian's visible children."""
    day = _day(on)

    def compute() -> list[tuple[Person, bool]]:
        # R6: on the platform while placed anywhere, in any organisation, until the placement
        # ends; one that starts later counts, so a summer between preschool and school is no gap.
        placements = Placement.objects.filter(child=OuterRef("pk")).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )
        children = Person.objects.filter(
            Exists(
                # Guardian rights only from relation type Vårdnadshavare (SS 12000 responsibles).
                Guardianship.objects.filter(
                    child=OuterRef("pk"), responsible=guardian, relation_type=RelationType.GUARDIAN
                )
            ),
            Exists(placements),
            sealed_at__isnull=True,  # R5: a sealed child is invisible to every query
        ).annotate(terms_pending=Exists(transitions.placements_with_terms_pending(placements, guardian)))  # R9
        return [(child, not child.terms_pending) for child in children.order_by("given_name", "family_name", "pk")]

    return memo.memoised(("guardian_children", guardian.pk, day), compute)


def guardian_has_pending_terms(guardian: Person) -> bool:
    """Return whether R9 hides any of the guardian's children today: current terms not yet accepted."""
    return any(not ok for _child, ok in _guardian_children(guardian))


def visible_children(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children whose records the viewer may open (R1, R5, R6, R9)."""
    if viewer.role == Role.GUARDIAN:
        # R1: the child's guardians; R9: only once they accepted the current terms of use.
        return Person.objects.filter(pk__in=visible_children_ref(viewer, on))
    if viewer.role == Role.CHILD:
        return Person.objects.unsealed().filter(pk=viewer.person.pk).filter(has_placement_on_platform(on))  # R1
    if viewer.role == Role.STAFF:
        return connected_children(viewer, on)  # R1: staff connected now
    return Person.objects.none()  # R12: deny by default


def visible_children_ref(viewer: Viewer, on: dt.date | None = None) -> list[int] | QuerySet[Person]:
    """Return the viewer's visible children for `__in` filters: a guardian's and a staff member's
    as the ids memoised for the request (a literal list plans faster than nested subqueries), a
    child's as the `visible_children` query."""
    if viewer.role == Role.GUARDIAN:
        return [child.pk for child, ok in _guardian_children(viewer.person, on) if ok]  # R1, R5, R6, R9
    if viewer.role == Role.STAFF:
        return staff_connections(viewer, on).child_ids  # R1: staff connected now
    return visible_children(viewer, on)


def family_children_with_placements(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the viewer's visible children with `active_placements` and `upcoming_placements` prefetched."""
    from django.db.models import Prefetch

    day = _day(on)
    active = Placement.objects.active(day).select_related("school_unit", "group").order_by("start_date")
    upcoming = Placement.objects.filter(start_date__gt=day).select_related("school_unit", "group")
    return visible_children(viewer, day).prefetch_related(
        Prefetch("placements", queryset=active, to_attr="active_placements"),
        Prefetch("placements", queryset=upcoming, to_attr="upcoming_placements"),
    )


def get_child_for(viewer: Viewer, child_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Person:
    """Return the child if the viewer may see it, else raise Http404."""
    if viewer.role == Role.GUARDIAN:
        try:
            wanted = uuid_module.UUID(str(child_uuid))
        except ValueError:
            raise Http404 from None
        for child, ok in _guardian_children(viewer.person, on):
            if ok and child.uuid == wanted:
                return child
        raise Http404
    try:
        return visible_children(viewer, on).get(uuid=child_uuid)
    except (Person.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------------------------


def _posts_naming(children: list[int] | QuerySet[Person]) -> Q:
    return Q(Exists(PostChild.objects.filter(post=OuterRef("pk"), child__in=children)))


def _family_posts(children: tuple[int, ...] | QuerySet[Person]) -> Q:
    """R1 for families: live, published posts naming one of the children."""
    return Q(deleted_at__isnull=True, status=PostStatus.PUBLISHED) & _posts_naming(children)


def _staff_posts(args: tuple) -> Q:
    """The staff filter on Post from the request's connections (see _staff_args).

    args = (own drafts' author id or None, connected child ids, ((unit, child ids), …),
            None or (R8 placement ids, R8 child ids, (earliest, latest))).
    """
    # Not a rule of its own: R1 and R8 both need a named child the staff member is connected to
    # now, so this only repeats what they imply. It lets PostgreSQL start from those children's
    # posts instead of testing the rules on every post of the platform (bench/README.md).
    connected_child_posts = PostChild.objects.filter(child__in=args[1]).values("post")
    return Q(pk__in=connected_child_posts) & _staff_rules(args)


def _staff_post_state(author: int | None) -> Q:
    """Staff read live posts: published ones, and (with drafts) their own drafts."""
    published_or_own_draft = Q(status=PostStatus.PUBLISHED)
    if author is not None:
        published_or_own_draft |= Q(status=PostStatus.DRAFT, author=author)
    return Q(deleted_at__isnull=True) & published_or_own_draft


def _staff_r1_named(by_unit: tuple) -> Q:
    """R1 at its grain, a filter on PostChild: the (post, child) pairs where the staff member is
    connected to the child *at the post's unit* now. `by_unit` = ((unit, child ids), …)."""
    pairs = [Q(post__school_unit=unit, child__in=children) for unit, children in by_unit]
    return functools.reduce(operator.or_, pairs, Q(pk__in=[]))


def _staff_r8_named(r8_args: tuple | None) -> Q:
    """R8 at its grain, a filter on PostChild: the (post, child) pairs a receiving unit sees.

    Per child, never per post: the child itself must be connected to the staff member at a unit
    other than the post's, with consent (R7) for *this* child, and the post's date in the 12
    months before the child's first placement at that unit. Another child on the same post who
    consented changes nothing for this one. `r8_args` = (placement ids, child ids, (earliest,
    latest)): the connected placements whose child has some current yes, and the dates any window
    can span; necessary conditions only, so PostgreSQL tests the rule on few rows.
    """
    if r8_args is None:
        return Q(pk__in=[])
    placement_ids, r8_child_ids, (earliest, latest) = r8_args
    placements = Placement.objects.filter(pk__in=placement_ids)
    return (
        Q(activity_date__gte=earliest, activity_date__lt=latest)
        & Q(child__in=r8_child_ids, child__sealed_at__isnull=True)  # R5
        & transitions.consent_given("child", "post__organisation")  # R7, for this child
        & transitions.receiving_window_filter(  # R8, for this child at its receiving unit
            placements, unit=OuterRef("post__school_unit"), day=OuterRef("activity_date")
        )
    )


def _staff_named(args: tuple) -> Q:
    """R1 and R8 for staff at their grain, a filter on PostChild: the named children through whom
    a staff member sees a post (see _staff_args). The one definition behind the staff's posts,
    a child's timeline, the names shown on a post and the family threads they read."""
    _author, _child_ids, by_unit, r8_args = args
    return _staff_r1_named(by_unit) | _staff_r8_named(r8_args)


def _staff_rules(args: tuple) -> Q:
    """R1 and R8 for staff, with drafts and deletion: a post is readable when at least one of its
    named children lets the staff member see it (_staff_named). The staff filter without its
    narrowing."""
    named = PostChild.objects.filter(post=OuterRef("pk")).filter(_staff_named(args))
    return _staff_post_state(args[0]) & Q(Exists(named))


def _staff_args(staff: Viewer, on: dt.date | None, include_drafts: bool) -> tuple:
    """Return the plain values the staff filters are built from (see _staff_posts)."""
    connections = staff_connections(staff, on)
    r8_args = None
    if connections.r8_dates is not None:
        r8_args = (tuple(connections.r8_placement_ids), tuple(connections.r8_child_ids), connections.r8_dates)
    return (
        staff.person.pk if include_drafts else None,
        tuple(connections.child_ids),
        tuple((unit, tuple(children)) for unit, children in sorted(connections.children_by_unit.items())),
        r8_args,
    )


def _staff_child_posts(args: tuple) -> Q:
    """A child's timeline for staff (R1, R8 per child): the posts the staff member sees *through
    this child*; a post shared with the receiving unit because another named child's family
    consented never reaches this child's timeline."""
    staff_args, child_id = args
    through_child = PostChild.objects.filter(post=OuterRef("pk"), child=child_id).filter(_staff_named(staff_args))
    return _staff_post_state(staff_args[0]) & Q(Exists(through_child))


def visible_posts(viewer: Viewer, on: dt.date | None = None, *, include_drafts: bool = False) -> QuerySet[Post]:
    """Return the posts the viewer may read, filtered in SQL.

    Guardians and children see published posts naming the child; staff see published posts
    naming a child they are connected to at the post's unit, or that R8 shares through a child
    (and, with include_drafts, their own drafts under the same condition). A deleted post is
    visible to no one.
    """
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        return Post.objects.filter(_family_posts(visible_children_ref(viewer, on)))  # R1, R9
    if viewer.role == Role.STAFF:
        return Post.objects.filter(_staff_posts(_staff_args(viewer, on, include_drafts)))  # R1, R8
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
        return Post.objects.filter(_staff_child_posts((_staff_args(viewer, on, False), child.pk)))
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


def may_edit_post(viewer: Viewer, post: Post, on: dt.date | None = None) -> bool:
    """Return whether the viewer may edit, delete, publish or moderate the post, and comment on it
    as staff: staff connected *at the post's own unit* to a child it names (R1), for a draft only
    its author. What R8 shares with a receiving unit is read-only there."""
    if viewer.role != Role.STAFF:
        return False
    args = _staff_args(viewer, on, include_drafts=True)
    at_own_unit = PostChild.objects.filter(post=OuterRef("pk")).filter(_staff_r1_named(args[2]))  # R1, R8
    return Post.objects.filter(pk=post.pk).filter(_staff_post_state(args[0]), Exists(at_own_unit)).exists()


# ---------------------------------------------------------------------------------------------
# Comments (R2)
# ---------------------------------------------------------------------------------------------


def naming_scope(viewer: Viewer, on: dt.date | None = None) -> tuple[str, tuple | QuerySet[Person]]:
    """Return what decides which named children and family threads of a post the viewer sees, as
    plain values: ("family", the viewer's visible children) or ("staff", the staff filter's
    values, _staff_args); ("none", ()) for roles that see nothing (R12)."""
    if viewer.role == Role.STAFF:
        return "staff", _staff_args(viewer, on, include_drafts=False)
    if viewer.role == Role.GUARDIAN:
        return "family", tuple(visible_children_ref(viewer, on))
    if viewer.role == Role.CHILD:
        return "family", visible_children(viewer, on)
    return "none", ()


def comment_filter(viewer: Viewer, on: dt.date | None = None) -> Q:
    """Return the filter on Comment for comments the viewer may read (on posts it may read)."""
    return comment_filter_for(naming_scope(viewer, on))


def comment_filter_for(scope: tuple[str, tuple | QuerySet[Person]]) -> Q:
    """Return the comment filter for a viewer with this naming scope (see naming_scope).

    R2: a family's comments are visible to staff and to that child's own guardians only. Staff
    comments without a family are for everyone the post reaches. Hidden comments only for staff.
    R8 per child: on a post a receiving unit reads, it sees only the family threads of the
    children it sees named there, and no hidden comment (what that child's guardians see).
    """
    kind, values = scope
    if kind == "staff":
        _author, _child_ids, by_unit, r8_args = values
        on_post = PostChild.objects.filter(post=OuterRef("post"))
        at_own_unit = on_post.filter(_staff_r1_named(by_unit))  # R1: staff of the post's unit
        shared = on_post.filter(_staff_r8_named(r8_args))  # R8: a receiving unit
        thread = Q(family_child__isnull=True)
        return (
            (thread & Q(Exists(at_own_unit)))
            | (~thread & Q(Exists(at_own_unit.filter(child=OuterRef("family_child")))))
            | Q(hidden_at__isnull=True)
            & ((thread & Q(Exists(shared))) | (~thread & Q(Exists(shared.filter(child=OuterRef("family_child"))))))
        )
    if kind == "family":
        return Q(hidden_at__isnull=True) & (Q(family_child__isnull=True) | Q(family_child__in=values))  # R2
    return Q(pk__in=[])  # R12


def visible_comment_count(scope: tuple[str, tuple | QuerySet[Person]]) -> Subquery:
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


def named_visible_filter(scope: tuple[str, tuple | QuerySet[Person]]) -> Q:
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
# Media (R10)
# ---------------------------------------------------------------------------------------------


def visible_media(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Media]:
    """Return the media the viewer may open: media follow their post (R10)."""
    return Media.objects.filter(post__in=visible_posts(viewer, on, include_drafts=_media_of_drafts(viewer)))


def _media_of_drafts(viewer: Viewer) -> bool:
    """Whether the viewer's media include those of drafts: staff see their own drafts' media (R10)."""
    return viewer.role == Role.STAFF


def get_media_for(viewer: Viewer, media_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Media:
    """Return the media if the viewer may open it, else raise Http404."""
    try:
        return visible_media(viewer, on).select_related("post").get(uuid=media_uuid)
    except (Media.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def get_rendition_for(viewer: Viewer, media_uuid: uuid_module.UUID | str, name: str) -> Rendition:
    """Return a rendition of a media file the viewer may open (with its media and post), else raise Http404."""
    try:
        return (
            Rendition.objects.filter(media__in=visible_media(viewer))  # R10: media follow their post
            .select_related("media__post")
            .get(media__uuid=media_uuid, name=name)
        )
    except (Rendition.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Contact details (R4) and member lists (R3)
# ---------------------------------------------------------------------------------------------


def contact_persons(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the persons whose contact details the viewer may read (R4).

    Staff: the children they are connected to and those children's guardians. Guardians: their
    children, their children's guardians, themselves. Children: themselves and their guardians.
    """
    children = visible_children(viewer, on)
    guardians_of_children = Guardianship.objects.filter(
        child__in=children, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
    ).values("responsible")
    scope = Q(pk__in=children.values("pk")) | Q(pk__in=guardians_of_children)  # R4
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        scope |= Q(pk=viewer.person.pk)
    elif viewer.role != Role.STAFF:
        return Person.objects.none()  # R12
    return Person.objects.unsealed().filter(scope)


def get_contact_person_for(viewer: Viewer, person_uuid: uuid_module.UUID | str) -> Person:
    try:
        return contact_persons(viewer).get(uuid=person_uuid)
    except (Person.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def visible_groups(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Group]:
    """Return the groups whose page the viewer may open."""
    day = _day(on)
    if viewer.role == Role.STAFF:
        return staff_groups(viewer, day)
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        children = visible_children(viewer, day)
        return Group.objects.active(day).filter(
            Exists(GroupMembership.objects.active(day).filter(group=OuterRef("pk"), person__in=children))
        )
    return Group.objects.none()  # R12


def get_group_for(viewer: Viewer, group_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Group:
    try:
        return visible_groups(viewer, on).select_related("school_unit").get(uuid=group_uuid)
    except (Group.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def group_members_for(viewer: Viewer, group: Group, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the group's current child members that the viewer may see listed.

    R3: in a hidden-member group guardians and children see only their own child; staff see all.
    """
    day = _day(on)
    members = Person.objects.unsealed().filter(  # R5
        Exists(GroupMembership.objects.active(day).filter(group=group, person=OuterRef("pk")))
    )
    if viewer.role == Role.STAFF:
        return members.filter(Exists(staff_groups(viewer, day).filter(pk=group.pk)))
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        own = visible_children(viewer, day)
        if not members.filter(pk__in=own.values("pk")).exists():
            return Person.objects.none()  # R12: not a family of this group
        if group.hidden_members:
            return members.filter(pk__in=own.values("pk"))  # R3
        return members
    return Person.objects.none()  # R12


def with_listing_data(viewer: Viewer, posts: QuerySet[Post], on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts with what a list shows, in a fixed number of queries whatever their number.

    Adds the visible comment count (R2), goals, media, the author, and `visible_named`: the named
    children this viewer may see on each post (R3: families see only their own child).
    """
    from django.db.models import Prefetch

    from folja.curriculum.models import Goal

    scope = naming_scope(viewer, on)
    named = PostChild.objects.filter(named_visible_filter(scope))
    return (
        posts.select_related("author", "group", "school_unit")
        .annotate(visible_comment_count=visible_comment_count(scope))
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.select_related("area").order_by("area__seq", "seq")),
            Prefetch("media", queryset=Media.objects.order_by("seq", "pk")),
            Prefetch(
                "post_children",
                queryset=named.select_related("child").order_by("child__given_name", "child__family_name"),
                to_attr="visible_named",
            ),
        )
    )
