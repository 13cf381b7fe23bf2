"""`civitas worker`: runs queued jobs and the periodic sweeps.

With the embedded default the queue is a database table; with REDIS_URL it is RQ.
"""

import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from civitas.platform.heartbeat import record_heartbeat
from civitas.platform.periodic import register_periodic_job, start_periodic_thread


class Command(BaseCommand):
    help = "Run background jobs (email delivery and periodic sweeps)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=0.2, help="seconds to wait when the queue is empty"
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = threading.Event()
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        register_periodic_job(
            "platform.worker_heartbeat",
            lambda: record_heartbeat(worker_id=worker_id),
            every_seconds=settings.WORKER_HEARTBEAT_SECONDS,
        )
        start_periodic_thread(stop)
        try:
            if settings.REDIS_URL:
                call_command(
                    "rqworker",
                    *settings.TASK_QUEUES,
                    with_scheduler=True,
                    # RQ must run jobs through the task backend's job class.
                    job_class="django_tasks_rq.backend.Job",
                )
            else:
                from django_tasks_db.management.commands.db_worker import Worker

                worker = Worker(
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
