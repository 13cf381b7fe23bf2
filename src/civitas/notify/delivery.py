"""Delivering one message: claim it with a lease, hand it to its channel's provider
(`providers`), record what happened.

A second job for the same message finds it sent, or leased, and does nothing. The provider
is called outside any transaction. A temporary failure is tried again with back-off; a
permanent one (an address refused for good) fails the message at once.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from civitas.notify.callbacks import queue_status_callback
from civitas.notify.models import ERASED_BODY, Message, SendingService, lease
from civitas.notify.providers import (
    Channel,
    DeliveryFailed,
    OutgoingMessage,
    PermanentFailure,
    provider_for,
)

logger = logging.getLogger(__name__)


def _claim(message_id: str) -> Message | None:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(id=message_id).first()
        if message is None or message.status in Message.FINAL or message.sent_at is not None:
            return None  # done, or with its provider waiting for a delivery receipt
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


# GOV.UK Notify's simulated recipients: with a test key they end in these statuses, so a
# caller can test its handling of failures; every other test message is "delivered".
TEST_KEY_OUTCOMES = {
    "temp-fail@simulator.notify": Message.Status.TEMPORARY_FAILURE,
    "perm-fail@simulator.notify": Message.Status.PERMANENT_FAILURE,
    "+447700900003": Message.Status.TEMPORARY_FAILURE,
    "+447700900002": Message.Status.PERMANENT_FAILURE,
}


def deliver_message(message_id: str) -> str:
    """Sends one message if nobody has; returns what happened (for logs and tests).

    The provider for the message's channel is found once it is claimed; a bad
    NOTIFY_PROVIDERS gives the claim back untouched, for the sweep to queue it again.
    """
    message = _claim(message_id)
    if message is None:
        return "skipped"
    if message.key_type == Message.KeyType.TEST:
        return _pretend_delivered(message)
    try:
        provider = provider_for(message.channel)
    except ImproperlyConfigured:
        _give_back(message)
        raise
    outgoing = OutgoingMessage(
        channel=Channel(message.channel),
        reference=str(message.id),
        recipient=message.recipient,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        sender=_sms_sender(message),
    )
    try:
        receipt = provider.send(outgoing)
    except PermanentFailure as failure:
        return _not_sent(message, failure.reason, give_up=True)
    except DeliveryFailed as failure:
        return _not_sent(message, failure.reason, give_up=False)
    except Exception as error:
        # The error class only: a provider's errors can quote the recipient.
        return _not_sent(message, type(error).__name__, give_up=False)
    now = timezone.now()
    # A gateway's delivery receipt can arrive before this is written: a final status it
    # set stays.
    is_final = When(status__in=Message.FINAL, then=F("status"))
    Message.objects.filter(id=message.id).update(
        status=Case(is_final, default=Value(receipt.status)),
        sent_at=now,
        completed_at=Case(
            When(status__in=Message.FINAL, then=F("completed_at")),
            default=Value(
                now if receipt.status in Message.FINAL else None, output_field=DateTimeField()
            ),
        ),
        provider=receipt.provider[:32],
        provider_reference=receipt.reference[:100],
        last_error="",
    )
    if message.erase_body_when_sent:
        # Encrypted fields are written with save(), which seals them for their row.
        message.body_text = message.body_html = ERASED_BODY
        message.save(update_fields=["body_text", "body_html"])
    logger.info("message %s sent", message.id)
    _report_status(message)
    return "sent"


def _sms_sender(message: Message) -> str:
    if message.channel != Message.Channel.SMS or message.sending_service_id is None:
        return ""
    sender = (
        SendingService.objects.filter(id=message.sending_service_id)
        .values_list("sms_sender", flat=True)
        .first()
    )
    return sender or ""


def _report_status(message: Message) -> None:
    """Queues the service's delivery-status callback when the message reached a final
    status (`callbacks`)."""
    if message.sending_service_id is None:
        return
    with transaction.atomic():
        queue_status_callback(Message.objects.get(id=message.id))


def _give_back(message: Message) -> None:
    """Undoes a claim that could not be acted on: as it was, for the sweep to queue."""
    Message.objects.filter(id=message.id).update(
        status=Message.Status.CREATED, attempts=message.attempts - 1
    )


def _pretend_delivered(message: Message) -> str:
    """A test key's message: never handed to a provider; its status made up, as Notify's
    test keys do."""
    status = TEST_KEY_OUTCOMES.get(message.recipient, Message.Status.DELIVERED)
    now = timezone.now()
    Message.objects.filter(id=message.id).update(
        status=status, sent_at=now, completed_at=now, provider="test", last_error=""
    )
    _report_status(message)
    return "sent" if status == Message.Status.DELIVERED else "failed"


def _not_sent(message: Message, reason: str, *, give_up: bool) -> str:
    """Records a failed attempt: "failed" for good when it cannot succeed or has had its
    attempts, else "retrying" after a back-off. `reason` is never personal data."""
    failed = give_up or message.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    if give_up:
        status = Message.Status.PERMANENT_FAILURE
    elif failed:
        status = Message.Status.TECHNICAL_FAILURE
    else:
        status = Message.Status.CREATED
    Message.objects.filter(id=message.id).update(
        status=status,
        completed_at=timezone.now() if failed else None,
        retry_at=timezone.now() + _backoff(message.attempts),
        last_error=reason[:200],
    )
    logger.warning(
        "message %s attempt %s failed%s: %s",
        message.id,
        message.attempts,
        " for good" if give_up else "",
        reason,
    )
    if failed:
        _report_status(message)
    return "failed" if failed else "retrying"
