"""The daily reconciliation: what the provider settled, matched to what Civitas recorded.

For a day, the provider's settled payments and refunds are read (its search API, by
settled date) and matched, by the provider's ids, to the payments and refunds recorded
here. Each line is `matched`, or flagged:

- `no_case`: the provider settled money Civitas has no record of (a payment made outside
  a case, a refund nobody here asked for);
- `amount_differs`: both sides have it, with different amounts;
- `not_settled`: Civitas counted a case paid (or a refund made) that should have settled
  by this day, and the provider's settlement for the day does not have it.

Matched lines record their settlement date here, which the finance pages show.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from civitas.pay.models import Payment, Refund
from civitas.pay.providers import payment_provider

RESULT_LABELS = {
    "matched": "Matched",
    "no_case": "Settled, but no case here",
    "amount_differs": "Amount differs",
    "not_settled": "Paid here, not settled",
}


@dataclass(frozen=True)
class ReconciliationLine:
    kind: str
    """payment or refund"""
    provider_id: str
    case_reference: str
    recorded_pence: int | None
    settled_pence: int | None
    cost_centre: str
    ledger_code: str
    result: str

    @property
    def result_label(self) -> str:
        return RESULT_LABELS[self.result]

    @property
    def is_mismatch(self) -> bool:
        return self.result != "matched"

    @property
    def signed_pence(self) -> int:
        """What it adds to the day's money: payments in, refunds out."""
        amount = self.settled_pence or 0
        return -amount if self.kind == "refund" else amount


@dataclass(frozen=True)
class Reconciliation:
    day: datetime.date
    lines: tuple[ReconciliationLine, ...]
    by_code: dict[tuple[str, str], int] = field(default_factory=dict)
    """Net settled pence by (cost centre, ledger code)."""

    @property
    def mismatches(self) -> int:
        return sum(1 for line in self.lines if line.is_mismatch)

    @property
    def settled_in_pence(self) -> int:
        return sum(line.settled_pence or 0 for line in self.lines if line.kind == "payment")

    @property
    def settled_out_pence(self) -> int:
        return sum(line.settled_pence or 0 for line in self.lines if line.kind == "refund")


CSV_HEADER = [
    "day",
    "kind",
    "provider id",
    "case reference",
    "recorded (pence)",
    "settled (pence)",
    "cost centre",
    "ledger code",
    "result",
]


def csv_rows(report: Reconciliation) -> list[list[object]]:
    return [
        [
            report.day.isoformat(),
            line.kind,
            line.provider_id,
            line.case_reference,
            "" if line.recorded_pence is None else line.recorded_pence,
            "" if line.settled_pence is None else line.settled_pence,
            line.cost_centre,
            line.ledger_code,
            line.result,
        ]
        for line in report.lines
    ]


def reconcile(
    *, organisation_id: int, organisation_slug: str, day: datetime.date
) -> Reconciliation:
    """The reconciliation of one organisation's payments and refunds for a day. Calls the
    provider (its search API); raises the provider's errors."""
    provider = payment_provider()
    settled_payments = provider.settled_payments(day)
    settled_refunds = provider.settled_refunds(day)
    lines: list[ReconciliationLine] = []

    rows = {
        row.provider_payment_id: row
        for row in Payment.objects.filter(
            provider=provider.name,
            provider_payment_id__in=[found.payment_id for found in settled_payments],
        )
    }
    seen_payments: set[str] = set()
    for found in settled_payments:
        row = rows.get(found.payment_id)
        if row is None:
            if found.metadata.get("organisation") != organisation_slug:
                continue  # another organisation's, or nobody's that we can tell
            lines.append(
                ReconciliationLine(
                    "payment",
                    found.payment_id,
                    found.reference,
                    None,
                    found.amount_pence,
                    str(found.metadata.get("cost_centre", "")),
                    str(found.metadata.get("ledger_code", "")),
                    "no_case",
                )
            )
            continue
        if row.organisation_id != organisation_id:
            continue
        seen_payments.add(found.payment_id)
        differs = row.amount_pence != found.amount_pence or row.status != "success"
        if not differs and row.settled_on != day:
            Payment.objects.filter(pk=row.pk).update(settled_on=day)
        lines.append(
            ReconciliationLine(
                "payment",
                found.payment_id,
                row.case_reference,
                row.amount_pence if row.status == "success" else 0,
                found.amount_pence,
                row.cost_centre,
                row.ledger_code,
                "amount_differs" if differs else "matched",
            )
        )
    due = day - datetime.timedelta(days=settings.PAY_SETTLEMENT_DAYS)
    for row in Payment.objects.filter(
        organisation_id=organisation_id,
        status="success",
        succeeded_at__date=due,
    ).exclude(provider_payment_id__in=seen_payments):
        if row.settled_on is not None and row.settled_on <= day:
            continue
        lines.append(
            ReconciliationLine(
                "payment",
                row.provider_payment_id or "",
                row.case_reference,
                row.amount_pence,
                None,
                row.cost_centre,
                row.ledger_code,
                "not_settled",
            )
        )

    refunds = {
        refund.provider_refund_id: refund
        for refund in Refund.objects.select_related("payment").filter(
            provider_refund_id__in=[found.refund_id for found in settled_refunds]
        )
    }
    seen_refunds: set[str] = set()
    for settled in settled_refunds:
        refund = refunds.get(settled.refund_id)
        if refund is None:
            payment = (
                Payment.objects.filter(
                    provider=provider.name, provider_payment_id=settled.payment_id
                )
                .only("organisation_id", "case_reference", "cost_centre", "ledger_code")
                .first()
            )
            if payment is None or payment.organisation_id != organisation_id:
                continue
            lines.append(
                ReconciliationLine(
                    "refund",
                    settled.refund_id,
                    payment.case_reference,
                    None,
                    settled.amount_pence,
                    payment.cost_centre,
                    payment.ledger_code,
                    "no_case",
                )
            )
            continue
        if refund.organisation_id != organisation_id:
            continue
        seen_refunds.add(settled.refund_id)
        differs = refund.amount_pence != settled.amount_pence
        if not differs and refund.settled_on != day:
            Refund.objects.filter(pk=refund.pk).update(settled_on=day)
        lines.append(
            ReconciliationLine(
                "refund",
                settled.refund_id,
                refund.payment.case_reference,
                refund.amount_pence,
                settled.amount_pence,
                refund.payment.cost_centre,
                refund.payment.ledger_code,
                "amount_differs" if differs else "matched",
            )
        )
    for refund in (
        Refund.objects.select_related("payment")
        .filter(organisation_id=organisation_id, status="success", created_at__date=due)
        .exclude(provider_refund_id__in=seen_refunds)
    ):
        if refund.settled_on is not None and refund.settled_on <= day:
            continue
        lines.append(
            ReconciliationLine(
                "refund",
                refund.provider_refund_id,
                refund.payment.case_reference,
                refund.amount_pence,
                None,
                refund.payment.cost_centre,
                refund.payment.ledger_code,
                "not_settled",
            )
        )

    by_code: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.settled_pence is not None and line.result != "no_case":
            by_code[(line.cost_centre, line.ledger_code)] += line.signed_pence
    lines.sort(key=lambda line: (line.result == "matched", line.kind, line.case_reference))
    return Reconciliation(day=day, lines=tuple(lines), by_code=dict(by_code))
