"""A worker killed while a gateway holds its request sends no text message twice."""

import signal
import time

import pytest

from civitas.notify.models import Message
from civitas.notify.tests.conftest import FIRETEXT_KEY, MMG_KEY, make_text_message
from conftest import start_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_text_interrupted_by_a_killed_worker_is_sent_exactly_once(firetext, mmg):
    env = {
        "FIRETEXT_URL": firetext.url,
        "FIRETEXT_API_KEY": FIRETEXT_KEY,
        "FIRETEXT_TIMEOUT_SECONDS": "30",
        "MMG_URL": mmg.url,
        "MMG_API_KEY": MMG_KEY,
        "NOTIFY_LEASE_SECONDS": "2",
    }
    # Firetext takes the message and holds its answer: the worker dies not knowing.
    firetext.hang_next = 1
    message = make_text_message()
    Message.objects.filter(id=message.id).update(retry_at=message.created_at)

    first = start_worker(env)
    try:
        assert wait_until(lambda: firetext.requests == 1)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    firetext.release.set()
    assert list(firetext.accepted) == [str(message.id)]
    assert Message.objects.get(id=message.id).sent_at is None

    second = start_worker(env)
    try:
        assert wait_until(lambda: Message.objects.get(id=message.id).sent_at is not None), (
            second.stdout.read1().decode() if second.stdout else ""
        )
        time.sleep(3)  # past another lease: nothing more must be sent
    finally:
        second.terminate()
        second.wait(timeout=10)
    message.refresh_from_db()
    assert (message.status, message.provider, message.attempts) == ("sending", "firetext", 2)
    # Asked twice with one client reference: one text message, and none through MMG.
    assert firetext.requests == 2
    assert list(firetext.accepted) == [str(message.id)]
    assert mmg.accepted == {}
