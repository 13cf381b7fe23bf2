"""Health checks: the database, the queue, and the parts listed in the HEALTH_CHECKS table
of the wiring module (`civitas.wiring`, named by the CIVITAS_WIRING setting); /healthz
runs them all.

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
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from civitas.platform.composition import read_table


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
class HealthPart:
    """A part of /healthz, under `name`."""

    name: str
    check: HealthCheck
    critical: bool = True
    """Whether it not being "ok" makes /healthz answer 503."""


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


_BUILT_IN = (
    HealthPart("database", check_database),
    # Redis down delays emails and moves sessions to the database; nothing is lost.
    HealthPart("queue", check_queue, critical=False),
)


def health_parts() -> list[HealthPart]:
    """The kernel's own parts, then those of the wiring module's HEALTH_CHECKS table."""
    wired = read_table("HEALTH_CHECKS", HealthPart)
    clashes = {part.name for part in wired} & {part.name for part in _BUILT_IN}
    if clashes:
        raise ImproperlyConfigured(f"HEALTH_CHECKS: {sorted(clashes)} are built in")
    return [*_BUILT_IN, *wired]


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
    for part in health_parts():
        try:
            result = part.check()
        except Exception:
            result = "down"
        if isinstance(result, str):
            result = HealthResult(result)
        parts[part.name] = result
        if part.critical and result.status != "ok":
            unhealthy = True
    return HealthReport(parts=parts, unhealthy=unhealthy)
