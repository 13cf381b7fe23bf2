"""Periodic jobs that every worker runs beside its queue: sweeps that make delivery
at-least-once, batch integrations and the like. They must be safe to run concurrently
in several workers (each takes row locks or uses idempotent updates).

The jobs are listed in the PERIODIC_JOBS table of the wiring module (`civitas.wiring`,
named by the CIVITAS_WIRING setting); the worker adds its own heartbeat.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection

from civitas.platform.composition import read_table

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


# Held by a worker loop while it uses the database or a connection, for the same reason.
_loop_lock = threading.Lock()
os.register_at_fork(
    before=_loop_lock.acquire,
    after_in_parent=_loop_lock.release,
    after_in_child=_loop_lock.release,
)


@dataclass(frozen=True)
class WorkerLoop:
    """A loop every worker runs in a thread of its own until the worker stops (the
    message dispatcher). `run(stop, fork_lock)` holds `fork_lock` while it does work, and
    returns once `stop` is set."""

    name: str
    run: Callable[[threading.Event, threading.Lock], None]


def start_worker_loops(stop: threading.Event) -> list[threading.Thread]:
    """Starts each loop of the wiring module's WORKER_LOOPS table in a thread."""
    threads = []
    for loop in read_table("WORKER_LOOPS", WorkerLoop):
        thread = threading.Thread(
            target=loop.run, args=(stop, _loop_lock), name=f"civitas-{loop.name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every_seconds: float


def periodic_jobs() -> list[PeriodicJob]:
    """The jobs of the wiring module's PERIODIC_JOBS table."""
    return read_table("PERIODIC_JOBS", PeriodicJob)


def run_periodic_jobs_once() -> None:
    for job in periodic_jobs():
        _run(job)


def _run(job: PeriodicJob) -> None:
    try:
        job.run()
    except Exception:
        logger.exception("periodic job %s failed", job.name)


def start_periodic_thread(
    stop: threading.Event, *, extra_jobs: Sequence[PeriodicJob] = (), scale: float = 1.0
) -> threading.Thread:
    """Runs each job, the table's and then `extra_jobs` (what belongs to this process, such
    as its heartbeat), every `every_seconds * scale` until `stop` is set.

    The jobs are read before the thread starts, so that a wiring module that cannot be read
    stops the caller rather than the thread.
    """
    jobs = {job.name: job for job in periodic_jobs()}
    for job in extra_jobs:
        if job.name in jobs:
            raise ImproperlyConfigured(f"periodic job {job.name!r} is listed twice")
        jobs[job.name] = job

    def loop() -> None:
        next_run = dict.fromkeys(jobs, 0.0)
        while not stop.is_set():
            now = time.monotonic()
            try:
                with _round_lock:
                    close_old_connections()
                    for name, job in jobs.items():
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
