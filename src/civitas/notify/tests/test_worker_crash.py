"""A worker killed in the middle of sending loses no email and sends none twice."""

import signal
import time

import pytest

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from conftest import start_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_email_interrupted_by_a_killed_worker_is_delivered_exactly_once(smtp_inbox, settings):
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "NOTIFY_LEASE_SECONDS": "2",
        "EMAIL_TIMEOUT": "30",
    }
    # The SMTP server holds the first conversation open mid-way, after MAIL FROM.
    smtp_inbox.stall_next_recipient.set()
    queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key="crash-test",
        about="REF",
        template="t",
        to="a@example.com",
        content=EmailContent(subject="Crash test", text="Body\n", html="<p>Body</p>"),
    )

    first = start_worker(env)
    try:
        assert wait_until(lambda: Message.objects.get().status == Message.Status.SENDING)
        assert wait_until(lambda: not smtp_inbox.stall_next_recipient.is_set())  # it is talking
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    smtp_inbox.release_stall.set()
    assert smtp_inbox.messages == []  # the server never accepted the interrupted email

    second = start_worker(env)
    try:
        assert wait_until(lambda: Message.objects.get().status == Message.Status.DELIVERED), (
            second.stdout.read1().decode() if second.stdout else ""
        )
        time.sleep(3)  # past another lease: nothing more must be sent
    finally:
        second.terminate()
        second.wait(timeout=10)
    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0]["Subject"] == "Crash test"
    message = Message.objects.get()
    assert message.attempts == 2
