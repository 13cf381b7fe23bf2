"""The notifications' parts of /healthz: how long emails have waited, and the SMTP relay."""

import datetime

import pytest
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from civitas.platform.heartbeat import record_heartbeat
from conftest import _free_port

pytestmark = pytest.mark.django_db


def _queue_email_created_seconds_ago(seconds: int) -> None:
    message = queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key=f"waiting-{seconds}",
        about="REF",
        template="t",
        to="a@example.com",
        content=EmailContent(subject="Waiting", text="Body", html="<p>Body</p>"),
    )
    Message.objects.filter(id=message.id).update(
        created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


@pytest.fixture(autouse=True)
def _a_live_worker(db):
    record_heartbeat(worker_id="host-41")


def test_healthz_answers_503_when_an_email_has_waited_longer_than_the_limit(
    client, settings, smtp_inbox
):
    settings.NOTIFY_DELAY_ALERT_SECONDS = 600
    _queue_email_created_seconds_ago(700)
    response = client.get("/healthz")
    assert response.status_code == 503
    messages = response.json()["messages"]
    assert messages["status"] == "delayed"
    assert 700 <= messages["oldest_waiting_seconds"] < 720


def test_healthz_reports_how_long_the_oldest_email_has_waited_within_the_limit(
    client, settings, smtp_inbox
):
    settings.NOTIFY_DELAY_ALERT_SECONDS = 600
    _queue_email_created_seconds_ago(30)
    _queue_email_created_seconds_ago(90)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["messages"]["status"] == "ok"
    assert 90 <= response.json()["messages"]["oldest_waiting_seconds"] < 110


def test_sent_and_failed_emails_are_not_waiting(client, settings, smtp_inbox):
    settings.NOTIFY_DELAY_ALERT_SECONDS = 600
    _queue_email_created_seconds_ago(700)
    _queue_email_created_seconds_ago(800)
    first, second = Message.objects.order_by("created_at")
    Message.objects.filter(id=first.id).update(status=Message.Status.DELIVERED)
    Message.objects.filter(id=second.id).update(status=Message.Status.TECHNICAL_FAILURE)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["messages"] == {"status": "ok", "oldest_waiting_seconds": 0}


def test_healthz_reports_an_unreachable_smtp_relay_as_degraded(client, settings):
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["smtp"] == {"status": "down", "error": "ConnectionRefusedError"}


def test_healthz_reports_a_reachable_smtp_relay(client, smtp_inbox):
    response = client.get("/healthz")
    assert response.json()["smtp"] == {"status": "ok"}
    assert smtp_inbox.messages == []  # it only says hello
