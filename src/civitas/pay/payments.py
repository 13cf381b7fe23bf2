"""Taking a case's fee: making the payment, learning its outcome, acting on it once.

The service never touches card details: it makes a payment at the provider, sends the
citizen to the provider's page, and asks the provider for the outcome when they come back
(docs/decisions/0046-payments.md). Three things can learn the outcome: the return page,
the provider's webhook and the poller. Whichever moves the row from the version it read
acts on the move (a compare-and-set), so a success is announced exactly once, and the
case moves on and the receipt goes out once, however they race.

The row is written before the provider is called, and its id is the idempotency key: a
creation whose answer was lost is asked for again with the same key, and the provider
answers with the payment it made the first time.
"""

import datetime
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civitas.ledger.public import LedgerUnavailable, fingerprint_text
from civitas.pay.events import PaymentSucceeded, PaymentTaken, RefundRequested
from civitas.pay.models import Payment, Refund
from civitas.pay.providers import payment_provider
from civitas.pay.providers.base import (
    NewPayment,
    NotFoundAtProvider,
    ProviderPayment,
    ProviderRefused,
    ProviderUnavailable,
)
from civitas.platform.events import publish
from civitas.platform.security_log import security_event

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("new", "created", "started", "submitted", "capturable")
REUSE_WITHOUT_ASKING_SECONDS = 30
"""A second "Pay" within this long of the first (a double click, a reload) goes to the
same payment's page without asking the provider again."""
NEW_ROW_RETRY_SECONDS = 15
"""A payment whose creation got no answer is asked for again after this long."""


class PaymentNotFound(LookupError):
    """No such payment for that case. Whether it exists for another is not told apart."""


class PaymentUnavailable(Exception):
    """The provider could not be reached; nothing was charged, and the citizen can try
    again in a moment."""


class PaymentRefused(Exception):
    """The provider refused to make the payment; the message says why, plainly."""


class AlreadyPaid(Exception):
    """The case's fee is paid: there is nothing more to pay."""


@dataclass(frozen=True)
class PaymentFee:
    """What to take for a case, and where the money goes in the council's books."""

    amount_pence: int
    description: str
    cost_centre: str
    ledger_code: str


@dataclass(frozen=True)
class PaymentView:
    id: str
    case_reference: str
    service_slug: str
    amount_pence: int
    description: str
    status: str
    finished: bool
    failure_code: str
    outcome: str
    moto: bool
    card_brand: str
    last_digits: str
    provider_payment_id: str
    cost_centre: str
    ledger_code: str
    created_at: datetime.datetime
    succeeded_at: datetime.datetime | None
    settled_on: datetime.date | None
    refunded_pence: int
    next_url: str

    @property
    def paid(self) -> bool:
        """The fee is paid: the payment succeeded and its case took it."""
        return self.status == "success" and self.outcome == Payment.Outcome.COUNTED

    @property
    def refundable_pence(self) -> int:
        return self.amount_pence - self.refunded_pence if self.status == "success" else 0


def view_of(row: Payment) -> PaymentView:
    return PaymentView(
        id=str(row.id),
        case_reference=row.case_reference,
        service_slug=row.service_slug,
        amount_pence=row.amount_pence,
        description=row.description,
        status=row.status,
        finished=row.finished,
        failure_code=row.failure_code,
        outcome=row.outcome,
        moto=row.moto,
        card_brand=row.card_brand,
        last_digits=row.last_digits,
        provider_payment_id=row.provider_payment_id or "",
        cost_centre=row.cost_centre,
        ledger_code=row.ledger_code,
        created_at=row.created_at,
        succeeded_at=row.succeeded_at,
        settled_on=row.settled_on,
        refunded_pence=row.refunded_pence,
        next_url=row.next_url if not row.finished else "",
    )


