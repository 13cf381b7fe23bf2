"""What the Notify-compatible API reads and writes: requests checked as GOV.UK Notify's
v2 schemas check them (and in their words), and responses in Notify's shapes.

Pure functions over plain values and rows already fetched: no queries here, so the views
can fetch in bulk (no query a row in a list).
"""

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from civitas.notify import addresses, phones
from civitas.notify.api_errors import ApiError, bad_request, invalid
from civitas.notify.models import Message, ReceivedTextMessage, Template, TemplateVersion

PAGE_SIZE = 250
TEMPLATE_TYPES = ("sms", "email", "letter")
# Notify's statuses a list may be filtered by; "failed" stands for every failure.
LIST_STATUSES = (
    "cancelled",
    "created",
    "sending",
    "sent",
    "delivered",
    "pending",
    "failed",
    "technical-failure",
    "temporary-failure",
    "permanent-failure",
    "pending-virus-check",
    "validation-failed",
    "virus-scan-failed",
    "returned-letter",
    "accepted",
    "received",
)
FAILED = ("technical-failure", "temporary-failure", "permanent-failure", "validation-failed")
# A precompiled letter's PDF, decoded: Notify's own limit.
MAX_PRECOMPILED_BYTES = 5 * 1024 * 1024
# Notify's limits on what a message may be once filled in.
MAX_EMAIL_BYTES = 2_000_000
ADDRESS_LINES = tuple(f"address_line_{number}" for number in range(1, 8))

_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {
        "required": ("template_id", "email_address"),
        "optional": (
            "personalisation",
            "reference",
            "email_reply_to_id",
            "one_click_unsubscribe_url",
            "scheduled_for",
        ),
    },
    "sms": {
        "required": ("template_id", "phone_number"),
        "optional": ("personalisation", "reference", "sms_sender_id", "scheduled_for"),
    },
    "letter": {
        "required": ("template_id", "personalisation"),
        "optional": ("reference", "scheduled_for"),
    },
    "precompiled": {"required": ("reference", "content"), "optional": ("postage",)},
}


