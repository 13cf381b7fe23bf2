import datetime
import uuid

from django.conf import settings
from django.db import models

from civitas.platform.crypto import EncryptedTextField

ERASED_BODY = "This email held a single-use link. Its text was deleted once it was sent."


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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Whose message it is: staff see only their own organisation's messages.
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
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


def lease() -> datetime.timedelta:
    """How far a message's deadline (`retry_at`) moves each time it is queued or claimed."""
    return datetime.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