def start_payment(
    *,
    organisation_id: int,
    service_slug: str,
    case_reference: str,
    fee: PaymentFee,
    language: str,
    return_url_for: Callable[[str], str],
    taken_by: int | None = None,
) -> PaymentView:
    """Makes a payment for a case's fee at the provider, or finds the one already open,
    and returns it with the page to pay on (`next_url`).

    `return_url_for(payment_id)` is where the provider sends the payer back. `taken_by`
    is the member of staff taking it by telephone (a MOTO payment). Call it outside any
    transaction: the provider is called. Raises AlreadyPaid, PaymentUnavailable (nothing
    was charged: try again) or PaymentRefused.
    """
    if fee.amount_pence <= 0:
        raise ValueError("a payment is for a fee of at least 1p")
    open_payment = _open_payment(organisation_id, case_reference)
    if open_payment is not None:
        reused = _reuse(open_payment, moto=taken_by is not None)
        if reused is not None:
            return view_of(reused)
    if Payment.objects.filter(
        organisation_id=organisation_id,
        case_reference=case_reference,
        status="success",
        outcome=Payment.Outcome.COUNTED,
    ).exists():
        raise AlreadyPaid(case_reference)
    payment_id = uuid.uuid4()
    try:
        row = Payment.objects.create(
            id=payment_id,
            return_url=return_url_for(str(payment_id)),
            organisation_id=organisation_id,
            case_reference=case_reference,
            service_slug=service_slug,
            amount_pence=fee.amount_pence,
            description=fee.description[:255],
            language=language,
            cost_centre=fee.cost_centre,
            ledger_code=fee.ledger_code,
            provider=payment_provider().name,
            moto=taken_by is not None,
            taken_by_id=taken_by,
            next_check_at=timezone.now() + datetime.timedelta(seconds=NEW_ROW_RETRY_SECONDS),
        )
    except IntegrityError:
        # Another request for the same case made its payment a moment ago (one open
        # payment per case is a constraint): go to that one.
        open_payment = _open_payment(organisation_id, case_reference)
        if open_payment is None:
            raise
        return view_of(open_payment)
    return view_of(_create_at_provider(row))


def _open_payment(organisation_id: int, case_reference: str) -> Payment | None:
    return Payment.objects.filter(
        organisation_id=organisation_id, case_reference=case_reference, finished=False
    ).first()


def _reuse(row: Payment, *, moto: bool) -> Payment | None:
    """The open payment, when the payer can still use it; None when it has ended (and is
    now recorded so), leaving the case free for a new one."""
    age = (timezone.now() - row.created_at).total_seconds()
    if row.next_url and row.moto == moto and age < REUSE_WITHOUT_ASKING_SECONDS:
        return row
    if row.status == "new" and age < settings.PAY_TIMEOUT_SECONDS + 1:
        # A double click: the first request is still making it. Wait for its page.
        return _made_by_the_other_request(row)
    if row.provider_payment_id:
        try:
            row = _refresh(row)
        except ProviderUnavailable:
            raise PaymentUnavailable() from None
        if row.finished:
            return None
    # Open, but its page cannot be reused (made for another way of paying, or its
    # creation got no answer yet): cancel it, so it can never be paid as well.
    return None if _cancel_open(row) else row


def _made_by_the_other_request(row: Payment) -> Payment:
    deadline = row.created_at + datetime.timedelta(seconds=settings.PAY_TIMEOUT_SECONDS + 1)
    while timezone.now() < deadline:
        time.sleep(0.05)
        row.refresh_from_db()
        if row.next_url or row.finished:
            break
    if not row.next_url:
        raise PaymentUnavailable()
    return row


def _cancel_open(row: Payment) -> bool:
    """Cancels an open payment at the provider and closes its row; False when the
    provider could not be asked (the row stays open, and nothing new is made)."""
    if row.provider_payment_id:
        try:
            payment_provider(row.provider).cancel_payment(row.provider_payment_id)
        except ProviderRefused:
            # Past cancelling (the payer is confirming it): its outcome decides.
            return False
        except ProviderUnavailable:
            return False
    moved = Payment.objects.filter(pk=row.pk, version=row.version, finished=False).update(
        status="cancelled",
        finished=True,
        failure_code="P0040",
        next_url="",
        next_check_at=None if not row.provider_payment_id else _soon(),
        version=F("version") + 1,
    )
    return bool(moved)


def _soon() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.PAY_POLL_FIRST_SECONDS)


def new_payment_request(row: Payment) -> NewPayment:
    """What the provider is asked to make for a row: the same every time it is asked, so
    its idempotency key finds the first answer."""
    return NewPayment(
        amount_pence=row.amount_pence,
        reference=row.case_reference,
        description=row.description,
        return_url=row.return_url,
        language=row.language,
        metadata={
            "organisation": row.organisation.slug,
            "service": row.service_slug,
            "cost_centre": row.cost_centre,
            "ledger_code": row.ledger_code,
        },
        idempotency_key=str(row.id),
        moto=row.moto,
    )


def _create_at_provider(row: Payment) -> Payment:
    try:
        made = payment_provider(row.provider).create_payment(new_payment_request(row))
    except ProviderUnavailable as error:
        # Perhaps made, perhaps not: the poller asks again with the same key.
        logger.warning("payment %s: provider unavailable on creation (%s)", row.id, error)
        raise PaymentUnavailable() from None
    except ProviderRefused as error:
        logger.error("payment %s: provider refused creation (%s)", row.id, error.code)
        Payment.objects.filter(pk=row.pk).update(
            status="error", finished=True, failure_code=error.code[:10], next_check_at=None
        )
        raise PaymentRefused(error.message) from None
    return _record_creation(row, made)


