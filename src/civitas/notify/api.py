"""The GOV.UK Notify-compatible API (v2): the same paths, bodies, status codes and error
bodies as Notify's, so its official clients work when pointed at Civitas
(docs/decisions/0043, docs/notify-api.md).

Each view acts for the sending service whose key signed the request, and reaches only
that service's notifications, templates and received texts: another's id answers 404,
as an unknown one does. Sending goes through `sending.send_from_template`, the one way in.
"""

import contextlib
import functools
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from civitas.identity.public import team_email_addresses
from civitas.notify import api_bodies as bodies
from civitas.notify.api_auth import Caller, notify_key_required
from civitas.notify.api_errors import ApiError, bad_request, error_response, invalid, not_found
from civitas.notify.api_limits import count_daily_send
from civitas.notify.letters import letter_pdf
from civitas.notify.models import (
    Message,
    ReceivedTextMessage,
    SendingService,
    Template,
    TemplateVersion,
)
from civitas.notify.precompiled import queue_precompiled_letter
from civitas.notify.rendering import SendingRefused, render
from civitas.notify.sending import send_from_template
from civitas.platform import ratelimit

# A template and its current words, once fetched, are used by each process for this long:
# a new version is sent from within a second of being saved.
TEMPLATE_MEMORY_SECONDS = 1.0
_templates: dict[tuple[str, str], tuple[float, Template, TemplateVersion]] = {}


def forget_templates() -> None:
    _templates.clear()


