"""Services' callbacks: delivery statuses and received text messages, POSTed to the URL a
service registered, with its bearer token, as GOV.UK Notify does.

Each callback is a row in the `Callback` outbox, written in the transaction that changed
the message (or stored the received text), so it exists if and only if that change
committed. A job posts it; a failure (no answer in NOTIFY_CALLBACK_TIMEOUT_SECONDS, a 5xx
or 429 answer) is tried again after a back-off that doubles, up to
NOTIFY_CALLBACK_MAX_ATTEMPTS; any other 4xx answer is the service's refusal and is not
retried (Notify's rule). `requeue_due_callbacks`, run by every worker, queues again a
callback whose job was lost or whose back-off is over.

A job carries the callback's attempt count as a fencing token: it acts only if the row
still has that count, and counts its attempt before posting, so a second job for the same
attempt (the sweep racing the first) does nothing. A worker killed mid-post leaves the
attempt counted and the row due again after its lease.

Payloads hold phone numbers and message text: never logged, encrypted at rest.
"""

import datetime
import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from civitas.notify.models import Callback, Message, ReceivedTextMessage, SendingService

logger = logging.getLogger(__name__)

# Notify's date format in callbacks: UTC, microseconds, a Z.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
MINIMUM_TOKEN_LENGTH = 10
# How long a job has to post before the sweep may queue the callback again.
CALLBACK_LEASE = datetime.timedelta(seconds=60)


class CallbackRefused(ValueError):
    """A callback URL or token GOV.UK Notify would not accept either."""


def check_callback(url: str, token: str) -> None:
    """Raises CallbackRefused unless `url` is https (http to this machine only where
    NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP) and `token` has at least 10 characters."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise CallbackRefused("The callback URL must be a full https URL")
    if parts.scheme != "https" and not (
        parts.scheme == "http"
        and settings.NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP
        and _is_local(parts.hostname)
    ):
        raise CallbackRefused("The callback URL must start with https://")
    if parts.username or parts.password:
        raise CallbackRefused("The callback URL must not hold a user name or password")
    if len(token) < MINIMUM_TOKEN_LENGTH:
        raise CallbackRefused(
            f"The bearer token must be at least {MINIMUM_TOKEN_LENGTH} characters long"
        )


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def set_callbacks(
    service: SendingService,
    *,
    delivery_status: tuple[str, str] | None = None,
    received_text: tuple[str, str] | None = None,
) -> None:
    """Sets a service's callback URLs and tokens; ("", "") removes one. Checked first."""
    fields = []
    for kind, value in (("delivery_status", delivery_status), ("received_text", received_text)):
        if value is None:
            continue
        url, token = value
        if url:
            check_callback(url, token)
        else:
            token = ""
        setattr(service, f"{kind}_callback_url", url)
        setattr(service, f"{kind}_callback_token", token)
        fields += [f"{kind}_callback_url", f"{kind}_callback_token"]
    if fields:
        service.save(update_fields=fields)


def _when(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).strftime(DATETIME_FORMAT)


def status_payload(message: Message) -> dict[str, Any]:
    """A delivery receipt in the shape GOV.UK Notify documents for its callbacks."""
    return {
        "id": str(message.id),
        "reference": message.client_reference or None,
        "to": message.recipient,
        "status": message.status,
        "created_at": _when(message.created_at),
        "completed_at": _when(message.completed_at),
        "sent_at": _when(message.sent_at),
        "notification_type": message.channel,
        "template_id": str(message.notify_template_id) if message.notify_template_id else None,
        "template_version": message.template_version,
    }


def received_text_payload(received: ReceivedTextMessage) -> dict[str, Any]:
    """A received text message in the shape GOV.UK Notify documents for its callbacks."""
    return {
        "id": str(received.id),
        "source_number": received.source_number,
        "destination_number": received.destination_number,
        "message": received.content,
        "date_received": _when(received.received_at),
    }


def queue_status_callback(
    message: Message, *, service: SendingService | None = None
) -> Callback | None:
    """Queues the message's status for its service's delivery-status callback, once per
    message and status, in the caller's transaction. Only final statuses are reported
    (delivered and the failures, as Notify does); None when there is nothing to send.
    `service`: the message's sending service, when the caller has it already."""
    if message.sending_service_id is None or message.status not in Message.FINAL:
        return None
    if service is None or service.id != message.sending_service_id:
        service = SendingService.objects.filter(id=message.sending_service_id).first()
    if service is None or not service.delivery_status_callback_url:
        return None
    return _queue(
        service,
        Callback.Kind.DELIVERY_STATUS,
        f"status:{message.id}:{message.status}",
        status_payload(message),
    )


def queue_received_text_callback(received: ReceivedTextMessage) -> Callback | None:
    """Queues a received text for its service's received-text callback, once."""
    service = SendingService.objects.filter(id=received.sending_service_id).first()
    if service is None or not service.received_text_callback_url:
        return None
    return _queue(
        service,
        Callback.Kind.RECEIVED_TEXT,
        f"received:{received.id}",
        received_text_payload(received),
    )


