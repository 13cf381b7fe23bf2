"""Sending a message from a template: the one way in for the API and the platform alike.

`send_from_template` checks everything a sender can get wrong before anything is written
(the template is the service's and of the right type, every placeholder has a value, the
email address, phone number or postal address is one), then writes the outbox row in the
caller's transaction and queues its delivery. A refusal raises `SendingRefused` with a
message for the sender, in GOV.UK Notify's words where Notify has them; nothing is queued.
"""

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from civitas.notify import addresses, phones
from civitas.notify.models import (
    Message,
    SendingService,
    Template,
    TemplateType,
    TemplateVersion,
)
from civitas.notify.rendering import SendingRefused, render, template_version
from civitas.notify.tasks import queue_deliveries
from civitas.platform.jsontypes import JSONObject


@dataclass(frozen=True)
class LateFields:
    """Words a message waits for, filled in just before it is sent (late_fields.py): the
    name of the wiring's source, and what to ask it (never personal data: it is stored
    unencrypted)."""

    source: str
    request: JSONObject

    def stored(self) -> JSONObject:
        return {"source": self.source, "request": self.request}


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
    late_fields: LateFields | None = None,
    before_saving: Callable[[Message], None] | None = None,
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
    `late_fields`: words the dispatcher fills in just before sending (late_fields.py);
    `personalisation` holds stand-ins for them until then. Not for letters.
    `before_saving`: the caller's last checks of the message filled in (its length, a
    day's limit); what it raises leaves nothing written.
    """
    if late_fields is not None and template.type == TemplateType.LETTER:
        raise ValueError("a letter is printed as written: it cannot wait for late words")
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
        fragments=rendered.fragments,
        postage=(postage or words.postage or "second")
        if template.type == TemplateType.LETTER
        else "",
        created_at=now,
        retry_at=max(now, send_at) if send_at else now,
        late_fields=late_fields.stored() if late_fields else None,
    )
    if before_saving is not None:
        before_saving(message)
    message.save(force_insert=True)
    queue_deliveries([str(message.id)])
    return message
