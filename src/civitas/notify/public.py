"""What other domains, and the wiring (`civitas.wiring`), may use from notifications."""

from civitas.notify.callbacks import requeue_due_callbacks
from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.health import check_messages, check_smtp
from civitas.notify.queries import list_messages_about
from civitas.notify.services import (
    EmailContent,
    delete_messages_about,
    queue_email,
    requeue_due_messages,
)

__all__ = [
    "EmailContent",
    "MessageViewed",
    "MessagesListed",
    "check_messages",
    "check_smtp",
    "delete_messages_about",
    "list_messages_about",
    "queue_email",
    "requeue_due_callbacks",
    "requeue_due_messages",
]
