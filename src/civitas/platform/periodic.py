"""Periodic jobs that every worker runs beside its queue: sweeps that make delivery
at-least-once, batch integrations and the like. They must be safe to run concurrently
in several workers (each takes row locks or uses idempotent updates).
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

# A process forked while this thread is in the middle of a query inherits whatever the
# database driver held locked at that instant, and can wait on it for ever: with SQLite, a
# job's first query hung. RQ forks a process for every job, so a fork waits for the
# current round of periodic jobs to end (rounds take milliseconds).
_round_lock = threading.Lock()
os.register_at_fork(
    before=_round_lock.acquire,
    after_in_parent=_round_lock.release,
    after_in_child=_round_lock.release,
)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every_seconds: float


_jobs: dict[str, PeriodicJob] = {}


def register_periodic_job(name: str, run: Callable[[], object], *, every_seconds: float) -> None:
    _jobs[name] = PeriodicJob(name, run, every_seconds)


def run_periodic_jobs_once() -> None:
    for job in _jobs.values():
        _run(job)


def _run(job: PeriodicJob) -> None:
    try:
        job.run()
    except Exception:
        logger.exception("periodic job %s failed", job.name)


def start_periodic_thread(stop: threading.Event, *, scale: float = 1.0) -> threading.Thread:
    """Runs each job every `every_seconds * scale` until `stop` is set."""

    def loop() -> None:
        next_run = dict.fromkeys(_jobs, 0.0)
        while not stop.is_set():
            now = time.monotonic()
            try:
                with _round_lock:
                    close_old_connections()
                    for name, job in _jobs.items():
                        if now >= next_run[name]:
                            _run(job)
                            next_run[name] = now + job.every_seconds * scale
                    connection.close()
            except Exception:
                # The sweeps must outlive any outage (the database restarting, say): a dead
                # thread would leave the worker running but sending nothing.
                logger.exception("periodic jobs interrupted")
            stop.wait(0.2)

    thread = threading.Thread(target=loop, name="civitas-periodic", daemon=True)
    thread.start()
    return thread
