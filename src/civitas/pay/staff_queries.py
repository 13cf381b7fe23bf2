"""What the finance team's pages read: always within one organisation, so another's
payment is never found, by the list or by a guessed address."""

import datetime
import uuid
from dataclasses import dataclass

from civitas.pay.models import Payment, Refund
from civitas.pay.payments import PaymentView, as_payment_id, view_of
from civitas.pay.refunds import RefundView

PAGE_SIZE = 50


@dataclass(frozen=True)
class PaymentPage:
    payments: list[PaymentView]
    next_cursor: str
    """Where the next page starts; "" on the last page."""


def list_payments(
    *, organisation_id: int, status: str = "", service: str = "", before: str = ""
) -> PaymentPage:
    """A page of the organisation's payments, newest first, optionally of one status and
    service; `before` is the last page's cursor (one that is not one gives the first
    page). Keyset paging on (created_at, id), by the pay_payment_newest index: as fast on
    the thousandth page as the first. One query."""
    rows = Payment.objects.filter(organisation_id=organisation_id)
    if status in Payment.Status.values:
        rows = rows.filter(status=status)
    if service:
        rows = rows.filter(service_slug=service)
    after = _parse_cursor(before)
    if after is not None:
        created_at, last_id = after
        rows = rows.filter(created_at__lte=created_at).exclude(
            created_at=created_at, id__gte=last_id
        )
    page = list(rows.order_by("-created_at", "-id")[: PAGE_SIZE + 1])
    cursor = ""
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        cursor = f"{page[-1].created_at.isoformat()}_{page[-1].id}"
    return PaymentPage([view_of(row) for row in page], cursor)


def _parse_cursor(cursor: str) -> tuple[datetime.datetime, uuid.UUID] | None:
    at, _, last_id = cursor.partition("_")
    try:
        created_at = datetime.datetime.fromisoformat(at)
        key = uuid.UUID(last_id)
    except ValueError:
        return None
    if created_at.tzinfo is None:
        return None
    return created_at, key


def list_payment_services(*, organisation_id: int) -> list[str]:
    """The services the organisation has taken payments for: the list's filter."""
    return list(
        Payment.objects.filter(organisation_id=organisation_id)
        .order_by("service_slug")
        .values_list("service_slug", flat=True)
        .distinct()
    )


def find_payment(*, organisation_id: int, payment_id: str) -> PaymentView | None:
    """The organisation's payment; None for another's, or an id that is not one."""
    key = as_payment_id(payment_id)
    if key is None:
        return None
    row = Payment.objects.filter(pk=key, organisation_id=organisation_id).first()
    return view_of(row) if row is not None else None


def list_refunds_of_payment(*, organisation_id: int, payment: PaymentView) -> list[RefundView]:
    """A payment's refunds, newest first. Their reasons stay sealed: the page does not
    show them (a reason can name the applicant)."""
    refunds = (
        Refund.objects.filter(organisation_id=organisation_id, payment_id=payment.id)
        .defer("reason")
        .order_by("-created_at", "-id")
    )
    return [
        RefundView(
            id=str(refund.id),
            payment_id=payment.id,
            case_reference=payment.case_reference,
            amount_pence=refund.amount_pence,
            kind=refund.kind,
            kind_label=Refund.Kind(refund.kind).label,
            status=refund.status,
            created_at=refund.created_at,
            settled_on=refund.settled_on,
            last_error=refund.last_error,
        )
        for refund in refunds
    ]
