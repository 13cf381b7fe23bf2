"""Health checks: each component registers one; /healthz runs them all.

Each part reports its own status. A part is critical when, while it is not "ok", the
platform fails its promises until someone acts (the database, the transparency log, no
live worker, emails waiting too long): /healthz then answers 503 "unhealthy". The other
parts are dependencies whose failures the platform absorbs for a while (Redis: sessions
come from the database and the outbox sweep queues emails again; SMTP: emails are
retried): /healthz answers 200 "degraded", and if the failure lasts, a critical part
(emails waiting) turns it to 503.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class HealthResult:
    status: str
    """ "ok", or a short word for what is wrong."""
    details: Mapping[str, int | str] = field(default_factory=dict)
    """Numbers worth watching, such as an age in seconds. Never personal data."""


HealthCheck = Callable[[], "str | HealthResult"]
"""Returns "ok", a short word for what is wrong, or a HealthResult; may raise, which counts
as "down". It runs on every poll of /healthz: keep it to one cheap query or a cached probe."""


@dataclass(frozen=True)
class _Registered:
    check: HealthCheck
    critical: bool


_checks: dict[str, _Registered] = {}


def register_health_check(name: str, check: HealthCheck, *, critical: bool = True) -> None:
    """Adds a part to /healthz. `critical`: whether it failing makes /healthz answer 503."""
    _checks[name] = _Registered(check, critical)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_queue() -> str:
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return "ok"
    # The database-backed queue is healthy when its table answers.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.only("id").first()
    return "ok"


_BUILT_IN = {
    "database": _Registered(check_database, critical=True),
    # Redis down delays emails and moves sessions to the database; nothing is lost.
    "queue": _Registered(check_queue, critical=False),
}


@dataclass(frozen=True)
class HealthReport:
    parts: dict[str, HealthResult]
    unhealthy: bool

    @property
    def status(self) -> str:
        if self.unhealthy:
            return "unhealthy"
        if any(result.status != "ok" for result in self.parts.values()):
            return "degraded"
        return "ok"

    @property
    def http_status(self) -> int:
        return 503 if self.unhealthy else 200

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            **{
                name: {"status": result.status, **result.details}
                for name, result in self.parts.items()
            },
        }


def run_health_checks() -> HealthReport:
    parts: dict[str, HealthResult] = {}
    unhealthy = False
    for name, registered in {**_BUILT_IN, **_checks}.items():
        try:
            result = registered.check()
        except Exception:
            result = "down"
        if isinstance(result, str):
            result = HealthResult(result)
        parts[name] = result
        if registered.critical and result.status != "ok":
            unhealthy = True
    return HealthReport(parts=parts, unhealthy=unhealthy)
