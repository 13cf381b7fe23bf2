"""The one way to tell the dispatchers that messages are waiting.

Imports go one way: the outbox (`services`, `sending`) queues through this module; the
dispatcher (`dispatch`) knows nothing of the outbox's callers.
"""

from django.conf import settings
from django.db import transaction

from civitas.notify.dispatch import wake_dispatchers


def queue_deliveries(message_ids: list[str]) -> None:
    """Makes the messages' delivery start soon after the caller's transaction commits.

    The outbox row is the queue entry (decision 0042): with Redis a wake-up is pushed once
    the rows are committed; without it the workers find them by looking. Never raises.
    """
    if settings.REDIS_URL and message_ids:
        transaction.on_commit(wake_dispatchers)
