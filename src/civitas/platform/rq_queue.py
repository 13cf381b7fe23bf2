"""The Redis queue's class: a plain job is put on it in one round trip (decision 0034).

Handed no pipeline (and django-tasks-rq hands it none), RQ first adds the queue's name to
its set of queues in one round trip, then writes the job and pushes its id in a second.
Given a pipeline it sends all of it at once, as one MULTI/EXEC; this queue gives it one
for each plain job. A job with dependencies or a rate limit, a unique one, or one for a
queue that runs jobs at once (tests) takes RQ's own path, unchanged.
"""

from typing import Any

from django_rq.queues import DjangoRQ
from rq.job import Job


class OneTripQueue(DjangoRQ):
    def enqueue_job(
        self, job: Job, pipeline: Any = None, at_front: bool = False, unique: bool = False
    ) -> Job:
        if (
            pipeline is not None
            or unique
            or job._dependency_ids
            or job.has_rate_limit
            or not self._is_async
        ):
            return super().enqueue_job(job, pipeline=pipeline, at_front=at_front, unique=unique)
        with self.connection.pipeline() as pipe:
            enqueued = super().enqueue_job(job, pipeline=pipe, at_front=at_front)
            pipe.execute()
        return enqueued
