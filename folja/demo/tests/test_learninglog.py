"""The demo learning log: realistic content that links to real Lpfö 18 goals."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from folja.demo.builder import build_world
from folja.demo.learninglog import GROUP_ACTIVITIES, INDIVIDUAL_ACTIVITIES, build_learning_log
from folja.learninglog.models import Comment, Post, PostGoal
from folja.media.models import Media, Rendition


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
