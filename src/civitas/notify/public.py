"""What other domains may use from notifications."""

from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.queries import list_messages_about
from civitas.notify.services import EmailContent, queue_email

__all__ = ["EmailContent", "MessageViewed", "MessagesListed", "list_messages_about", "queue_email"]
