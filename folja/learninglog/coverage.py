"""Coverage figures: how the posts a staff member may read spread over curriculum goals.

Every figure here is a SQL aggregation over the posts `post_policy.visible_posts(viewer)` would return
(R1, R5, R12; built from `policy.connected_placements`), so a count never includes a post the
viewer could not open, and the number of queries does not grow
with the number of children or posts. Counts group by the goal's stable `key` (and the area's
code), so posts linked to an older curriculum version count with the current one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth

from folja.access.policy import active_duties, connected_children, connected_units_of, staff_connections
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.curriculum.models import CoverageSettings
from folja.directory.models import UNIT_WIDE_DUTY_ROLES, Group, GroupMembership, Organisation, Person
from folja.learninglog.models import Post, PostChild, PostGoal, PostStatus


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, shown month by month."""

    start: dt.date
    end: dt.date

    def months(self) -> list[dt.date]:
        """Return the first day of every month the period touches, in order."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Coverage:
    """The counts behind a heatmap: posts per (goal key, month) and per (area, month)."""

    goal_months: dict[tuple[str, dt.date], int]
    area_months: dict[tuple[str, str, dt.date], int]
    posts_per_month: dict[dt.date, int]
    posts_without_goal: int


# ---------------------------------------------------------------------------------------------
# Scopes: which posts a coverage page counts, always inside what the viewer may read
# ---------------------------------------------------------------------------------------------


def _published_at_unit(viewer: Viewer, unit_id: int, on: dt.date | None) -> QuerySet[Post]:
    """Return the published posts at one unit the viewer may read.

    This is `post_policy._staff_posts` (R1) with the post's unit fixed, written so the database
    computes the connected children once (an uncorrelated IN) instead of once per post: a unit
    with a year of posts stays fast. Equality with `visible_posts` is asserted in the tests.
    """
    if viewer.role != Role.STAFF:
        return Post.objects.none()  # R12
    connected_here = staff_connections(viewer, on).children_by_unit.get(
        unit_id, []
    )  # R1, R5: this request's connections
    return (
        Post.objects.live()  # a deleted post counts nowhere
        .filter(status=PostStatus.PUBLISHED)  # drafts are not documentation yet
        .filter(school_unit=unit_id)
        .filter(Exists(PostChild.objects.filter(post=OuterRef("pk"), child__in=connected_here)))  # R1
    )


def group_posts_scope(viewer: Viewer, group: Group, on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts of a group's coverage: visible posts at its unit naming a current member."""
    members = GroupMembership.objects.active(on or today()).filter(group=group).values("person")
    return _published_at_unit(viewer, group.school_unit_id, on).filter(
        Exists(PostChild.objects.filter(post=OuterRef("pk"), child__in=members))
    )


