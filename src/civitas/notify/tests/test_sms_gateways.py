"""Text messages through the Firetext and MMG adapters, over real HTTP to their sandbox
gateways, with failover and exactly one delivery after a timeout."""

import pytest
from django.utils import timezone

from civitas.notify.delivery import deliver_message
from civitas.notify.models import Message
from civitas.notify.providers import OutgoingMessage, PermanentFailure
from civitas.notify.providers.base import Channel
from civitas.notify.providers.firetext import FiretextProvider
from civitas.notify.providers.mmg import MmgProvider
from civitas.notify.providers.sms import GatewayTimedOut, GatewayUnavailable
from civitas.notify.tests.conftest import (
    CALLBACK_PASSWORDS,
    closed_port_url,
    make_service,
    make_text_message,
)


def outgoing(to: str = "+447700900123", reference: str = "ref-1") -> OutgoingMessage:
    return OutgoingMessage(
        channel=Channel.SMS,
        reference=reference,
        recipient=to,
        subject="",
        body_text="Your permit is ready",
        sender="Borough",
    )


def test_it_sends_through_firetext_with_the_message_id_as_client_reference(firetext):
    receipt = FiretextProvider().send(outgoing())
    assert (receipt.status, receipt.provider, receipt.reference) == ("sending", "firetext", "ref-1")
    taken = firetext.accepted["ref-1"]
    assert (taken.to, taken.sender, taken.text) == (
        "447700900123",
        "Borough",
        "Your permit is ready",
    )
    # The receipt URL carries the credentials Firetext's receipts authenticate with.
    assert f"firetext:{CALLBACK_PASSWORDS['firetext']}@" in taken.receipt_url


def test_it_sends_through_mmg_with_the_message_id_as_cid(mmg):
    receipt = MmgProvider().send(outgoing())
    assert (receipt.status, receipt.provider, receipt.reference) == ("sending", "mmg", "ref-1")
    taken = mmg.accepted["ref-1"]
    assert (taken.to, taken.sender) == ("447700900123", "Borough")
    assert taken.receipt_url.endswith("/notify/providers/mmg/receipts")


def test_a_gateway_refusing_our_credentials_is_unavailable_not_a_failed_message(
    firetext, mmg, sms_settings
):
    sms_settings.FIRETEXT_API_KEY = "wrong"
    sms_settings.MMG_API_KEY = "wrong"
    with pytest.raises(GatewayUnavailable, match="firetext-code-1"):
        FiretextProvider().send(outgoing())
    with pytest.raises(GatewayUnavailable, match="mmg-http-401"):
        MmgProvider().send(outgoing())
    assert firetext.accepted == mmg.accepted == {}


def test_a_number_a_gateway_cannot_send_to_is_a_permanent_failure(firetext, mmg):
    with pytest.raises(PermanentFailure, match="firetext-invalid-number"):
        FiretextProvider().send(outgoing(to="+12025550123"))
    with pytest.raises(PermanentFailure, match="mmg-http-400-206"):
        MmgProvider().send(outgoing(to="+12025550123"))


def test_a_gateway_that_is_down_is_unavailable(sms_settings):
    sms_settings.FIRETEXT_URL = closed_port_url()
    with pytest.raises(GatewayUnavailable):
        FiretextProvider().send(outgoing())


def test_a_gateway_that_hangs_past_the_timeout_may_have_the_message(firetext):
    firetext.hang_next = 1
    with pytest.raises(GatewayTimedOut):
        FiretextProvider().send(outgoing())
    firetext.release.set()
    assert list(firetext.accepted) == ["ref-1"]


def test_a_message_is_sent_once_through_the_first_gateway(db, firetext, mmg):
    service = make_service(sms_sender="Borough")
    message = make_text_message(service)
    assert deliver_message(str(message.id)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_reference) == (
        "sending",
        "firetext",
        str(message.id),
    )
    assert message.sent_at is not None
    assert message.completed_at is None
    assert firetext.accepted[str(message.id)].sender == "Borough"
    assert mmg.accepted == {}


@pytest.mark.parametrize("how", ["down", "5xx", "credentials refused"])
def test_it_fails_over_to_the_second_gateway_when_the_first_surely_did_not_take_it(
    db, firetext, mmg, sms_settings, how
):
    if how == "down":
        sms_settings.FIRETEXT_URL = closed_port_url()
    elif how == "5xx":
        firetext.fail_with = 503
    else:
        sms_settings.FIRETEXT_API_KEY = "revoked"
    message = make_text_message()
    assert deliver_message(str(message.id)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider) == ("sending", "mmg")
    assert list(mmg.accepted) == [str(message.id)]
    assert firetext.accepted == {}


def test_when_every_gateway_is_down_the_message_waits_for_another_try(db, sms_settings):
    sms_settings.FIRETEXT_URL = closed_port_url()
    sms_settings.MMG_URL = closed_port_url()
    message = make_text_message()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert (message.status, message.provider, message.sent_at) == ("created", "", None)
    assert message.last_error.startswith("mmg-")


