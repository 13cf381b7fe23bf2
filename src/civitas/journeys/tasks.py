"""The jobs that make the cases of applications accepted through the API (decision 0037):
one application's, queued in its row's transaction on the database's queue; and, with
Redis, every waiting one's, queued at most every NUDGE_SECONDS by each web process."""

from django_tasks import task

from civitas.journeys.submission import (
    record_accepted_application,
    record_waiting_accepted_applications,
)

# A job drains for at most this long; what arrives after, the next job or the sweep takes.
DRAIN_SECONDS = 30.0


@task(queue_name="default")
def record_accepted_application_task(reference: str) -> bool:
    return record_accepted_application(reference)


@task(queue_name="default")
def record_waiting_applications_task() -> int:
    return record_waiting_accepted_applications(waited_seconds=0, budget_seconds=DRAIN_SECONDS)
