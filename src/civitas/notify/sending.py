"""Sending a message from a template: the one way in for the API and the platform alike.

`send_from_template` checks everything a sender can get wrong before anything is written
(the template is the service's and of the right type, every placeholder has a value, the
email address, phone number or postal address is one), then writes the outbox row in the
caller's transaction and queues its delivery. A refusal raises `SendingRefused` with a
message for the sender, in GOV.UK Notify's words where Notify has them; nothing is queued.
"""

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from civitas.notify import addresses, phones
from civitas.notify.formatting import render_template_email
from civitas.notify.models import (
    Message,
    SendingService,
    Template,
    TemplateType,
    TemplateVersion,
)
from civitas.notify.tasks import queue_deliveries
from civitas.platform.message_templates import MissingValues, TemplateSyntaxError, parse_template


class SendingRefused(ValueError):
    """What the sender got wrong; `field` names the request's field, when there is one."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Rendered:
    """A template's words filled in for one message, and the language they are in."""

    subject: str
    text: str
    html: str
    language: str = "en"


def template_version(template: Template, version: int | None = None) -> TemplateVersion:
    """The template's words at `version` (its current one by default)."""
    return template.versions.get(version=version or template.version)


def render(
    template: Template,
    words: TemplateVersion,
    personalisation: Mapping[str, object],
    *,
    language: str = "en",
) -> Rendered:
    """Fills the template's placeholders, in Welsh where asked for and written. Raises
    SendingRefused naming every placeholder without a value."""
    welsh = language == "cy" and bool(words.welsh_body)
    written_in = "cy" if welsh else "en"
    body_source = words.welsh_body if welsh else words.body
    subject_source = (words.welsh_subject if welsh else words.subject) or ""
    try:
        body = parse_template(body_source).render(personalisation).strip()
        subject = " ".join(parse_template(subject_source).render(personalisation).split())
    except MissingValues as missing:
        raise SendingRefused(
            "Missing personalisation: " + ", ".join(missing.names), field="personalisation"
        ) from missing
    except TemplateSyntaxError as error:  # a template checked when saved cannot get here
        raise SendingRefused(f"The template cannot be used: {error}") from error
    if template.type == TemplateType.EMAIL:
        text, html = render_template_email(
            body_source, body, personalisation, subject=subject, language=written_in
        )
        return Rendered(subject=subject, text=text, html=html, language=written_in)
    return Rendered(subject=subject, text=body, html="", language=written_in)


def check_recipient(channel: str, recipient: str) -> str:
    """The recipient in the form its channel sends to (a phone number in E.164, an address
    as its lines), or SendingRefused saying what is wrong with it."""
    if channel == Message.Channel.EMAIL:
        recipient = recipient.strip()
        try:
            validate_email(recipient)
        except ValidationError as error:
            raise SendingRefused(
                "email_address Not a valid email address", field="email_address"
            ) from error
        return recipient
    if channel == Message.Channel.SMS:
        problem, number = phones.normalise(recipient)
        if problem:
            raise SendingRefused(f"phone_number {problem}", field="phone_number")
        return number
    lines, problem = addresses.check_address(recipient)
    if problem:
        raise SendingRefused(problem, field="personalisation")
    return "\n".join(lines)


def send_from_template(
    *,
    sending_service: SendingService,
    template: Template,
    recipient: str,
    personalisation: Mapping[str, object] | None = None,
    idempotency_key: str,
    about: str = "",
    kind: str = "",
    client_reference: str = "",
    key_type: str = Message.KeyType.LIVE,
    api_key_id: int | None = None,
    language: str = "en",
    postage: str = "",
    erase_body_when_sent: bool = False,
    now: datetime.datetime | None = None,
    words: TemplateVersion | None = None,
    new_key: bool = False,
    send_at: datetime.datetime | None = None,
    message_id: uuid.UUID | None = None,
) -> Message:
    """Checks and queues one message from a template of `sending_service`, once per
    idempotency key (a repeat returns the first). Runs in the caller's transaction.

    For a letter, `recipient` is its address lines separated by newlines (the API passes
    `address_line_1` to `address_line_7` from the personalisation).

    `words`: the template's current version, when the caller has it already. `new_key`:
    the caller made what the message is about in this transaction (or the key is a fresh
    UUID), so its key cannot be taken (the look-up is skipped; a clash fails the insert).
    `send_at`: not before then (a reminder); at once by default. `message_id`: the
    message's id, when the caller chose it (the API names the key after it).
    """
    if template.sending_service_id != sending_service.id or template.archived:
        raise SendingRefused("Template not found", field="template_id")
    if not new_key:
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    values = dict(personalisation or {})
    recipient = check_recipient(template.type, recipient)
    if words is None or words.template_id != template.pk or words.version != template.version:
        words = template_version(template)
    rendered = render(template, words, values, language=language)
    now = now or timezone.now()
    message = Message(
        id=message_id or uuid.uuid4(),
        organisation_id=sending_service.organisation_id,
        sending_service=sending_service,
        channel=template.type,
        idempotency_key=idempotency_key,
        about=about[:64],
        template=(kind or template.name)[:64],
        notify_template=template,
        template_version=words.version,
        client_reference=client_reference,
        key_type=key_type,
        api_key_id=api_key_id,
        recipient=recipient,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        personalisation=values,
        language=rendered.language,
        erase_body_when_sent=erase_body_when_sent,
        reply_to=sending_service.reply_to_email if template.type == TemplateType.EMAIL else "",
        fragments=phones.fragment_count(rendered.text) if template.type == TemplateType.SMS else 0,
        postage=(postage or words.postage or "second")
        if template.type == TemplateType.LETTER
        else "",
        created_at=now,
        retry_at=max(now, send_at) if send_at else now,
    )
    message.save(force_insert=True)
    queue_deliveries([str(message.id)])
    return message
