from django.db import models


class ServiceVersion(models.Model):
    """One published version of a service definition. Versions are never edited."""

    class Status(models.TextChoices):
        LIVE = "live"
        RETIRED = "retired"
        # Published for its organisation's staff to preview; never served to citizens
        # until promoted (docs/decisions/0020-journeys-finish-on-their-version.md).
        DRAFT = "draft"
        # Taken back: journeys begun on it start again on the live version.
        WITHDRAWN = "withdrawn"

    # Service slugs are unique within an organisation: two councils can each publish a
    # `resident-parking-permit` (docs/decisions/0007-organisations-in-urls.md).
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    slug = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    source = models.TextField(help_text="The YAML exactly as published.")
    sha256 = models.CharField(max_length=64)
    definition = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug", "version"], name="service_version_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation", "slug"],
                condition=models.Q(status="live"),
                name="one_live_version_per_service",
            ),
        ]
        indexes = [models.Index(fields=["status", "slug"])]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.slug} v{self.version}"
