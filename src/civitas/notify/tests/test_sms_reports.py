"""Gateways' delivery receipts and received texts: posted by the sandboxes over real HTTP
to a live Civitas, or by the test client for hostile input."""

import base64
import json

import pytest

from civitas.notify.delivery import deliver_message
from civitas.notify.models import Callback, Message, ReceivedTextMessage
from civitas.notify.tests.conftest import CALLBACK_PASSWORDS, make_service, make_text_message

RECEIPTS = {
    "firetext": "/notify/providers/firetext/receipts",
    "mmg": "/notify/providers/mmg/receipts",
}
INBOUND = {"firetext": "/notify/providers/firetext/inbound", "mmg": "/notify/providers/mmg/inbound"}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def as_gateway(gateway: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": basic(gateway, CALLBACK_PASSWORDS[gateway])}


def post_receipt(client, gateway: str, fields: dict, **headers):
    if gateway == "firetext":
        return client.post(RECEIPTS[gateway], fields, **headers)
    return client.post(RECEIPTS[gateway], json.dumps(fields), "application/json", **headers)


def firetext_receipt(reference: str, status: str = "0", code: str = "") -> dict:
    return {"mobile": "447700900123", "status": status, "reference": reference, "code": code}


def mmg_receipt(reference: str, status: str = "3", substatus: str = "5") -> dict:
    return {"reference": "1", "CID": reference, "status": status, "substatus": substatus}


def sent_message(gateway: str, reference_ok: bool = True) -> Message:
    message = make_text_message()
    Message.objects.filter(id=message.id).update(
        status="sending", provider=gateway, provider_reference=str(message.id)
    )
    return Message.objects.get(id=message.id)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gateway", ["firetext", "mmg"])
def test_a_gateways_receipt_posted_to_civitas_marks_the_message_delivered(
    gateway, request, live_server, sms_settings
):
    sandbox = request.getfixturevalue(gateway)
    setattr(sms_settings, f"{gateway.upper()}_RECEIPT_URL", live_server.url + RECEIPTS[gateway])
    sms_settings.SMS_PROVIDERS = [gateway]
    message = make_text_message()
    assert deliver_message(str(message.id)) == "sent"
    assert sandbox.deliver(str(message.id), "delivered") == 200
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.completed_at is not None


@pytest.mark.parametrize(
    ("gateway", "fields", "status"),
    [
        ("firetext", {"status": "0"}, "delivered"),
        ("firetext", {"status": "1", "code": "101"}, "permanent-failure"),
        ("firetext", {"status": "1", "code": "102"}, "temporary-failure"),
        ("firetext", {"status": "2"}, "sending"),
        ("mmg", {"status": "3", "substatus": "5"}, "delivered"),
        ("mmg", {"status": "4", "substatus": "6"}, "temporary-failure"),
        ("mmg", {"status": "5", "substatus": "52"}, "permanent-failure"),
        ("mmg", {"status": "2", "substatus": "1"}, "permanent-failure"),
        ("mmg", {"status": "5", "substatus": "23"}, "sending"),  # a duplicate cid refused
    ],
)
def test_a_receipt_moves_the_message_to_its_status(
    db, client, sms_settings, gateway, fields, status
):
    message = sent_message(gateway)
    base = (
        firetext_receipt(str(message.id)) if gateway == "firetext" else mmg_receipt(str(message.id))
    )
    response = post_receipt(client, gateway, {**base, **fields}, **as_gateway(gateway))
    assert response.status_code == 200, response.content
    message.refresh_from_db()
    assert message.status == status
    assert (message.completed_at is not None) == (status != "sending")


def test_a_repeated_or_late_receipt_never_moves_a_final_status_back(db, client, sms_settings):
    message = sent_message("firetext")
    for fields in ({"status": "0"}, {"status": "1", "code": "101"}, {"status": "2"}):
        response = post_receipt(
            client,
            "firetext",
            firetext_receipt(str(message.id), **fields),
            **as_gateway("firetext"),
        )
        assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_receipt_that_beats_the_record_of_the_hand_over_is_kept(db, client, sms_settings):
    # The gateway was pinned and given the message id; the worker has not written yet.
    message = make_text_message()
    Message.objects.filter(id=message.id).update(status="sending", provider="mmg")
    response = post_receipt(client, "mmg", mmg_receipt(str(message.id)), **as_gateway("mmg"))
    assert response.status_code == 200
    assert Message.objects.get(id=message.id).status == "delivered"


def test_a_receipt_from_the_other_gateway_or_for_no_message_is_not_found(db, client, sms_settings):
    message = sent_message("firetext")
    response = post_receipt(client, "mmg", mmg_receipt(str(message.id)), **as_gateway("mmg"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    response = post_receipt(
        client, "firetext", firetext_receipt("no-such-reference"), **as_gateway("firetext")
    )
    assert response.status_code == 404
    assert Message.objects.get(id=message.id).status == "sending"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic("firetext", "wrong-password"),
        basic("mmg", CALLBACK_PASSWORDS["firetext"]),
        "Basic not-base64!!",
        "Bearer " + CALLBACK_PASSWORDS["firetext"],
    ],
)
def test_a_receipt_not_from_the_gateway_is_refused(db, client, sms_settings, authorization):
    message = sent_message("firetext")
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = post_receipt(client, "firetext", firetext_receipt(str(message.id)), **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert Message.objects.get(id=message.id).status == "sending"


@pytest.mark.parametrize(
    ("gateway", "body", "content_type"),
    [
        ("mmg", b"not json", "application/json"),
        ("mmg", b"[1, 2]", "application/json"),
        ("mmg", b'{"status": "3"}', "application/json"),
        ("mmg", b'{"status": "9", "CID": "x"}', "application/json"),
        ("mmg", b'{"status": {"a": 1}, "CID": "x"}', "application/json"),
        ("mmg", b"\xff\xfe", "application/json"),
        ("firetext", b"status=7&reference=x", "application/x-www-form-urlencoded"),
        ("firetext", b"reference=x", "application/x-www-form-urlencoded"),
        ("firetext", b"", "application/x-www-form-urlencoded"),
    ],
)
def test_a_garbled_receipt_is_answered_400_with_a_problem(
    db, client, sms_settings, gateway, body, content_type
):
    response = client.post(RECEIPTS[gateway], body, content_type, **as_gateway(gateway))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_receipt_must_be_posted(db, client, sms_settings):
    assert client.get(RECEIPTS["firetext"], **as_gateway("firetext")).status_code == 405


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gateway", ["firetext", "mmg"])
def test_a_received_text_is_stored_once_for_the_service_with_that_number(
    gateway, request, live_server, sms_settings
):
    sandbox = request.getfixturevalue(gateway)
    service = make_service(inbound_number="07700900999")
    other = make_service(inbound_number="07700900888")
    url = live_server.url + INBOUND[gateway]
    for _ in range(2):
        response = sandbox.send_inbound(
            url,
            password=CALLBACK_PASSWORDS[gateway],
            source="447700900123",
            destination="447700900999",
            text="STOP sending me texts: ŵ & 100%",
            reference="in-1",
            when="2026-12-03 08:00:00",
        )
        assert response.status_code == 200
    [received] = ReceivedTextMessage.objects.all()
    assert received.sending_service_id == service.id != other.id
    assert (received.provider, received.source_number, received.destination_number) == (
        gateway,
        "+447700900123",
        "07700900999",
    )
    assert received.content == "STOP sending me texts: ŵ & 100%"
    assert received.received_at.isoformat() == "2026-12-03T08:00:00+00:00"


def test_a_received_text_for_no_services_number_is_acknowledged_and_not_kept(
    db, client, sms_settings
):
    form = {
        "source": "447700900123",
        "destination": "447700900777",
        "message": "Hi",
        "time": "2026-12-03 08:00:00",
    }
    response = client.post(INBOUND["firetext"], form, **as_gateway("firetext"))
    assert response.status_code == 200
    assert ReceivedTextMessage.objects.count() == 0


def test_a_received_text_not_from_the_gateway_or_garbled_is_refused(db, client, sms_settings):
    make_service(inbound_number="07700900999")
    body = json.dumps(
        {"ID": "1", "MSISDN": "447700900123", "Number": "447700900999", "Message": "x"}
    )
    assert client.post(INBOUND["mmg"], body, "application/json").status_code == 401
    response = client.post(INBOUND["mmg"], b'{"ID": "1"}', "application/json", **as_gateway("mmg"))
    assert response.status_code == 400
    assert ReceivedTextMessage.objects.count() == 0


def test_a_received_text_queues_the_services_callback(db, client, sms_settings):
    make_service(
        inbound_number="07700900999",
        received_text_callback_url="https://example.org/texts",
        received_text_callback_token="a-long-enough-token",
    )
    form = {
        "source": "447700900123",
        "destination": "447700900999",
        "message": "Hi",
        "time": "2026-12-03 08:00:00",
    }
    for _ in range(2):
        assert client.post(INBOUND["firetext"], form, **as_gateway("firetext")).status_code == 200
    [callback] = Callback.objects.all()
    received = ReceivedTextMessage.objects.get()
    assert callback.kind == "received_text"
    assert callback.payload == {
        "id": str(received.id),
        "source_number": "+447700900123",
        "destination_number": "07700900999",
        "message": "Hi",
        "date_received": "2026-12-03T08:00:00.000000Z",
    }


def test_a_receipt_for_a_message_whose_send_timed_out_settles_it_without_another_send(
    db, client, firetext, mmg
):
    from django.utils import timezone

    firetext.hang_next = 1
    message = make_text_message()
    assert deliver_message(str(message.id)) == "retrying"  # pinned to Firetext
    firetext.release.set()
    response = post_receipt(
        client, "firetext", firetext_receipt(str(message.id)), **as_gateway("firetext")
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert (message.status, message.provider_reference) == ("delivered", str(message.id))
    Message.objects.filter(id=message.id).update(retry_at=timezone.now())
    assert deliver_message(str(message.id)) == "skipped"
    assert firetext.requests == 1
    assert mmg.requests == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_demo_command_posts_a_received_text_to_civitas(live_server, sms_settings):
    from io import StringIO

    from django.core.management import call_command

    sms_settings.PUBLIC_BASE_URL = live_server.url
    service = make_service(inbound_number="07700900999")
    output = StringIO()
    call_command(
        "smsgateway", "mmg", "--inbound", "Yes please", "--to", "447700900999", stdout=output
    )
    assert "answered 200" in output.getvalue()
    received = ReceivedTextMessage.objects.get()
    assert (received.sending_service_id, received.content) == (service.id, "Yes please")
