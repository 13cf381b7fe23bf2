"""A job goes on the Redis queue in one round trip, and is the job RQ would have queued."""

import pytest
import redis
from redis.client import Pipeline
from rq.job import Job, JobStatus

from civitas.platform.rq_queue import OneTripQueue
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow
QUEUE = "email"


@pytest.fixture
def connection():
    """A Redis of the test's own: what it counts and the jobs it queues are its alone
    (the shared test Redis has workers of other tests on it, and their registries)."""
    with RedisServer() as server:
        yield server.client()


def _round_trips(monkeypatch) -> list[str]:
    trips: list[str] = []
    command, execute = redis.Redis.execute_command, Pipeline.execute

    def counted_command(self, *args, **options):
        if not isinstance(self, Pipeline):
            trips.append(str(args[0]))
        return command(self, *args, **options)

    def counted_execute(self, *args, **kwargs):
        trips.append("pipeline")
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
    monkeypatch.setattr(Pipeline, "execute", counted_execute)
    return trips


def test_a_job_is_queued_in_one_round_trip(connection, monkeypatch):
    queue = OneTripQueue(QUEUE, connection=connection)
    queue.enqueue_job(queue.create_job("os.getcwd"))  # the first asks Redis its version
    trips = _round_trips(monkeypatch)
    job = queue.enqueue_job(queue.create_job("os.getcwd"))
    assert trips == ["pipeline"]
    assert connection.lrange(f"rq:queue:{QUEUE}", 0, -1)[-1].decode() == job.id
    assert connection.sismember("rq:queues", f"rq:queue:{QUEUE}")
    stored = Job.fetch(job.id, connection=connection)
    assert stored.get_status() == JobStatus.QUEUED
    assert stored.func_name == "os.getcwd"


def test_a_job_that_waits_for_another_takes_rqs_own_path(connection):
    queue = OneTripQueue(QUEUE, connection=connection)
    first = queue.enqueue_job(queue.create_job("os.getcwd"))
    second = queue.enqueue_job(queue.create_job("os.getcwd", depends_on=first))
    assert second.get_status() == JobStatus.DEFERRED
    assert connection.llen(f"rq:queue:{QUEUE}") == 1
