"""Django's Redis cache, with one Redis client per connection pool instead of per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` on every cache call, and
each one fills a table of about 170 response callbacks: some 60 µs a call, paid on every
page with a session (a measurable share of a question page). A `redis.Redis` is safe to
share between threads over its pool, so one per pool is built and kept.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient

    def get_master_client(self) -> Any:
        """The cache's shared client, which django-rq takes for a queue configured with
        `USE_REDIS_CACHE`. Configured with a URL instead, django-rq builds a new client, a
        new pool and so a new TCP connection (with its CLIENT SETINFO, which reads the
        package's metadata from disk) for every job enqueued: a third of a submission's
        time went there."""
        return self._cache.get_client(write=True)
