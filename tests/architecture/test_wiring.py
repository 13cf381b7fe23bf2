"""The wiring module (`civitas.wiring`): every job and every part of /healthz it lists
can be found and run, each under a name of its own."""

import pytest

from civitas import wiring
from civitas.platform.checks import check_wiring
from civitas.platform.composition import read_table
from civitas.platform.health import HealthPart, health_parts
from civitas.platform.periodic import PeriodicJob, WorkerLoop, periodic_jobs


def test_the_settings_name_this_wiring_module(settings):
    assert wiring.__name__ == settings.CIVITAS_WIRING
    assert check_wiring() == []


def test_every_periodic_job_resolves_under_a_name_of_its_own():
    jobs = periodic_jobs()
    assert jobs == list(wiring.PERIODIC_JOBS)
    assert all(isinstance(job, PeriodicJob) for job in jobs)
    assert all(callable(job.run) and job.every_seconds > 0 for job in jobs)
    names = [job.name for job in jobs]
    assert len(names) == len(set(names))
    assert set(names) >= {
        "platform.delete_ended_rate_limit_windows",
        "ledger.integrate_pending",
    }


def test_every_worker_loop_resolves_under_a_name_of_its_own():
    loops = read_table("WORKER_LOOPS", WorkerLoop)
    assert [loop.name for loop in loops] == [
        "notify.dispatcher",
        "pay.poller",
        "ledger.witness_pusher",
    ]
    assert all(callable(loop.run) for loop in loops)


def test_every_health_check_resolves_under_a_name_of_its_own():
    parts = health_parts()
    assert parts[2:] == list(wiring.HEALTH_CHECKS)
    assert all(isinstance(part, HealthPart) for part in parts)
    assert all(callable(part.check) and isinstance(part.critical, bool) for part in parts)
    names = [part.name for part in parts]
    assert len(names) == len(set(names))
    critical = {part.name: part.critical for part in parts}
    assert critical == {
        "database": True,
        "queue": False,
        "worker": True,
        "messages": True,
        "smtp": False,
        "print_outbox": False,
        "payments": False,
        "ledger": True,
        "ledger_witnesses": False,
        "accepted_applications": False,
        "virus_scanner": False,
    }


@pytest.mark.django_db
def test_healthz_reports_every_part_of_the_table(client):
    response = client.get("/healthz")
    assert set(response.json()) == {"status", *(part.name for part in health_parts())}


def test_expired_saved_journeys_are_deleted_by_every_worker():
    from civitas.journeys.public import delete_expired_saved_journeys

    assert delete_expired_saved_journeys in [job.run for job in wiring.PERIODIC_JOBS]
