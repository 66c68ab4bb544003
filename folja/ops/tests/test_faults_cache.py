"""Faults: Redis (the shared cache, FOLJA_CACHE_URL) gone and back.

A Redis server of the test's own on a free port (never the machine's shared one) is stopped in
the middle: pages keep working from the database, signing out works, and the cache is used again
by itself once Redis answers. docs/operations.md, "Faults", has the results.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse

from folja.access.roles import Role
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
    pytest.mark.django_db,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class OwnRedis:
    """A redis-server without persistence on loopback that the test starts and stops."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if _answers(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(_free_port())
    server.start()
    yield server
    server.stop()


def test_pages_work_without_redis_and_the_cache_is_used_again_when_it_is_back(settings, own_redis):  # noqa: ANN001
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "folja.core.cache.FailSoftRedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0",
            "KEY_PREFIX": "drill",
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.FOLJA_CARD_CACHE = True
    cast = build_cast()
    anna = signed_in(cast.anna, Role.GUARDIAN)
    teacher = signed_in(cast.teacher_blue, Role.STAFF)
    home = reverse("core:home")
    assert anna.get(home).status_code == 200
    cache.set("probe", 1)
    assert cache.get("probe") == 1  # Redis is in use

    own_redis.stop()
    assert not _answers(own_redis.port)

    # Sessions come from the database, cards are rendered anew: the same pages, no error.
    first = anna.get(home)
    assert first.status_code == 200 and "Något gick fel" not in first.content.decode()
    assert teacher.get(home).status_code == 200
    post = cast.posts["alva_individual"]
    assert anna.get(reverse("learninglog:post", args=[post.uuid])).status_code == 200
    assert cache.get("probe") is None  # a miss, not an error
    # Signing out works too: the session is deleted from the database.
    signed_out = teacher.post(reverse("accounts:logout"))
    assert signed_out.status_code == 302
    assert teacher.get(home).status_code in (302, 200) and "_auth_user_id" not in teacher.session

    # Redis is back (empty, as a restarted Redis without persistence is): used again by itself.
    own_redis.start()
    assert anna.get(home).status_code == 200
    cache.set("probe", 2)
    assert cache.get("probe") == 2