def read_json(body: bytes) -> dict[str, Any]:
    """The request's JSON object; BadRequestError for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON supplied in POST data") from None
    if not isinstance(data, dict):
        raise bad_request("Invalid JSON supplied in POST data")
    return data


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def is_uuid(value: object) -> bool:
    return _is_uuid(value)


@dataclass(frozen=True)
class SendRequest:
    """A send request that has the fields its type needs, each of the right type."""

    template_id: str
    recipient: str
    personalisation: dict[str, Any]
    reference: str
    one_click_unsubscribe_url: str


def check_send_request(kind: str, data: Mapping[str, Any]) -> SendRequest:
    """The request, or ValidationError naming every field that is wrong."""
    spec = _FIELDS[kind]
    errors = [f"{field} is a required property" for field in spec["required"] if field not in data]
    allowed = (*spec["required"], *spec["optional"])
    unexpected = [field for field in data if field not in allowed]
    if unexpected:
        errors.append(
            "Additional properties are not allowed "
            f"({', '.join(repr(field) for field in unexpected)} "
            f"{'was' if len(unexpected) == 1 else 'were'} unexpected)"
        )
    if "template_id" in data and not _is_uuid(data["template_id"]):
        errors.append("template_id is not a valid UUID")
    for field in ("email_address", "phone_number", "reference", "one_click_unsubscribe_url"):
        if field in data and not isinstance(data[field], str):
            errors.append(f"{field} {data[field]!r} is not of type string")
    if "reference" in data and isinstance(data["reference"], str) and len(data["reference"]) > 1000:
        errors.append("reference is too long")
    if "personalisation" in data and not isinstance(data["personalisation"], dict):
        errors.append(f"personalisation {data['personalisation']!r} is not of type object")
    for field in ("email_reply_to_id", "sms_sender_id"):
        if field in data and not _is_uuid(data[field]):
            errors.append(f"{field} is not a valid UUID")
    if errors:
        raise invalid(*errors)
    personalisation = dict(data.get("personalisation") or {})
    if kind == "letter":
        recipient = "\n".join(
            str(personalisation.get(line) or "") for line in (*ADDRESS_LINES, "postcode")
        )
    else:
        recipient = str(data.get("email_address") or data.get("phone_number") or "")
    return SendRequest(
        template_id=str(data["template_id"]),
        recipient=recipient,
        personalisation=personalisation,
        reference=str(data.get("reference") or ""),
        one_click_unsubscribe_url=str(data.get("one_click_unsubscribe_url") or ""),
    )


@dataclass(frozen=True)
class PrecompiledRequest:
    reference: str
    pdf: bytes
    postage: str


def check_precompiled_request(data: Mapping[str, Any]) -> PrecompiledRequest:
    """A precompiled letter's request: its reference, its PDF decoded, its postage."""
    spec = _FIELDS["precompiled"]
    errors = [f"{field} is a required property" for field in spec["required"] if field not in data]
    for field in ("reference", "content", "postage"):
        if field in data and not isinstance(data[field], str):
            errors.append(f"{field} {data[field]!r} is not of type string")
    postage = data.get("postage") or "second"
    if isinstance(postage, str) and postage not in ("first", "second", "economy"):
        errors.append("postage invalid. It must be first, second or economy.")
    if errors:
        raise invalid(*errors)
    content = str(data["content"])
    if len(content) > MAX_PRECOMPILED_BYTES * 4 // 3 + 4:
        raise bad_request("Letter content is too large: it must be 5MB or smaller")
    try:
        pdf = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("Cannot decode letter content (file) using Base64 encoding") from None
    if not pdf:
        raise invalid("Letter content is empty")
    if not pdf.startswith(b"%PDF-"):
        raise bad_request("Letter content is not a valid PDF")
    return PrecompiledRequest(reference=str(data["reference"]), pdf=pdf, postage=str(postage))


@dataclass(frozen=True)
class ListFilters:
    statuses: tuple[str, ...]
    template_type: str
    reference: str
    older_than: str


def check_list_filters(query: Mapping[str, str], lists: Mapping[str, list[str]]) -> ListFilters:
    """The filters of GET /v2/notifications; ValidationError for an unknown value."""
    errors = []
    statuses: list[str] = []
    for status in lists.get("status", []):
        if status not in LIST_STATUSES:
            errors.append(f"status {status} is not one of [{', '.join(LIST_STATUSES)}]")
        statuses.extend(FAILED if status == "failed" else (status,))
        if status == "sending":
            statuses.append("pending")
    template_type = query.get("template_type", "")
    if template_type and template_type not in TEMPLATE_TYPES:
        errors.append(f"template_type {template_type} is not one of [{', '.join(TEMPLATE_TYPES)}]")
    older_than = query.get("older_than", "")
    if older_than and not _is_uuid(older_than):
        errors.append("older_than is not a valid UUID")
    if errors:
        raise invalid(*errors)
    return ListFilters(
        statuses=tuple(dict.fromkeys(statuses)),
        template_type=template_type,
        reference=query.get("reference", ""),
        older_than=older_than,
    )


def timestamp(value: Any) -> str | None:
    """Notify's time format: UTC, microseconds, a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value is not None else None


def from_email() -> str:
    from django.conf import settings

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def template_ref(template_id: object, version: int | None, base: str) -> dict[str, Any]:
    if template_id is None:  # a message the platform wrote without a template
        return {"id": None, "version": None, "uri": None}
    return {
        "id": str(template_id),
        "version": version,
        "uri": f"{base}/v2/template/{template_id}/version/{version}",
    }


def status_shown(message: Message) -> str:
    """The status as Notify's API shows it: a letter not yet printed is `accepted`."""
    if message.channel == Message.Channel.LETTER:
        if message.status in (Message.Status.CREATED, Message.Status.SENDING):
            return "accepted"
        if message.status == Message.Status.DELIVERED:
            return "received"
    return str(message.status)


