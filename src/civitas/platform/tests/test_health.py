"""/healthz: each part with its own status; 503 only when the platform is failing its
promises, 200 "degraded" when it is absorbing a dependency's failure."""

import datetime
import sys
import types

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from civitas.platform.health import HealthPart, HealthResult, health_parts
from civitas.platform.heartbeat import record_heartbeat
from civitas.platform.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_says_no_worker_is_running_when_none_has_ever_recorded_a_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["worker"] == {"status": "none", "live": 0}


def test_healthz_says_the_worker_is_stale_when_its_heartbeat_stopped(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 60
    record_heartbeat(worker_id="host-41")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - datetime.timedelta(seconds=300))
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["status"] == "stale"
    assert worker["live"] == 0
    assert 300 <= worker["last_beat_seconds_ago"] < 320


def test_healthz_counts_the_workers_whose_heartbeat_is_fresh(client):
    record_heartbeat(worker_id="host-41")
    record_heartbeat(worker_id="host-42")
    record_heartbeat(worker_id="host-42")  # a second beat updates the same row
    WorkerHeartbeat.objects.filter(worker_id="host-41").update(
        beat_at=timezone.now() - datetime.timedelta(hours=1)
    )
    response = client.get("/healthz")
    assert response.json()["worker"]["status"] == "ok"
    assert response.json()["worker"]["live"] == 1
    assert response.json()["worker"]["last_beat_seconds_ago"] < 5


def test_a_worker_starting_clears_away_workers_silent_for_a_day():
    record_heartbeat(worker_id="long-gone")
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - datetime.timedelta(days=2))
    record_heartbeat(worker_id="new")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new"]


def test_redis_down_is_reported_as_degraded_not_unhealthy(client, settings, smtp_inbox):
    # Submissions are still stored and sessions read from the database; the outbox sweep
    # queues the emails once Redis is back.
    record_heartbeat(worker_id="host-41")
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["queue"] == {"status": "down"}
    assert response.json()["database"] == {"status": "ok"}


@pytest.fixture
def wiring(settings, monkeypatch) -> types.ModuleType:
    """A wiring module of the test's own, named by CIVITAS_WIRING."""
    module = types.ModuleType("wiring_under_test")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.CIVITAS_WIRING = module.__name__
    return module


def test_healthz_reports_the_parts_of_the_wiring_table_in_its_order(client, wiring):
    def broken() -> str:
        raise RuntimeError("no answer")

    wiring.HEALTH_CHECKS = [
        HealthPart("relay", lambda: HealthResult("down", {"error": "Timeout"}), critical=False),
        HealthPart("archive", broken, critical=False),
        HealthPart("index", lambda: "ok"),
    ]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert list(response.json()) == ["status", "database", "queue", "relay", "archive", "index"]
    assert response.json()["status"] == "degraded"
    assert response.json()["relay"] == {"status": "down", "error": "Timeout"}
    assert response.json()["archive"] == {"status": "down"}


def test_a_critical_part_of_the_wiring_table_not_ok_makes_healthz_unhealthy(client, wiring):
    wiring.HEALTH_CHECKS = [HealthPart("index", lambda: "behind")]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["index"] == {"status": "behind"}


def test_the_wiring_table_cannot_replace_a_built_in_part(wiring):
    wiring.HEALTH_CHECKS = [HealthPart("database", lambda: "ok")]
    with pytest.raises(ImproperlyConfigured, match=r"\['database'\] are built in"):
        health_parts()
