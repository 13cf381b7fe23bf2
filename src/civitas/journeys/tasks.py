"""The job that makes the cases of applications accepted through the API (decisions 0037
and 0066): every waiting one's, queued at most every NUDGE_SECONDS by each web process."""

from django_tasks import task

from civitas.journeys.submission import record_waiting_accepted_applications

# A job drains for at most this long; what arrives after, the next job or the sweep takes.
DRAIN_SECONDS = 30.0


@task(queue_name="default")
def record_waiting_applications_task() -> int:
    return record_waiting_accepted_applications(waited_seconds=0, budget_seconds=DRAIN_SECONDS)
