"""The outbox: queue in the caller's transaction, deliver at least once, never twice.

How a message cannot be lost or sent twice:
- `queue_email` writes the outbox row in the caller's transaction and schedules a job
  (`tasks.queue_deliveries`); the row carries a `retry_at` deadline.
- `delivery.deliver_message`, run by the job, claims the row with a lease (status
  `sending`, `retry_at` in the future) in a short transaction, hands the message to its
  channel's provider outside any transaction, and marks it `sent`. A second job for the
  same message finds it sent, or leased, and does nothing.
- `requeue_due_messages`, run by every worker, queues again any message past its
  deadline: the job was lost, Redis was down when it was queued, or the worker died
  mid-send before the server accepted it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civitas.notify.letters import delete_letter_files
from civitas.notify.models import Message, lease
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
        created_at=now,
        retry_at=now + lease(),
    )
    queue_deliveries([str(message.id)])
    return message


def requeue_due_messages(*, limit: int = 500) -> int:
    """Queues again messages past their deadline; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Message.objects.filter(
                status__in=Message.PENDING, sent_at__isnull=True, retry_at__lte=now
            )
            .order_by("retry_at")
            .values_list("id", flat=True)[:limit]
        )
        if not due:
            return 0
        # Pushing the deadline first means two sweeping workers do not both queue it; a
        # message whose sender died goes back to queued, so its lease no longer holds.
        Message.objects.filter(id__in=due, retry_at__lte=now).update(
            status=Message.Status.CREATED, retry_at=now + lease()
        )
        queue_deliveries([str(message_id) for message_id in due])
    return len(due)


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
