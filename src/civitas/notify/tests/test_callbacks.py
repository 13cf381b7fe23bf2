"""Services' callbacks: posted to a real local server with the bearer token, in GOV.UK
Notify's shapes, retried with back-off, never sent where no URL is set."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civitas.notify.callbacks import (
    CallbackRefused,
    backoff,
    check_callback,
    deliver_callback,
    requeue_due_callbacks,
)
from civitas.notify.delivery import deliver_message
from civitas.notify.models import Callback, Message, SendingService
from civitas.notify.tests.conftest import make_service, make_text_message
from conftest import run_queued_jobs

TOKEN = "service-bearer-token-123"


def service_with_callback(server, **fields) -> SendingService:
    return make_service(
        delivery_status_callback_url=server.url("/status"),
        delivery_status_callback_token=TOKEN,
        **fields,
    )


def test_a_final_status_is_posted_to_the_service_with_its_bearer_token(
    db, callback_server, firetext
):
    message = make_text_message(service_with_callback(callback_server))
    deliver_message(str(message.id))  # "sending": not reported
    assert Callback.objects.count() == 0
    Message.objects.filter(id=message.id).update(status="delivered", completed_at=timezone.now())
    from civitas.notify.callbacks import queue_status_callback

    queue_status_callback(Message.objects.get(id=message.id))
    run_queued_jobs()
    [request] = callback_server.received
    assert request["authorization"] == f"Bearer {TOKEN}"
    assert request["content_type"] == "application/json"
    message.refresh_from_db()
    assert request["json"] == {
        "id": str(message.id),
        "reference": "their-ref",
        "to": "+447700900123",
        "status": "delivered",
        "created_at": message.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "completed_at": message.completed_at.astimezone(datetime.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"
        ),
        "sent_at": message.sent_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "notification_type": "sms",
        "template_id": str(message.notify_template_id),
        "template_version": 1,
    }
    assert Callback.objects.get().delivered_at is not None


def test_a_gateways_receipt_queues_the_status_callback_once(
    db, client, callback_server, sms_settings
):
    from civitas.notify.tests.test_sms_reports import as_gateway, firetext_receipt, post_receipt

    message = make_text_message(service_with_callback(callback_server))
    Message.objects.filter(id=message.id).update(
        status="sending", provider="firetext", provider_reference=str(message.id)
    )
    for _ in range(2):
        post_receipt(
            client, "firetext", firetext_receipt(str(message.id)), **as_gateway("firetext")
        )
    run_queued_jobs()
    assert [request["json"]["status"] for request in callback_server.received] == ["delivered"]


def test_a_message_that_fails_for_good_is_reported(db, callback_server, firetext):
    message = make_text_message(service_with_callback(callback_server), to="+12025550123")
    assert deliver_message(str(message.id)) == "failed"
    run_queued_jobs()
    [request] = callback_server.received
    assert request["json"]["status"] == "permanent-failure"


def test_a_callback_answered_500_is_tried_again_after_a_back_off(db, callback_server, settings):
    callback_server.fail_next = 1
    message = make_text_message(service_with_callback(callback_server))
    Message.objects.filter(id=message.id).update(status="delivered", completed_at=timezone.now())
    from civitas.notify.callbacks import queue_status_callback

    callback = queue_status_callback(Message.objects.get(id=message.id))
    assert callback is not None
    assert deliver_callback(str(callback.id), 0) == "retrying"
    callback.refresh_from_db()
    assert (callback.attempts, callback.last_error, callback.delivered_at) == (1, "http-500", None)
    assert callback.retry_at > timezone.now() + datetime.timedelta(seconds=25)
    # Not due yet: the sweep leaves it; once due, it queues it and it goes.
    assert requeue_due_callbacks() == 0
    Callback.objects.filter(id=callback.id).update(retry_at=timezone.now())
    assert requeue_due_callbacks() == 1
    run_queued_jobs()
    callback.refresh_from_db()
    assert callback.delivered_at is not None
    assert callback.attempts == 2
    assert [request["status"] for request in callback_server.received] == [500, 200]


def test_a_second_job_for_the_same_attempt_does_nothing(db, callback_server):
    message = make_text_message(service_with_callback(callback_server))
    Message.objects.filter(id=message.id).update(status="delivered")
    from civitas.notify.callbacks import queue_status_callback

    callback = queue_status_callback(Message.objects.get(id=message.id))
    assert deliver_callback(str(callback.id), 0) == "delivered"
    assert deliver_callback(str(callback.id), 0) == "skipped"
    assert len(callback_server.received) == 1


def test_a_callback_refused_with_a_4xx_or_failing_every_try_is_given_up(db, sms_settings):
    sms_settings.NOTIFY_CALLBACK_MAX_ATTEMPTS = 2
    from conftest import _free_port

    service = make_service(
        delivery_status_callback_url=f"http://127.0.0.1:{_free_port()}/status",
        delivery_status_callback_token=TOKEN,
    )
    message = make_text_message(service)
    Message.objects.filter(id=message.id).update(status="delivered")
    from civitas.notify.callbacks import queue_status_callback

    callback = queue_status_callback(Message.objects.get(id=message.id))
    assert deliver_callback(str(callback.id), 0) == "retrying"
    assert deliver_callback(str(callback.id), 1) == "failed"
    callback.refresh_from_db()
    assert callback.failed
    assert callback.last_error == "ConnectionError"


def test_nothing_is_queued_for_a_service_without_a_callback_url(db, firetext):
    message = make_text_message(make_service())
    Message.objects.filter(id=message.id).update(status="delivered")
    from civitas.notify.callbacks import queue_status_callback

    assert queue_status_callback(Message.objects.get(id=message.id)) is None
    assert Callback.objects.count() == 0


def test_the_back_off_doubles_up_to_six_hours(settings):
    settings.NOTIFY_CALLBACK_BACKOFF_SECONDS = 30
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == datetime.timedelta(hours=6)


@pytest.mark.parametrize(
    ("url", "token", "local_http", "problem"),
    [
        ("https://example.org/cb", "0123456789", False, None),
        ("http://example.org/cb", "0123456789", False, "https"),
        ("http://example.org/cb", "0123456789", True, "https"),
        ("http://127.0.0.1:8000/cb", "0123456789", False, "https"),
        ("http://127.0.0.1:8000/cb", "0123456789", True, None),
        ("http://localhost/cb", "0123456789", True, None),
        ("https://example.org/cb", "short", False, "10 characters"),
        ("https://user:pw@example.org/cb", "0123456789", False, "user name"),
        ("example.org/cb", "0123456789", False, "full"),
        ("ftp://example.org/cb", "0123456789", False, "https"),
    ],
)
def test_callback_urls_must_be_https_and_tokens_ten_characters(
    settings, url, token, local_http, problem
):
    settings.NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP = local_http
    if problem is None:
        check_callback(url, token)
    else:
        with pytest.raises(CallbackRefused, match=problem):
            check_callback(url, token)


def test_the_command_sets_the_inbound_number_and_callbacks(db, monkeypatch, settings):
    settings.NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP = False
    service = make_service()
    monkeypatch.setenv("CALLBACK_BEARER_TOKEN", TOKEN)
    call_command(
        "textmessaging",
        str(service.id),
        "--inbound-number",
        "+44 7700 900999",
        "--delivery-status-callback",
        "https://example.org/status",
        "--received-text-callback",
        "https://example.org/texts",
    )
    service.refresh_from_db()
    assert service.inbound_number == "07700900999"
    assert service.delivery_status_callback_url == "https://example.org/status"
    assert service.delivery_status_callback_token == TOKEN
    assert service.received_text_callback_token == TOKEN
    with pytest.raises(CommandError, match="https"):
        call_command("textmessaging", str(service.id), "--delivery-status-callback", "http://x.org")
    with pytest.raises(CommandError, match="already has"):
        call_command("textmessaging", str(make_service().id), "--inbound-number", "07700900999")
    call_command("textmessaging", str(service.id), "--delivery-status-callback", "")
    service.refresh_from_db()
    assert (service.delivery_status_callback_url, service.delivery_status_callback_token) == (
        "",
        "",
    )


def test_a_callback_url_that_is_not_https_is_not_posted_to_even_if_stored(
    db, callback_server, settings
):
    message = make_text_message(service_with_callback(callback_server))
    Message.objects.filter(id=message.id).update(status="delivered")
    from civitas.notify.callbacks import queue_status_callback

    callback = queue_status_callback(Message.objects.get(id=message.id))
    settings.NOTIFY_CALLBACK_ALLOW_LOCAL_HTTP = False
    assert deliver_callback(str(callback.id), 0) == "failed"
    assert callback_server.received == []


def test_queueing_a_status_already_queued_does_not_fail_the_callers_transaction(
    db, callback_server
):
    from django.db import transaction

    from civitas.notify.callbacks import _queue

    message = make_text_message(service_with_callback(callback_server))
    Message.objects.filter(id=message.id).update(status="delivered")
    service = SendingService.objects.get(id=message.sending_service_id)
    with transaction.atomic():
        assert _queue(service, "delivery_status", "same-key", {}) is not None
        assert _queue(service, "delivery_status", "same-key", {}) is None
        Message.objects.filter(id=message.id).update(status="delivered")  # still usable
    assert Callback.objects.count() == 1
