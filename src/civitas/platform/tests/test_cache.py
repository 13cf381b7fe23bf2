"""The Redis cache keeps one client per connection pool, and still works as a cache."""

import os

from civitas.platform.cache import RedisCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_the_redis_cache_reuses_its_client_and_stores_values():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "cache-test"})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("answer", "forty-two", 10)
    assert cache.get("answer") == "forty-two"
    cache.delete("answer")
    assert cache.get("answer") is None
