"""What the SMS gateways report back: delivery receipts and received text messages.

Each gateway posts in its own format (parsed here into `Receipt` and `Inbound`, raising
`ReportRefused` for anything malformed) and the two recording functions apply them:

- `record_delivery_receipt` moves the message the gateway took to delivered,
  permanent-failure or temporary-failure, once: a final status never changes, so a
  repeated or late receipt is acknowledged and ignored.
- `record_received_text` stores a text sent to a service's inbound number once per
  gateway report.

Either queues the service's callback in the same transaction.
"""

import contextlib
import datetime
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from civitas.notify import phones
from civitas.notify.callbacks import queue_received_text_callback, queue_status_callback
from civitas.notify.models import Message, ReceivedTextMessage, SendingService

logger = logging.getLogger(__name__)

DELIVERED = Message.Status.DELIVERED
PERMANENT = Message.Status.PERMANENT_FAILURE
TEMPORARY = Message.Status.TEMPORARY_FAILURE

# Firetext: status 0 delivered, 1 not delivered, 2 pending (no change). Its detail codes
# say whether "not delivered" may pass (a phone off, a full inbox) or never will.
FIRETEXT_TEMPORARY_CODES = {"000", "102", "103", "104", "302", "900"}
# MMG: status 3 delivered, 4 temporary failure, 2 and 5 permanent failure.
MMG_STATUSES = {"2": PERMANENT, "3": DELIVERED, "4": TEMPORARY, "5": PERMANENT}
# MMG's 5/23, "duplicate message id", is its answer to a client reference sent twice: the
# first copy's own receipt says what became of the message.
MMG_DUPLICATE = ("5", "23")


class ReportRefused(ValueError):
    """A gateway's report that cannot be read; the reason is safe to show and log."""


@dataclass(frozen=True)
class Receipt:
    provider: str
    reference: str
    status: str | None
    """The message's new status, or None for an interim report that changes nothing."""


@dataclass(frozen=True)
class Inbound:
    provider: str
    reference: str
    source_number: str
    destination_number: str
    content: str
    received_at: datetime.datetime


def _required(data: Mapping[str, object], *names: str) -> list[str]:
    values = []
    for name in names:
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise ReportRefused(f"{name} missing")
        if len(value) > 2000:
            raise ReportRefused(f"{name} too long")
        values.append(value.strip())
    return values


def parse_firetext_receipt(form: Mapping[str, str]) -> Receipt:
    status, reference = _required(form, "status", "reference")
    code = str(form.get("code") or "")
    if status == "0":
        new = DELIVERED
    elif status == "1":
        new = TEMPORARY if code in FIRETEXT_TEMPORARY_CODES else PERMANENT
    elif status == "2":
        new = None
    else:
        raise ReportRefused("status not one of 0, 1, 2")
    return Receipt("firetext", reference[:100], new)


def parse_mmg_receipt(body: bytes) -> Receipt:
    data = _json_object(body)
    status, reference = _required(data, "status", "CID")
    substatus = str(data.get("substatus") or "")
    if status not in MMG_STATUSES:
        raise ReportRefused("status not one of 2, 3, 4, 5")
    new = None if (status, substatus) == MMG_DUPLICATE else MMG_STATUSES[status]
    return Receipt("mmg", reference[:100], new)


def parse_firetext_inbound(form: Mapping[str, str]) -> Inbound:
    source, destination, content, time = _required(form, "source", "destination", "message", "time")
    # Firetext gives a received text no id of its own: the report's own contents name it,
    # so the same report posted twice is kept once.
    reference = hashlib.sha256(
        "\x1f".join((source, destination, time, content)).encode()
    ).hexdigest()[:64]
    return Inbound(
        "firetext", reference, _number(source), _inbound_number(destination), content, _moment(time)
    )


def parse_mmg_inbound(body: bytes) -> Inbound:
    data = _json_object(body)
    reference, source, destination, raw = _required(data, "ID", "MSISDN", "Number", "Message")
    when = data.get("DateRecieved")  # sic: MMG's spelling
    return Inbound(
        "mmg",
        reference[:100],
        _number(source),
        _inbound_number(destination),
        # MMG sends the text form-encoded inside the JSON: + for a space, %xx for the rest.
        unquote_plus(raw),
        _moment(unquote_plus(when) if isinstance(when, str) else ""),
    )


def _json_object(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ReportRefused("body is not JSON") from error
    if not isinstance(data, dict):
        raise ReportRefused("body is not a JSON object")
    return data


def _moment(text: str) -> datetime.datetime:
    """The gateway's time (UTC, "2017-05-21 11:56:11"), or now if it gave none we can read."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return timezone.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _number(written: str) -> str:
    """A sender's number in E.164 where it is a UK mobile; as given (digits) otherwise."""
    digits = "".join(character for character in written if character.isdigit())
    problem, number = phones.normalise(("+" + digits) if digits.startswith("44") else written)
    return number if not problem else digits[:20]


def _inbound_number(written: str) -> str:
    """A service's number as it is stored: national form (447700900123 → 07700900123)."""
    digits = "".join(character for character in written if character.isdigit())
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits[:20]


def normalise_inbound_number(written: str) -> str:
    """A service's inbound number as given by staff, in the form it is stored."""
    return _inbound_number(written)


def record_delivery_receipt(receipt: Receipt) -> str:
    """Applies a gateway's receipt; returns "updated", "unchanged" or "unknown" (no
    message of that gateway has that reference)."""
    with transaction.atomic():
        match = Q(provider=receipt.provider, provider_reference=receipt.reference)
        # A receipt can beat the worker's record of the hand-over: the gateway was given
        # our message id, and the pin already names it (failover).
        with contextlib.suppress(ValueError):
            match |= Q(provider=receipt.provider, id=uuid.UUID(receipt.reference), sent_at=None)
        message = (
            Message.objects.select_for_update().filter(match, channel=Message.Channel.SMS).first()
        )
        if message is None:
            return "unknown"
        if receipt.status is None or message.status in Message.FINAL:
            return "unchanged"
        now = timezone.now()
        message.status = receipt.status
        message.completed_at = now
        if message.sent_at is None:
            message.sent_at = now
            message.provider_reference = receipt.reference
        Message.objects.filter(id=message.id).update(
            status=message.status,
            completed_at=now,
            sent_at=message.sent_at,
            provider_reference=message.provider_reference,
        )
        queue_status_callback(message)
    logger.info("message %s now %s (receipt from %s)", message.id, receipt.status, receipt.provider)
    return "updated"


def record_received_text(inbound: Inbound) -> ReceivedTextMessage | None:
    """Stores a text sent to a service's inbound number, once per gateway report; None
    when no service has that number (the gateway is told all is well: asking again
    would not help)."""
    service = SendingService.objects.filter(inbound_number=inbound.destination_number).first()
    if service is None:
        logger.warning("received text from %s for no service's number", inbound.provider)
        return None
    try:
        with transaction.atomic():
            received = ReceivedTextMessage(
                sending_service=service,
                provider=inbound.provider,
                provider_reference=inbound.reference,
                source_number=inbound.source_number,
                destination_number=inbound.destination_number,
                content=inbound.content,
                received_at=inbound.received_at,
            )
            received.save(force_insert=True)
            queue_received_text_callback(received)
    except IntegrityError:
        # Reported before: the first report's row stands.
        return ReceivedTextMessage.objects.get(
            provider=inbound.provider, provider_reference=inbound.reference
        )
    logger.info("received text %s stored for service %s", received.id, service.id)
    return received
