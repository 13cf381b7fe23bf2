"""What other domains, and the wiring (`civitas.wiring`), may use from notifications."""

from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.health import check_messages, check_smtp
from civitas.notify.letters import letter_files_left, reseal_letter_files
from civitas.notify.printing import check_print_outbox, close_due_print_batches
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
    "check_print_outbox",
    "check_smtp",
    "close_due_print_batches",
    "delete_messages_about",
    "letter_files_left",
    "list_messages_about",
    "queue_email",
    "requeue_due_messages",
    "reseal_letter_files",
]
