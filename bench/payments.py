"""Payments in-process, against the local sandbox (a separate process speaking GOV.UK
Pay's API over loopback, as a provider would over the network):

- the paid journey's extra cost: making the payment (the row and one call to the
  provider) plus the return and its check (one call, then the case moved on, its log
  entry, confirmation and receipt), against the unpaid submission in the same run; and
  the calls to the provider on each side, counted (the goal: one each);
- the poller over 10,000 outstanding payments (the goal: under a minute).

The payer's own time on the card pages is the provider's, not ours: it is not counted.
`python -m bench` runs `run()` with DATABASE_URL selecting SQLite or PostgreSQL.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROUNDS = 8
PER_ROUND = 10
OUTSTANDING = 10_000
GOAL_POLL_SECONDS = 60.0
GOAL_CALLS_EACH_SIDE = 1
FEE = 8500


class _CountingCalls:
    """Counts the provider's HTTP calls made from this thread."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, response, *args, **kwargs):
        self.calls += 1
        return response


def run(database_label: str) -> list[dict]:
    from django.conf import settings

    from bench.ledger import _refuse_unless_a_benchmark_database
    from civitas.pay.providers import forget_providers, payment_provider
    from tests.pay_sandbox import start_pay_sandbox

    _refuse_unless_a_benchmark_database()
    with tempfile.TemporaryDirectory() as folder:
        sandbox = start_pay_sandbox(Path(folder), api_key="bench-key")
        try:
            settings.PAY_API_URL = sandbox.url
            settings.PAY_API_KEY = sandbox.api_key
            forget_providers()
            counter = _CountingCalls()
            payment_provider()._session.hooks["response"].append(counter)  # type: ignore[attr-defined]
            service = _parking_permit()
            journey = _paid_journey(service, counter)
            poll_seconds, polled = _poller(sandbox)
        finally:
            sandbox.stop()
    unpaid, create, back, create_calls, return_calls = journey
    extra = create + back
    return [
        {
            "name": "pay: unpaid submission (floor)",
            "value": round(1 / unpaid, 1),
            "unit": "apps/s",
            "floor": "itself",
            "ratio": 1.0,
        },
        {
            "name": "pay: create payment + return and check",
            "value": round(extra * 1000, 2),
            "unit": "ms",
            "floor": "unpaid submission",
            # What paying adds, as a share of the submission's own time.
            "ratio": round(extra / unpaid, 3),
            "create_ms": round(create * 1000, 2),
            "return_ms": round(back * 1000, 2),
        },
        {
            "name": "pay: provider calls to create / to return",
            "value": f"{create_calls} / {return_calls}",
            "unit": "calls",
            "floor": "one each",
            "ratio": max(create_calls, return_calls) / GOAL_CALLS_EACH_SIDE,
            "goal": GOAL_CALLS_EACH_SIDE,
        },
        {
            "name": f"pay: poller over {OUTSTANDING:,} outstanding payments",
            "value": round(poll_seconds, 1),
            "unit": "s",
            "floor": f"goal {GOAL_POLL_SECONDS:.0f} s",
            "ratio": round(poll_seconds / GOAL_POLL_SECONDS, 3),
            "asked": polled,
            "goal": 1.0,
        },
    ]


def _parking_permit():
    from django.conf import settings

    from civitas.catalogue.public import ServiceNotFound, get_live_service, publish_service_file
    from civitas.identity.public import ensure_organisation

    try:
        return get_live_service("example-borough", "resident-parking-permit")
    except ServiceNotFound:
        ensure_organisation(slug="example-borough", name="Example Borough Council")
        publish_service_file(
            settings.SERVICES_DIR / "resident-parking-permit" / "service.yaml",
            published_by="bench",
        )
        return get_live_service("example-borough", "resident-parking-permit")


def _paid_journey(service, counter: _CountingCalls):
    """Per application, median over rounds: (unpaid submission s, create s, return s,
    provider calls to create, provider calls to return)."""
    from civitas.cases.public import case_payment, pay_for_case, submit_application
    from civitas.cases.tests.factories import ANSWERS
    from civitas.pay.public import payment_for_return
    from tests.pay_sandbox import pay_without_browser

    def unpaid(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            submit_application(service=service, answers=dict(ANSWERS), fee_pence=None)
        return (time.perf_counter() - started) / count

    def paid(count: int) -> tuple[float, float, int, int]:
        creating = returning = 0.0
        create_calls = return_calls = 0
        for _ in range(count):
            case = submit_application(service=service, answers=dict(ANSWERS), fee_pence=FEE)
            found = case_payment(case.reference)
            assert found is not None
            before = counter.calls
            started = time.perf_counter()
            payment = pay_for_case(
                found,
                language="en",
                return_url_for=lambda payment_id: f"http://127.0.0.1:9/return/{payment_id}/",
            )
            creating += time.perf_counter() - started
            create_calls = max(create_calls, counter.calls - before)
            pay_without_browser(payment.next_url)  # the payer, on the provider's pages
            before = counter.calls
            started = time.perf_counter()
            back = payment_for_return(payment_id=payment.id, case_reference=case.reference)
            returning += time.perf_counter() - started
            return_calls = max(return_calls, counter.calls - before)
            assert back.paid, back
        return creating / count, returning / count, create_calls, return_calls

    unpaid(5)
    paid(3)  # warm: connections, caches, templates
    unpaid_times, create_times, return_times = [], [], []
    most_create = most_return = 0
    for number in range(ROUNDS):
        if number % 2:
            unpaid_times.append(unpaid(PER_ROUND))
            create, back, create_calls, return_calls = paid(PER_ROUND)
        else:
            create, back, create_calls, return_calls = paid(PER_ROUND)
            unpaid_times.append(unpaid(PER_ROUND))
        create_times.append(create)
        return_times.append(back)
        most_create = max(most_create, create_calls)
        most_return = max(most_return, return_calls)
    return (
        statistics.median(unpaid_times),
        statistics.median(create_times),
        statistics.median(return_times),
        most_create,
        most_return,
    )


def _poller(sandbox) -> tuple[float, int]:
    """Seeds OUTSTANDING payments made at the provider and never paid, all due a check,
    then times the poller asking about every one."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from civitas.identity.public import ensure_organisation
    from civitas.pay.models import Payment
    from civitas.pay.public import poll_due_payments

    organisation = ensure_organisation(slug="example-borough", name="Example Borough Council")
    Payment.objects.all().delete()

    def make(number: int) -> str:
        return sandbox.create_payment(amount=FEE, reference=f"BENCH-{number:05d}")["payment_id"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        provider_ids = list(pool.map(make, range(OUTSTANDING)))
    now = timezone.now()
    with transaction.atomic():
        Payment.objects.bulk_create(
            [
                Payment(
                    id=uuid.uuid4(),
                    organisation_id=organisation.id,
                    case_reference=f"BENCH-{number:05d}",
                    service_slug="resident-parking-permit",
                    amount_pence=FEE,
                    description="Resident parking permit",
                    cost_centre="PK-4100",
                    ledger_code="8210",
                    provider="govuk_pay",
                    provider_payment_id=provider_id,
                    status="created",
                    next_check_at=now,
                )
                for number, provider_id in enumerate(provider_ids)
            ],
            batch_size=1000,
        )
    started = time.perf_counter()
    asked = poll_due_payments(budget_seconds=300)
    seconds = time.perf_counter() - started
    Payment.objects.all().delete()
    return seconds, asked
