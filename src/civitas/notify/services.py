"""The outbox: queue in the caller's transaction, deliver at least once, never twice.

How a message cannot be lost or sent twice:
- `queue_email` (and `sending.send_from_template`) writes the outbox row in the caller's
  transaction, due at once (`retry_at`), and wakes the dispatchers once it commits.
- `dispatch` claims due rows with a lease (status `sending`, `retry_at` in the future) in
  a short transaction, hands them to their channel's provider outside any transaction, and
  records that they were handed over (`sent_at`). A row handed over is never claimed
  again; a row whose worker died before handing it over is due again when its lease ends.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civitas.notify.letters import delete_letter_files
from civitas.notify.models import Message
from civitas.notify.tasks import queue_deliveries


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def queue_email(
    *,
    organisation_id: int | None,
    idempotency_key: str,
    about: str,
    template: str,
    to: str,
    content: EmailContent,
    erase_body_when_sent: bool = False,
    new_key: bool = False,
    sending_service_id: uuid.UUID | None = None,
    reply_to: str = "",
) -> Message:
    """Queues an organisation's email once per idempotency key; a repeat returns the first.
    `organisation_id` None: the platform's own email (a citizen account's), which no
    organisation's staff list.

    Callers hold the lock on what the message is about (a new case, a locked case), so two
    transactions never race to queue the same key. That is why this is a plain look-up and
    insert, two round trips, rather than get_or_create's savepoint dance, which costs four
    on the submission path.

    `erase_body_when_sent`: the body holds a secret (a single-use link), so it is replaced
    by a note once sent, and no one can read it back out of the outbox.

    `sending_service_id` and `reply_to`: the sending service it goes out for (staff see
    it in that service's messages) and the team's mailbox that replies reach.

    `new_key`: the caller made what the message is about in this same transaction (a
    case just submitted), so no message can have its key yet. The look-up is skipped, one
    round trip less; should the key exist all the same, the insert raises IntegrityError
    and the caller's transaction rolls back.
    """
    if not new_key:
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    message = Message.objects.create(
        organisation_id=organisation_id,
        idempotency_key=idempotency_key,
        about=about,
        template=template,
        recipient=to,
        subject=content.subject,
        body_text=content.text,
        body_html=content.html,
        erase_body_when_sent=erase_body_when_sent,
        sending_service_id=sending_service_id,
        reply_to=reply_to,
        created_at=now,
        retry_at=now,
    )
    queue_deliveries([str(message.id)])
    return message


def delete_messages_about(*, about: str, organisation_id: int) -> int:
    """Deletes the organisation's emails about `about` (a case reference) that are done
    with, sent or failed, when their retention is up; returns how many. One still to be
    sent is left to be sent: the retention job comes back for it."""
    done = Message.objects.filter(
        organisation_id=organisation_id,
        about=about,
        status__in=Message.FINAL,
    )
    # A letter's PDF is kept sealed in the file store: it goes with its message, once the
    # deletion has committed.
    tokens = list(done.exclude(stored_file="").values_list("stored_file", flat=True))
    deleted, _ = done.delete()
    if tokens:
        transaction.on_commit(lambda: delete_letter_files(tokens))
    return deleted
