"""Health checks: each component registers one; /healthz runs them all."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection

HealthCheck = Callable[[], str]
"""Returns "ok" or a short word for what is wrong; may raise, which counts as "down"."""

_checks: dict[str, HealthCheck] = {}


def register_health_check(name: str, check: HealthCheck) -> None:
    _checks[name] = check


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_queue() -> str:
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        return "ok"
    # The database-backed queue is healthy when its table answers.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.only("id").first()
    return "ok"


def run_health_checks() -> dict[str, str]:
    results = {}
    for name, check in {"database": check_database, "queue": check_queue, **_checks}.items():
        try:
            results[name] = check()
        except Exception:
            results[name] = "down"
    return results
