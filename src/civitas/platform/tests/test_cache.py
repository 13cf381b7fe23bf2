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


def test_the_task_queues_share_the_caches_connections_instead_of_one_per_job(settings):
    import django_rq
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "civitas.platform.cache.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.RQ_QUEUES = {
        name: {"USE_REDIS_CACHE": "default", "DEFAULT_TIMEOUT": 300}
        for name in settings.TASK_QUEUES
    }
    shared = caches["default"].get_master_client()
    queues = [django_rq.get_queue("email") for _ in range(3)]
    assert all(queue.connection is shared for queue in queues)
    queues[0].connection.ping()
    pool = shared.connection_pool
    for queue in queues:
        queue.connection.ping()
    # One pooled connection served every queue: none was opened for each.
    assert len(pool._available_connections) + len(pool._in_use_connections) == 1
