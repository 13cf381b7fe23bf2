"""Delivering one message now, as the dispatcher would: for a job that knows which message
it wants sent, and for tests. See `dispatch` for how messages are claimed and handed over.
"""

from civitas.notify.dispatch import deliver_batch
from civitas.notify.models import Message

_WORDS: dict[str, str] = {
    Message.Status.CREATED: "retrying",
    Message.Status.SENDING: "sent",
    Message.Status.DELIVERED: "sent",
    Message.Status.ACCEPTED: "sent",
    Message.Status.RECEIVED: "sent",
}


def deliver_message(message_id: str) -> str:
    """Hands the message to its provider if it is due; returns what happened: "sent",
    "retrying" (a temporary failure), "failed", or "skipped" (sent already, or with a
    worker that holds its lease)."""
    channel = Message.objects.filter(id=message_id).values_list("channel", flat=True).first()
    if channel is None or not deliver_batch(channel, limit=1, only=message_id):
        return "skipped"
    status = Message.objects.values_list("status", flat=True).get(id=message_id)
    return _WORDS.get(status, "failed")
