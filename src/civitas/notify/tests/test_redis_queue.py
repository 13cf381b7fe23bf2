"""With REDIS_URL set, a committed message wakes the workers' dispatchers through Redis."""

import os
import subprocess
import sys
import time

import pytest
import redis

from civitas.notify.dispatch import WAKE_KEY
from civitas.notify.models import Message
from conftest import database_url_for_subprocess, start_worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    # Other tests count in this Redis database; these flush it.
    pytest.mark.xdist_group("redis"),
]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

QUEUE_ONE_EMAIL = """
from django.db import transaction
from civitas.identity.public import ensure_organisation
from civitas.notify.public import EmailContent, queue_email
with transaction.atomic():
    organisation = ensure_organisation(slug="example-borough", name="Example Borough Council")
    queue_email(organisation_id=organisation.id, idempotency_key="rq-test", about="REF",
                template="t", to="a@example.com",
                content=EmailContent(subject="Sent through Redis", text="Body", html="<p>Body</p>"))
"""


def test_an_email_queued_with_redis_wakes_a_worker_and_is_sent(smtp_inbox, settings):
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": database_url_for_subprocess(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "DJANGO_SETTINGS_MODULE": "civitas.settings",
    }
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + QUEUE_ONE_EMAIL],
        env=env,
        check=True,
    )
    # A wake-up on Redis, and no job in the database queue: the outbox row is the entry.
    assert connection.llen(WAKE_KEY) == 1

    worker = start_worker({k: env[k] for k in ("REDIS_URL", "EMAIL_HOST", "EMAIL_PORT")})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not smtp_inbox.messages:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        connection.flushdb()
    assert [m["Subject"] for m in smtp_inbox.messages] == ["Sent through Redis"]
    assert Message.objects.get().status == Message.Status.DELIVERED
