"""`civitas worker`: runs queued jobs and the periodic sweeps.

With the embedded default the queue is a database table; with REDIS_URL it is RQ.
"""

import logging
import os
import signal
import socket
import threading
import time
from types import FrameType
from typing import Any, cast

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from rq import Worker
from rq.exceptions import StopRequested

from civitas.platform.heartbeat import record_heartbeat
from civitas.platform.periodic import PeriodicJob, start_periodic_thread, start_worker_loops

logger = logging.getLogger(__name__)

# Back-off between attempts to start RQ again while Redis is away.
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 30.0
# A worker that ran this long before losing Redis starts again from the first back-off.
RECONNECT_RESET_AFTER_SECONDS = 60.0


class RQWorker(Worker):
    """RQ's worker, which also says whether it stopped because it was asked to."""

    # RQ waits up to this long between tries while Redis is down (its default is 60 s):
    # emails should go soon after Redis returns.
    max_connection_wait_time = 10.0
    stopped_on_request = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopped_on_request = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]


class Command(BaseCommand):
    help = "Run background jobs, message delivery and the periodic sweeps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=0.2, help="seconds to wait when the queue is empty"
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = threading.Event()
        # Cut the host name, not the pid, so two workers on one host never share an id.
        worker_id = f"{socket.gethostname()[:50]}-{os.getpid()}"
        heartbeat = PeriodicJob(
            "platform.worker_heartbeat",
            lambda: record_heartbeat(worker_id=worker_id),
            every_seconds=settings.WORKER_HEARTBEAT_SECONDS,
        )
        start_periodic_thread(stop, extra_jobs=[heartbeat])
        start_worker_loops(stop)
        try:
            if settings.REDIS_URL:
                _work_on_redis(stop)
            else:
                from django_tasks_db.management.commands.db_worker import Worker as DBWorker

                worker = DBWorker(
                    queue_names=["*"],
                    interval=interval,
                    batch=False,
                    backend_name="default",
                    startup_delay=False,
                    max_tasks=None,
                    worker_id=worker_id,
                    excluded_queue_names=[],
                )
                worker.configure_signals()
                worker.run()
        finally:
            stop.set()


def _work_on_redis(stop: threading.Event) -> None:
    """Runs RQ until the process is asked to stop.

    RQ waits out a Redis outage only while it is idle: one that starts mid-job, or before
    RQ starts, makes it quit. Emails must not stop with it, so RQ is started again with
    back-off, while the periodic sweeps (which need only the database) carry on and the
    heartbeat shows the worker alive.
    """
    from django_rq.workers import get_worker

    delay = RECONNECT_FIRST_SECONDS
    try:
        while not stop.is_set():
            worker: RQWorker | None = None
            started = time.monotonic()
            try:
                worker = cast(
                    RQWorker,
                    get_worker(
                        *settings.TASK_QUEUES,
                        worker_class=RQWorker,
                        # RQ must run jobs through the task backend's job class.
                        job_class="django_tasks_rq.backend.Job",
                    ),
                )
                # Jobs run in forked processes, which must not share the parent's connections.
                connections.close_all()
                worker.work(with_scheduler=True, logging_level="INFO")
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("job queue unreachable (%s)", type(error).__name__)
            if worker is not None:
                if worker.stopped_on_request:
                    return
                _let_go(worker)
            if time.monotonic() - started > RECONNECT_RESET_AFTER_SECONDS:
                delay = RECONNECT_FIRST_SECONDS
            logger.warning("starting the job queue worker again in %.0f s", delay)
            _stop_on_signal()
            stop.wait(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)
    except StopRequested:
        return


def _let_go(worker: RQWorker) -> None:
    # RQ's teardown stops at its first Redis call, leaving the thread that listens for
    # commands retrying for ever: one more for each restart of a long outage.
    thread = getattr(worker, "pubsub_thread", None)
    if thread is not None:
        thread.stop()


def _stop_on_signal() -> None:
    """Between runs of RQ its signal handlers are gone: stop on SIGTERM or SIGINT, even
    in the middle of starting the next run."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        raise StopRequested()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
