"""Every change to a payment or refund: API calls and card pages both come here.

A move between states is a compare-and-set (an UPDATE that names the states it moves
from), so two clicks of "Confirm payment", or a confirm racing the service's cancel,
change the payment once; the loser sees False. History is appended in the same
transaction, and webhooks are queued only after it commits."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import lifecycle, webhooks
from .cards import Outcome, TestCard
from .models import Payment, PaymentEvent, Refund


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""


@dataclass(frozen=True)
class RefundRefused(Exception):
    http_status: int
    code: str
    description: str


def today() -> datetime.date:
    return timezone.now().date()


def create_payment(
    *, fields: dict, idempotency_key: str | None, request_digest: str
) -> tuple[Payment, bool]:
    """The payment `fields` describe, and whether it is new: a retry with the same
    Idempotency-Key and body gets the payment the first call made."""
    if idempotency_key:
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_request(existing, request_digest), False
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                **fields,
                created_at=timezone.now(),
                idempotency_key=idempotency_key or None,
                request_digest=request_digest if idempotency_key else "",
            )
            PaymentEvent.objects.create(
                payment=payment, status=lifecycle.CREATED, at=payment.created_at
            )
    except IntegrityError:
        # Two requests with one key at once: the other made it.
        existing = Payment.objects.get(idempotency_key=idempotency_key)
        return _same_request(existing, request_digest), False
    return payment, True


def _same_request(payment: Payment, request_digest: str) -> Payment:
    if payment.request_digest != request_digest:
        raise IdempotencyConflict
    return payment


def move(payment: Payment, target: str, *, code: str = "", **changes) -> bool:
    """Moves `payment` to `target` if it is still in a state that may; writes `changes`
    with it. False when another request moved it first (or it may not move so)."""
    now = timezone.now()
    with transaction.atomic():
        moved = Payment.objects.filter(
            payment_id=payment.payment_id, status__in=lifecycle.sources_of(target)
        ).update(status=target, failure_code=code, **changes)
        if not moved:
            return False
        PaymentEvent.objects.create(payment=payment, status=target, code=code, at=now)
        event_type = lifecycle.WEBHOOK_EVENTS.get((target, code))
        event_types = [event_type] if event_type else []
        if target == lifecycle.SUCCESS:
            event_types.append("card_payment_captured")
            if changes.get("settled_date") == today():
                event_types.append("card_payment_settled")
        for event_type in event_types:
            webhooks.send_after_commit(payment.payment_id, event_type)
    payment.refresh_from_db()
    return True


def expire_overdue() -> None:
    """Fails (P0020) every unfinished payment older than the expiry: checked on each
    request, as nothing else runs in the sandbox to do it on time."""
    deadline = timezone.now() - datetime.timedelta(seconds=settings.EXPIRY_SECONDS)
    for payment in Payment.objects.filter(
        status__in=lifecycle.CANCELLABLE, created_at__lt=deadline
    ):
        move(payment, lifecycle.FAILED, code=lifecycle.EXPIRED)
    complete_due_refunds()


def expire_now(payment: Payment) -> bool:
    return move(payment, lifecycle.FAILED, code=lifecycle.EXPIRED)


def start(payment: Payment) -> None:
    """The payer opened next_url."""
    move(payment, lifecycle.STARTED)


def card_fields(
    *,
    number: str,
    card: TestCard,
    cardholder_name: str,
    expiry: tuple[int, int],
    billing_address: dict | None,
) -> dict:
    """What is kept of a card: GOV.UK Pay's card_details, never the number itself."""
    month, year = expiry
    return {
        "card_last_digits": number[-4:],
        "card_first_digits": number[:6],
        "cardholder_name": cardholder_name,
        "card_expiry": f"{month:02d}/{year % 100:02d}",
        "card_brand": card.brand,
        "card_type": card.card_type or "",
        "billing_address": billing_address,
    }


