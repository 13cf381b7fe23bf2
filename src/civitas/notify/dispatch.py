"""The dispatcher: every worker hands due messages to their providers, a batch at a time.

The outbox table is the queue (docs/decisions/0042). A message is due when it is waiting
(`created`) and its `retry_at` has come, or when a worker's lease on it ran out before it
was handed over (the worker died mid-batch). A worker claims up to `BATCH_SIZE` due
messages of one channel in one short transaction (rows locked with SKIP LOCKED on
PostgreSQL, so two workers claim different messages; SQLite's IMMEDIATE transactions take
turns), hands each to the channel's provider outside any transaction, over one connection
that stays open between batches, and records the outcomes every `RECORD_EVERY` messages.

So a worker killed mid-batch leaves at most `RECORD_EVERY` messages handed over but not
recorded: their lease runs out and they are handed over again with the same reference (an
email's Message-ID, a gateway's idempotency key), which is what lets the other side drop
the duplicate. Nothing is lost: the claimed messages not yet handed over are due again
when their lease ends.

Workers wait for work on a wake-up list in Redis (pushed when a message commits) when
there is one, and otherwise look every `POLL_SECONDS`. A worker that has just sent all
that was due waits `GATHER_SECONDS` before it claims again, so that messages arriving
steadily are claimed in batches rather than one or two at a time: at about 450 messages
a second through the API, claiming at once made a second worker slow the whole path
down (each claim is a transaction, and two workers raced for the same rows).
"""

import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from civitas.notify.callbacks import queue_status_callback
from civitas.notify.late_fields import fill_late_fields
from civitas.notify.models import ERASED_BODY, Message, SendingService, lease
from civitas.notify.providers import (
    Channel,
    DeliveryFailed,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    provider_for,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
RECORD_EVERY = 20
POLL_SECONDS = 0.2
WAKE_KEY = "civitas:notify:wake"
WAKE_EVERY_SECONDS = 0.05
# How long a dispatcher waits for a wake-up before it looks anyway.
WAIT_SECONDS = 0.5
# How long a dispatcher that has just sent everything due lets new messages gather.
GATHER_SECONDS = 0.05
_last_wake = 0.0

# GOV.UK Notify's simulated recipients: with a test key they end in these statuses, so a
# caller can test its handling of failures; every other test message is "delivered".
TEST_KEY_OUTCOMES = {
    "temp-fail@simulator.notify": Message.Status.TEMPORARY_FAILURE,
    "perm-fail@simulator.notify": Message.Status.PERMANENT_FAILURE,
    "+447700900003": Message.Status.TEMPORARY_FAILURE,
    "+447700900002": Message.Status.PERMANENT_FAILURE,
}


@dataclass(frozen=True)
class Outcome:
    """What became of one message handed to its provider."""

    message: Message
    receipt: DeliveryReceipt | None = None
    failure: str = ""
    permanent: bool = False


def claim_batch(channel: str, *, limit: int = BATCH_SIZE, only: str | None = None) -> list[Message]:
    """Claims up to `limit` due messages of the channel (or the one message `only`, if it is
    due) with a lease, oldest first, and returns them."""
    now = timezone.now()
    with transaction.atomic():
        due = Message.objects.filter(
            channel=channel,
            status__in=Message.PENDING,
            sent_at__isnull=True,
            retry_at__lte=now,
        )
        if only is not None:
            due = due.filter(id=only)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # The personalisation is for the API's view of a message; sending needs its words.
        messages = list(due.defer("personalisation").order_by("retry_at")[:limit])
        if not messages:
            return []
        lease_until = now + lease()
        Message.objects.filter(id__in=[message.id for message in messages]).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, retry_at=lease_until
        )
    for message in messages:
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.retry_at = lease_until
    return messages


