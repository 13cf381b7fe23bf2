"""The delivery job, and the one way to put messages on its queue.

Imports go one way: the outbox (`services`) queues through this module, which owns the
task; the task calls `delivery`, which knows nothing of queues or the outbox.
"""

import logging

from django.conf import settings
from django.db import transaction
from django_tasks import task

from civitas.notify.delivery import deliver_message

logger = logging.getLogger(__name__)


@task(queue_name="email")
def deliver_message_task(message_id: str) -> str:
    return deliver_message(message_id)


def queue_deliveries(message_ids: list[str]) -> None:
    """Schedules a delivery job for each message, as part of the caller's transaction."""
    if settings.REDIS_URL:
        # Redis is outside the transaction: only tell it once the rows are committed.
        transaction.on_commit(lambda: _nudge_after_commit(message_ids))
    else:
        # The database queue's row commits with the message: an outbox for free.
        for message_id in message_ids:
            deliver_message_task.enqueue(message_id)


def _nudge_after_commit(message_ids: list[str]) -> int:
    """Puts committed messages on the Redis queue; returns how many. Never raises.

    The messages are already in the outbox with their `retry_at`, so one the queue does not
    take is queued again by the sweep. What committed them (a submission, a decision) must
    be acknowledged whatever the queue does: a 500 after the commit makes a client that
    retries apply twice.
    """
    for queued, message_id in enumerate(message_ids):
        try:
            deliver_message_task.enqueue(message_id)
        except Exception as error:
            # The error class only; and no more tries now: the rest would fail the same way,
            # each after its own timeout.
            logger.warning(
                "message %s and %s more not queued (%s); the sweep will queue them again",
                message_id,
                len(message_ids) - queued - 1,
                type(error).__name__,
            )
            return queued
    return len(message_ids)
