"""The demo learning log: realistic content that links to real Lpfö 18 goals in preschool and
Lgr22 goals in förskoleklass and the school years, and talks on the template of each school form."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from folja.core.dates import today
from folja.curriculum import offer
from folja.demo.builder import build_world
from folja.demo.learninglog import GROUP_ACTIVITIES, INDIVIDUAL_ACTIVITIES, build_learning_log
from folja.demo.school_activities import (
    FKLASS_GROUP_ACTIVITIES,
    FKLASS_INDIVIDUAL_ACTIVITIES,
    SCHOOL_GROUP_ACTIVITIES,
    SCHOOL_INDIVIDUAL_ACTIVITIES,
)
from folja.demo.talks import build_demo_talks
from folja.directory.models import SchoolType
from folja.learninglog import coverage
from folja.learninglog.coverage import Period
from folja.learninglog.models import Comment, Post, PostGoal
from folja.media.models import Media, Rendition
from folja.talks.models import Talk
from folja.talks.templates import built_ins


def test_every_goal_key_of_the_demo_activities_exists_in_lpfo18() -> None:
    data = json.loads((settings.FOLJA_CURRICULUM_DIR / "lpfo18.json").read_text(encoding="utf-8"))
    ids = {goal["id"] for goal in data["goals"]}
    used = {key for activity in (*GROUP_ACTIVITIES, *INDIVIDUAL_ACTIVITIES) for key in activity.goals}
    assert used - ids == set()


@pytest.mark.django_db
def test_the_demo_world_gets_months_of_posts_with_goals_pictures_and_comments() -> None:
    world = build_world(children=30, seed=3)
    build_learning_log(world, seed=3)
    posts = Post.objects.all()
    assert posts.count() > 50
    assert posts.dates("activity_date", "month").count() >= 5
    assert PostGoal.objects.count() >= posts.count()  # every activity links at least one goal
    assert Media.objects.filter(status="ready").exists()
    assert Rendition.objects.filter(name="320").count() == Media.objects.count()
    assert Comment.objects.filter(author_role="guardian").exists()


def test_every_goal_key_of_the_school_activities_exists_in_lgr22_for_its_school_type() -> None:
    data = json.loads((settings.FOLJA_CURRICULUM_DIR / "lgr22.json").read_text(encoding="utf-8"))
    area_of = {goal["id"]: goal["area_code"] for goal in data["goals"]}
    for activities, areas in (
        ((*FKLASS_GROUP_ACTIVITIES, *FKLASS_INDIVIDUAL_ACTIVITIES), {"2.1", "3"}),
        ((*SCHOOL_GROUP_ACTIVITIES, *SCHOOL_INDIVIDUAL_ACTIVITIES), {"2.1"}),
    ):
        used = {key for activity in activities for key in activity.goals}
        assert used <= set(area_of), used - set(area_of)
        assert {area_of[key] for key in used} <= areas


@pytest.mark.django_db
def test_the_demo_forskoleklass_and_school_units_document_against_lgr22_and_hold_talks_on_their_templates() -> None:
    world = build_world(children=60, seed=5)
    build_learning_log(world, seed=5)
    build_demo_talks(world, seed=5)
    links = PostGoal.objects.select_related("goal__curriculum", "goal__area", "post__group")
    by_type: dict[str, set[str]] = {}
    for link in links:
        by_type.setdefault(link.post.group.school_type if link.post.group else "", set()).add(link.goal.curriculum.code)
    assert by_type[SchoolType.FS] == {"LPFO18"}
    assert by_type[SchoolType.FKLASS] == {"LGR22"}
    assert by_type[SchoolType.GR] == {"LGR22"}
    # Every post at a school unit links only goals its group's school type is offered.
    for link in links.filter(post__group__school_type__in=[SchoolType.FKLASS, SchoolType.GR]):
        assert offer.serves(link.goal.curriculum, link.goal.area, [link.post.group.school_type])
    # Coverage shows them: the school unit's förskoleklass group has Lgr22 goals with posts.
    fklass_group = next(g for g in world.groups if g.school_type == SchoolType.FKLASS)
    scope = Post.objects.filter(group=fklass_group, status="published")
    counts = coverage.coverage(scope, Period(scope.earliest("activity_date").activity_date, today()))
    assert any(key.startswith("lgr22-3-") and n for (key, _month), n in counts.goal_months.items())
    # Talks use the template of the group's school type.
    templates = {
        (t.group.school_type, t.template_version.template.name)
        for t in Talk.objects.select_related("group", "template_version__template")
    }
    assert (SchoolType.FKLASS, built_ins()[SchoolType.FKLASS].name) in templates
    assert (SchoolType.GR, built_ins()[SchoolType.GR].name) in templates
    assert (SchoolType.FS, built_ins()[SchoolType.FS].name) in templates
    assert all(name == built_ins()[school_type].name for school_type, name in templates)
