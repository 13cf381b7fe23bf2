"""A text message from a template to the gateway, its receipt back, and the service's
callback out: every hop over real HTTP."""

import pytest

from civitas.notify.models import Message
from civitas.notify.sending import send_from_template
from civitas.notify.tests.factories import SendingServiceFactory, make_template
from conftest import run_queued_jobs, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_text_is_sent_its_receipt_recorded_and_the_service_called_back(
    live_server, sms_settings, mmg, callback_server
):
    sms_settings.SMS_PROVIDERS = ["mmg"]
    sms_settings.MMG_RECEIPT_URL = f"{live_server.url}/notify/providers/mmg/receipts"
    service = SendingServiceFactory(
        sms_sender="Parking",
        delivery_status_callback_url=callback_server.url("/status"),
        delivery_status_callback_token="service-bearer-token",
    )
    template = make_template(service, "sms", body="Your permit ((reference)) is ready ŵ")
    message = send_from_template(
        sending_service=service,
        template=template,
        recipient="07700 900 123",
        personalisation={"reference": "PX-1"},
        idempotency_key="e2e-1",
        client_reference="their-own-ref",
    )
    assert message.fragments == 1
    run_queued_jobs()
    taken = mmg.accepted[str(message.id)]
    assert (taken.to, taken.sender, taken.text) == (
        "447700900123",
        "Parking",
        "Your permit PX-1 is ready ŵ",
    )
    assert mmg.deliver(str(message.id), "delivered") == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    run_queued_jobs()
    assert wait_until(lambda: callback_server.received, timeout=5)
    [request] = callback_server.received
    assert request["authorization"] == "Bearer service-bearer-token"
    assert request["json"]["status"] == "delivered"
    assert request["json"]["reference"] == "their-own-ref"
    assert request["json"]["to"] == "+447700900123"
