"""What other domains, and the wiring (`civitas.wiring`), may use from notifications."""

from civitas.notify.dispatch import run_dispatcher
from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.formatting import render_email
from civitas.notify.health import check_messages, check_smtp
from civitas.notify.queries import list_messages_about
from civitas.notify.sending import SendingRefused, send_from_template
from civitas.notify.services import (
    EmailContent,
    delete_messages_about,
    queue_email,
)
from civitas.notify.templates import (
    DefinitionTemplates,
    Words,
    forget_definition_templates,
    templates_for_definition,
)

__all__ = [
    "DefinitionTemplates",
    "EmailContent",
    "MessageViewed",
    "MessagesListed",
    "SendingRefused",
    "Words",
    "check_messages",
    "check_smtp",
    "delete_messages_about",
    "forget_definition_templates",
    "list_messages_about",
    "queue_email",
    "render_email",
    "run_dispatcher",
    "send_from_template",
    "templates_for_definition",
]
