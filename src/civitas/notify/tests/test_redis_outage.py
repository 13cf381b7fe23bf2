"""A Redis outage delays emails but loses none, sends none twice, and stops no worker."""

import os
import subprocess
import sys
import time

import pytest

from civitas.cases.models import Case
from civitas.journeys.tests.test_api import post, valid_answers
from civitas.notify.models import Message
from civitas.notify.public import EmailContent, queue_email
from conftest import database_url_for_subprocess
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _wait(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _start_worker(env_extra: dict[str, str], log_path) -> subprocess.Popen:
    # The log goes to a file: a worker retrying a lost connection writes more than a pipe
    # nobody reads can hold.
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), **env_extra}
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "civitas.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text()[-3000:]


def _queue(key: str, subject: str) -> Message:
    return queue_email(
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
    client, parking_permit, smtp_inbox, settings, tmp_path
):
    settings.NOTIFY_LEASE_SECONDS = 1
    with RedisServer() as redis_server:
        _use_redis(settings, redis_server.url)
        redis_server.kill()
        response = post(client, {"version": 1, "answers": valid_answers(), "declaration": True})
        # It committed: a 500 here would make the client retry and apply twice.
        assert response.status_code == 201, response.content
        reference = response.json()["reference"]
        assert Case.objects.get().reference == reference
        assert Message.objects.get().status == Message.Status.QUEUED

        redis_server.start()
        env = {
            "REDIS_URL": redis_server.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            "NOTIFY_LEASE_SECONDS": "1",
        }
        worker = _start_worker(env, tmp_path / "worker.log")
        try:
            assert _wait(lambda: len(smtp_inbox.messages) == 1), _log(tmp_path)
            time.sleep(2.5)  # past two more leases: nothing more must be sent
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    assert len(smtp_inbox.messages) == 1
    assert reference in smtp_inbox.messages[0]["Subject"]
    assert Message.objects.get().status == Message.Status.SENT
