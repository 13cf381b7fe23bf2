import datetime
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from civitas.platform.crypto import EncryptedTextField

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


class Message(models.Model):
    """An email to send: the outbox row is the source of truth, the queued job a nudge.

    A message is written in the same transaction as the change it reports, so it exists
    if and only if the change committed. Delivery is at-least-once: a message not sent by
    `retry_at` is queued again, whatever happened to the job or the worker.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    # The words staff read for each status, in their language. Kept beside the choices
    # rather than as their labels, which would be a migration for no change in the data.
    STATUS_LABELS: ClassVar[dict[str, Promise]] = {
        Status.QUEUED: gettext_lazy("Queued"),
        Status.SENDING: gettext_lazy("Sending"),
        Status.SENT: gettext_lazy("Sent"),
        Status.FAILED: gettext_lazy("Failed"),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Whose message it is: staff see only their own organisation's messages.
    # None: the platform's own email (a citizen account's), which no staff list shows.
    organisation = models.ForeignKey(
        "identity.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    about = models.CharField(max_length=64, help_text="What it is about, e.g. a case reference.")
    template = models.CharField(max_length=64)
    recipient = EncryptedTextField(bound_to="id")
    subject = EncryptedTextField(bound_to="id")
    body_text = EncryptedTextField(bound_to="id")
    body_html = EncryptedTextField(bound_to="id")
    # A body that carries a secret (a single-use link) is kept only until it is sent: after
    # that no one, staff included, can read the secret back out of the outbox.
    erase_body_when_sent = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(
        help_text="If not sent by then, queue it again (a lease while sending)."
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "retry_at"], name="message_due"),
            models.Index(fields=["organisation", "-created_at", "-id"], name="message_recent"),
            models.Index(fields=["about"], name="message_about"),
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


def lease() -> datetime.timedelta:
    """How far a message's deadline (`retry_at`) moves each time it is queued or claimed."""
    return datetime.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
