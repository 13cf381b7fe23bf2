from django_tasks import task

from civitas.notify.services import deliver_message


@task(queue_name="email")
def deliver_message_task(message_id: str) -> str:
    return deliver_message(message_id)
