"""The insights domain's tables: journey events, their rollups, feedback, and the figures
a service owner enters (volumes by other channels, costs per channel)."""

from django.db import models


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
