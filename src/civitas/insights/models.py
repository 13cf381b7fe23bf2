"""The insights domain's tables: journey events, their rollups, feedback, and the figures
a service owner enters (volumes by other channels, costs per channel)."""

from django.db import models


class JourneyEvent(models.Model):
    """One thing that happened in a journey, as the server saw it.

    No personal data: a journey is named by a random key kept in its own session (never
    a cookie of its own, never linked to a person or an account), a page or question by
    its id in the definition, never an answer. Written in batches (recording.py), read
    only by the rollup job, which goes through them once in `id` order.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField()
    # When the batch was written: the rollup job leaves the latest few seconds' rows,
    # whose lower ids may belong to a batch not yet committed.
    recorded_at = models.DateTimeField()
    organisation = models.SlugField(max_length=60)
    service_slug = models.SlugField(max_length=60)
    journey_key = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)
    # The page reached, or the page of the question refused (validation errors).
    page = models.CharField(max_length=60, blank=True, default="")
    question = models.CharField(max_length=60, blank=True, default="")
    channel = models.CharField(max_length=12)
    language = models.CharField(max_length=8)
    device = models.CharField(max_length=8)

    def __str__(self) -> str:
        return f"{self.kind} {self.service_slug} {self.occurred_at:%Y-%m-%d}"


class JourneyProgress(models.Model):
    """Where one journey has got to: what the rollup job needs to know of it between
    batches (when it started, its last activity and page) to time its completion and to
    find it abandoned. Open journeys only stay here; a finished one is deleted."""

    journey_key = models.CharField(max_length=32, primary_key=True)
    organisation = models.SlugField(max_length=60)
    service_slug = models.SlugField(max_length=60)
    channel = models.CharField(max_length=12)
    started_at = models.DateTimeField()
    last_active_at = models.DateTimeField()
    last_page = models.CharField(max_length=60, blank=True, default="")
    # The pages it has reached, space-separated: each is counted once per journey.
    pages_reached = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["last_active_at"], name="journey_progress_idle")]

    def __str__(self) -> str:
        return f"journey {self.service_slug} since {self.started_at:%Y-%m-%d}"


class DailyCount(models.Model):
    """One count of one service on one day, by channel: how many journeys started,
    submitted or were abandoned, reached a page, met an error on a question, or took a
    time to complete within one histogram bucket. What every figure is summed from.

    `measure` names what is counted; `key` what it is counted by (the page or question
    id, the bucket's number, the language, the device class; "" for plain counts).
    """

    organisation = models.SlugField(max_length=60)
    service_slug = models.SlugField(max_length=60)
    # "day", or "month" (`day` is then the month's first): a month, quarter or year is
    # summed from a dozen monthly rows rather than hundreds of daily ones.
    span = models.CharField(max_length=5, default="day")
    day = models.DateField()
    channel = models.CharField(max_length=12)
    measure = models.CharField(max_length=20)
    key = models.CharField(max_length=60, blank=True, default="")
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service_slug", "organisation", "span", "day", "channel", "measure", "key"],
                name="daily_count_unique",
            )
        ]
        indexes = [
            # What the figures read, count included: no row is visited for its count.
            # By measure before day: the weekly series reads three measures' days of a
            # year, not every measure's.
            models.Index(
                fields=[
                    "service_slug",
                    "span",
                    "measure",
                    "day",
                    "organisation",
                    "channel",
                    "key",
                    "count",
                ],
                name="daily_count_figures",
            ),
            # The rollup of cases replaces a month's counts of its measures, whatever
            # the service.
            models.Index(fields=["measure", "day"], name="daily_count_by_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.service_slug} {self.day} {self.measure} {self.key}: {self.count}"


class RollupCursor(models.Model):
    """How far the rollup job has gone through the events: the id of the last one it
    counted. Moved in the transaction that adds their counts, so each event is counted
    once however often (and in however many workers) the job runs."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_event_id}"


class Feedback(models.Model):
    """One answer to the satisfaction question, or one report of a page not working, with
    its comment scrubbed of personal data (insights/scrubbing.py): the words as typed are
    never stored. Nothing here says who sent it."""

    class Kind(models.TextChoices):
        SATISFACTION = "satisfaction"
        PROBLEM = "problem"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # None: a report from a page that belongs to no service (the home page, say).
    organisation_id = models.BigIntegerField(null=True)
    service_slug = models.SlugField(max_length=60, blank=True)
    satisfaction = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    was_truncated = models.BooleanField(default=False)
    # Which page a report came from: the route's name and the service's page id.
    page = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=8, default="en")
    received_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The service owner's list: newest first, a page at a time by key.
            models.Index(
                fields=["organisation_id", "-received_at", "-id"], name="feedback_by_organisation"
            ),
            models.Index(fields=["service_slug", "received_at"], name="feedback_by_service"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feedback {self.pk} on {self.service_slug or 'no service'}"


class ChannelVolume(models.Model):
    """How many transactions reached a service by a channel the platform does not see
    (post, phone, in person) in one calendar month, as its owner entered them."""

    organisation_id = models.BigIntegerField()
    service_slug = models.SlugField(max_length=60)
    month = models.DateField()  # the month's first day
    channel = models.CharField(max_length=16)
    transactions = models.PositiveIntegerField()
    entered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "service_slug", "month", "channel"],
                name="channel_volume_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_slug} {self.month:%Y-%m} {self.channel}: {self.transactions}"


class ChannelCost(models.Model):
    """What one transaction by a channel costs a service, as its owner set it."""

    organisation_id = models.BigIntegerField()
    service_slug = models.SlugField(max_length=60)
    channel = models.CharField(max_length=16)
    cost_pence = models.PositiveIntegerField()
    set_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "service_slug", "channel"], name="channel_cost_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_slug} {self.channel}: {self.cost_pence}p"
