"""Webhook messages, as GOV.UK Pay sends them: a JSON body signed with the webhook
secret (Pay-Signature: hex HMAC-SHA256 of the raw body).

One sender thread posts them in the order they were made, after the change that made
them commits; a failed post is tried again with back-off, a few times, then dropped.
Nothing a payer or an API caller waits on waits for it."""

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 5

_outbox: "queue.Queue[tuple[str, str]]" = queue.Queue()
_sender: threading.Thread | None = None
_sender_lock = threading.Lock()


def signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_after_commit(payment_id: str, event_type: str) -> None:
    """Queues `event_type` for the payment once the current transaction commits; the
    message carries the payment as it is when it is sent."""
    if not settings.WEBHOOK_URL:
        return
    transaction.on_commit(lambda: _enqueue(payment_id, event_type))


def _enqueue(payment_id: str, event_type: str) -> None:
    global _sender
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_forever, name="webhooks", daemon=True)
            _sender.start()
    # The payment as it is now, right after the change: later changes send their own.
    _outbox.put((event_type, json.dumps(message(payment_id, event_type))))


def message(payment_id: str, event_type: str) -> dict:
    from .models import Payment
    from .resources import payment_resource

    payment = Payment.objects.get(payment_id=payment_id)
    return {
        "webhook_message_id": uuid.uuid4().hex,
        "created_date": timezone.now().isoformat().replace("+00:00", "Z"),
        "resource_id": payment_id,
        "api_version": 1,
        "resource_type": "payment",
        "event_type": event_type,
        "resource": payment_resource(payment),
    }


def _send_forever() -> None:
    while True:
        event_type, body = _outbox.get()
        _deliver(event_type, body.encode())


def _deliver(event_type: str, body: bytes) -> None:
    headers = {
        "Content-Type": "application/json",
        "Pay-Signature": signature(body, settings.WEBHOOK_SECRET),
    }
    backoff = FIRST_BACKOFF_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = requests.post(
                settings.WEBHOOK_URL, data=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
            if response.ok:
                return
            logger.warning(
                "webhook %s answered %s (try %s)", event_type, response.status_code, attempt
            )
        except requests.RequestException as error:
            logger.warning(
                "webhook %s failed: %s (try %s)", event_type, type(error).__name__, attempt
            )
        if attempt < ATTEMPTS:
            time.sleep(backoff)
            backoff *= 2
    logger.warning("webhook %s given up after %s tries", event_type, ATTEMPTS)