def child_posts_scope(viewer: Viewer, child: Person, on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts of a child's coverage: posts naming the child at units where the viewer is connected to it."""
    if viewer.role != Role.STAFF:
        return Post.objects.none()  # R12
    # R1: connected staff see what was documented at the unit(s) where they are connected to the child.
    units = sorted(connected_units_of(viewer, child, on))
    return (
        Post.objects.live()
        .filter(status=PostStatus.PUBLISHED)
        .filter(school_unit__in=units)
        .filter(Exists(PostChild.objects.filter(post=OuterRef("pk"), child=child)))
    )


def unit_posts_scope(viewer: Viewer, unit: Organisation, on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts of a unit's coverage: the visible posts documented at the unit."""
    return _published_at_unit(viewer, unit.pk, on)


def overview_units(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the school units whose unit-wide overview the viewer may open.

    Only a unit-wide duty (principal, förskolechef, special needs staff, or any duty when the unit
    lets all staff see all children) connects a staff member to the whole unit; the figures still
    count only posts the viewer may read.
    """
    if viewer.role != Role.STAFF:
        return Organisation.objects.none()  # R12
    duties = active_duties(viewer, on).filter(
        Q(duty_role__in=UNIT_WIDE_DUTY_ROLES) | Q(school_unit__all_staff_see_all_children=True)
    )
    return Organisation.objects.filter(pk__in=duties.values("school_unit"))


def get_overview_unit_for(viewer: Viewer, unit_uuid: object, on: dt.date | None = None) -> Organisation:
    """Return the unit if the viewer may open its overview, else raise Http404."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return overview_units(viewer, on).get(uuid=unit_uuid)
    except (Organisation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Aggregations
# ---------------------------------------------------------------------------------------------


def coverage(posts: QuerySet[Post], period: Period) -> Coverage:
    """Return the goal and area counts per month for the posts in the period: three GROUP BY queries."""
    in_period = posts.filter(activity_date__gte=period.start, activity_date__lte=period.end)
    links = PostGoal.objects.filter(post__in=in_period.values("pk")).annotate(month=TruncMonth("post__activity_date"))
    goal_rows = links.values("goal__key", "month").annotate(n=Count("post", distinct=True)).order_by()
    area_rows = (
        links.values("goal__curriculum__code", "goal__area__code", "month")
        .annotate(n=Count("post", distinct=True))
        .order_by()
    )
    has_goal = Exists(PostGoal.objects.filter(post=OuterRef("pk")))
    month_rows = (
        in_period.annotate(month=TruncMonth("activity_date"), linked=has_goal)
        .values("month")
        .annotate(n=Count("pk"), without=Count("pk", filter=Q(linked=False)))
        .order_by()
    )
    month_list = list(month_rows)
    return Coverage(
        goal_months={(r["goal__key"], _as_date(r["month"])): r["n"] for r in goal_rows},
        area_months={
            (r["goal__curriculum__code"], r["goal__area__code"], _as_date(r["month"])): r["n"] for r in area_rows
        },
        posts_per_month={_as_date(r["month"]): r["n"] for r in month_list},
        posts_without_goal=sum(r["without"] for r in month_list),
    )


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def settings_for(unit: Organisation) -> CoverageSettings:
    """Return the unit's coverage settings, or unsaved defaults when it has none."""
    found = CoverageSettings.objects.filter(school_unit=unit).first()
    return found or CoverageSettings(school_unit=unit)


def rarely_documented_children(
    viewer: Viewer, group: Group, settings: CoverageSettings, on: dt.date | None = None
) -> QuerySet[Person]:
    """Return the group's current members the viewer may see with fewer visible posts than the threshold.

    One query; ordered by name so the list is a prompt, never a ranking.
    """
    day = on or today()
    since = day - dt.timedelta(weeks=settings.weeks)
    return _members_with_fewer_posts(viewer, group, since, settings.rarely_documented_threshold, day)


def undocumented_children(viewer: Viewer, group: Group, days: int, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the group's current members the viewer may see who are named in no published post
    (at the group's unit, that the viewer may read) dated within the last `days` days: the weekly
    "Barn att uppmärksamma" (learninglog/attention.py). One query, ordered by name."""
    day = on or today()
    return _members_with_fewer_posts(viewer, group, day - dt.timedelta(days=days), 1, day)


def _members_with_fewer_posts(
    viewer: Viewer, group: Group, since: dt.date, threshold: int, day: dt.date
) -> QuerySet[Person]:
    recent = _published_at_unit(viewer, group.school_unit_id, day).filter(
        activity_date__gte=since, activity_date__lte=day
    )
    members = GroupMembership.objects.active(day).filter(group=group).values("person")
    return (
        connected_children(viewer, day)  # R1, R5: only children the viewer may see
        .filter(pk__in=members)
        .annotate(
            recent_posts=Count(
                "post_links",
                filter=Q(post_links__post__in=recent.values("pk")),
                distinct=True,
            )
        )
        .filter(recent_posts__lt=threshold)
        .order_by("given_name", "family_name", "pk")
    )


@dataclass(frozen=True)
class GroupFigures:
    """One row of a unit's group comparison."""

    group: Group
    posts: int
    goals_touched: int
    areas: dict[tuple[str, str], int]
    rarely_documented: int
    children: int


def group_comparison(
    viewer: Viewer, unit: Organisation, period: Period, settings: CoverageSettings, on: dt.date | None = None
) -> list[GroupFigures]:
    """Return per-group figures for the unit's active groups in a fixed number of queries.

    A post counts for a group when it names a current member of the group (a child in two groups
    of the unit counts for the first); children the viewer may not see count nowhere, and neither
    do their posts.
    """
    day = on or today()
    groups = list(Group.objects.active(day).filter(school_unit=unit).order_by("display_name"))
    posts = unit_posts_scope(viewer, unit, day).filter(activity_date__gte=period.start, activity_date__lte=period.end)
    visible_kids = connected_children(viewer, day).values("pk")
    memberships = GroupMembership.objects.active(day).filter(group__in=groups, person__in=visible_kids)
    # The access-filtered post ids are fetched once; the three aggregates below then join plain
    # rows instead of re-running the access subqueries per joined row (46 s → well under a second
    # on PostgreSQL for a unit of 200 children with a year of posts).
    post_ids = list(posts.values_list("pk", flat=True))
    # Which group each visible child of the unit belongs to (bounded by the unit's size, not by
    # the data), written into the SQL as a CASE so the aggregates stay in the database.
    members_by_group: dict[int, list[int]] = {}
    for group_id, person_id in memberships.order_by("group__display_name", "person_id").values_list(
        "group_id", "person_id"
    ):
        members_by_group.setdefault(group_id, []).append(person_id)
    links = PostChild.objects.filter(
        post_id__in=post_ids, child_id__in=[c for kids in members_by_group.values() for c in kids]
    )
    group_of = Case(
        *[When(child_id__in=kids, then=Value(gid)) for gid, kids in members_by_group.items()],
        default=Value(None),
        output_field=IntegerField(),
    )
    per_group = links.annotate(group_id=group_of).values("group_id").order_by()
    post_counts = dict(per_group.annotate(n=Count("post", distinct=True)).values_list("group_id", "n"))
    goal_counts = dict(
        per_group.annotate(n=Count("post__post_goals__goal__key", distinct=True)).values_list("group_id", "n")
    )
    area_rows = (
        links.annotate(group_id=group_of)
        .values("group_id", "post__post_goals__goal__curriculum__code", "post__post_goals__goal__area__code")
        .annotate(n=Count("post", distinct=True))
        .order_by()
    )
    areas: dict[int, dict[tuple[str, str], int]] = {}
    for row in area_rows:
        code = row["post__post_goals__goal__area__code"]
        if code is not None:
            key = (row["post__post_goals__goal__curriculum__code"], code)
            areas.setdefault(row["group_id"], {})[key] = row["n"]
    since = day - dt.timedelta(weeks=settings.weeks)
    recent = unit_posts_scope(viewer, unit, day).filter(activity_date__gte=since, activity_date__lte=day)
    rare_children = (
        connected_children(viewer, day)
        .annotate(n=Count("post_links", filter=Q(post_links__post__in=recent.values("pk")), distinct=True))
        .filter(n__lt=settings.rarely_documented_threshold)
        .values("pk")
    )
    rare_counts = dict(
        memberships.filter(person__in=rare_children)
        .values("group_id")
        .annotate(n=Count("person", distinct=True))
        .values_list("group_id", "n")
        .order_by()
    )
    child_counts = dict(
        memberships.values("group_id")
        .annotate(n=Count("person", distinct=True))
        .values_list("group_id", "n")
        .order_by()
    )
    return [
        GroupFigures(
            group=g,
            posts=post_counts.get(g.pk, 0),
            goals_touched=goal_counts.get(g.pk, 0),
            areas=areas.get(g.pk, {}),
            rarely_documented=rare_counts.get(g.pk, 0),
            children=child_counts.get(g.pk, 0),
        )
        for g in groups
    ]
