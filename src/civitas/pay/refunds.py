"""Giving money back: by finance staff (in full or in part, with a reason), and by the
platform (a refused application whose service refunds, a payment its case did not need).

A refund is written first, in the transaction that decides it, with its audit event and
transparency log entry; it is sent to the provider after, by `send_due_refunds`, with
its id as the idempotency key, so a refund sent twice (a worker died after sending it)
is made once. What is refunded never exceeds what was paid: the payment row is locked
while a refund is decided, and the provider checks it again (`refund_amount_available`).
"""

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from civitas.identity.public import StaffContext
from civitas.pay.models import Payment, Refund
from civitas.pay.payments import PaymentNotFound, as_payment_id, queue_refund
from civitas.pay.providers import payment_provider
from civitas.pay.providers.base import ProviderRefund, ProviderRefused, ProviderUnavailable

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 500
REFUND_BACKOFF_SECONDS = (10, 60, 300, 1800, 3600)
SENT_STATUSES = ("submitted", "success")
AVAILABLE_MISMATCH_TRIES = 5
"""A refund the provider answers with 412 (`refund_amount_available` is not what it has
left: another refund of the payment is unrecorded here, its worker having died after
sending it) is sent this many times before it is an error: for good, it was refunded
outside Civitas."""


class RefundInvalid(ValueError):
    """The refund cannot be made as asked; the message says why, in plain English."""

    def __init__(self, message: str, field: str = "amount") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RefundView:
    id: str
    payment_id: str
    case_reference: str
    amount_pence: int
    kind: str
    kind_label: str
    status: str
    created_at: datetime.datetime
    settled_on: datetime.date | None
    last_error: str


def _view(refund: Refund, case_reference: str) -> RefundView:
    return RefundView(
        id=str(refund.id),
        payment_id=str(refund.payment_id),
        case_reference=case_reference,
        amount_pence=refund.amount_pence,
        kind=refund.kind,
        kind_label=Refund.Kind(refund.kind).label,
        status=refund.status,
        created_at=refund.created_at,
        settled_on=refund.settled_on,
        last_error=refund.last_error,
    )


def refunds_of_case(*, organisation_id: int, case_reference: str) -> list[RefundView]:
    refunds = Refund.objects.filter(
        organisation_id=organisation_id, payment__case_reference=case_reference
    ).order_by("-created_at")
    return [_view(refund, case_reference) for refund in refunds]


def request_refund(
    *, staff: StaffContext, payment_id: str, amount_pence: int, reason: str
) -> RefundView:
    """A refund asked for by a member of finance staff: of a payment of their own
    organisation, of at least 1p and no more than is left, with a reason. Raises
    PaymentNotFound or RefundInvalid."""
    reason = reason.strip()
    if not reason:
        raise RefundInvalid("Enter the reason for the refund", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise RefundInvalid(
            f"The reason must be {REASON_MAX_LENGTH} characters or fewer", field="reason"
        )
    if amount_pence <= 0:
        raise RefundInvalid("Enter an amount of at least 1p")
    with transaction.atomic():
        row = _locked_payment(payment_id, organisation_id=staff.organisation.id)
        if row.status != "success":
            raise RefundInvalid("Only a payment that succeeded can be refunded")
        left = row.amount_pence - row.refunded_pence
        if amount_pence > left:
            raise RefundInvalid(
                "The refund cannot be more than what is left of the payment "
                f"(£{left // 100}.{left % 100:02d})"
            )
        refund = queue_refund(
            row,
            amount_pence=amount_pence,
            kind=Refund.Kind.STAFF,
            reason=reason,
            staff_user_id=staff.user.pk,
        )
    return _view(refund, row.case_reference)


def _locked_payment(payment_id: str, *, organisation_id: int) -> Payment:
    key = as_payment_id(payment_id)
    row = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=key, organisation_id=organisation_id)
        .first()
        if key is not None
        else None
    )
    if row is None:
        raise PaymentNotFound(payment_id)
    return row


def refund_refused_application(
    *, organisation_id: int, case_reference: str, keep_pence: int
) -> int:
    """In the transaction that refused the case: refunds what it paid, less `keep_pence`
    (an administration fee), when its service says so. Returns the pence refunded."""
    refunded = 0
    rows = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(
            organisation_id=organisation_id,
            case_reference=case_reference,
            status="success",
            outcome=Payment.Outcome.COUNTED,
        )
    )
    for row in rows:
        amount = min(row.amount_pence - keep_pence, row.amount_pence - row.refunded_pence)
        if amount <= 0:
            continue
        queue_refund(
            row,
            amount_pence=amount,
            kind=Refund.Kind.REFUSED,
            reason="Application refused: the service refunds its fee",
        )
        refunded += amount
    return refunded