def _record_creation(row: Payment, made: ProviderPayment) -> Payment:
    if made.amount_pence != row.amount_pence or made.reference != row.case_reference:
        _mismatch(row, made)
        raise PaymentRefused("The payment service answered with another payment.")
    Payment.objects.filter(pk=row.pk, provider_payment_id__isnull=True).update(
        provider_payment_id=made.payment_id,
        status=made.status,
        next_url=made.next_url,
        next_check_at=_soon(),
    )
    row.refresh_from_db()
    return row


def payment_for_return(*, payment_id: str, case_reference: str) -> PaymentView:
    """The payment the payer came back from, its outcome asked of the provider (one call;
    none when it had already finished). Only the case's own payments are found: a payment
    id from another case is PaymentNotFound, logged as a security event."""
    row = _row(payment_id)
    if row is None or row.case_reference != case_reference:
        security_event("payment.return_refused", reason="not_this_cases_payment")
        raise PaymentNotFound(payment_id)
    if row.finished or not row.provider_payment_id:
        return view_of(row)
    try:
        return view_of(_refresh(row))
    except (ProviderUnavailable, ProviderRefused, LedgerUnavailable):
        # The provider could not be asked (or refused to answer), or the success could not
        # be recorded (the log is not taking entries): the poller asks again later, and
        # the page says we are checking, never that nothing was saved.
        return view_of(row)


def as_payment_id(value: str) -> uuid.UUID | None:
    """A payment id from a URL or a form; None for anything that is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _row(payment_id: str) -> Payment | None:
    key = as_payment_id(payment_id)
    if key is None:
        return None
    return Payment.objects.select_related("organisation").filter(pk=key).first()


def payments_of_case(*, organisation_id: int, case_reference: str) -> list[PaymentView]:
    """A case's payments, newest first."""
    rows = Payment.objects.filter(
        organisation_id=organisation_id, case_reference=case_reference
    ).order_by("-created_at")
    return [view_of(row) for row in rows]


def _refresh(row: Payment) -> Payment:
    """Asks the provider about one payment and records what it says."""
    assert row.provider_payment_id
    try:
        found = payment_provider(row.provider).get_payment(row.provider_payment_id)
    except NotFoundAtProvider:
        logger.error("payment %s: the provider knows no such payment", row.id)
        Payment.objects.filter(pk=row.pk, version=row.version).update(
            status="error", finished=True, failure_code="P0200", next_check_at=None
        )
        row.refresh_from_db()
        return row
    return apply_provider_state(row, found)


def apply_provider_state(row: Payment, found: ProviderPayment) -> Payment:
    """Records what the provider says of a payment; announces a success once.

    A payment whose amount or reference differ from what was asked is never counted as
    paid: it is a security event, and the row is left for finance to look at.
    """
    if found.amount_pence != row.amount_pence or found.reference != row.case_reference:
        _mismatch(row, found)
        row.refresh_from_db()
        return row
    now = timezone.now()
    changes: dict[str, object] = {
        "status": found.status,
        "finished": found.finished,
        "failure_code": found.failure_code[:10],
        "card_brand": found.card_brand or row.card_brand,
        "last_digits": found.last_digits or row.last_digits,
        "captured_on": found.captured_on or row.captured_on,
        "settled_on": found.settled_on or row.settled_on,
        "next_url": "" if found.finished else (found.next_url or row.next_url),
        "next_check_at": None if found.finished else _next_check(row, now),
        "version": row.version + 1,
    }
    newly_succeeded = found.status == "success" and row.status != "success"
    if newly_succeeded:
        changes["succeeded_at"] = now
    with transaction.atomic():
        moved = Payment.objects.filter(pk=row.pk, version=row.version).update(**changes)
        if moved and newly_succeeded:
            _announce_success(row, found)
    if moved and found.finished and found.status != "success":
        logger.info("payment %s ended %s (%s)", row.id, found.status, found.failure_code)
    row.refresh_from_db()
    return row


def _next_check(row: Payment, now: datetime.datetime) -> datetime.datetime:
    return now + backoff(row.checks)


def backoff(checks: int) -> datetime.timedelta:
    """How long after its `checks`th check a payment not finished is asked about again:
    doubling from PAY_POLL_FIRST_SECONDS up to PAY_POLL_LONGEST_SECONDS."""
    seconds = settings.PAY_POLL_FIRST_SECONDS * 2 ** min(checks, 10)
    return datetime.timedelta(seconds=min(seconds, settings.PAY_POLL_LONGEST_SECONDS))


