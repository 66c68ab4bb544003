"""Django's Redis cache with one client per connection pool instead of one per operation."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    """Reuse the `redis.Redis` object of a pool: building one sets up ~170 response callbacks,
    and a list page asks the cache several times (session, fragments, terms, goal choices)."""

    def get_client(self, key=None, *, write=False):  # noqa: ANN001, ANN201 - Django's signature
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
