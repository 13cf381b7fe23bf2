"""The poller: what makes sure no payment is lost when its payer never came back.

A citizen who pays and closes the browser before the provider sends them back still gets
their application sent: every worker asks the provider, now and then, about each
payment not finished (sooner at first, then less often), records what it says and
announces a success once (payments.apply_provider_state). It also asks again for a
payment whose creation got no answer (with its idempotency key), and cancels those
whose case closed while they were open.

Rounds claim their payments first (the due time moves on, under SKIP LOCKED on
PostgreSQL), so several workers share the work instead of repeating it. The provider is
asked from a pool of threads, over kept-open connections; the database is written from
the worker's own thread.
"""

import contextlib
import datetime
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from civitas.ledger.public import LedgerUnavailable
from civitas.pay.models import Payment
from civitas.pay.payments import apply_provider_state, backoff, new_payment_request
from civitas.pay.providers import payment_provider
from civitas.pay.providers.base import (
    ProviderError,
    ProviderPayment,
    ProviderRefused,
    ProviderUnavailable,
)

logger = logging.getLogger(__name__)

ROUND_SIZE = 500
CLAIM_SECONDS = 60
"""A claimed payment is not claimed again this long: a worker that died mid-round leaves
its payments to the next round after it."""


POLL_IDLE_SECONDS = 1.0


def poll_due_payments(*, budget_seconds: float = 50.0) -> int:
    """Asks the provider about every payment due a check, in rounds, until none is due or
    the budget is spent. Returns how many were asked about. (What the worker loop does,
    for tests, the bench and `civitas pay poll`.)"""
    started = time.monotonic()
    asked = 0
    with ThreadPoolExecutor(max_workers=settings.PAY_POLL_CONNECTIONS) as pool:
        while time.monotonic() - started < budget_seconds:
            claimed = _poll_round(pool)
            if not claimed:
                break
            asked += claimed
    return asked


def run_poller(stop: threading.Event, fork_lock: threading.Lock) -> None:
    """The worker's polling loop, until `stop` is set. `fork_lock` is held for a round
    (a claim, the provider's answers, their recording), so that a job process forked
    meanwhile never inherits a half-used connection."""
    with ThreadPoolExecutor(max_workers=settings.PAY_POLL_CONNECTIONS) as pool:
        while not stop.is_set():
            try:
                with fork_lock:
                    close_old_connections()
                    asked = _poll_round(pool)
            except Exception:
                # The loop must outlive any outage (the database restarting, say).
                logger.exception("payment polling interrupted")
                asked = 0
            if not asked:
                stop.wait(POLL_IDLE_SECONDS)


def _poll_round(pool: ThreadPoolExecutor) -> int:
    claimed = _claim_round()
    unchanged: dict[tuple[str, int], list[object]] = defaultdict(list)
    for row, answer in zip(claimed, pool.map(_ask, claimed), strict=True):
        if _is_unchanged(row, answer):
            unchanged[(row.status, row.checks)].append(row.pk)
        else:
            try:
                _record(row, answer)
            except LedgerUnavailable:
                # Its success cannot be recorded yet: asked again once the claim runs out.
                logger.warning("payment %s: success waits for the transparency log", row.id)
    # Most payments asked about have not moved (the payer is still on the card page, or
    # never came): one UPDATE per kind sets when each is asked next.
    now = timezone.now()
    for (status, checks), ids in unchanged.items():
        Payment.objects.filter(pk__in=ids, status=status, finished=False).update(
            next_check_at=now + backoff(checks)
        )
    return len(claimed)


def _is_unchanged(row: Payment, answer: ProviderPayment | ProviderError) -> bool:
    return (
        isinstance(answer, ProviderPayment)
        and bool(row.provider_payment_id)
        and not row.cancel_requested
        and not answer.finished
        and answer.status == row.status
        and answer.amount_pence == row.amount_pence
        and answer.reference == row.case_reference
    )


def _claim_round() -> list[Payment]:
    now = timezone.now()
    with transaction.atomic():
        due = Payment.objects.select_related("organisation").filter(next_check_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.order_by("next_check_at")[:ROUND_SIZE])
        if rows:
            Payment.objects.filter(pk__in=[row.pk for row in rows]).update(
                next_check_at=now + datetime.timedelta(seconds=CLAIM_SECONDS),
                checks=F("checks") + 1,
            )
    return rows


def _ask(row: Payment) -> ProviderPayment | ProviderError:
    """What the provider says of one payment (runs in a pool thread: no database)."""
    provider = payment_provider(row.provider)
    try:
        if not row.provider_payment_id:
            # Its creation got no answer: ask again, with the same key.
            return provider.create_payment(new_payment_request(row))
        if row.cancel_requested and not row.finished:
            # Past cancelling (the payer is confirming it), the outcome decides.
            with contextlib.suppress(ProviderRefused):
                provider.cancel_payment(row.provider_payment_id)
        return provider.get_payment(row.provider_payment_id)
    except ProviderError as error:
        return error


def _record(row: Payment, answer: ProviderPayment | ProviderError) -> None:
    if isinstance(answer, ProviderUnavailable):
        logger.warning("payment %s: provider unavailable while polling (%s)", row.id, answer)
        return  # claimed: asked again after the claim runs out
    if isinstance(answer, ProviderRefused):
        code = answer.code
        logger.error("payment %s: provider refused while polling (%s)", row.id, code)
        Payment.objects.filter(pk=row.pk, finished=False).update(
            status="error", finished=True, failure_code=code[:10] or "P0050", next_check_at=None
        )
        return
    if isinstance(answer, ProviderError):
        return
    if not row.provider_payment_id:
        # Re-made: the provider's id is known at last.
        Payment.objects.filter(pk=row.pk, provider_payment_id__isnull=True).update(
            provider_payment_id=answer.payment_id
        )
        row.provider_payment_id = answer.payment_id
    apply_provider_state(row, answer)
