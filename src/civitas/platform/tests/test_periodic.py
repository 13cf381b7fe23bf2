"""Periodic jobs: read from the wiring module's PERIODIC_JOBS table, run by every worker."""

import logging
import sys
import threading
import types

import pytest
from django.core.exceptions import ImproperlyConfigured

from civitas.platform.checks import check_wiring
from civitas.platform.periodic import (
    PeriodicJob,
    periodic_jobs,
    run_periodic_jobs_once,
    start_periodic_thread,
)


@pytest.fixture
def wiring(settings, monkeypatch) -> types.ModuleType:
    """A wiring module of the test's own, named by CIVITAS_WIRING."""
    module = types.ModuleType("wiring_under_test")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.CIVITAS_WIRING = module.__name__
    return module


def test_the_jobs_of_the_table_run_in_its_order_and_one_failing_stops_none(wiring, caplog):
    ran = []

    def fail() -> None:
        ran.append("fail")
        raise RuntimeError("boom")

    wiring.PERIODIC_JOBS = [
        PeriodicJob("first", lambda: ran.append("first"), every_seconds=1),
        PeriodicJob("failing", fail, every_seconds=1),
        PeriodicJob("last", lambda: ran.append("last"), every_seconds=1),
    ]
    with caplog.at_level(logging.ERROR):
        run_periodic_jobs_once()
    assert ran == ["first", "fail", "last"]
    assert "periodic job failing failed" in caplog.text


def test_the_thread_runs_the_table_and_the_workers_own_jobs_each_at_its_rate(wiring):
    runs = {"rare": 0, "often": 0, "heartbeat": 0}
    heartbeat_twice = threading.Event()

    def beat() -> None:
        runs["heartbeat"] += 1
        if runs["heartbeat"] >= 2:
            heartbeat_twice.set()

    wiring.PERIODIC_JOBS = [
        PeriodicJob("rare", lambda: runs.__setitem__("rare", runs["rare"] + 1), 3600),
        PeriodicJob("often", lambda: runs.__setitem__("often", runs["often"] + 1), 0.01),
    ]
    stop = threading.Event()
    thread = start_periodic_thread(
        stop, extra_jobs=[PeriodicJob("heartbeat", beat, every_seconds=0.01)]
    )
    try:
        assert heartbeat_twice.wait(timeout=10)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert runs["rare"] == 1
    assert runs["often"] >= 2


def test_a_workers_own_job_may_not_take_a_name_from_the_table(wiring):
    wiring.PERIODIC_JOBS = [PeriodicJob("sweep", lambda: None, every_seconds=1)]
    with pytest.raises(ImproperlyConfigured, match="'sweep' is listed twice"):
        start_periodic_thread(
            threading.Event(), extra_jobs=[PeriodicJob("sweep", lambda: None, every_seconds=1)]
        )


@pytest.mark.parametrize(
    ("table", "error"),
    [
        (
            [PeriodicJob("a", print, 1), PeriodicJob("a", print, 2)],
            r"wiring_under_test.PERIODIC_JOBS: 'a' is listed twice",
        ),
        ([("a", print, 1)], r"PERIODIC_JOBS: \('a', .*\) is not a PeriodicJob"),
        ("a", r"PERIODIC_JOBS must be a list or tuple"),
    ],
)
def test_a_bad_table_is_reported_by_name(wiring, table, error):
    wiring.PERIODIC_JOBS = table
    with pytest.raises(ImproperlyConfigured, match=error):
        periodic_jobs()
    assert [problem.id for problem in check_wiring()] == ["platform.E001"]


def test_a_wiring_module_that_cannot_be_imported_is_reported(settings):
    settings.CIVITAS_WIRING = "civitas.no_such_wiring"
    with pytest.raises(ImproperlyConfigured, match="CIVITAS_WIRING: cannot import"):
        periodic_jobs()
    assert len(check_wiring()) == 2  # the jobs and the health checks


def test_without_a_wiring_module_the_kernel_runs_nothing_of_the_domains(settings, wiring):
    assert periodic_jobs() == []  # a wiring module without the table
    settings.CIVITAS_WIRING = None
    assert periodic_jobs() == []
