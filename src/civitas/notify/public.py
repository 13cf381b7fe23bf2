"""What other domains, and the wiring (`civitas.wiring`), may use from notifications."""

from civitas.notify.callbacks import requeue_due_callbacks
from civitas.notify.dispatch import run_dispatcher
from civitas.notify.events import MessagesListed, MessageViewed
from civitas.notify.formatting import render_template_email
from civitas.notify.health import check_messages, check_smtp
from civitas.notify.late_fields import FieldSource
from civitas.notify.letters import letter_files_left, reseal_letter_files
from civitas.notify.printing import check_print_outbox, close_due_print_batches
from civitas.notify.queries import list_messages_about
from civitas.notify.rendering import SendingRefused
from civitas.notify.sending import LateFields, send_from_template
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
    "FieldSource",
    "LateFields",
    "MessageViewed",
    "MessagesListed",
    "SendingRefused",
    "Words",
    "check_messages",
    "check_print_outbox",
    "check_smtp",
    "close_due_print_batches",
    "delete_messages_about",
    "forget_definition_templates",
    "letter_files_left",
    "list_messages_about",
    "queue_email",
    "render_template_email",
    "requeue_due_callbacks",
    "reseal_letter_files",
    "run_dispatcher",
    "send_from_template",
    "templates_for_definition",
]