def deliver_batch(channel: str, *, limit: int = BATCH_SIZE, only: str | None = None) -> int:
    """Claims and hands over one batch of the channel's due messages; returns how many it
    claimed. The provider is found first, so a bad NOTIFY_PROVIDERS claims nothing."""
    provider = provider_for(channel)
    claimed = claim_batch(channel, limit=limit, only=only)
    messages = fill_late_fields(claimed)
    senders = _sms_senders(messages) if channel == Message.Channel.SMS else {}
    outcomes: list[Outcome] = []
    for message in messages:
        if message.key_type == Message.KeyType.TEST:
            # A test key's letter is "received", as if printed; any other message is
            # "delivered" unless sent to one of Notify's failing test recipients.
            delivered = (
                Message.Status.RECEIVED
                if message.channel == Message.Channel.LETTER
                else Message.Status.DELIVERED
            )
            status = TEST_KEY_OUTCOMES.get(message.recipient, delivered)
            outcomes.append(Outcome(message, DeliveryReceipt(status=status, provider="test")))
        else:
            sender = senders.get(message.sending_service_id, "")
            outcomes.append(_hand_over(provider.send, message, sender=sender))
        if len(outcomes) >= RECORD_EVERY:
            record_outcomes(outcomes)
            outcomes = []
    record_outcomes(outcomes)
    return len(claimed)


def _sms_senders(messages: list[Message]) -> dict[object, str]:
    """Each sending service's text-message sender, for a batch: one query."""
    ids = {message.sending_service_id for message in messages if message.sending_service_id}
    if not ids:
        return {}
    return dict(SendingService.objects.filter(id__in=ids).values_list("id", "sms_sender"))


def _hand_over(
    send: Callable[[OutgoingMessage], DeliveryReceipt], message: Message, *, sender: str = ""
) -> Outcome:
    outgoing = OutgoingMessage(
        channel=Channel(message.channel),
        reference=str(message.id),
        recipient=message.recipient,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        reply_to=message.reply_to,
        sender=sender,
    )
    try:
        return Outcome(message, send(outgoing))
    except PermanentFailure as failure:
        return Outcome(message, failure=failure.reason, permanent=True)
    except DeliveryFailed as failure:
        return Outcome(message, failure=failure.reason)
    except Exception as error:
        # The error class only: a provider's errors can quote the recipient.
        return Outcome(message, failure=type(error).__name__)


def record_outcomes(outcomes: list[Outcome]) -> None:
    """Writes what happened to each message: one UPDATE for those handed over alike, one
    per failure. A message handed over is never handed over again (its `sent_at`)."""
    if not outcomes:
        return
    now = timezone.now()
    handed_over: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        if outcome.receipt is not None:
            key = (outcome.receipt.status, outcome.receipt.provider)
            handed_over.setdefault(key, []).append(outcome)
        else:
            _record_failure(outcome, now)
    for (status, provider), group in handed_over.items():
        with_references = [o for o in group if o.receipt and o.receipt.reference]
        # A gateway's delivery receipt can arrive before this is written: a final status
        # it set stays.
        Message.objects.filter(id__in=[o.message.id for o in group]).update(
            status=Case(When(status__in=Message.FINAL, then=F("status")), default=Value(status)),
            sent_at=now,
            completed_at=Case(
                When(status__in=Message.FINAL, then=F("completed_at")),
                default=Value(
                    now if status in Message.FINAL else None, output_field=DateTimeField()
                ),
            ),
            provider=provider[:32],
            last_error="",
        )
        if with_references:
            for outcome in with_references:
                assert outcome.receipt is not None
                outcome.message.provider_reference = outcome.receipt.reference[:100]
            Message.objects.bulk_update(
                [o.message for o in with_references], ["provider_reference"], batch_size=200
            )
        for outcome in group:
            if outcome.message.erase_body_when_sent:
                # Encrypted fields are written with save(), which seals them for their row.
                outcome.message.body_text = outcome.message.body_html = ERASED_BODY
                outcome.message.save(update_fields=["body_text", "body_html"])
    if handed_over:
        logger.info("%s messages handed over", sum(len(group) for group in handed_over.values()))
    _report_final_statuses([outcome.message for outcome in outcomes])


def _report_final_statuses(messages: list[Message]) -> None:
    """Queues the delivery-status callbacks of the messages that reached a final status,
    for the services that registered one (`callbacks`): two queries when none did."""
    ids = {message.sending_service_id for message in messages if message.sending_service_id}
    if not ids:
        return
    services: dict[object, SendingService] = {
        service.id: service
        for service in SendingService.objects.filter(id__in=ids).exclude(
            delivery_status_callback_url=""
        )
    }
    if not services:
        return
    wanted = [message.id for message in messages if message.sending_service_id in services]
    with transaction.atomic():
        for message in Message.objects.filter(id__in=wanted, status__in=Message.FINAL):
            queue_status_callback(message, service=services.get(message.sending_service_id))


