"""The shared cache (FOLJA_CACHE_URL): Django's Redis backend that carries on without Redis.

Everything Följa keeps in this cache can be rebuilt: sessions are written through to the
database (`cached_db`), post cards are rendered again, rate-limit counters start again. So when
Redis is gone (stopped, restarting, unreachable) a read is a miss and a write is skipped, with a
warning in the log, instead of an error page; the next call tries Redis again, so the cache is
used again as soon as Redis answers. What this costs while Redis is away (docs/operations.md,
"Faults"): the sign-in rate limits count from zero on every attempt (they hold again when Redis
is back), and staff SSO sign-ins are refused, since an assertion's replay check cannot be made.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
# Without these a Redis host that drops packets would hold each request for the OS's TCP timeout.
DEFAULT_SOCKET_SECONDS = 0.5
WARN_EVERY_SECONDS = 60.0


class FailSoftRedisCache(RedisCache):
    """RedisCache whose calls answer as an empty cache while Redis does not answer."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_SECONDS)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._warned_at = 0.0

    def _unavailable(self, operation: str) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:  # one line a minute, not one per call
            self._warned_at = now
            logger.warning("the cache (Redis) does not answer: %s carried on without it", operation, exc_info=True)

    def get(self, key, default=None, version=None):  # noqa: ANN001, ANN201
        try:
            return super().get(key, default, version)
        except UNAVAILABLE:
            self._unavailable("get")
            return default

    def get_many(self, keys, version=None):  # noqa: ANN001, ANN201
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE:
            self._unavailable("get_many")
            return {}

    def has_key(self, key, version=None):  # noqa: ANN001, ANN201
        try:
            return super().has_key(key, version)
        except UNAVAILABLE:
            self._unavailable("has_key")
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: ANN001, ANN201
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE:
            self._unavailable("add")
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: ANN001, ANN201
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE:
            self._unavailable("set")

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: ANN001, ANN201
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE:
            self._unavailable("set_many")
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: ANN001, ANN201
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE:
            self._unavailable("touch")
            return False

    def delete(self, key, version=None):  # noqa: ANN001, ANN201
        try:
            return super().delete(key, version)
        except UNAVAILABLE:
            self._unavailable("delete")
            return False

    def delete_many(self, keys, version=None):  # noqa: ANN001, ANN201
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE:
            self._unavailable("delete_many")

    def incr(self, key, delta=1, version=None):  # noqa: ANN001, ANN201
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE:
            self._unavailable("incr")
            raise ValueError("Key not found (the cache does not answer)") from None

    def clear(self):  # noqa: ANN201
        try:
            return super().clear()
        except UNAVAILABLE:
            self._unavailable("clear")
            return False
