# ruff: noqa: T201 - a benchmark prints its figures
"""Timing of the coverage pages for a unit of 200 children with a year of posts (not part of the suite).

Run: .venv/bin/pytest folja/curriculum/tests/bench_coverage.py -q -s -p no:cacheprovider
"""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.curriculum.models import Goal
from folja.curriculum.tests.test_coverage import signed_in
from folja.directory.models import Group, GroupMembership, Person, Placement
from folja.learninglog.models import Post, PostChild, PostGoal, PostKind, PostStatus
from folja.testing.cast import build_cast


@pytest.mark.django_db
def test_time_coverage_pages_for_200_children_and_a_year_of_posts() -> None:
    rng = random.Random(5)
    cast = build_cast()
    unit, org, day = cast.solrosen, cast.org_a, cast.day
    start = day - dt.timedelta(days=365)
    goals = list(Goal.objects.current())
    groups = [
        Group.objects.create(
            organisation=org,
            school_unit=unit,
            display_name=f"Grupp {i}",
            group_type="Avdelning",
            school_type="FS",
            start_date=start,
        )
        for i in range(10)
    ]
    children = Person.objects.bulk_create(
        [Person(given_name=f"Barn{i}", family_name="Bench", birth_date=day) for i in range(200)]
    )
    Placement.objects.bulk_create(
        [
            Placement(
                organisation=org, child=c, school_unit=unit, group=groups[i % 10], school_type="FS", start_date=start
            )
            for i, c in enumerate(children)
        ]
    )
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(organisation=org, group=groups[i % 10], person=c, start_date=start)
            for i, c in enumerate(children)
        ]
    )
    members = {g.pk: [c for i, c in enumerate(children) if i % 10 == n] for n, g in enumerate(groups)}
    posts, kinds = [], []
    for d in range(365):
        date = start + dt.timedelta(days=d)
        if date.weekday() >= 5:
            continue
        for g in groups:
            # Per group and school day: one group post and two individual posts.
            for kind in (PostKind.GROUP, PostKind.INDIVIDUAL, PostKind.INDIVIDUAL):
                posts.append(
                    Post(
                        organisation=org,
                        school_unit=unit,
                        group=g if kind == PostKind.GROUP else None,
                        kind=kind,
                        status=PostStatus.PUBLISHED,
                        author=cast.teacher_blue,
                        title="B",
                        activity_date=date,
                    )
                )
                kinds.append(g)
    posts = Post.objects.bulk_create(posts, batch_size=2000)
    links, goal_links = [], []
    for post, g in zip(posts, kinds, strict=True):
        named = members[g.pk] if post.kind == PostKind.GROUP else [rng.choice(members[g.pk])]
        links += [PostChild(post=post, child=c, activity_date=post.activity_date) for c in named]
        goal_links += [PostGoal(post=post, goal=goal) for goal in rng.sample(goals, rng.randint(0, 3))]
    PostChild.objects.bulk_create(links, batch_size=5000)
    PostGoal.objects.bulk_create(goal_links, batch_size=5000)
    print(f"\n{len(children)} children, {len(posts)} posts, {len(links)} post-child rows, {len(goal_links)} goal links")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load; plans need statistics
    client = signed_in(cast.principal)
    period = f"?start={start.isoformat()}&end={day.isoformat()}"
    for name, url in [
        ("unit (year)", reverse("curriculum:unit_coverage", args=[unit.uuid]) + period),
        ("group (year)", reverse("curriculum:group_coverage", args=[groups[0].uuid]) + period),
        ("group (term)", reverse("curriculum:group_coverage", args=[groups[0].uuid])),
        ("child (year)", reverse("curriculum:child_coverage", args=[children[0].uuid]) + period),
        ("unit CSV (year)", reverse("curriculum:unit_coverage", args=[unit.uuid]) + period + "&format=csv"),
    ]:
        client.get(url)
        timings = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - t0)
            assert response.status_code == 200
        print(f"{name:16s} median {sorted(timings)[1] * 1000:7.0f} ms, {len(ctx.captured_queries)} queries")