def _backoff(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(seconds=15 * 2 ** (attempts - 1)), datetime.timedelta(hours=1))


def _record_failure(outcome: Outcome, now: datetime.datetime) -> None:
    """A failed attempt: failed for good when it cannot succeed or has had its attempts,
    else due again after a back-off. The reason is never personal data."""
    message = outcome.message
    exhausted = message.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    if outcome.permanent:
        status = Message.Status.PERMANENT_FAILURE
    elif exhausted:
        status = Message.Status.TECHNICAL_FAILURE
    else:
        status = Message.Status.CREATED
    final = status != Message.Status.CREATED
    Message.objects.filter(id=message.id).update(
        status=status,
        retry_at=now + _backoff(message.attempts),
        completed_at=now if final else None,
        last_error=outcome.failure[:200],
    )
    logger.warning(
        "message %s attempt %s failed%s: %s",
        message.id,
        message.attempts,
        " for good" if final else "",
        outcome.failure,
    )


def deliver_due_messages(*, budget_seconds: float = 2.0) -> int:
    """Hands over due messages of every channel with a provider, batch after batch, until
    none is due or the budget is spent; returns how many were claimed."""
    started = time.monotonic()
    claimed = 0
    for channel in settings.NOTIFY_PROVIDERS:
        while time.monotonic() - started < budget_seconds:
            batch = deliver_batch(channel)
            claimed += batch
            if batch < BATCH_SIZE:
                break
    return claimed


def wake_dispatchers() -> None:
    """Tells the workers that messages are waiting (Redis only; without it they look
    every POLL_SECONDS). Never raises: a message not announced is found by the next look.

    At most once every WAKE_EVERY_SECONDS per process: under load one wake-up serves many
    messages, and a round trip to Redis for each was a tenth of an API call's time. A
    message committed just after a wake-up that a dispatcher has already acted on waits
    for its next look (WAIT_SECONDS at most)."""
    global _last_wake
    if not settings.REDIS_URL:
        return
    now = time.monotonic()
    if now - _last_wake < WAKE_EVERY_SECONDS:
        return
    _last_wake = now
    try:
        client = _redis()
        with client.pipeline(transaction=False) as pipe:
            pipe.lpush(WAKE_KEY, 1)
            pipe.ltrim(WAKE_KEY, 0, 0)
            pipe.execute()
    except Exception as error:
        logger.warning("could not wake the dispatchers (%s)", type(error).__name__)


_redis_clients: dict[str, "redis.Redis"] = {}


def _redis() -> "redis.Redis":
    """A client for REDIS_URL, made once per URL (tests change it), that gives up fast."""
    url = str(settings.REDIS_URL)
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    return _redis_clients[url]


def _wait_for_work(stop: threading.Event) -> None:
    if settings.REDIS_URL:
        try:
            _redis().blpop([WAKE_KEY], timeout=WAIT_SECONDS)  # within the 2 s socket timeout
            return
        except Exception as error:  # Redis away: look in the database instead
            logger.debug("wake-up list unreachable (%s)", type(error).__name__)
    stop.wait(POLL_SECONDS)


def run_dispatcher(stop: threading.Event, fork_lock: threading.Lock) -> None:
    """The worker's delivery loop, until `stop` is set. `fork_lock` is held while a batch
    runs, so that a job process forked meanwhile never inherits a half-used connection."""
    while not stop.is_set():
        try:
            with fork_lock:
                close_old_connections()
                claimed = deliver_due_messages()
        except ImproperlyConfigured:
            logger.exception("messages cannot be delivered: NOTIFY_PROVIDERS is wrong")
            claimed = 0
            stop.wait(10)
        except Exception:
            # The loop must outlive any outage (the database restarting, say).
            logger.exception("message delivery interrupted")
            claimed = 0
            stop.wait(1)
        if not claimed:
            _wait_for_work(stop)
        elif claimed < BATCH_SIZE:
            # Caught up: let the next messages gather for a moment rather than claim them
            # one or two at a time, each claim a transaction of its own (and, with several
            # workers, a race for the same rows).
            stop.wait(GATHER_SECONDS)
