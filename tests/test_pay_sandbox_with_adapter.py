"""Civitas's GOV.UK Pay adapter against the sandbox: the two speak the same API, so what
the adapter reads of each answer is there."""

import datetime
import uuid

import pytest

from civitas.pay.providers.base import NewPayment, ProviderRefused, ProviderUnavailable
from civitas.pay.providers.govuk_pay import GovukPayProvider
from tests.pay_sandbox import pay_without_browser


@pytest.fixture
def provider(pay_sandbox):
    return GovukPayProvider(
        base_url=pay_sandbox.url, api_key=pay_sandbox.api_key, webhook_secret="", timeout=5
    )


def new_payment(reference: str, **changes) -> NewPayment:
    fields = {
        "amount_pence": 4000,
        "reference": reference,
        "description": "Resident parking permit",
        "return_url": "http://127.0.0.1:9/return",
        "language": "en",
        "metadata": {"case": reference},
        "idempotency_key": uuid.uuid4().hex,
    } | changes
    return NewPayment(**fields)


def test_the_adapter_makes_reads_refunds_and_reconciles_a_payment(provider):
    reference = f"ADAPTER-{uuid.uuid4().hex[:8]}"
    made = provider.create_payment(new_payment(reference))
    assert (made.status, made.finished, made.next_url.startswith("http")) == (
        "created",
        False,
        True,
    )

    assert pay_without_browser(made.next_url).status_code == 303
    paid = provider.get_payment(made.payment_id)
    refund = provider.refund(
        made.payment_id, amount_pence=1500, available_pence=4000, idempotency_key="r1"
    )
    today = datetime.datetime.now(datetime.UTC).date()
    settled = [found.payment_id for found in provider.settled_payments(today)]
    refunds = [found.refund_id for found in provider.settled_refunds(today)]

    assert (paid.status, paid.finished, paid.last_digits, paid.card_brand) == (
        "success",
        True,
        "1111",
        "visa",
    )
    assert paid.captured_on == paid.settled_on == today
    assert paid.refund_available_pence == 4000
    assert paid.metadata == {"case": reference}
    assert (refund.status, refund.amount_pence) == ("success", 1500)
    assert made.payment_id in settled
    assert refund.refund_id in refunds
    assert provider.get_payment(made.payment_id).refund_available_pence == 2500


def test_the_adapter_hears_a_stale_refund_refused(provider):
    made = provider.create_payment(new_payment("ADAPTER-STALE"))
    pay_without_browser(made.next_url)
    provider.refund(made.payment_id, amount_pence=100, available_pence=4000, idempotency_key="a")

    with pytest.raises(ProviderRefused) as refused:
        provider.refund(
            made.payment_id, amount_pence=100, available_pence=4000, idempotency_key="b"
        )

    assert (refused.value.code, refused.value.status) == ("P0604", 412)


def test_the_adapter_hears_an_outage_as_unavailable(provider, pay_sandbox):
    pay_sandbox.faults(fail_with=503, count=1)

    with pytest.raises(ProviderUnavailable):
        provider.create_payment(new_payment("ADAPTER-OUTAGE"))
