"""The job that makes the case of an application accepted through the API (decision 0037)."""

from django_tasks import task

from civitas.journeys.submission import record_accepted_application


@task(queue_name="default")
def record_accepted_application_task(reference: str) -> bool:
    return record_accepted_application(reference)
