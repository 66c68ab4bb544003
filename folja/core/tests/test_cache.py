"""The shared Redis cache (FOLJA_CACHE_URL, Django's own backend) against the machine's Redis."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/5"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache() -> RedisCache:
    if not redis_answers():
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    return RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_values_round_trip(redis_cache):
    redis_cache.set_many({"a": "<p>ett</p>", "b": [("key", "label")]}, 60)
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": "<p>ett</p>", "b": [("key", "label")]}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


@pytest.mark.django_db(transaction=True)
def test_post_cards_in_redis_hold_no_name_and_leave_it_when_a_child_is_sealed():
    """The cards' cache as production runs it (docs/access.md, "Post cards in the cache, names never")."""
    if not redis_answers():
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    from django.core.cache import caches
    from django.test import override_settings
    from django.utils import translation

    from folja.access import memo
    from folja.access.roles import Role, Viewer
    from folja.directory.actions import person_seal
    from folja.learninglog import access as post_policy
    from folja.learninglog.models import Post
    from folja.pages import listing
    from folja.testing.cast import build_cast

    shared = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    # The cards are cached per language: read them in Swedish whatever an earlier test in this
    # worker left active.
    with override_settings(CACHES=shared, FOLJA_CARD_CACHE=True), translation.override("sv"):
        cache = caches["default"]
        cast = build_cast()
        anna = Viewer(cast.anna, Role.GUARDIAN)
        post = Post.objects.filter(post_children__child=cast.alva, kind="group").first()
        keys = [f"card:sv:{post.pk}:0"]

        def card() -> str:
            with memo.request_scope():
                rows = listing.post_listing(anna, post_policy.visible_posts(anna).filter(pk=post.pk), limit=1)
                listing.render_fragments(rows)
            return rows[0].html

        first = card()
        assert cast.alva.full_name in first
        [(_digest, markup)] = cache.get_many(keys).values()
        assert cast.alva.given_name not in markup and post.title in markup
        assert card() == first  # from the cache, the name filled in again
        person_seal(person=cast.alva, reason="test", source="test")  # commits: transaction=True
        assert cache.get_many(keys) == {}
        cache.delete_many(keys)