def submit_card(payment: Payment, *, card: TestCard, fields: dict) -> bool:
    """The bank's answer to the card entered on the card page: on to the confirm page
    (submitted), to the 3-D Secure page (still started), or failed. False when the
    payment had already moved on."""
    if card.outcome is Outcome.NEEDS_3DS and not payment.moto:
        return bool(
            Payment.objects.filter(payment_id=payment.payment_id, status=lifecycle.STARTED).update(
                awaiting_3ds=True, **fields
            )
        )
    if card.outcome in {Outcome.AUTHORISED, Outcome.NEEDS_3DS}:
        return move(payment, lifecycle.SUBMITTED, awaiting_3ds=False, **fields)
    if card.outcome is Outcome.PROCESSING_ERROR:
        return move(payment, lifecycle.ERROR, code=lifecycle.PROVIDER_ERROR, **fields)
    return move(payment, lifecycle.FAILED, code=lifecycle.DECLINED, **fields)


def complete_3ds(payment: Payment, *, passed: bool) -> bool:
    if not payment.awaiting_3ds:
        return False
    if passed:
        return move(payment, lifecycle.SUBMITTED, awaiting_3ds=False)
    return move(payment, lifecycle.FAILED, code=lifecycle.DECLINED, awaiting_3ds=False)


def confirm(payment: Payment) -> bool:
    """The payer confirmed: the payment succeeds and is captured at once."""
    if payment.awaiting_3ds:
        return False
    captured = today()
    return move(
        payment,
        lifecycle.SUCCESS,
        capture_submitted_at=timezone.now(),
        captured_date=captured,
        settled_date=captured + datetime.timedelta(days=settings.SETTLE_DAYS),
    )


def cancel_by_user(payment: Payment) -> bool:
    return move(payment, lifecycle.FAILED, code=lifecycle.CANCELLED_BY_USER)


def cancel_by_service(payment: Payment) -> bool:
    return move(payment, lifecycle.CANCELLED, code=lifecycle.CANCELLED_BY_SERVICE)


def refund(
    payment: Payment,
    *,
    amount: int,
    expected_available: int | None,
    pending_seconds: float = 0,
) -> Refund:
    """Refunds `amount` of a successful payment; `expected_available` is what the caller
    believes is left, so two refunds made from one stale view cannot both pass.
    Refunds succeed at once unless `pending_seconds` (a fault switch) holds them."""
    with transaction.atomic():
        # The transaction takes SQLite's write lock first: refunds are made one at a time.
        payment = Payment.objects.get(payment_id=payment.payment_id)
        if payment.status != lifecycle.SUCCESS:
            raise RefundRefused(400, "P0603", "The payment is not available for refund.")
        available = payment.amount - payment.amount_refunded()
        if expected_available is not None and expected_available != available:
            raise RefundRefused(
                412,
                "P0604",
                "Refund amount available mismatch: refund_amount_available is "
                f"{expected_available}, the amount available to refund is {available}.",
            )
        if available == 0:
            raise RefundRefused(
                400, "P0603", "The payment is not available for refund: it is fully refunded."
            )
        if amount > available:
            raise RefundRefused(
                400,
                "P0603",
                f"The refund amount ({amount}) exceeds the amount available to refund "
                f"({available}).",
            )
        now = timezone.now()
        pending = pending_seconds > 0
        made = Refund.objects.create(
            payment=payment,
            amount=amount,
            status="submitted" if pending else "success",
            created_at=now,
            succeeds_at=now + datetime.timedelta(seconds=pending_seconds) if pending else None,
            settled_date=None if pending else _refund_settled_date(now),
        )
        if not pending:
            webhooks.send_after_commit(payment.payment_id, "card_payment_refunded")
    return made


def _refund_settled_date(succeeded_at: datetime.datetime) -> datetime.date:
    return succeeded_at.date() + datetime.timedelta(days=settings.SETTLE_DAYS)


def complete_due_refunds() -> None:
    """Refunds held as submitted succeed once their time has come."""
    now = timezone.now()
    for held in Refund.objects.filter(status="submitted", succeeds_at__lte=now):
        with transaction.atomic():
            if Refund.objects.filter(refund_id=held.refund_id, status="submitted").update(
                status="success", settled_date=_refund_settled_date(now)
            ):
                webhooks.send_after_commit(held.payment_id, "card_payment_refunded")
