"""Payments and refunds, as the council's finance team accounts for them.

Amounts are whole pence everywhere. A payment is made at the provider in GOV.UK Pay's
shape, and its row here is written first: its id is the idempotency key sent to the
provider, so a payment whose creation timed out is asked for again without making a
second one (docs/decisions/0046-payments.md).
"""

import uuid

from django.conf import settings
from django.db import models

from civitas.platform.crypto import EncryptedTextField


class Payment(models.Model):
    """One attempt to take a case's fee. A case has one attempt at a time; one that failed
    or was cancelled leaves the case free for another."""

    class Status(models.TextChoices):
        # GOV.UK Pay's names; `new` is ours: the row exists, the provider has not said yet.
        NEW = "new", "New"
        CREATED = "created", "Created"
        STARTED = "started", "Started"
        SUBMITTED = "submitted", "Submitted"
        CAPTURABLE = "capturable", "Capturable"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        ERROR = "error", "Error"

    class Outcome(models.TextChoices):
        """What the payment meant for its case, once it succeeded."""

        NONE = "", "Not paid"
        COUNTED = "counted", "Paid the fee"
        REFUND_DUE = "refund_due", "Not needed: refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    case_reference = models.CharField(max_length=16)
    service_slug = models.SlugField(max_length=60)
    amount_pence = models.PositiveIntegerField()
    description = models.CharField(max_length=255)
    language = models.CharField(max_length=2, default="en")
    cost_centre = models.CharField(max_length=40)
    ledger_code = models.CharField(max_length=40)
    provider = models.CharField(max_length=40)
    # Null until the provider answers: many rows may be waiting at once (unique otherwise).
    provider_payment_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The provider's hosted page: where the citizen (or, by telephone, staff) pays. It
    # works once and only while the payment is unfinished.
    next_url = models.TextField(blank=True, default="")
    # Where the provider sends the payer back: kept, so that asking again for a payment
    # whose creation got no answer sends the very same request.
    return_url = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    finished = models.BooleanField(default=False)
    # The provider's code for a payment that did not succeed (P0010 declined, ...).
    failure_code = models.CharField(max_length=10, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    # A telephone payment a member of staff took for a caller (assisted digital).
    moto = models.BooleanField(default=False)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    card_brand = models.CharField(max_length=40, blank=True, default="")
    last_digits = models.CharField(max_length=4, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    captured_on = models.DateField(null=True, blank=True)
    settled_on = models.DateField(null=True, blank=True)
    refunded_pence = models.PositiveIntegerField(default=0)
    # When the poller next asks the provider about it; null once nothing more can change
    # (finished, and settled if it succeeded).
    next_check_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)
    # Its case closed while it was open: the poller cancels it at the provider.
    cancel_requested = models.BooleanField(default=False)
    # Compare-and-set: of the return page, the poller and the webhook, only the one that
    # moves a payment from the version it read acts on the move.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], name="pay_payment_provider_id"
            ),
            # One payment open per case at a time: a double-clicked "Pay" makes one.
            models.UniqueConstraint(
                fields=["organisation", "case_reference"],
                condition=models.Q(finished=False),
                name="pay_one_open_payment_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "case_reference"], name="pay_payment_case"),
            models.Index(
                fields=["next_check_at"],
                name="pay_payment_due_check",
                condition=models.Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["organisation", "settled_on"], name="pay_payment_settled"),
            # The finance team's list: newest first, a page at a time by key.
            models.Index(fields=["organisation", "-created_at", "-id"], name="pay_payment_newest"),
        ]

    def __str__(self) -> str:
        return f"payment {self.id} for {self.case_reference} ({self.status})"

    @property
    def refundable_pence(self) -> int:
        return self.amount_pence - self.refunded_pence if self.status == "success" else 0


class Refund(models.Model):
    """Money given back on a payment: asked for by finance staff, or by the platform (an
    application refused, a payment its case could not take). Written first, sent to the
    provider after, with its id as the idempotency key."""

    class Kind(models.TextChoices):
        STAFF = "staff", "By finance staff"
        REFUSED = "refused", "Application refused"
        NOT_NEEDED = "not_needed", "Payment not needed"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SUBMITTED = "submitted", "Submitted"
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    amount_pence = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Staff write a reason; it can name the applicant, so it is kept sealed.
    reason = EncryptedTextField(bound_to="id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_on = models.DateField(null=True, blank=True)
    # When it is next sent (pending) or checked (submitted); null when done.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="pay_refund_due",
                condition=models.Q(next_attempt_at__isnull=False),
            ),
            models.Index(fields=["organisation", "settled_on"], name="pay_refund_settled"),
        ]

    def __str__(self) -> str:
        return f"refund {self.id} of payment {self.payment_id} ({self.status})"
