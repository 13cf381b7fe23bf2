"""What happens to payments that others react to, or that is audited.

A payment succeeding is the cases domain's business (the case moves on, the receipt goes
out): pay announces it and is told, through the handler's `PaymentTaken`, whether the case
took it. A refund is an audited action and an entry in the transparency log: its amount
and a keyed fingerprint of its reason, never the reason or who it was for.
"""

from dataclasses import dataclass, field

from civitas.ledger.public import TextFingerprint
from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(DomainEvent):
    payment_id: str
    provider_payment_id: str
    organisation_id: int
    organisation: str
    case_reference: str
    amount_pence: int
    moto: bool = False

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="payment.succeeded",
            object_type="payment",
            object_id=self.payment_id,
            actor_type="system",
            organisation=self.organisation,
            details={"case": self.case_reference, "amount_pence": self.amount_pence},
        )


@dataclass(frozen=True)
class PaymentTaken:
    """What the case made of a payment: `counted` when it paid the case's fee; otherwise
    the case could not take it (withdrawn, closed, or paid already) and it is refunded."""

    counted: bool
    why_not: str = ""


@dataclass(frozen=True, kw_only=True)
class TelephonePaymentStarted(DomainEvent):
    """A member of staff began taking a caller's payment by telephone (MOTO)."""

    payment_id: str
    organisation: str
    case_reference: str
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="payment.telephone_started",
            object_type="payment",
            object_id=self.payment_id,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"case": self.case_reference},
        )


@dataclass(frozen=True, kw_only=True)
class RefundRequested(DomainEvent):
    refund_id: str
    payment_id: str
    organisation: str
    case_reference: str
    amount_pence: int
    kind: str
    cost_centre: str
    ledger_code: str
    staff_user_id: str = ""
    """Empty for a refund the platform made (a refused application, a payment not needed)."""
    reason_fingerprint: TextFingerprint = field(repr=False)

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="payment.refund_requested",
            object_type="payment",
            object_id=self.payment_id,
            actor_type="staff" if self.staff_user_id else "system",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={
                "refund": self.refund_id,
                "case": self.case_reference,
                "amount_pence": self.amount_pence,
                "kind": self.kind,
            },
        )


@dataclass(frozen=True, kw_only=True)
class ReconciliationViewed(DomainEvent):
    """Finance staff read (or downloaded) a day's reconciliation."""

    organisation: str
    staff_user_id: str
    day: str
    download: bool = False

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="payments.reconciliation_downloaded"
            if self.download
            else "payments.reconciliation_viewed",
            object_type="reconciliation",
            object_id=self.day,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )
