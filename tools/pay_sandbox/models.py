"""Payments, their refunds and their history, in the sandbox's own SQLite database (so a
restart keeps them). Card details are kept as GOV.UK Pay returns them: never the full
number nor the security code."""

import secrets

from django.db import models

# GOV.UK Pay's identifiers: 26 characters of lower-case letters and digits.
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(26))


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Payment(models.Model):
    payment_id = models.CharField(max_length=26, primary_key=True, default=new_id)
    # The one-time token of next_url: whoever opens it first holds the payment's pages.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    token_used = models.BooleanField(default=False)
    amount = models.PositiveIntegerField()
    reference = models.CharField(max_length=255)
    description = models.CharField(max_length=255)
    return_url = models.CharField(max_length=2000)
    language = models.CharField(max_length=2, default="en")
    metadata = models.JSONField(default=dict, blank=True)
    email = models.CharField(max_length=254, blank=True)
    moto = models.BooleanField(default=False)
    status = models.CharField(max_length=16, default="created")
    failure_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()
    # Set when the payer is sent to the 3-D Secure page, cleared when they pass it.
    awaiting_3ds = models.BooleanField(default=False)
    capture_submitted_at = models.DateTimeField(null=True)
    captured_date = models.DateField(null=True)
    settled_date = models.DateField(null=True)
    card_last_digits = models.CharField(max_length=4, blank=True)
    card_first_digits = models.CharField(max_length=6, blank=True)
    cardholder_name = models.CharField(max_length=255, blank=True)
    card_expiry = models.CharField(max_length=5, blank=True)
    card_brand = models.CharField(max_length=32, blank=True)
    card_type = models.CharField(max_length=8, blank=True)
    billing_address = models.JSONField(null=True)
    idempotency_key = models.CharField(max_length=255, unique=True, null=True)  # noqa: DJ001 (unique: most have none)
    # A digest of the body created with the idempotency key, to tell a retry from misuse.
    request_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["reference"]),
            models.Index(fields=["settled_date"]),
        ]

    def __str__(self) -> str:
        return self.payment_id

    def amount_refunded(self) -> int:
        """Refunds submitted or done count against what is left to refund."""
        total = self.refunds.filter(status__in=["submitted", "success"]).aggregate(
            total=models.Sum("amount")
        )["total"]
        return total or 0


class Refund(models.Model):
    refund_id = models.CharField(max_length=26, primary_key=True, default=new_id)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    # A refund held as "submitted" (a fault switch) succeeds once this time has passed.
    succeeds_at = models.DateTimeField(null=True)
    settled_date = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"]), models.Index(fields=["settled_date"])]

    def __str__(self) -> str:
        return self.refund_id


class PaymentEvent(models.Model):
    """One state the payment entered: the history GET /v1/payments/{id}/events returns."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16)
    code = models.CharField(max_length=8, blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.payment_id} {self.status}"