def _announce_success(row: Payment, found: ProviderPayment) -> None:
    """In the transaction that recorded the success: the case learns of it, and a
    payment the case could not take is refunded in full."""
    results = publish(
        PaymentSucceeded(
            payment_id=str(row.id),
            provider_payment_id=found.payment_id,
            organisation_id=row.organisation_id,
            organisation=row.organisation.slug,
            case_reference=row.case_reference,
            amount_pence=row.amount_pence,
            moto=row.moto,
        )
    )
    taken = results.get(PaymentTaken) or PaymentTaken(counted=True)
    if taken.counted:
        Payment.objects.filter(pk=row.pk).update(outcome=Payment.Outcome.COUNTED)
        return
    Payment.objects.filter(pk=row.pk).update(outcome=Payment.Outcome.REFUND_DUE)
    logger.warning("payment %s not needed by its case (%s): refunding it", row.id, taken.why_not)
    row.status = "success"
    queue_refund(
        row,
        amount_pence=row.amount_pence,
        kind=Refund.Kind.NOT_NEEDED,
        reason=f"Payment not needed: {taken.why_not or 'the case could not take it'}",
    )


def queue_refund(
    row: Payment, *, amount_pence: int, kind: str, reason: str, staff_user_id: int | None = None
) -> Refund:
    """Writes a refund to be sent, in the caller's transaction, with its audit event and
    transparency log entry. The payment row must be locked (or just made successful) by
    the caller, so two refunds cannot both take what is left."""
    refund = Refund.objects.create(
        payment=row,
        organisation_id=row.organisation_id,
        amount_pence=amount_pence,
        kind=kind,
        reason=reason,
        requested_by_id=staff_user_id,
        next_attempt_at=timezone.now(),
    )
    Payment.objects.filter(pk=row.pk).update(refunded_pence=F("refunded_pence") + amount_pence)
    publish(
        RefundRequested(
            refund_id=str(refund.id),
            payment_id=str(row.id),
            organisation=row.organisation.slug,
            case_reference=row.case_reference,
            amount_pence=amount_pence,
            kind=kind,
            cost_centre=row.cost_centre,
            ledger_code=row.ledger_code,
            staff_user_id=str(staff_user_id or ""),
            reason_fingerprint=fingerprint_text(reason),
        )
    )
    transaction.on_commit(lambda: _send_now(str(refund.id)))
    return refund


def _send_now(refund_id: str) -> None:
    """Sends this refund (only this one) as soon as its decision commits; the periodic
    job sends it if this cannot."""
    from civitas.pay.refunds import send_refund

    try:
        send_refund(refund_id)
    except Exception:  # the periodic job sends what this could not
        logger.exception("refund %s left for the periodic job", refund_id)


def _mismatch(row: Payment, found: ProviderPayment) -> None:
    security_event(
        "payment.mismatch",
        reason="amount_or_reference_differs",
        payment=str(row.id),
    )
    Payment.objects.filter(pk=row.pk).update(
        status="error", finished=True, failure_code="MISMATCH", next_url="", next_check_at=None
    )


def cancel_open_payments(*, organisation_id: int, case_reference: str) -> int:
    """Marks a case's open payments to be cancelled at the provider (its case closed
    while the payer was on the card page): in the caller's transaction, no call made.
    The poller cancels them; one that succeeded first is refunded as not needed."""
    return Payment.objects.filter(
        organisation_id=organisation_id, case_reference=case_reference, finished=False
    ).update(next_check_at=timezone.now(), cancel_requested=True)


def handle_webhook(body: bytes, signature: str) -> bool:
    """A provider's webhook: checked by its signature, then taken only as a hint. The
    payment's state is asked of the provider's API, so a replayed or stale webhook can
    move nothing. False when the signature is wrong (a security event)."""
    from civitas.pay.providers.govuk_pay import webhook_payment_id

    provider = payment_provider()
    if not provider.verify_webhook(body, signature):
        security_event("payment.webhook_refused", reason="bad_signature")
        return False
    provider_id = webhook_payment_id(body)
    if provider_id is None:
        return True
    row = (
        Payment.objects.select_related("organisation")
        .filter(provider=provider.name, provider_payment_id=provider_id)
        .first()
    )
    if row is None or (row.finished and row.status != "success"):
        return True
    try:
        if not row.finished:
            _refresh(row)
    except (ProviderUnavailable, ProviderRefused, LedgerUnavailable):
        # The poller will ask.
        Payment.objects.filter(pk=row.pk, finished=False).update(next_check_at=timezone.now())
    return True
