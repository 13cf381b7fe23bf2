"""The database dropping every connection while a worker sends (as a restart does) loses
no message, and sends none more than twice: at least once, with one Message-ID."""

import collections
import time

import pytest
from django.db import connection

from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from conftest import start_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MESSAGES = 300


def _drop_every_other_connection() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_connections_dropped_mid_delivery_lose_no_message(smtp_inbox, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("dropping the server's connections is PostgreSQL's")
    organisation = OrganisationFactory()
    for n in range(MESSAGES):
        queue_email(
            organisation_id=organisation.pk,
            idempotency_key=f"restart-{n}",
            about="REF",
            template="t",
            to=f"resident{n}@example.com",
            content=EmailContent(subject=f"Message {n}", text="Body\n", html="<p>Body</p>"),
        )
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "NOTIFY_LEASE_SECONDS": "2",
    }
    worker = start_worker(env, log_path=tmp_path / "worker.log")
    dropped = 0
    try:
        assert wait_until(lambda: len(smtp_inbox.messages) > 0)
        for _ in range(3):  # while it sends, the "restarts"
            dropped += _drop_every_other_connection()
            time.sleep(0.3)
        assert wait_until(
            lambda: Message.objects.filter(status=Message.Status.DELIVERED).count() == MESSAGES,
            timeout=90,
        ), (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(3)  # past another lease: nothing more must be sent
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert dropped > 0
    arrivals = collections.Counter(message["Message-ID"] for message in smtp_inbox.messages)
    assert len(arrivals) == MESSAGES
    assert max(arrivals.values()) <= 2