def test_a_timeout_then_a_retry_ends_in_exactly_one_message_at_the_gateway(db, firetext, mmg):
    # The worst case: Firetext took the message and its answer never came back.
    firetext.hang_next = 1
    message = make_text_message()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    # Pinned to Firetext: it may have the message, so MMG was not asked.
    assert (message.status, message.provider, message.last_error) == (
        "created",
        "firetext",
        "firetext-ReadTimeout",
    )
    assert mmg.accepted == {}
    firetext.release.set()

    Message.objects.filter(id=message.id).update(retry_at=timezone.now())
    assert deliver_message(str(message.id)) == "sent"
    message.refresh_from_db()
    assert (message.status, message.provider, message.attempts) == ("sending", "firetext", 2)
    assert firetext.requests == 2
    assert list(firetext.accepted) == [str(message.id)]
    assert mmg.accepted == {}


def test_a_message_pinned_to_a_gateway_that_is_now_down_is_not_sent_through_another(
    db, firetext, mmg, sms_settings
):
    firetext.hang_next = 1
    message = make_text_message()
    deliver_message(str(message.id))
    firetext.release.set()
    sms_settings.FIRETEXT_URL = closed_port_url()
    Message.objects.filter(id=message.id).update(retry_at=timezone.now())
    assert deliver_message(str(message.id)) == "retrying"
    assert mmg.accepted == {}
    assert Message.objects.get(id=message.id).provider == "firetext"


def test_a_permanent_refusal_fails_the_message_at_once(db, firetext, mmg):
    message = make_text_message(to="+12025550123")  # as if sending's check had let it by
    assert deliver_message(str(message.id)) == "failed"
    message.refresh_from_db()
    assert (message.status, message.provider) == ("permanent-failure", "")
    assert mmg.accepted == firetext.accepted == {}


def test_while_the_first_gateway_hangs_new_messages_go_through_the_second(db, firetext, mmg):
    firetext.hang_next = 1
    stuck, fresh = make_text_message(), make_text_message()
    assert deliver_message(str(stuck.id)) == "retrying"  # met the hang: pinned to Firetext
    firetext.release.set()
    assert deliver_message(str(fresh.id)) == "sent"
    fresh.refresh_from_db()
    assert fresh.provider == "mmg"
    assert list(mmg.accepted) == [str(fresh.id)]
    assert list(firetext.accepted) == [str(stuck.id)]
    assert firetext.requests == 1


def test_a_gateway_that_failed_is_tried_first_again_once_rested(db, firetext, mmg, sms_settings):
    sms_settings.SMS_GATEWAY_REST_SECONDS = 0
    firetext.fail_with = 500
    first, second = make_text_message(), make_text_message()
    deliver_message(str(first.id))
    firetext.fail_with = None
    deliver_message(str(second.id))
    assert Message.objects.get(id=first.id).provider == "mmg"
    assert Message.objects.get(id=second.id).provider == "firetext"


def test_every_gateway_has_a_sandbox_that_speaks_its_api():
    from civitas.notify.management.commands.smsgateway import SANDBOXES
    from civitas.notify.providers.failover import GATEWAYS

    assert set(SANDBOXES) == set(GATEWAYS)


def test_a_gateway_without_a_key_passes_its_messages_to_the_next(db, firetext, mmg, sms_settings):
    sms_settings.FIRETEXT_API_KEY = ""
    message = make_text_message()
    assert deliver_message(str(message.id)) == "sent"
    assert Message.objects.get(id=message.id).provider == "mmg"
    assert firetext.requests == 0


@pytest.mark.parametrize("gateway", ["firetext", "mmg"])
def test_a_success_status_with_an_unreadable_answer_pins_the_message_as_a_timeout_does(
    db, firetext, mmg, gateway
):
    sandbox = {"firetext": firetext, "mmg": mmg}[gateway]
    sandbox.garble_next = 1
    if gateway == "mmg":
        firetext.fail_with = 500
    message = make_text_message()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert (message.provider, message.last_error) == (gateway, f"{gateway}-unreadable-answer")
    Message.objects.filter(id=message.id).update(retry_at=timezone.now())
    firetext.fail_with = None
    assert deliver_message(str(message.id)) == "sent"
    assert list(sandbox.accepted) == [str(message.id)]
    other = mmg if gateway == "firetext" else firetext
    assert other.accepted == {}


def test_a_gateway_that_drops_the_connection_after_taking_the_message_may_have_it(
    db, firetext, mmg
):
    firetext.drop_next = 1
    message = make_text_message()
    assert deliver_message(str(message.id)) == "retrying"
    message.refresh_from_db()
    assert message.provider == "firetext"
    assert message.last_error.startswith("firetext-")
    assert mmg.accepted == {}