def send_due_refunds(*, limit: int = 50) -> int:
    """Sends the refunds due to the provider, and checks those it has not finished: the
    periodic job (and a nudge after a refund is decided). Safe in several workers at
    once: each refund is claimed by moving its next attempt on first. Returns how many
    reached an end."""
    done = 0
    now = timezone.now()
    due = list(
        Refund.objects.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", "next_attempt_at", "attempts")[:limit]
    )
    for refund_id, due_at, attempts in due:
        if _claim_and_send(refund_id, due_at, attempts, now):
            done += 1
    return done


def send_refund(refund_id: str) -> bool:
    """Sends one refund now if it is due (and nobody else is sending it); True when it
    reached an end."""
    due = (
        Refund.objects.filter(pk=refund_id, next_attempt_at__isnull=False)
        .values_list("next_attempt_at", "attempts")
        .first()
    )
    if due is None:
        return False
    return _claim_and_send(refund_id, due[0], due[1], timezone.now())


def _claim_and_send(
    refund_id: uuid.UUID | str,
    due_at: datetime.datetime | None,
    attempts: int,
    now: datetime.datetime,
) -> bool:
    lease = now + datetime.timedelta(seconds=_backoff(attempts))
    claimed = Refund.objects.filter(pk=refund_id, next_attempt_at=due_at).update(
        next_attempt_at=lease, attempts=F("attempts") + 1
    )
    return bool(claimed) and _send(Refund.objects.select_related("payment").get(pk=refund_id))


def _backoff(attempts: int) -> int:
    return REFUND_BACKOFF_SECONDS[min(attempts, len(REFUND_BACKOFF_SECONDS) - 1)]


def _send(refund: Refund) -> bool:
    payment = refund.payment
    provider = payment_provider(payment.provider)
    try:
        found_earlier = _made_by_an_earlier_attempt(refund) if refund.attempts > 1 else None
        if found_earlier is not None:
            found = found_earlier
        elif refund.status == Refund.Status.SUBMITTED:
            found = provider.get_refund(
                payment.provider_payment_id or "", refund.provider_refund_id
            )
        else:
            found = provider.refund(
                payment.provider_payment_id or "",
                amount_pence=refund.amount_pence,
                available_pence=_available_at_provider(payment, refund),
                idempotency_key=str(refund.id),
            )
    except ProviderUnavailable as error:
        Refund.objects.filter(pk=refund.pk).update(last_error=str(error)[:80])
        logger.warning("refund %s: provider unavailable (%s)", refund.id, error)
        return False
    except ProviderRefused as error:
        if error.status == 412 and refund.attempts < AVAILABLE_MISMATCH_TRIES:
            # The provider has less left than we said: another refund of this payment
            # was made there and is not recorded here yet. Sent again after it is.
            Refund.objects.filter(pk=refund.pk).update(
                last_error=f"{error.code}: {error.message}"[:80]
            )
            logger.warning("refund %s: amount available differs; trying again", refund.id)
            return False
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.ERROR,
                next_attempt_at=None,
                last_error=f"{error.code}: {error.message}"[:80],
            )
            # Not given back: it can be refunded again.
            Payment.objects.filter(pk=payment.pk).update(
                refunded_pence=F("refunded_pence") - refund.amount_pence
            )
        logger.error("refund %s refused by the provider (%s)", refund.id, error.code)
        return True
    if found.status == "error":
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.ERROR,
                provider_refund_id=found.refund_id,
                next_attempt_at=None,
                last_error="the provider could not make it",
            )
            Payment.objects.filter(pk=payment.pk).update(
                refunded_pence=F("refunded_pence") - refund.amount_pence
            )
        return True
    finished = found.status == "success"
    Refund.objects.filter(pk=refund.pk).update(
        status=found.status if found.status in Refund.Status.values else Refund.Status.SUBMITTED,
        provider_refund_id=found.refund_id,
        settled_on=found.settled_on,
        last_error="",
        next_attempt_at=None
        if finished
        else timezone.now() + datetime.timedelta(seconds=_backoff(refund.attempts)),
    )
    return finished


def _made_by_an_earlier_attempt(refund: Refund) -> ProviderRefund | None:
    """The provider's refund an earlier attempt made, if its answer was lost: one of the
    same amount that no refund of ours records. (GOV.UK Pay does not take idempotency
    keys for refunds; a refund sent again is refused as stale instead, so it is looked
    for before sending again.)"""
    if refund.status != Refund.Status.PENDING:
        return None
    payment = refund.payment
    known = set(
        Refund.objects.filter(payment=payment)
        .exclude(provider_refund_id="")
        .values_list("provider_refund_id", flat=True)
    )
    for made in payment_provider(payment.provider).list_refunds(payment.provider_payment_id or ""):
        if made.refund_id not in known and made.amount_pence == refund.amount_pence:
            return made
    return None


def _available_at_provider(payment: Payment, refund: Refund) -> int:
    """What the provider has left to refund before this one: the payment less the
    refunds it has been sent (this one's earlier attempt excluded)."""
    sent = (
        Refund.objects.filter(payment=payment, status__in=SENT_STATUSES)
        .exclude(pk=refund.pk)
        .aggregate(total=Sum("amount_pence"))["total"]
    )
    return payment.amount_pence - (sent or 0)
