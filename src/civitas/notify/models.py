import datetime
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from civitas.platform.crypto import EncryptedJSONField, EncryptedTextField

ERASED_BODY = gettext_noop(
    "This email held a single-use link. Its text was deleted once it was sent."
)

# What staff read for each email a domain sends, by its template name; a name not
# listed here is shown as it is.
TEMPLATE_LABELS = {
    "submitted": gettext_lazy("Application received"),
    "approved": gettext_lazy("Application approved"),
    "refused": gettext_lazy("Application refused"),
    "saved-journey": gettext_lazy("Link to saved answers"),
    "information-request": gettext_lazy("Request for more information"),
    "case-message": gettext_lazy("Message about the application"),
    "tracking-code": gettext_lazy("Code to see the application"),
    "staff-invite": gettext_lazy("Invitation to join the staff"),
}


class SendingService(models.Model):
    """Who sends a message, as GOV.UK Notify names it a service: its templates, API keys,
    limits and callbacks belong to it.

    Every catalogue service has one (`catalogue_slug`), made when it is first published;
    an organisation can also have one that is no catalogue service (a department that only
    sends messages). Its id is the service id in a Notify API key and in each request's
    JWT (`iss`), so it is a UUID as the official clients expect.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    # The catalogue service it sends for; "" for one that only sends messages.
    catalogue_slug = models.CharField(max_length=64, blank=True)
    # Where replies to its emails go: a mailbox its team reads (never a no-reply address).
    reply_to_email = models.EmailField(blank=True)
    # Who a text message says it is from (an alphanumeric sender, at most 11 characters).
    sms_sender = models.CharField(max_length=11, default="Civitas")
    # Printed at the top right of its letters: how to contact the service.
    letter_contact_block = models.TextField(blank=True)
    # Notify's defaults: 3,000 API requests a minute; 250,000 emails and text messages,
    # 20,000 letters a day.
    rate_limit_per_minute = models.PositiveIntegerField(default=3000)
    email_daily_limit = models.PositiveIntegerField(default=250_000)
    sms_daily_limit = models.PositiveIntegerField(default=250_000)
    letter_daily_limit = models.PositiveIntegerField(default=20_000)
    # Where delivery statuses and received text messages are posted, each with the bearer
    # token the service gave (Notify's callbacks). "" for none.
    delivery_status_callback_url = models.URLField(max_length=500, blank=True)
    delivery_status_callback_token = EncryptedTextField(bound_to="id", blank=True, default="")
    received_text_callback_url = models.URLField(max_length=500, blank=True)
    received_text_callback_token = EncryptedTextField(bound_to="id", blank=True, default="")
    # The number people text to reach it, in national form (07700900123) or a short code:
    # received texts are matched to the service by it. "" for none.
    inbound_number = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "catalogue_slug"],
                condition=~models.Q(catalogue_slug=""),
                name="one_sending_service_per_catalogue_service",
            ),
            models.UniqueConstraint(
                fields=["inbound_number"],
                condition=~models.Q(inbound_number=""),
                name="one_sending_service_per_inbound_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateType(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class Template(models.Model):
    """A sending service's message template; its words live in versions.

    Templates written by staff have no `source`; one made from a service definition's
    `messages:` entry has source `definition:<message name>`, and a new version each time
    a new version of the definition changes it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sending_service = models.ForeignKey(
        SendingService, on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=8, choices=TemplateType.choices)
    source = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sending_service", "source"],
                condition=~models.Q(source=""),
                name="one_template_per_definition_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class TemplateVersion(models.Model):
    """One version of a template's words, never changed once written: a message records
    the version it was sent with. Welsh words are optional; without them a Welsh speaker
    gets the English."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    subject = models.TextField(blank=True)
    body = models.TextField()
    welsh_subject = models.TextField(blank=True)
    welsh_body = models.TextField(blank=True)
    # Letters: first, second or economy class, europe or rest-of-world.
    postage = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="template_version")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"


class Message(models.Model):
    """A message to send (an email, a text message or a letter): the outbox row is the
    source of truth, the queued job a nudge.

    A message is written in the same transaction as the change it reports, so it exists
    if and only if the change committed. Delivery is at-least-once: a message not handed
    over by `retry_at` is queued again, whatever happened to the job or the worker.
    """

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"
        LETTER = "letter"

    class Status(models.TextChoices):
        """GOV.UK Notify's names. `created`: waiting to be handed over; `sending`: with
        the provider, waiting for its receipt; `delivered` (an email accepted by the relay,
        a text message its network confirmed); letters go `accepted` (in the print outbox)
        then `received` (the printer took the day's batch)."""

        CREATED = "created"
        SENDING = "sending"
        DELIVERED = "delivered"
        PERMANENT_FAILURE = "permanent-failure"
        TEMPORARY_FAILURE = "temporary-failure"
        TECHNICAL_FAILURE = "technical-failure"
        ACCEPTED = "accepted"
        RECEIVED = "received"
        VALIDATION_FAILED = "validation-failed"

    class KeyType(models.TextChoices):
        """Notify's key types: a test key's messages are never delivered (their status is
        made up); a team key's go only to the service's own team."""

        LIVE = "normal"
        TEAM = "team"
        TEST = "test"

    # The words staff read for each status, in their language. Kept beside the choices
    # rather than as their labels, which would be a migration for no change in the data.
    STATUS_LABELS: ClassVar[dict[str, Promise]] = {
        Status.CREATED: gettext_lazy("Queued"),
        Status.SENDING: gettext_lazy("Sending"),
        Status.DELIVERED: gettext_lazy("Delivered"),
        Status.PERMANENT_FAILURE: gettext_lazy("Not delivered: address or number refused"),
        Status.TEMPORARY_FAILURE: gettext_lazy("Not delivered: inbox full or phone off"),
        Status.TECHNICAL_FAILURE: gettext_lazy("Not delivered: technical failure"),
        Status.ACCEPTED: gettext_lazy("Waiting to be printed"),
        Status.RECEIVED: gettext_lazy("Sent to the printer"),
        Status.VALIDATION_FAILED: gettext_lazy("Letter not valid"),
    }
    # Statuses the outbox still has to act on while not yet handed over (no `sent_at`):
    # the sweep queues them again when late. Once handed over, `sending` waits for the
    # provider's receipt.
    PENDING: ClassVar[tuple[str, ...]] = (Status.CREATED, Status.SENDING)
    # Statuses after which nothing more happens to a message.
    FINAL: ClassVar[tuple[str, ...]] = (
        Status.DELIVERED,
        Status.PERMANENT_FAILURE,
        Status.TEMPORARY_FAILURE,
        Status.TECHNICAL_FAILURE,
        Status.RECEIVED,
        Status.VALIDATION_FAILED,
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Whose message it is: staff see only their own organisation's messages.
    # None: the platform's own email (a citizen account's), which no staff list shows.
    organisation = models.ForeignKey(
        "identity.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The sending service it went out for; None for the platform's own messages.
    sending_service = models.ForeignKey(
        SendingService, null=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    about = models.CharField(max_length=64, help_text="What it is about, e.g. a case reference.")
    # What kind of message it is for the platform ("submitted", "approved"): a name.
    template = models.CharField(max_length=64)
    # The template and version it was written from, when it came from one.
    notify_template = models.ForeignKey(
        Template, null=True, on_delete=models.PROTECT, related_name="+"
    )
    template_version = models.PositiveIntegerField(null=True)
    # The caller's own reference (Notify's `reference`): not unique, found by a filter.
    client_reference = models.CharField(max_length=1000, blank=True)
    key_type = models.CharField(max_length=8, choices=KeyType.choices, default=KeyType.LIVE)
    # The API key that asked for it; None when the platform sent it.
    api_key_id = models.IntegerField(null=True)
    # An email address, a phone number in E.164 form, or a postal address's lines
    # separated by newlines.
    recipient = EncryptedTextField(bound_to="id")
    subject = EncryptedTextField(bound_to="id")
    body_text = EncryptedTextField(bound_to="id")
    body_html = EncryptedTextField(bound_to="id")
    # The language its words are in ("en" or "cy"): a Welsh letter is dated in Welsh.
    language = models.CharField(max_length=8, default="en")
    # The personalisation it was written with (for the API's view of it), encrypted.
    personalisation = EncryptedJSONField(bound_to="id", null=True)
    # What the message waits for before it is sent (notify/late_fields.py): the source in
    # the wiring that fills some of its words and what to ask it, or None. Never personal
    # data (it is not encrypted): the submission's log entry, whose number is not yet known.
    late_fields = models.JSONField(null=True, blank=True)
    # A body that carries a secret (a single-use link) is kept only until it is sent: after
    # that no one, staff included, can read the secret back out of the outbox.
    erase_body_when_sent = models.BooleanField(default=False)
    # Where a reply to an email goes: the service's team's mailbox.
    reply_to = models.EmailField(blank=True)
    # Text messages: how many fragments the networks bill (GSM 03.38 or UCS-2).
    fragments = models.PositiveIntegerField(default=0)
    # Letters: postage, whether the caller sent its own PDF, where the PDF is kept
    # (platform file store), and the print batch that took it.
    postage = models.CharField(max_length=16, blank=True)
    precompiled = models.BooleanField(default=False)
    stored_file = models.CharField(max_length=200, blank=True)
    print_batch = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(
        help_text="If not handed over by then, queue it again (a lease while sending)."
    )
    created_at = models.DateTimeField()
    # Handed over to the provider; completed: its final status arrived.
    sent_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    # Which provider took it ("smtp", "firetext", "mmg", "print") and its name for it,
    # for matching the provider's delivery receipts.
    provider = models.CharField(max_length=32, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "retry_at"], name="message_due"),
            models.Index(fields=["organisation", "-created_at", "-id"], name="message_recent"),
            models.Index(fields=["about"], name="message_about"),
            models.Index(
                fields=["sending_service", "-created_at", "-id"], name="message_service_recent"
            ),
            models.Index(fields=["provider", "provider_reference"], name="message_receipt"),
        ]

    def __str__(self) -> str:
        return f"{self.template} about {self.about} ({self.status})"

    @property
    def status_label(self) -> str:
        return str(self.STATUS_LABELS.get(self.status, self.status))

    @property
    def template_label(self) -> str:
        return str(TEMPLATE_LABELS.get(self.template, self.template))

    @property
    def body_text_shown(self) -> str:
        """The text as staff read it: the note left in place of an erased body is in
        their language."""
        return gettext(ERASED_BODY) if self.body_text == ERASED_BODY else self.body_text


class ReceivedTextMessage(models.Model):
    """A text message a person sent to a service's number, as its SMS provider reported
    it. The provider's own id is unique, so a report posted twice is kept once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sending_service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=100)
    source_number = EncryptedTextField(bound_to="id")
    destination_number = models.CharField(max_length=20)
    content = EncryptedTextField(bound_to="id")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"], name="one_received_text_per_report"
            )
        ]
        indexes = [
            models.Index(
                fields=["sending_service", "-received_at", "-id"], name="received_text_recent"
            )
        ]

    def __str__(self) -> str:
        return f"text received {self.id}"


class Callback(models.Model):
    """A delivery status or a received text message to post to a service's callback URL:
    an outbox of its own, retried with back-off until the service's server takes it."""

    class Kind(models.TextChoices):
        DELIVERY_STATUS = "delivery_status"
        RECEIVED_TEXT = "received_text"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sending_service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload = EncryptedJSONField(bound_to="id")
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True)
    failed = models.BooleanField(default=False)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "failed", "retry_at"], name="callback_due")]

    def __str__(self) -> str:
        return f"{self.kind} callback {self.id}"


def lease() -> datetime.timedelta:
    """How far a message's deadline (`retry_at`) moves each time it is queued or claimed."""
    return datetime.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