def notification_body(message: Message, base: str) -> dict[str, Any]:
    """GET /v2/notifications/{id}'s answer, and each entry of the list."""
    body: dict[str, Any] = {
        "id": str(message.id),
        "reference": message.client_reference or None,
        "email_address": None,
        "phone_number": None,
        **{f"line_{number}": None for number in range(1, 8)},
        "postcode": None,
        "postal_address": None,
        "postage": message.postage or None,
        "type": message.channel,
        "status": status_shown(message),
        "template": template_ref(message.notify_template_id, message.template_version, base),
        "body": message.body_text_shown.strip(),
        "subject": message.subject if message.channel != Message.Channel.SMS else None,
        "created_at": timestamp(message.created_at),
        "created_by_name": None,
        "sent_at": timestamp(message.sent_at),
        "completed_at": timestamp(message.completed_at),
        "scheduled_for": None,
        "estimated_delivery": None,
        "one_click_unsubscribe_url": None,
        "is_cost_data_ready": False,
        "cost_in_pounds": None,
        "cost_details": {},
    }
    if message.channel == Message.Channel.EMAIL:
        body["email_address"] = message.recipient
    elif message.channel == Message.Channel.SMS:
        body["phone_number"] = message.recipient
        body["cost_details"] = {"billable_sms_fragments": message.fragments}
    else:
        lines = addresses.lines_of(message.recipient)
        for number, line in enumerate(lines[:7], start=1):
            body[f"line_{number}"] = line
        if lines and addresses.is_uk_postcode(lines[-1]):
            body["postcode"] = lines[-1]
        body["postal_address"] = {
            "line_1": lines[0] if lines else None,
            **{f"line_{n}": (lines[n - 1] if len(lines) >= n else None) for n in range(2, 8)},
        }
    return body


def template_body(template: Template, words: TemplateVersion) -> dict[str, Any]:
    """A template at one version, as GET /v2/template/{id} answers it."""
    return {
        "id": str(template.pk),
        "name": template.name,
        "type": template.type,
        "created_at": timestamp(template.created_at),
        "updated_at": timestamp(words.created_at),
        "created_by": words.created_by,
        "version": words.version,
        "body": words.body,
        "subject": words.subject if template.type != "sms" else None,
        "letter_contact_block": (
            template.sending_service.letter_contact_block if template.type == "letter" else None
        ),
        "postage": (words.postage or "second") if template.type == "letter" else None,
    }


def received_text_body(text: ReceivedTextMessage) -> dict[str, Any]:
    return {
        "id": str(text.id),
        "user_number": text.source_number,
        "notify_number": text.destination_number,
        "created_at": timestamp(text.received_at),
        "service_id": str(text.sending_service_id),
        "content": text.content,
    }


def too_long(message: Message) -> ApiError | None:
    """Notify's refusal of a message too long once filled in, or None."""
    if message.channel == Message.Channel.EMAIL:
        size = len(message.body_text.encode())
        if size > MAX_EMAIL_BYTES:
            return bad_request(
                f"Your message is too long. Emails cannot be longer than {MAX_EMAIL_BYTES} "
                f"bytes. Your message is {size} bytes."
            )
    if message.channel == Message.Channel.SMS and message.fragments > phones.MAX_FRAGMENTS:
        limit = phones.PART_GSM * phones.MAX_FRAGMENTS
        length = phones.encoded_length(message.body_text)
        return bad_request(
            f"Your message is too long. Text messages cannot be longer than {limit} "
            f"characters. Your message is {length} characters long."
        )
    return None


def refused(error: Exception, *, field: str) -> ApiError:
    """A SendingRefused as Notify answers it: a bad address or number is a
    ValidationError, anything else (template, personalisation) a BadRequestError."""
    message = str(error)
    if field in ("email_address", "phone_number") or (
        field == "personalisation" and not message.startswith("Missing personalisation")
    ):
        return invalid(message)
    return bad_request(message)