def _queue(
    service: SendingService, kind: str, key: str, payload: dict[str, Any]
) -> Callback | None:
    now = timezone.now()
    callback = Callback(
        sending_service=service,
        kind=kind,
        idempotency_key=key,
        payload=payload,
        retry_at=now + CALLBACK_LEASE,
        created_at=now,
    )
    try:
        # Once per key. In a savepoint: a receipt and the worker's own record can race to
        # queue the same status, and the loser's transaction must not fail for it.
        with transaction.atomic():
            callback.save(force_insert=True)
    except IntegrityError:
        return None
    _enqueue_after_commit(str(callback.id), 0)
    return callback


def _enqueue_after_commit(callback_id: str, attempts: int) -> None:
    """Queues the callback's job as the outbox does (`tasks.queue_deliveries`): the
    database queue's row commits with the callback; Redis is told after the commit."""

    def enqueue() -> None:
        try:
            deliver_callback_task.enqueue(callback_id, attempts)
        except Exception as error:
            # The row is due at its retry_at: the sweep queues it again.
            logger.warning("callback %s not queued (%s)", callback_id, type(error).__name__)

    if settings.REDIS_URL:
        transaction.on_commit(enqueue)
    else:
        deliver_callback_task.enqueue(callback_id, attempts)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`th failed try: doubling, at most six hours."""
    seconds = settings.NOTIFY_CALLBACK_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return min(datetime.timedelta(seconds=seconds), datetime.timedelta(hours=6))


@task(queue_name="default")
def deliver_callback_task(callback_id: str, attempts: int) -> str:
    return deliver_callback(callback_id, attempts)


def deliver_callback(callback_id: str, attempts: int) -> str:
    """Posts one callback if it is still at attempt `attempts`; returns what happened:
    "delivered", "retrying", "failed" or "skipped"."""
    with transaction.atomic():
        callback = (
            Callback.objects.select_for_update()
            .filter(id=callback_id, attempts=attempts, delivered_at__isnull=True, failed=False)
            .first()
        )
        if callback is None:
            return "skipped"
        service = SendingService.objects.get(id=callback.sending_service_id)
        if callback.kind == Callback.Kind.DELIVERY_STATUS:
            url, token = (
                service.delivery_status_callback_url,
                service.delivery_status_callback_token,
            )
        else:
            url, token = service.received_text_callback_url, service.received_text_callback_token
        callback.attempts += 1
        callback.retry_at = timezone.now() + CALLBACK_LEASE
        callback.save(update_fields=["attempts", "retry_at"])
    try:
        # Checked again when posting: a URL written some other way (the admin, a restored
        # backup) is held to the same rules.
        check_callback(url, token)
    except CallbackRefused:
        # Taken away meanwhile, or not one we may post to: nothing to send to.
        Callback.objects.filter(id=callback.id).update(failed=True, last_error="no-callback-url")
        logger.warning("callback %s given up: no usable callback URL", callback.id)
        return "failed"
    error = _post(url, token, callback.payload)
    if not error:
        Callback.objects.filter(id=callback.id).update(delivered_at=timezone.now(), last_error="")
        logger.info("callback %s delivered", callback.id)
        return "delivered"
    retry = error.startswith("retry:")
    gave_up = not retry or callback.attempts >= settings.NOTIFY_CALLBACK_MAX_ATTEMPTS
    Callback.objects.filter(id=callback.id).update(
        failed=gave_up,
        retry_at=timezone.now() + backoff(callback.attempts),
        last_error=error.removeprefix("retry:")[:200],
    )
    logger.warning(
        "callback %s attempt %s failed%s: %s",
        callback.id,
        callback.attempts,
        " for good" if gave_up else "",
        error,
    )
    return "failed" if gave_up else "retrying"


def _post(url: str, token: str, payload: Any) -> str:
    """ "" when the service took it; else the reason, prefixed "retry:" when worth retrying."""
    try:
        response = requests.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.NOTIFY_CALLBACK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return f"retry:{type(error).__name__}"
    if 200 <= response.status_code < 300:
        return ""
    if response.status_code >= 500 or response.status_code == 429:
        return f"retry:http-{response.status_code}"
    return f"http-{response.status_code}"


def requeue_due_callbacks(*, limit: int = 500) -> int:
    """Queues again callbacks past their deadline (a lost job, a back-off over); returns
    how many."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Callback.objects.filter(delivered_at__isnull=True, failed=False, retry_at__lte=now)
            .order_by("retry_at")
            .values_list("id", "attempts")[:limit]
        )
        if not due:
            return 0
        Callback.objects.filter(id__in=[row[0] for row in due], retry_at__lte=now).update(
            retry_at=now + CALLBACK_LEASE
        )
        for callback_id, attempts in due:
            _enqueue_after_commit(str(callback_id), attempts)
    return len(due)
