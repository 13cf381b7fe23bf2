"""Delivering one message: claim it with a lease, send it, record what happened.

A second job for the same message finds it sent, or leased, and does nothing. The send is
outside any transaction.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from civitas.notify.models import Message, lease

logger = logging.getLogger(__name__)


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
        message.retry_at = now + lease()
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
