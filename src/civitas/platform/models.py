import uuid

from django.db import models


class AuditEvent(models.Model):
    """Who did what to which object, appended and never edited.

    `details` must not hold personal data: name the object by its id or reference.
    """

    class ActorType(models.TextChoices):
        CITIZEN = "citizen"
        STAFF = "staff"
        SYSTEM = "system"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    organisation = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    details = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "occurred_at"]),
            # An organisation's trail, newest first, read a page at a time by key.
            models.Index(
                fields=["organisation", "-occurred_at", "-id"], name="audit_by_organisation"
            ),
        ]
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class RateLimitCounter(models.Model):
    """One window of one rate limit, when the limiter counts in the database.

    The key names the scope in clear and the thing counted (an account, an address) only by
    its pseudonym. A window that has ended is started again by the next hit; a periodic job
    deletes the rest.
    """

    key = models.CharField(max_length=200, primary_key=True)
    hits = models.PositiveIntegerField()
    # Seconds since the epoch, as the limiter's strategies reckon time.
    expires_at_epoch_seconds = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.key


class WorkerHeartbeat(models.Model):
    """A worker process saying it is alive, every few seconds (`civitas worker`).

    In the database rather than Redis, so that /healthz can tell a running worker from none
    whichever queue the jobs use, and while Redis itself is down.
    """

    worker_id = models.CharField(max_length=64, primary_key=True, help_text="host-pid")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%H:%M:%S}"


class KeyRotation(models.Model):
    """Re-sealing everything encrypted under the current field encryption key, after a new
    key was put first in FIELD_ENCRYPTION_KEYS (`civitas keys rotate`). One per key."""

    key_id = models.CharField(max_length=16, unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"rotation to key {self.key_id}"


class KeyRotationStep(models.Model):
    """One kind of sealed data of a rotation (a table's encrypted columns, a folder of
    files, the search digests), re-sealed a batch at a time; `cursor` is where the next
    batch starts, so a rotation stopped anywhere carries on from there."""

    rotation = models.ForeignKey(KeyRotation, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=100)
    cursor = models.CharField(max_length=100, blank=True, default="")
    resealed = models.PositiveBigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True)
    advanced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rotation", "name"], name="key_rotation_step_once")
        ]

    def __str__(self) -> str:
        return self.name