def _methods(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answers other methods 405 in Notify's error shape, before any key is checked."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = error_response(
                    405, "MethodNotAllowed", "The method is not allowed for the requested URL."
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorate


def _caller(request: HttpRequest) -> Caller:
    caller: Caller = request.notify_caller  # type: ignore[attr-defined]
    return caller


def _base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


# A letter request's JSON, at most: a precompiled letter's 5 MB PDF in base64, and its
# fields.
MAX_BODY_BYTES = bodies.MAX_PRECOMPILED_BYTES * 4 // 3 + 64 * 1024


def _json_body(request: HttpRequest, *, max_bytes: int = 3 * 1024 * 1024) -> dict[str, Any]:
    """The request's JSON object, read from at most `max_bytes` (a 2 MB email and its
    fields by default, a precompiled letter's PDF for letters)."""
    content_type = request.content_type or ""
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise ApiError(415, "BadRequestError", "Content-Type header must be application/json")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise bad_request("Request body is too large", status_code=413)
    # Read from the stream, not `request.body`, whose bound (DATA_UPLOAD_MAX_MEMORY_SIZE,
    # for forms) is below a precompiled letter's; no more than the bound is read.
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise bad_request("Request body is too large", status_code=413)
    return bodies.read_json(body)


def _template(service: SendingService, template_id: str) -> tuple[Template, TemplateVersion]:
    """The service's live template and its current words; 400 "Template not found"."""
    key = (str(service.pk), template_id)
    now = time.monotonic()
    remembered = _templates.get(key)
    if remembered is not None and now - remembered[0] < TEMPLATE_MEMORY_SECONDS:
        return remembered[1], remembered[2]
    words = (
        TemplateVersion.objects.select_related("template")
        .filter(
            template_id=template_id,
            template__sending_service=service,
            template__archived=False,
            version=F("template__version"),
        )
        .first()
    )
    if words is None:
        _templates.pop(key, None)
        raise bad_request("Template not found")
    if len(_templates) > 5000:
        _templates.clear()
    _templates[key] = (now, words.template, words)
    return words.template, words


def _scoped_template(service: SendingService, template_id: str) -> Template:
    if not bodies.is_uuid(template_id):
        raise invalid("template_id is not a valid UUID")
    template = (
        Template.objects.select_related("sending_service")
        .filter(sending_service=service, pk=template_id)
        .first()
    )
    if template is None:
        raise not_found()
    return template


# Sending ------------------------------------------------------------------------------


@_methods("POST")
@notify_key_required
def send_email(request: HttpRequest) -> HttpResponse:
    return _send(request, "email")


@_methods("POST")
@notify_key_required
def send_sms(request: HttpRequest) -> HttpResponse:
    return _send(request, "sms")


@_methods("POST")
@notify_key_required
def send_letter(request: HttpRequest) -> HttpResponse:
    data = _json_body(request, max_bytes=MAX_BODY_BYTES)
    if "content" in data and "template_id" not in data:
        return _send_precompiled(request, data)
    return _send(request, "letter", data)


def _send(request: HttpRequest, channel: str, data: dict[str, Any] | None = None) -> HttpResponse:
    caller = _caller(request)
    service = caller.service
    if data is None:
        data = _json_body(request)
    if channel == "letter" and caller.key_type == Message.KeyType.TEAM:
        raise bad_request("Cannot send letters with a team api key", status_code=403)
    sent = bodies.check_send_request(channel, data)
    for field in ("email_reply_to_id", "sms_sender_id"):
        if field in data:
            # Civitas has one reply-to address and one sender a service: no other ids.
            raise bad_request(
                f"{field} {data[field]} does not exist in database for service id {service.pk}"
            )
    template, words = _template(service, sent.template_id)
    if template.type != channel:
        raise bad_request(f"{template.type} template is not suitable for {channel} notification")
    if caller.key_type == Message.KeyType.TEAM and not _is_team_recipient(
        service, channel, sent.recipient
    ):
        raise bad_request("Can’t send to this recipient using a team-only API key")
    message_id = uuid.uuid4()

    def check(message: Message) -> None:
        # Checked once filled in, as Notify does, then counted against the day's limit,
        # before the row is written: a refusal writes nothing.
        too_long = bodies.too_long(message)
        if too_long is not None:
            raise too_long
        count_daily_send(service, channel, caller.key_type)

    # A count kept in the database must roll back with a message that is not written, so
    # the two share a transaction. Counted in Redis, the message is one INSERT on its own:
    # no BEGIN and COMMIT, two round trips of the three.
    together = not ratelimit.counts_outside_transactions()
    try:
        with transaction.atomic() if together else contextlib.nullcontext():
            message = send_from_template(
                sending_service=service,
                template=template,
                words=words,
                recipient=sent.recipient,
                personalisation=sent.personalisation,
                # A fresh key: each accepted request is one message, whatever the queue
                # does; a client that retries after a timeout sends again, as with Notify.
                idempotency_key=f"api:{message_id}",
                new_key=True,
                message_id=message_id,
                client_reference=sent.reference,
                key_type=caller.key_type,
                api_key_id=caller.api_key_id,
                before_saving=check,
            )
    except SendingRefused as refusal:
        raise bodies.refused(refusal, field=refusal.field) from None
    base = _base(request)
    content: dict[str, Any]
    if channel == "email":
        content = {
            "body": message.body_text.strip(),
            "subject": message.subject,
            "from_email": bodies.from_email(),
            "one_click_unsubscribe_url": sent.one_click_unsubscribe_url or None,
        }
    elif channel == "sms":
        content = {"body": message.body_text.strip(), "from_number": service.sms_sender}
    else:
        content = {"body": message.body_text.strip(), "subject": message.subject}
    return JsonResponse(
        {
            "id": str(message.id),
            "reference": sent.reference or None,
            "content": content,
            "uri": f"{base}/v2/notifications/{message.id}",
            "template": bodies.template_ref(template.pk, words.version, base),
            "scheduled_for": None,
        },
        status=201,
    )


def _is_team_recipient(service: SendingService, channel: str, recipient: str) -> bool:
    if channel != "email":
        return False  # staff have no phone numbers on record; letters refused above
    return recipient.strip().lower() in team_email_addresses(service.organisation_id)


def _send_precompiled(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    caller = _caller(request)
    if caller.key_type == Message.KeyType.TEAM:
        raise bad_request("Cannot send letters with a team api key", status_code=403)
    letter = bodies.check_precompiled_request(data)
    message_id = uuid.uuid4()
    try:
        with transaction.atomic():
            message = queue_precompiled_letter(
                sending_service=caller.service,
                reference=letter.reference,
                content=letter.pdf,
                postage=letter.postage,
                key_type=caller.key_type,
                api_key_id=caller.api_key_id,
                idempotency_key=f"api:{message_id}",
            )
            count_daily_send(caller.service, "letter", caller.key_type)
    except SendingRefused as refusal:
        raise bad_request(str(refusal)) from None
    return JsonResponse(
        {"id": str(message.id), "reference": letter.reference, "postage": message.postage},
        status=201,
    )


# Reading notifications ----------------------------------------------------------------


def _scoped_message(caller: Caller, notification_id: str) -> Message:
    if not bodies.is_uuid(notification_id):
        raise invalid("notification_id is not a valid UUID")
    message = Message.objects.filter(sending_service=caller.service, pk=notification_id).first()
    if message is None:
        raise not_found()
    return message


@_methods("GET")
@notify_key_required
def get_notification(request: HttpRequest, notification_id: str) -> HttpResponse:
    message = _scoped_message(_caller(request), notification_id)
    return JsonResponse(bodies.notification_body(message, _base(request)))


@_methods("GET")
@notify_key_required
def get_pdf(request: HttpRequest, notification_id: str) -> HttpResponse:
    message = _scoped_message(_caller(request), notification_id)
    if message.channel != Message.Channel.LETTER:
        raise bad_request("Notification is not a letter")
    pdf = letter_pdf(message)
    return HttpResponse(pdf, content_type="application/pdf")


def _older_than(queryset: Any, anchor: Any, time_field: str) -> Any:
    """The rows after `anchor` in (time, id) descending order: keyset paging."""
    if anchor is None:
        return queryset.none()
    moment = getattr(anchor, time_field)
    return queryset.filter(
        Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": anchor.pk})
    )


def _links(
    request: HttpRequest, path: str, params: dict[str, Any], last_id: str | None
) -> dict[str, str]:
    base = _base(request)
    query = urlencode(params, doseq=True)
    links = {"current": f"{base}{path}" + (f"?{query}" if query else "")}
    if last_id is not None:
        links["next"] = f"{base}{path}?" + urlencode({**params, "older_than": last_id}, doseq=True)
    return links


@_methods("GET")
@notify_key_required
def list_notifications(request: HttpRequest) -> HttpResponse:
    caller = _caller(request)
    filters = bodies.check_list_filters(request.GET, dict(request.GET.lists()))
    messages = Message.objects.filter(sending_service=caller.service)
    # As Notify: a test key sees its test messages; live and team keys see their own type.
    messages = messages.filter(key_type=caller.key_type)
    if filters.statuses:
        messages = messages.filter(status__in=filters.statuses)
    if filters.template_type:
        messages = messages.filter(channel=filters.template_type)
    if filters.reference:
        messages = messages.filter(client_reference=filters.reference)
    if filters.older_than:
        anchor = Message.objects.filter(
            sending_service=caller.service, pk=filters.older_than
        ).first()
        messages = _older_than(messages, anchor, "created_at")
    page = list(messages.order_by("-created_at", "-id")[: bodies.PAGE_SIZE])
    base = _base(request)
    params = {
        key: values
        for key, values in request.GET.lists()
        if key in ("status", "template_type", "reference", "older_than")
    }
    return JsonResponse(
        {
            "notifications": [bodies.notification_body(message, base) for message in page],
            "links": _links(
                request, "/v2/notifications", params, str(page[-1].id) if page else None
            ),
        }
    )


@_methods("GET")
@notify_key_required
def list_received_texts(request: HttpRequest) -> HttpResponse:
    caller = _caller(request)
    older_than = request.GET.get("older_than", "")
    if older_than and not bodies.is_uuid(older_than):
        raise invalid("older_than is not a valid UUID")
    texts = ReceivedTextMessage.objects.filter(sending_service=caller.service)
    if older_than:
        anchor = texts.filter(pk=older_than).first()
        texts = _older_than(texts, anchor, "received_at")
    page = list(texts.order_by("-received_at", "-id")[: bodies.PAGE_SIZE])
    params = {"older_than": older_than} if older_than else {}
    return JsonResponse(
        {
            "received_text_messages": [bodies.received_text_body(text) for text in page],
            "links": _links(
                request, "/v2/received-text-messages", params, str(page[-1].id) if page else None
            ),
        }
    )


# Templates ----------------------------------------------------------------------------


@_methods("GET")
@notify_key_required
def get_template(
    request: HttpRequest, template_id: str, version: int | None = None
) -> HttpResponse:
    template = _scoped_template(_caller(request).service, template_id)
    words = template.versions.filter(version=version or template.version).first()
    if words is None:
        raise not_found()
    return JsonResponse(bodies.template_body(template, words))


@_methods("GET")
@notify_key_required
def list_templates(request: HttpRequest) -> HttpResponse:
    service = _caller(request).service
    template_type = request.GET.get("type", "")
    if template_type and template_type not in bodies.TEMPLATE_TYPES:
        raise invalid(f"type {template_type} is not one of [{', '.join(bodies.TEMPLATE_TYPES)}]")
    current = TemplateVersion.objects.select_related("template__sending_service").filter(
        template__sending_service=service,
        template__archived=False,
        version=F("template__version"),
    )
    if template_type:
        current = current.filter(template__type=template_type)
    return JsonResponse(
        {
            "templates": [
                bodies.template_body(words.template, words)
                for words in current.order_by("template__name", "template_id")
            ]
        }
    )


@_methods("GET")
@notify_key_required
def list_template_versions(request: HttpRequest, service_id: str, template_id: str) -> HttpResponse:
    """The official client's `get_all_template_versions` (Notify's admin path): every
    version of the template, newest first, under `data`."""
    service = _caller(request).service
    if not bodies.is_uuid(service_id) or uuid.UUID(service_id) != service.pk:
        raise not_found()
    template = _scoped_template(service, template_id)
    versions = template.versions.order_by("-version")
    return JsonResponse({"data": [bodies.template_body(template, words) for words in versions]})


@_methods("POST")
@notify_key_required
def preview_template(request: HttpRequest, template_id: str) -> HttpResponse:
    template = _scoped_template(_caller(request).service, template_id)
    data = _json_body(request)
    personalisation = data.get("personalisation") or {}
    if not isinstance(personalisation, dict):
        raise invalid(f"personalisation {personalisation!r} is not of type object")
    words = template.versions.get(version=template.version)
    try:
        rendered = render(template, words, personalisation)
    except SendingRefused as refusal:
        raise bad_request(str(refusal)) from None
    body: dict[str, Any] = {
        "id": str(template.pk),
        "type": template.type,
        "version": words.version,
        "body": rendered.text.strip(),
        "subject": rendered.subject if template.type != "sms" else None,
        "html": rendered.html or None,
        "postage": (words.postage or "second") if template.type == "letter" else None,
    }
    if template.type == "sms":
        # Not in Notify's answer: an extra key, which the official clients pass through.
        body["fragment_count"] = rendered.fragments
    return JsonResponse(body)
