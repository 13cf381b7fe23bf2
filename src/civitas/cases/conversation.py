"""The thread between a case's caseworkers and its applicant.

Staff write to the applicant in two ways: a workflow transition into a state that waits
for the citizen asks for more information (its reason is the request), or a message of
the thread. Each is kept encrypted on the case, emailed to the address on the application
in the language they applied in, and audited without its text. The applicant reads the
thread and replies from their application's page (replies.py). Nothing here decides who
may write: the views check the permission, and a case is always found through the acting
organisation.
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civitas.cases.events import MessageSentToApplicant
from civitas.cases.messages import definition_templates
from civitas.cases.models import Case, CaseFile, CaseMessage
from civitas.cases.notes import TextInvalid, belongs_to, check_written_text, new_key
from civitas.cases.services import CaseNotFound, contact_email_of
from civitas.catalogue.public import Service, get_service_version, in_language
from civitas.identity.public import StaffContext
from civitas.notify.public import EmailContent, queue_email
from civitas.platform.events import publish
from civitas.platform.input_guards import is_only_invisible

MESSAGE_MAX_CHARS = 5000
REQUEST = "request"
MESSAGE = "message"
REPLY = "reply"


class MessageInvalid(ValueError):
    """The message cannot be sent as it is; `field` is the form field the error is for."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked_text(text: str, *, field: str, required: bool = True) -> str:
    """The text of a message as it is kept (notes.check_written_text), or MessageInvalid
    saying what is wrong with it; "" for an empty text that is not `required`."""
    if not required and is_only_invisible(text):
        return ""
    try:
        return check_written_text(
            text,
            max_length=MESSAGE_MAX_CHARS,
            empty=_("Enter your message"),
            too_long=_("Your message must be %(count)s characters or fewer"),
        )
    except TextInvalid as invalid:
        raise MessageInvalid(field, str(invalid)) from None


@dataclass(frozen=True)
class ThreadMessage:
    sender: str
    """`staff` or `citizen`."""
    kind: str
    """`request`, `message` or `reply`."""
    author_name: str
    """The member of staff's name ("" for the applicant)."""
    created_at: datetime.datetime
    body: str = field(repr=False)
    files: list[CaseFile] = field(default_factory=list)


def thread_of(case: Case) -> list[ThreadMessage]:
    """The case's messages, oldest first, with who wrote them and the files sent: two
    queries however long the thread."""
    messages = list(
        CaseMessage.objects.filter(case=case)
        .select_related("author")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )
    return [
        ThreadMessage(
            sender=message.sender,
            kind=message.kind,
            author_name=message.author.display_name if message.author else "",
            created_at=message.created_at,
            body=message.body,
            files=list(message.files.all()),
        )
        for message in messages
        # A message whose key names another case is not this case's: never shown here.
        if belongs_to(message.key, case.reference)
    ]


def send_message(*, reference: str, text: str, staff: StaffContext) -> CaseMessage:
    """Sends the applicant of a case of the organisation `staff` acts for a message of the
    thread. CaseNotFound for any other reference; MessageInvalid for empty or too long
    text, or an applicant who gave no email address."""
    text = checked_text(text, field="message")
    case = Case.objects.filter(reference=reference, organisation_id=staff.organisation.id).first()
    if case is None:
        raise CaseNotFound(reference)
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    return write_to_applicant(case=case, service=service, text=text, staff=staff, kind=MESSAGE)


def write_to_applicant(
    *,
    case: Case,
    service: Service,
    text: str,
    staff: StaffContext,
    kind: str,
    state_id: str | None = None,
) -> CaseMessage:
    """Keeps a message from staff on the case, queues its email and audits it, in one
    transaction (the caller's, when it has one: a request goes with its transition, and
    `state_id` is the state it moves the case to)."""
    to = contact_email_of(service, case)
    if not to:
        raise MessageInvalid(
            "message", _("The applicant gave no email address, so they cannot be sent messages")
        )
    with transaction.atomic():
        message = CaseMessage.objects.create(
            key=new_key(case.reference),
            case=case,
            sender=CaseMessage.STAFF,
            kind=kind,
            author=staff.user,
            body=text,
            created_at=timezone.now(),
        )
        content = message_email(kind, case, service, text, state_id=state_id or case.status)
        queue_email(
            organisation_id=case.organisation_id,
            idempotency_key=f"case-message:{message.key}",
            about=case.reference,
            template="information-request" if kind == REQUEST else "case-message",
            to=to,
            content=content,
            # From the service's sending service, so replies reach its team's mailbox.
            sending_service_id=definition_templates(service).sending_service.id,
            reply_to=service.model.reply_to,
        )
        publish(
            MessageSentToApplicant(
                reference=case.reference,
                organisation=service.organisation,
                kind=kind,
                staff_user_id=str(staff.user.pk),
            )
        )
    return message


def message_email(
    kind: str, case: Case, service: Service, text: str, *, state_id: str
) -> EmailContent:
    """The email telling the applicant of a message from staff (`kind` request or
    message), in their language; `state_id` is the state the case is in once it is sent
    (a request names the time the state's timer gives them to reply)."""
    with translation.override(case.language):
        return _email(kind, case, service, text, state_id)


def _email(kind: str, case: Case, service: Service, text: str, state_id: str) -> EmailContent:
    title = in_language(service.title, case.language)
    page = f"{settings.PUBLIC_BASE_URL}/applications/"
    fields = {"reference": case.reference, "service": title, "page": page}
    if kind == REQUEST:
        subject = _("We need more information about your application (%(reference)s)") % fields
        opening = _(
            "We need more information from you before we can decide on your application: "
            "%(service)s."
        )
    else:
        subject = _("New message about your application (%(reference)s)") % fields
        opening = _("We have sent you a message about your application: %(service)s.")
    paragraphs = [opening % fields, text]
    paragraphs.append(
        _(
            "To reply, or to send us a file, go to %(page)s and enter your reference "
            "%(reference)s. We will email you a code to open your application."
        )
        % fields
    )
    workflow = service.model.workflow
    if kind == REQUEST and (timers := workflow.timers_in(state_id)):
        target = workflow.state(timers[0].to)
        if target.is_closed and timers[0].after_days:
            paragraphs.append(
                _("If we have not heard from you in %(days)s days, we will close your application.")
                % {"days": timers[0].after_days}
            )
    paragraphs.append(service.organisation_name)
    text_body = "\n\n".join(paragraphs) + "\n"
    html_body = "".join(
        "<p>" + html.escape(paragraph).replace("\n", "<br>") + "</p>" for paragraph in paragraphs
    )
    return EmailContent(subject=subject, text=text_body, html=html_body)
