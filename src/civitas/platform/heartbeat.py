"""Worker heartbeats: every `civitas worker` records that it is alive, so the health check
can say whether any worker is running, and since when none has been."""

import datetime

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from civitas.platform.health import HealthResult
from civitas.platform.models import WorkerHeartbeat

# A worker that has been silent this long has gone for good: its row is cleared away.
FORGET_AFTER = datetime.timedelta(days=1)


def record_heartbeat(*, worker_id: str) -> None:
    now = timezone.now()
    if WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now):
        return
    WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=now, beat_at=now)
    # Only when a worker starts: a crashed worker's row stays meanwhile, so that "stale"
    # keeps saying when a worker was last seen.
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def check_workers() -> HealthResult:
    """ "ok" while a worker has beaten within WORKER_HEARTBEAT_STALE_SECONDS; "stale" when
    workers have run but none has beaten lately; "none" when no worker has ever run here."""
    now = timezone.now()
    fresh_since = now - datetime.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    summary = WorkerHeartbeat.objects.aggregate(
        last_beat=Max("beat_at"), live=Count("worker_id", filter=Q(beat_at__gte=fresh_since))
    )
    if summary["last_beat"] is None:
        return HealthResult("none", {"live": 0})
    seconds_since = max(0, int((now - summary["last_beat"]).total_seconds()))
    return HealthResult(
        "ok" if summary["live"] else "stale",
        {"live": summary["live"], "last_beat_seconds_ago": seconds_since},
    )
