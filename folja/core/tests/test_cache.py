"""The shared Redis cache (FOLJA_CACHE_URL) against the machine's Redis, as production runs it."""

from __future__ import annotations

import socket
import uuid

import pytest

from folja.core.cache import RedisCache

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


def test_values_round_trip_and_one_client_serves_every_operation(redis_cache):
    redis_cache.set_many({"a": "<p>ett</p>", "b": [("key", "label")]}, 60)
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": "<p>ett</p>", "b": [("key", "label")]}
    redis_cache.delete("a")
    assert redis_cache.get("a") is None
    clients = {id(redis_cache._cache.get_client(write=True)) for _ in range(3)}
    assert len(clients) == 1
