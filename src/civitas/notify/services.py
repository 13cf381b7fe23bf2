"""Sending messages: queue in the caller's transaction, deliver at least once, never twice.

How a message cannot be lost or sent twice:
- `queue_email` writes the outbox row in the caller's transaction and schedules a job;
  the row carries a `retry_at` deadline.
- `deliver_message` claims the row with a lease (status `sending`, `retry_at` in the
  future) in a short transaction, talks SMTP outside any transaction, and marks it `sent`.
  A second job for the same message finds it sent, or leased, and does nothing.
- `requeue_due_messages`, run by every worker, queues again any message past its
  deadline: the job was lost, Redis was down when it was queued, or the worker died
  mid-send before the server accepted it.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from civitas.notify.models import Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def _enqueue(message_ids: list[str]) -> None:
    from civitas.notify.tasks import deliver_message_task

    if settings.REDIS_URL:
        # Redis is outside the transaction: only tell it once the rows are committed.
        transaction.on_commit(lambda: _nudge_after_commit(message_ids))
    else:
        # The database queue's row commits with the message: an outbox for free.
        for message_id in message_ids:
            deliver_message_task.enqueue(message_id)


def _nudge_after_commit(message_ids: list[str]) -> int:
    """Puts committed messages on the Redis queue; returns how many. Never raises.

    The messages are already in the outbox with their `retry_at`, so one the queue does not
    take is queued again by the sweep. What committed them (a submission, a decision) must
    be acknowledged whatever the queue does: a 500 after the commit makes a client that
    retries apply twice.
    """
    from civitas.notify.tasks import deliver_message_task

    for queued, message_id in enumerate(message_ids):
        try:
            deliver_message_task.enqueue(message_id)
        except Exception as error:
            # The error class only; and no more tries now: the rest would fail the same way,
            # each after its own timeout.
            logger.warning(
                "message %s and %s more not queued (%s); the sweep will queue them again",
                message_id,
                len(message_ids) - queued - 1,
                type(error).__name__,
            )
            return queued
    return len(message_ids)


def queue_email(
    *,
    organisation_id: int,
    idempotency_key: str,
    about: str,
    template: str,
    to: str,
    content: EmailContent,
) -> Message:
    """Queues an organisation's email once per idempotency key; a repeat returns the first.

    Callers hold the lock on what the message is about (a new case, a locked case), so two
    transactions never race to queue the same key. That is why this is a plain look-up and
    insert, two round trips, rather than get_or_create's savepoint dance, which costs four
    on the submission path.
    """
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
        created_at=now,
        retry_at=now + _lease(),
    )
    _enqueue([str(message.id)])
    return message


def _claim(message_id: str) -> Message | None:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(id=message_id).first()
        if message is None or message.status in (Message.Status.SENT, Message.Status.FAILED):
            return None
        now = timezone.now()
        if message.status == Message.Status.SENDING and message.retry_at > now:
            return None  # another worker holds the lease
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.retry_at = now + _lease()
        message.save(update_fields=["status", "attempts", "retry_at"])
        return message


def _backoff(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(seconds=15 * 2 ** (attempts - 1)), datetime.timedelta(hours=1))


def deliver_message(message_id: str) -> str:
    """Sends one message if nobody has; returns what happened (for logs and tests)."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message.smtp_message_id},
    )
    email.attach_alternative(message.body_html, "text/html")
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            connection.send_messages([email])
    except Exception as error:
        # The error class only: SMTP errors can quote the recipient's address.
        failed = message.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        Message.objects.filter(id=message.id).update(
            status=Message.Status.FAILED if failed else Message.Status.QUEUED,
            retry_at=timezone.now() + _backoff(message.attempts),
            last_error=type(error).__name__,
        )
        logger.warning(
            "message %s attempt %s failed: %s", message.id, message.attempts, type(error).__name__
        )
        return "failed" if failed else "retrying"
    Message.objects.filter(id=message.id).update(
        status=Message.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info("message %s sent", message.id)
    return "sent"


def requeue_due_messages(*, limit: int = 500) -> int:
    """Queues again messages past their deadline; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Message.objects.filter(
                status__in=[Message.Status.QUEUED, Message.Status.SENDING], retry_at__lte=now
            )
            .order_by("retry_at")
            .values_list("id", flat=True)[:limit]
        )
        if not due:
            return 0
        # Pushing the deadline first means two sweeping workers do not both queue it; a
        # message whose sender died goes back to queued, so its lease no longer holds.
        Message.objects.filter(id__in=due, retry_at__lte=now).update(
            status=Message.Status.QUEUED, retry_at=now + _lease()
        )
        _enqueue([str(message_id) for message_id in due])
    return len(due)
