"""A Redis outage delays emails but loses none, sends none twice, and stops no worker."""

import datetime
import os
import signal
import subprocess
import time

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.identity.tests.factories import OrganisationFactory
from civitas.journeys.tests.test_api import post, valid_answers
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from civitas.platform.models import WorkerHeartbeat
from conftest import start_worker, wait_until
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _stop(worker: subprocess.Popen, tmp_path) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)  # with the scheduler and job processes it forked
        worker.wait()
        pytest.fail("the worker did not stop when asked:\n" + _log(tmp_path))


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text()[-3000:]


def _queue(key: str, subject: str) -> Message:
    return queue_email(
        organisation_id=OrganisationFactory().pk,
        idempotency_key=key,
        about="REF",
        template="t",
        to="a@example.com",
        content=EmailContent(subject=subject, text="Body\n", html="<p>Body</p>"),
    )


def _use_redis(settings, url: str) -> None:
    """This process queues jobs on RQ at `url`, as it would with REDIS_URL set."""
    settings.REDIS_URL = url
    settings.RQ_QUEUES = {name: {"URL": url} for name in settings.TASK_QUEUES}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
    }


def test_a_submission_made_while_redis_is_down_is_acknowledged_and_emailed_once_it_returns(
    client, parking_permit, smtp_inbox, settings, tmp_path, api_headers, payments
):
    settings.NOTIFY_LEASE_SECONDS = 1
    with RedisServer() as redis_server:
        _use_redis(settings, redis_server.url)
        redis_server.kill()
        response = post(
            client, api_headers, {"version": 1, "answers": valid_answers(), "declaration": True}
        )
        # It committed: a 500 here would make the client retry and apply twice.
        assert response.status_code == 201, response.content
        reference = response.json()["reference"]
        assert Case.objects.get().reference == reference
        # Paid while Redis is still down: the confirmation and the receipt are queued.
        payments.pay(reference)
        assert [message.status for message in Message.objects.all()] == [Message.Status.CREATED] * 2

        redis_server.start()
        env = {
            "REDIS_URL": redis_server.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            "NOTIFY_LEASE_SECONDS": "1",
        }
        worker = start_worker(env, log_path=tmp_path / "worker.log")
        try:
            assert wait_until(lambda: len(smtp_inbox.messages) == 2), _log(tmp_path)
            time.sleep(2.5)  # past two more leases: nothing more must be sent
        finally:
            _stop(worker, tmp_path)
    assert len(smtp_inbox.messages) == 2
    assert all(reference in message["Subject"] for message in smtp_inbox.messages)
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.DELIVERED}


def test_a_worker_survives_redis_dying_mid_send_and_delivers_after_it_returns(
    smtp_inbox, settings, tmp_path
):
    settings.NOTIFY_LEASE_SECONDS = 1  # the sweep puts messages on the Redis queue at once
    with RedisServer() as redis_server:
        env = {
            "REDIS_URL": redis_server.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            "NOTIFY_LEASE_SECONDS": "1",
        }
        smtp_inbox.stall_next_recipient.set()
        _queue("before-outage", "Before the outage")
        worker = start_worker(env, log_path=tmp_path / "worker.log")
        try:
            # Redis goes away while the worker is in the middle of a job.
            assert wait_until(lambda: not smtp_inbox.stall_next_recipient.is_set())
            redis_server.kill()
            smtp_inbox.release_stall.set()
            assert wait_until(lambda: len(smtp_inbox.messages) == 1)
            _queue("during-outage", "During the outage")
            time.sleep(4)
            assert worker.poll() is None, _log(tmp_path)
            # Still sweeping: its heartbeat says so, though it cannot reach Redis.
            beat = WorkerHeartbeat.objects.get().beat_at
            assert timezone.now() - beat < datetime.timedelta(seconds=10)

            redis_server.start()
            assert wait_until(lambda: len(smtp_inbox.messages) == 2, timeout=60), (
                tmp_path / "worker.log"
            ).read_text()[-3000:]
            time.sleep(2)  # past another lease: nothing more must be sent
        finally:
            _stop(worker, tmp_path)
    assert sorted(m["Subject"] for m in smtp_inbox.messages) == [
        "Before the outage",
        "During the outage",
    ]
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.DELIVERED}


def test_a_worker_started_while_redis_is_down_waits_for_it(smtp_inbox, settings, tmp_path):
    settings.NOTIFY_LEASE_SECONDS = 1
    with RedisServer() as redis_server:
        redis_server.kill()
        env = {
            "REDIS_URL": redis_server.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            "NOTIFY_LEASE_SECONDS": "1",
        }
        worker = start_worker(env, log_path=tmp_path / "worker.log")
        try:
            _queue("while-redis-is-down", "Queued while Redis was down")
            # The dispatcher finds the message in the outbox without Redis's wake-up.
            assert wait_until(lambda: len(smtp_inbox.messages) == 1, timeout=30), _log(tmp_path)
            time.sleep(2)
            assert worker.poll() is None, _log(tmp_path)
            redis_server.start()
            # RQ is back, with its scheduler (asked to stop while starting, RQ can hang).
            assert wait_until(lambda: "Scheduler for" in _log(tmp_path), timeout=60), _log(tmp_path)
            time.sleep(1)
        finally:
            _stop(worker, tmp_path)
        # Asked to stop, it stops: it does not take the signal for another outage.
        assert worker.returncode == 0, _log(tmp_path)
